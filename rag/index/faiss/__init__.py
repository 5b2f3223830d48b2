"""The default store: one folder per collection under the data dir, FAISS + JSON chunks, committed atomically."""
