"""Cross-language retrieval experiments that `--compare` cannot express (issue 14): how far fusion alone can go, and
three no-LLM rescorings tried and not adopted.

    python bench/crosslingual_experiments.py --data-dir DATA [--cache QUERIES.json] QA.jsonl [QA2.jsonl ...]

For every question the default rankings (dense top 50 and BM25 top 50 of the no-LLM query) are computed once,
through the collection, with query vectors kept in QUERIES.json as in bench/heldout_checks.py. Printed per set, by
kind, hit@5 / MRR@5 of:

- `dense top 5`, `BM25 top 5`, `either top 5`: where the evidence is in each ranking; `either` bounds what any
  fusion of the two lists can reach at k = 5 (it has ten places for five).
- `product (convex, known)`: convex fusion as shipped, without answer types.
- `+ language`: BM25 also weighed by language match (RetrievalOptions.language_weight).
- `+ cognates`: a third list, BM25 over 5-letter word prefixes (accents folded) of the union of both candidate
  lists, IDF over that pool, at weight 0.3: English and Portuguese share many Latin prefixes ("valida", "inform",
  "instru"), the classic character n-gram route to cross-language matching (McNamee and Mayfield, 2004).
- `+ feedback`: a third list, BM25 of the 20 words with the highest tf-idf in the best 3 dense passages (written in
  the documents' language) at weight 0.3, only in proportion to the language mismatch (1 - language match).
- `hubness (CSLS)`: cosines less half each passage's mean cosine to its 10 nearest reference questions
  (rag/search/reference_questions.txt), the correction of Conneau et al. (2018) for passages close to every query.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bench.heldout_checks import KINDS, open_core  # noqa: E402
from bench.variants import evidence_rows, fuse  # noqa: E402
from rag.documents.cleaning import normalize_for_match  # noqa: E402
from rag.index.bm25 import _stopwords, tokenize  # noqa: E402
from rag.index.types import Rankings  # noqa: E402
from rag.search.coverage import reference_questions  # noqa: E402
from rag.search.evaluation import load_questions  # noqa: E402
from rag.search.fusion import lexical_weight  # noqa: E402
from rag.search.language import language_match  # noqa: E402
from rag.search.retrieval import concat_query  # noqa: E402

K = 5
CANDIDATES = 50
_WORD = re.compile(r"[^\W\d_]+")
Order = list[tuple[int, float]]


def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def _prefixes(text: str, length: int = 5) -> list[str]:
    stop = _stopwords()
    return [_fold(w)[:length] for w in _WORD.findall(text.lower()) if w not in stop and len(w) >= 4]


def _pool_bm25(query: list[str], documents: dict[int, list[str]], k1: float = 1.2, b: float = 0.75) -> Order:
    """BM25 over a small pool of passages, IDF computed within the pool."""
    counts = {row: Counter(tokens) for row, tokens in documents.items()}
    n, terms = len(counts), set(query)
    average = sum(len(t) for t in documents.values()) / max(n, 1)
    df = Counter(t for c in counts.values() for t in terms if t in c)
    scored = []
    for row, c in counts.items():
        norm = k1 * (1 - b + b * len(documents[row]) / max(average, 1.0))
        score = sum(
            math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) * c[t] * (k1 + 1) / (c[t] + norm) for t in terms if c[t]
        )
        if score > 0:
            scored.append((row, score))
    return sorted(scored, key=lambda pair: -pair[1])


def _feedback_words(texts: list[str], idf: Callable[[str], float], n: int = 20) -> str:
    stop = _stopwords()
    weights: Counter[str] = Counter()
    for text in texts:
        words = [w for w in _WORD.findall(text.lower()) if w not in stop and len(w) > 2]
        for word, count in Counter(words).items():
            weights[word] += count / len(words) * max((idf(t) for t in tokenize(word)), default=0.0)
    return " ".join(word for word, _ in weights.most_common(n))


def variants(rankings: Rankings, hub: np.ndarray, lexical_index) -> dict[str, Order]:
    query = rankings.queries[0]
    dense, lexical, chunks = query.dense, query.lexical, rankings.chunks
    known = lexical_weight(rankings, query)
    by_language = lexical_weight(rankings, query, by_language=True)
    match = language_match(query.query, [chunks[r].text for r, _ in dense[:20]])
    mismatch = 0.0 if match is None else 1.0 - match
    pool = list(dict.fromkeys([r for r, _ in dense] + [r for r, _ in lexical]))
    cognates = _pool_bm25(_prefixes(query.query), {r: _prefixes(chunks[r].text) for r in pool})
    feedback = lexical_index.top(_feedback_words([chunks[r].text for r, _ in dense[:3]], lexical_index.idf), 50)
    hub_dense = sorted(((r, s - 0.5 * float(hub[r])) for r, s in dense), key=lambda pair: -pair[1])
    return {
        "dense top 5": dense,
        "BM25 top 5": lexical,
        "product (convex, known)": fuse([(dense, 0.4), (lexical, 0.6 * known)]),
        "+ language": fuse([(dense, 0.4), (lexical, 0.6 * by_language)]),
        "+ language + cognates": fuse([(dense, 0.4), (lexical, 0.6 * by_language), (cognates, 0.3)]),
        "+ language + feedback": fuse([(dense, 0.4), (lexical, 0.6 * by_language), (feedback, 0.3 * mismatch)]),
        "hubness (CSLS) + known": fuse([(hub_dense, 0.4), (lexical, 0.6 * known)]),
    }


def _rank(order: Order, good: set[int]) -> int | None:
    return next((i for i, (row, _) in enumerate(order[:K], start=1) if row in good), None)


def run(core, path: Path) -> None:
    collection = core.existing_collection()
    snapshot = collection.snapshot()
    chunks = snapshot.chunks
    normalised = [normalize_for_match(c.text) for c in chunks]
    references = np.vstack(collection.embedding.embed_queries(list(reference_questions())))
    hub = np.sort(references @ snapshot.vectors.T, axis=0)[-10:].mean(axis=0)
    ranks: dict[str, dict[str, list[int | None]]] = {}
    for item in load_questions(path):
        if not item.get("evidence"):
            continue
        query = concat_query(item["question"], item.get("history") or [])
        rankings = collection.rank([(query, 1.0)], CANDIDATES)
        good = evidence_rows(normalised, item["evidence"])
        found = variants(rankings, hub, snapshot.lexical)
        found_ranks = {name: _rank(order, good) for name, order in found.items()}
        either = found_ranks["dense top 5"] or found_ranks["BM25 top 5"]
        found_ranks["either top 5"] = 1 if either else None  # a bound: only its hit rate means something
        for name, rank in found_ranks.items():
            for kind in ("overall", item["kind"]):
                ranks.setdefault(name, {}).setdefault(kind, []).append(rank)
    print(f"\n{path.name}:\n")
    print("| variant | overall hit@5 / MRR@5 | " + " | ".join(KINDS) + " |")
    print("|---|---:|" + "---:|" * len(KINDS))
    for name in ["dense top 5", "BM25 top 5", "either top 5", *[n for n in ranks if "top 5" not in n]]:
        cells = []
        for kind in ("overall", *KINDS):
            values = ranks[name].get(kind, [])
            hit = sum(r is not None for r in values) / len(values) if values else 0.0
            mrr = sum(1 / r for r in values if r) / len(values) if values else 0.0
            cells.append(f"{hit:.2f}" if name == "either top 5" else f"{hit:.2f} / {mrr:.2f}")
        print(f"| {name} | " + " | ".join(cells) + " |")


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
