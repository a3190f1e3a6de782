"""Retrieval, fusion, code aggregation and citations over a built index."""

from assistant.assistant import Assistant

__all__ = ["Assistant"]
