"""The index and its stores: embedding models, BM25, FAISS (default) and Qdrant behind one interface."""
