"""Retrieval experiments that `python -m rag eval --compare` cannot express: ablations of hybrid retrieval, and the
calibration of the coverage signal.

    python bench/retrieval_sweep.py --data-dir DATA ablation QA.jsonl [QA2.jsonl ...]
    python bench/retrieval_sweep.py --data-dir DATA coverage QA.jsonl [QA2.jsonl ...]
    python bench/retrieval_sweep.py --data-dir DATA signals QA.jsonl [...] > signals.jsonl

`ablation` prints hit@5 / MRR@5 of dense and BM25 alone and of hybrid retrieval without each of its parts and with
each stemming choice (BM25 indexes are rebuilt in memory; the collection on disk is not touched). `coverage` prints
a best-cosine threshold for CONVERSA_MIN_TOP_COSINE by the rule the per-model thresholds once had, and how the
current `covered` signal (rag/search/coverage.py) flags each group of questions; `signals` prints the coverage
signals of the default retrieval, one JSON line per question.
Query embeddings are cached in memory, so one run embeds each distinct query once.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import get_args

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from langchain_core.embeddings import Embeddings  # noqa: E402

from rag.index.bm25 import LexicalIndex, Stemming, indexed_text  # noqa: E402
from rag.index.faiss.collection import Collection, Hit  # noqa: E402
from rag.search.evaluation import evaluate, first_hit_rank, load_questions  # noqa: E402
from rag.search.fusion import reciprocal_rank_fusion  # noqa: E402
from rag.search.retrieval import RetrievalOptions, SearchResult, concat_query, search, sources_from_hits  # noqa: E402

K = 5
CANDIDATES = 50


class CachedQueries(Embeddings):
    """The collection's query embeddings, each distinct query embedded once per run."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner = inner
        self.cache: dict[str, list[float]] = {}

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        if text not in self.cache:
            self.cache[text] = self.inner.embed_query(text)
        return self.cache[text]


def open_cached(data_dir: Path, name: str) -> Collection:
    collection = Collection.open(data_dir, name)
    collection.embedding = replace(
        collection.embedding.loaded(), embeddings=CachedQueries(collection.embedding.embeddings)
    )
    return collection


def _searcher(collection: Collection, options: RetrievalOptions):
    """The product's search, with follow-ups combined with earlier turns as the chain does without an LLM."""

    def run(question: str, history: list[dict]) -> SearchResult:
        query = concat_query(question, history) if history else question
        return search(collection, question, query, K, options)

    return run


def _ranked(collection: Collection, order: str, known_weight: bool = True):
    """A search by one ranking: `dense`, `bm25`, or `rrf` (the two fused; BM25 weighted by known words or not)."""

    def run(question: str, history: list[dict]) -> SearchResult:
        query = concat_query(question, history) if history else question
        ranking = collection.rank([(query, 1.0)], CANDIDATES).queries[0]
        if order == "dense":
            rows = ranking.dense
        elif order == "bm25":
            rows = ranking.lexical
        else:
            weight = ranking.known_fraction if known_weight else 1.0
            rows = reciprocal_rank_fusion([[r for r, _ in ranking.dense], [r for r, _ in ranking.lexical]], [1, weight])
        chunks = collection.chunks()
        return SearchResult(question, query, sources_from_hits([Hit(chunks[r], score) for r, score in rows[:K]]))

    return run


