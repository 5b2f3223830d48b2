"""What the retrieval experiment scripts share: fusing ranked lists by weight, and the table of variants they print."""

from __future__ import annotations

from pathlib import Path

from rag.documents.cleaning import normalize_for_match
from rag.search.fusion import _min_max

K = 5
Order = list[tuple[int, float]]
Ranks = dict[str, dict[str, list[int | None]]]


def fuse(lists: list[tuple[Order, float]]) -> Order:
    """Rows of several ranked lists by the weighted sum of their min-max normalised scores, best first (the
    product's convex fusion, for any number of lists)."""
    fused: dict[int, float] = {}
    for ranked, weight in lists:
        for row, score in _min_max(ranked).items():
            fused[row] = fused.get(row, 0.0) + weight * score
    return sorted(fused.items(), key=lambda pair: -pair[1])


def evidence_rows(normalised: list[str], evidence: list[str]) -> set[int]:
    """Rows of the chunks (their `normalize_for_match` texts) that hold any of a question's evidence passages, as
    `python -m rag eval` counts a hit."""
    wanted = [normalize_for_match(e) for e in evidence]
    return {i for i, text in enumerate(normalised) if any(w and w in text for w in wanted)}


def tally(ranks: Ranks, variants: dict[str, Order], good: set[int], group: str) -> None:
    """Add each variant's rank of the first good row (None past K) to `ranks`, overall and under `group`."""
    for name, order in variants.items():
        rank = next((i for i, (row, _) in enumerate(order[:K], start=1) if row in good), None)
        for kind in ("overall", group):
            ranks.setdefault(name, {}).setdefault(kind, []).append(rank)


def print_variant_table(path: Path, ranks: Ranks) -> None:
    """hit@K / MRR@K of each variant, overall and for cross-language and same-language questions."""
    print(f"\n{path.name}:\n")
    print(f"| variant | overall hit@{K} / MRR@{K} | crosslingual | same language |")
    print("|---|---|---|---|")
    for name, by_kind in ranks.items():
        cells = []
        for kind in ("overall", "crosslingual", "same language"):
            values = by_kind.get(kind, [])
            hit = sum(r is not None for r in values) / len(values) if values else 0.0
            mrr = sum(1 / r for r in values if r) / len(values) if values else 0.0
            cells.append(f"{hit:.2f} / {mrr:.2f}" if values else "")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
