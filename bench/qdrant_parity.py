"""The Qdrant store against the FAISS collection on the same passages and vectors: retrieval scores and latency.

    python bench/qdrant_parity.py --data-dir DATA [--collection default] QA.jsonl [QA2.jsonl ...]

Copies a FAISS collection (built by `python -m rag ingest`) into Qdrant's embedded local mode in a temporary
folder (as `python -m rag copy-to-qdrant` does, but without touching DATA), reusing its vectors (nothing is
embedded again), then runs each question set through both with the default retrieval, as `python -m rag eval`
does, and prints one comparison table per set. Query embeddings are computed once and shared, so the latency
columns compare the stores, not the embedding model.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bench.retrieval_sweep import CachedQueries  # noqa: E402
from config.settings import Settings  # noqa: E402
from rag.index.faiss.collection import Collection  # noqa: E402
from rag.index.qdrant.collection import QdrantCollection  # noqa: E402
from rag.index.store import KnowledgeBase  # noqa: E402
from rag.search.evaluation import comparison_table, evaluate, load_questions  # noqa: E402
from rag.search.retrieval import concat_query, search  # noqa: E402

K = 5


def copy_to_qdrant(source: Collection, settings: Settings) -> QdrantCollection:
    """The documents of `source`, with their chunks and vectors, in a new Qdrant collection of the same name."""
    target = QdrantCollection.open(settings, source.name, source.embedding)
    for doc, chunks, vectors, _ in source.exported():
        target.add_embedded(doc, chunks, vectors)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--collection", default="default")
    parser.add_argument("questions", type=Path, nargs="+")
    args = parser.parse_args()

    faiss = Collection.open(args.data_dir, args.collection)
    faiss.embedding = replace(faiss.embedding.loaded(), embeddings=CachedQueries(faiss.embedding.embeddings))
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), vector_store="qdrant")
        started = time.perf_counter()
        qdrant = copy_to_qdrant(faiss, settings)
        print(f"Copied {qdrant.chunk_count()} chunks of {len(qdrant.documents())} documents to Qdrant (local mode) "
              f"in {time.perf_counter() - started:.1f} s.\n")  # fmt: skip
        stores: dict[str, KnowledgeBase] = {"faiss": faiss, "qdrant (local mode)": qdrant}
        for path in args.questions:
            questions = load_questions(path)
            for item in questions:  # warm the shared query-embedding cache, so latencies compare the stores
                faiss.embedding.embed_query(concat_query(item["question"], item.get("history") or []))
            reports = {
                name: evaluate(
                    lambda q, h, s=store: search(s, q, concat_query(q, h), K),
                    questions,
                    K,
                )
                for name, store in stores.items()
            }
            print(f"{path} (k = {K}, default hybrid retrieval, query embeddings cached)\n")
            print(comparison_table(reports) + "\n")


if __name__ == "__main__":
    main()
