"""ICD-10-PCS codes composed from their seven axes, as a coder builds them."""