def ablation(collection: Collection, questions: list[dict]) -> None:
    """What each part of hybrid retrieval adds, one row per variant (follow-ups: the combined query only)."""
    chunks = collection.chunks()
    default = collection.snapshot().lexical
    without_name = LexicalIndex.build([c.text for c in chunks])
    # Each variant searches a view of the collection with its own BM25 index (the collection is not changed).
    variants = [
        ("dense only", default, lambda c: _ranked(c, "dense")),
        ("BM25 only", default, lambda c: _ranked(c, "bm25")),
        ("RRF, BM25 of the text, equal weights", without_name, lambda c: _ranked(c, "rrf", known_weight=False)),
        ("RRF, BM25 of file name + text, equal weights", default, lambda c: _ranked(c, "rrf", known_weight=False)),
        ("RRF, BM25 of the text, weighted by known words", without_name, lambda c: _ranked(c, "rrf")),
        (
            "**default**: file name + text, weighted by known words",
            default,
            lambda c: _searcher(c, RetrievalOptions()),
        ),
    ]
    for choice in get_args(Stemming):
        if choice != default.stemming:
            lexical = LexicalIndex.build([indexed_text(c) for c in chunks], choice)
            variants.append((f"default, stemming `{choice}`", lexical, lambda c: _ranked(c, "rrf")))
    kinds = sorted({q["kind"] for q in questions if q.get("evidence")})
    print(f"| variant | hit@{K} | MRR@{K} | " + " | ".join(kinds) + " |")
    print("|---|---:|---:|" + "---:|" * len(kinds))
    for name, lexical, make_run in variants:
        report = evaluate(make_run(collection.with_lexical(lexical)), questions, K)
        by_kind = " | ".join(f"{report.by_kind[k].hit_rate:.2f}" for k in kinds)
        print(f"| {name} | {report.overall.hit_rate:.2f} | {report.overall.mrr:.2f} | {by_kind} |")


def _signal_records(collection: Collection, path: Path) -> list[dict]:
    run = _searcher(collection, RetrievalOptions())
    records = []
    for item in load_questions(path):
        result = run(item["question"], item.get("history") or [])
        answerable = bool(item.get("evidence"))
        records.append(
            {
                "source": path.stem,
                "id": item.get("id"),
                "kind": item.get("kind"),
                "group": "answerable" if answerable else f"unanswerable ({item.get('topic') or 'dev'})",
                "hit_rank": first_hit_rank(result, item["evidence"]) if answerable else None,
                "covered": result.covered,
                **(result.signals.to_json() if result.signals else {}),
            }
        )
    return records


def coverage(collection: Collection, paths: list[Path]) -> None:
    """A best-cosine threshold by the rule once used per model (for CONVERSA_MIN_TOP_COSINE, which replaces the
    collection's own calibration), and how the current coverage signal flags each group of questions."""
    records = [r for path in paths for r in _signal_records(collection, path)]
    answerable = np.array([r["top_cosine"] for r in records if r["group"] == "answerable"])
    percentile = float(np.percentile(answerable, 2.5))
    print(
        f"answerable questions: {len(answerable)}; best cosine min {answerable.min():.3f}, "
        f"2.5th percentile {percentile:.4f}, median {np.median(answerable):.3f}"
    )
    print(
        f"calibrated threshold (multiple of 0.005 at or below the 2.5th percentile): "
        f"{np.floor(percentile / 0.005) * 0.005:.3f}\n"
    )
    print("| questions | group | n | flagged (covered = false) | best cosine min / median / max |")
    print("|---|---|---:|---:|---|")
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in records:
        groups.setdefault((r["source"], r["group"]), []).append(r)
    for (source, group), rows in groups.items():
        cos = np.array([r["top_cosine"] for r in rows])
        flagged = sum(r["covered"] is False for r in rows) / len(rows)
        print(
            f"| {source} | {group} | {len(rows)} | {flagged:.2f} | "
            f"{cos.min():.3f} / {np.median(cos):.3f} / {cos.max():.3f} |"
        )


def signal_lines(collection: Collection, paths: list[Path]) -> None:
    for path in paths:
        for record in _signal_records(collection, path):
            print(json.dumps(record, ensure_ascii=False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--collection", default="default")
    parser.add_argument("experiment", choices=["ablation", "coverage", "signals"])
    parser.add_argument("questions", type=Path, nargs="+")
    args = parser.parse_args()
    collection = open_cached(args.data_dir, args.collection)
    if args.experiment == "ablation":
        for path in args.questions:
            print(f"\n{path.name}:\n")
            ablation(collection, load_questions(path))
    elif args.experiment == "coverage":
        coverage(collection, args.questions)
    else:
        signal_lines(collection, args.questions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
