"""Text embedders: one small interface, one short file per backend."""
