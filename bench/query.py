"""Query latency over collections of 1k, 10k and 100k chunks, and what a collection costs in memory.

    python bench/query.py [--sizes 1000,10000,100000] [--queries 100] [--precision P] [--threads T]

Chunks are real passages of the corpus (chunked with the e5-small-shaped model's tokenizer), repeated to reach
each size; vectors are synthetic (normalised, clustered around a few hundred topics like real embeddings), so no
ingestion is needed. Each collection is written to disk with the real storage code (FAISS file, chunk store, BM25
file) and opened with `Collection.open`; a search is `rag.search.retrieval.search` with the default options (hybrid: the
question embedded with the e5-shaped model, dense top 50 + BM25 top 50 fused by RRF, coverage signals).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
from machine import describe_machine, load_average, shaped_model_path  # noqa: E402

SHARED = HERE.parent.parent / "shared"


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def corpus_chunks(model) -> list:
    from rag.documents.chunking import chunk_document
    from rag.documents.pdf import load_pdf

    pdfs = sorted((SHARED / "corpus").glob("*.pdf")) + [SHARED / "corpus" / "large" / "coletanea-llm-400p.pdf"]
    return [c for pdf in pdfs for c in chunk_document(load_pdf(pdf), model.count_tokens, 320, 64)]


def clustered_vectors(n: int, dimension: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((300, dimension)).astype(np.float32)
    vectors = centres[rng.integers(0, len(centres), n)] + 0.6 * rng.standard_normal((n, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def write_collection(data_dir: Path, name: str, model, chunks: list, vectors: np.ndarray) -> None:
    """A collection on disk, written with the product's own storage code."""
    from rag.index.atomic import write_atomic
    from rag.index.bm25 import LexicalIndex, lexical_file
    from rag.index.faiss.files import Manifest, write_generation
    from rag.index.types import DocumentInfo

    docs: dict[str, int] = {}
    for chunk in chunks:
        docs[chunk.doc] = docs.get(chunk.doc, 0) + 1
    infos = [
        DocumentInfo(doc, f"{i:064x}", 1, count, "2026-01-01T00:00:00+00:00")
        for i, (doc, count) in enumerate(docs.items())
    ]
    manifest = Manifest(model.model_id, model.dimension, 320, 64, generation=1, documents=infos)
    folder = data_dir / name
    folder.mkdir(parents=True)
    lexical = LexicalIndex.build([c.text for c in chunks])
    write_atomic(lexical_file(folder, manifest.generation), lambda tmp: lexical.save(Path(tmp)))
    write_generation(folder, manifest, vectors, chunks)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--precision", default=None)
    parser.add_argument("--threads", type=int, default=None, help="torch and faiss threads (default: torch's)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    import faiss
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
        faiss.omp_set_num_threads(args.threads)
    from dataclasses import replace

    from config.settings import load_settings
    from rag.index.embeddings import load_embedding_model
    from rag.index.faiss.collection import Collection
    from rag.index.faiss.vectors import build_index, is_approximate
    from rag.search.retrieval import search

    print(describe_machine(), f"| faiss threads {faiss.omp_get_max_threads()} | load {load_average()}")
    precision = args.precision or load_settings().embedding_precision
    model = load_embedding_model(str(shaped_model_path()), precision=precision)
    print(f"query model: e5-small-shaped, precision {model.embeddings.precision}")
    base = corpus_chunks(model)
    questions = [json.loads(line)["question"] for line in (SHARED / "eval" / "qa_dev.jsonl").read_text().splitlines()]
    questions = [questions[i % len(questions)] + ("" if i < len(questions) else f" ({i})") for i in range(args.queries)]
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        chunks = [replace(base[i % len(base)], doc=f"doc{i // 2000:03d}.pdf") for i in range(size)]
        vectors = clustered_vectors(size, model.dimension)
        with tempfile.TemporaryDirectory() as tmp:
            write_collection(Path(tmp), "bench", model, chunks, vectors)
            del chunks
            before = rss_mib()
            start = time.perf_counter()
            collection = Collection.open(Path(tmp), "bench", model)
            open_seconds = time.perf_counter() - start
            memory = rss_mib() - before
            index = collection.snapshot().index  # which index the collection searches (flat or HNSW)
            search(collection, questions[0], questions[0], 5)  # warm-up
            total, embed, dense = [], [], []
            for question in questions:
                start = time.perf_counter()
                search(collection, question, question, 5)
                total.append(1000 * (time.perf_counter() - start))
                start = time.perf_counter()
                vector = np.asarray(model.embed_query(question), np.float32).reshape(1, -1)
                embed.append(1000 * (time.perf_counter() - start))
                start = time.perf_counter()
                index.search(vector, 50)
                dense.append(1000 * (time.perf_counter() - start))
            row = {
                "chunks": size,
                "index": type(index).__name__,
                "p50_ms": percentiles(total)[0],
                "p95_ms": percentiles(total)[1],
                "embed_p50_ms": percentiles(embed)[0],
                "dense_p50_ms": percentiles(dense)[0],
                "open_s": open_seconds,
                "memory_mib": memory,
                "load": load_average(),
            }
            # The approximate index against exact search on the same vectors (recall@10), and its build time.
            if size >= 10_000:
                queries = clustered_vectors(200, model.dimension, seed=1)
                exact = build_index(vectors, model.dimension, hnsw_threshold=0)
                start = time.perf_counter()
                hnsw = build_index(vectors, model.dimension, hnsw_threshold=1)
                row["hnsw_build_s"] = time.perf_counter() - start
                assert is_approximate(hnsw)
                _, truth = exact.search(queries, 10)
                _, found = hnsw.search(queries, 10)
                row["hnsw_recall_at_10"] = float(
                    np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth, strict=True)])
                )
                timings = []
                for q in queries[:100]:
                    start = time.perf_counter()
                    hnsw.search(q.reshape(1, -1), 50)
                    timings.append(1000 * (time.perf_counter() - start))
                row["hnsw_dense_p50_ms"] = percentiles(timings)[0]
                timings = []
                for q in queries[:100]:
                    start = time.perf_counter()
                    exact.search(q.reshape(1, -1), 50)
                    timings.append(1000 * (time.perf_counter() - start))
                row["flat_dense_p50_ms"] = percentiles(timings)[0]
                del exact, hnsw
            del collection, index
        results.append(row)
        print(json.dumps(row), flush=True)
    print("\nchunks    index          search p50 / p95 ms   (embed p50, dense p50)   open s   memory MiB")
    for r in results:
        print(
            f"{r['chunks']:>7}   {r['index']:13s}  {r['p50_ms']:7.1f} / {r['p95_ms']:6.1f}      "
            f"({r['embed_p50_ms']:.1f}, "
            f"{r['dense_p50_ms']:.2f})          {r['open_s']:6.1f}   {r['memory_mib']:7.0f}"
        )
        if "hnsw_recall_at_10" in r:
            print(
                f"          HNSW (M=32, efSearch=128): recall@10 {r['hnsw_recall_at_10']:.3f}, dense p50 "
                f"{r['hnsw_dense_p50_ms']:.2f} ms vs exact {r['flat_dense_p50_ms']:.2f} ms, "
                f"build {r['hnsw_build_s']:.1f} s"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
