"""Command line: `python -m rag ingest|search|ask|eval|list|remove|collections|copy-to-qdrant`."""
