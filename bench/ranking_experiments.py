"""Reordering the product's candidates (issue 14, third pass): pseudo-relevance feedback in the documents' language
and small re-scorings of the fused top candidates, on rankings computed once.

    python bench/ranking_experiments.py --data-dir DATA [--cache QUERIES.json] QA.jsonl [QA2.jsonl ...]

For every answerable question the product's rankings are computed through the collection as `search` does them
(no-LLM query, dense top 50 moved by the language shift when the question's language differs from its passages',
BM25 top 50; query vectors kept in QUERIES.json as in bench/heldout_checks.py). Printed per set: hit@5 / MRR@5
overall, on the cross-language questions and on the others, for:

- `product`: convex fusion (dense 0.4, BM25 0.6 x known words) and the answer-type boost, as the product;
- `prf M/T xW [all]`: a third list, BM25 of the T terms of highest IDF that occur in at least 2 of the best M dense
  passages and not in the query, at W x 0.6 (for questions in another language than their passages only, or for
  `all` questions), before the answer-type boost;
- `+sent S`: the best 20 fused passages also get S x the IDF-weighted share of the query's terms (and the feedback
  terms, when there are) that their best sentence holds.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bench.heldout_checks import open_core  # noqa: E402
from rag.documents.cleaning import normalize_for_match  # noqa: E402
from rag.index.bm25 import tokenize  # noqa: E402
from rag.search.answer_type import boost_quantities  # noqa: E402
from rag.search.coverage import calibration_for  # noqa: E402
from rag.search.crosslingual import toward_passages_language  # noqa: E402
from rag.search.evaluation import load_questions  # noqa: E402
from rag.search.excerpt import best_sentence  # noqa: E402
from rag.search.fusion import _min_max  # noqa: E402
from rag.search.retrieval import concat_query  # noqa: E402

K = 5
CANDIDATES = 50
Order = list[tuple[int, float]]


def fuse(lists: list[tuple[Order, float]]) -> Order:
    fused: dict[int, float] = {}
    for ranked, weight in lists:
        for row, score in _min_max(ranked).items():
            fused[row] = fused.get(row, 0.0) + weight * score
    return sorted(fused.items(), key=lambda pair: -pair[1])


@dataclass
class Case:
    query: str
    question: str
    kind: str
    good: set[int]
    dense: Order
    lexical: Order
    known: float
    other: bool


def feedback_terms(case: Case, chunks, idf, passages: int, terms: int) -> list[str]:
    asked = set(tokenize(case.query))
    counts: Counter[str] = Counter()
    for row, _ in case.dense[:passages]:
        counts.update(set(tokenize(chunks[row].text)) - asked)
    shared = [t for t, n in counts.items() if n >= 2 and t.isalpha() and len(t) >= 3]
    return sorted(shared, key=lambda t: (-idf(t), t))[:terms]


def lexical_of_terms(lexical, tokens: list[str], n: int) -> Order:
    vocab = lexical._vocab
    ids = [vocab[t] for t in tokens if t in vocab]
    if not ids:
        return []
    scores = np.asarray(lexical.retriever.get_scores_from_ids(ids), dtype=np.float32)
    rows = np.argsort(-scores, kind="stable")[:n]
    return [(int(r), float(scores[r])) for r in rows if scores[r] > 0]


def sentence_rescore(order: Order, chunks, tokens: set[str], idf, weight: float, pool: int = 20) -> Order:
    total = sum(idf(t) for t in tokens)
    if not total:
        return order
    head, rest = order[:pool], order[pool:]
    query = " ".join(tokens)

    def share(row: int) -> float:
        sentence, _ = best_sentence(chunks[row].text, query, idf)
        return sum(idf(t) for t in set(tokenize(sentence)) & tokens) / total

    rescored = [(row, score + weight * share(row)) for row, score in head]
    return sorted(rescored, key=lambda pair: -pair[1]) + rest


def cases(core, path: Path) -> list[Case]:
    collection = core.existing_collection()
    chunks = collection.snapshot().chunks
    calibration = calibration_for(collection)
    normalised = [normalize_for_match(c.text) for c in chunks]
    found = []
    for item in load_questions(path):
        if not item.get("evidence"):
            continue
        query = concat_query(item["question"], item.get("history") or [])
        rankings = collection.rank([(query, 1.0)], CANDIDATES)
        before = rankings.queries[0].dense
        rankings = toward_passages_language(rankings, collection.embedding, calibration.regions, CANDIDATES)
        ranking = rankings.queries[0]
        wanted = [normalize_for_match(e) for e in item["evidence"]]
        good = {i for i, text in enumerate(normalised) if any(w and w in text for w in wanted)}
        other = ranking.dense != before
        found.append(
            Case(query, item["question"], item["kind"], good, ranking.dense, ranking.lexical, ranking.known_fraction, other)
        )
    return found


def run(core, path: Path) -> None:
    collection = core.existing_collection()
    snapshot = collection.snapshot()
    chunks, lexical = snapshot.chunks, snapshot.lexical
    idf = lexical.idf
    ranks: dict[str, dict[str, list[int | None]]] = {}
    for case in cases(core, path):
        base = [(case.dense, 0.4), (case.lexical, 0.6 * case.known)]
        asked = set(tokenize(case.query))
        variants: dict[str, tuple[Order, set[str]]] = {"product": (fuse(base), asked)}
        for passages, terms in ((3, 10), (5, 10), (5, 20), (10, 20)):
            extra = feedback_terms(case, chunks, idf, passages, terms)
            prf = lexical_of_terms(lexical, extra, CANDIDATES)
            for weight in (0.3, 0.6):
                for scope in ("", " all"):
                    applies = case.other or scope == " all"
                    lists = [*base, (prf, weight * 0.6)] if applies else base
                    variants[f"prf {passages}/{terms} x{weight}{scope}"] = (fuse(lists), asked | set(extra) if applies else asked)
        for name in list(variants):
            order, tokens = variants[name]
            for weight in (0.1, 0.2, 0.3):
                if name == "product" or name.startswith("prf 5/20 x0.3"):
                    variants[f"{name} +sent {weight}"] = (sentence_rescore(order, chunks, tokens, idf, weight), tokens)
        group = "crosslingual" if case.kind == "crosslingual" else "same language"
        for name, (order, _) in variants.items():
            order = boost_quantities(order, chunks, case.question, case.query, idf)
            rank = next((i for i, (row, _) in enumerate(order[:K], start=1) if row in case.good), None)
            for kind in ("overall", group):
                ranks.setdefault(name, {}).setdefault(kind, []).append(rank)
    print(f"\n{path.name}:\n")
    print("| variant | overall hit@5 / MRR@5 | crosslingual | same language |")
    print("|---|---|---|---|")
    for name, by_kind in ranks.items():
        cells = []
        for kind in ("overall", "crosslingual", "same language"):
            values = by_kind.get(kind, [])
            hit = sum(r is not None for r in values) / len(values) if values else 0.0
            mrr = sum(1 / r for r in values if r) / len(values) if values else 0.0
            cells.append(f"{hit:.2f} / {mrr:.2f}" if values else "")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--collection", default="default")
    parser.add_argument("--cache", type=Path)
    parser.add_argument("questions", type=Path, nargs="+")
    args = parser.parse_args()
    core, stored = open_core(args.data_dir, args.collection, args.cache)
    try:
        for path in args.questions:
            run(core, path)
    finally:
        stored.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
