"""Coding knowledge as curated, versioned data with small typed loaders."""
