"""Search: dense and BM25 rankings fused, answer types, coverage, reranking, evaluation."""
