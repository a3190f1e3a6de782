"""Sources -> immutable code records -> chunks with provenance."""
