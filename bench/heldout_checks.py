"""Retrieval configurations on several question sets at once, by kind, through the core (issue 14): the checks of
the answer-type boost, the fusion weight, the language weighting of BM25 and the coverage signal.

    python bench/heldout_checks.py --data-dir DATA [--cache QUERIES.json] compare CONFIGS QA.jsonl [QA2.jsonl ...]
    python bench/heldout_checks.py --data-dir DATA [--cache QUERIES.json] coverage QA.jsonl [QA2.jsonl ...]

`compare` evaluates each configuration (names as in `python -m rag eval --compare`, comma-separated) on each set
with `Conversa.evaluate`, exactly as the CLI does, and prints one table per set: hit@5 / MRR@5 overall and by kind,
and the unanswerable questions flagged, near-topic and off-topic apart. `coverage` prints, for the default search,
the collection's calibration (rag/search/coverage.py) and how each group of questions is flagged.

The only difference from the CLI: query vectors are kept in QUERIES.json (by model and text) so that a question
embedded once is not embedded again by the next configuration or run; on this 2-core machine a held-out run of the
CLI takes 5-20 minutes per configuration, most of it embedding the same questions again. The collection is only read.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from langchain_core.embeddings import Embeddings  # noqa: E402

from bench.heldout_pages import NEAR_TOPIC  # noqa: E402
from config.settings import load_settings  # noqa: E402
from rag.core import Conversa  # noqa: E402
from rag.index.embeddings import load_embedding_model  # noqa: E402
from rag.index.faiss.collection import Collection  # noqa: E402
from rag.search.coverage import calibration_for  # noqa: E402
from rag.search.evaluation import EvalReport, load_questions, parse_configuration  # noqa: E402

K = 5
KINDS = ["crosslingual", "definition", "fact", "followup", "list", "number"]


class StoredQueries(Embeddings):
    """Query vectors kept in a JSON file across runs; passages are never embedded here (the collection is read)."""

    def __init__(self, inner: Embeddings, path: Path | None, model_id: str) -> None:
        self.inner, self.path, self.model_id = inner, path, model_id
        stored = json.loads(path.read_text(encoding="utf-8")) if path and path.is_file() else {}
        self.vectors: dict[str, list[float]] = stored.get(model_id, {})
        self.stored = stored
        self.added = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        if text not in self.vectors:
            self.vectors[text] = list(self.inner.embed_query(text))
            self.added += 1
            if self.added % 25 == 0:
                self.save()
        return self.vectors[text]

    def count_tokens(self, texts: list[str]) -> list[int]:
        return self.inner.count_tokens(texts)  # type: ignore[attr-defined]

    def save(self) -> None:
        if self.path is not None and self.added:
            self.stored[self.model_id] = self.vectors
            self.path.write_text(json.dumps(self.stored), encoding="utf-8")


def open_core(data_dir: Path, collection: str, cache: Path | None) -> tuple[Conversa, StoredQueries]:
    """The core over an existing collection, with its own embedding model behind a stored query cache."""
    settings = load_settings().model_copy(update={"data_dir": data_dir, "collection": collection})
    built_with = Collection.open(data_dir, collection).info.embedding_model
    model = load_embedding_model(built_with, allow_fallback=False)
    stored = StoredQueries(model.embeddings, cache, model.model_id)
    return Conversa(settings, replace(model, embeddings=stored)), stored


def unanswerable_group(item: dict) -> str:
    """`near` or `off` topic, from the probe set's `topic` or the held-out set's numbering; `unanswerable` else."""
    if item.get("topic") in ("near", "off"):
        return str(item["topic"])
    identifier = str(item.get("id", ""))
    if identifier.startswith("held-"):
        return "near" if int(identifier.removeprefix("held-")) in NEAR_TOPIC else "off"
    return "unanswerable"


def flags_by_group(core: Conversa, questions: list[dict], options) -> dict[str, tuple[int, int]]:
    """(flagged, questions) for each group of unanswerable questions, with the default search."""
    groups: dict[str, list[int]] = {}
    for item in questions:
        if item.get("evidence"):
            continue
        result = core.search(item["question"], item.get("history") or [], K, options=options)
        groups.setdefault(unanswerable_group(item), []).append(result.covered is False)
    return {group: (sum(flags), len(flags)) for group, flags in sorted(groups.items())}


def _row(name: str, report: EvalReport, groups: dict[str, tuple[int, int]]) -> str:
    cells = [name, f"{report.overall.hit_rate:.2f}", f"{report.overall.mrr:.2f}"]
    for kind in KINDS:
        score = report.by_kind.get(kind)
        cells.append(f"{score.hit_rate:.2f} / {score.mrr:.2f}" if score else "")
    flagged, wrongly = report.flagged, report.wrongly_flagged
    cells.append("n/a" if flagged is None else f"{flagged:.2f}")
    cells.append(" ".join(f"{g} {f}/{n}" for g, (f, n) in groups.items()))
    cells.append("n/a" if wrongly is None else f"{wrongly:.2f}")
    return "| " + " | ".join(cells) + " |"


def compare(core: Conversa, names: list[str], paths: list[Path]) -> None:
    configurations = {name: parse_configuration(name, core.options()) for name in names}
    for path in paths:
        questions = load_questions(path)
        print(f"\n{path.name} ({sum(bool(q.get('evidence')) for q in questions)} answerable):\n")
        header = ["configuration", f"hit@{K}", f"MRR@{K}", *(f"{k} hit / MRR" for k in KINDS)]
        header += ["unans. flagged", "by group", "ans. flagged"]
        print("| " + " | ".join(header) + " |")
        print("|---|" + "---:|" * (len(header) - 1))
        for name, options in configurations.items():
            report = core.evaluate(questions, K, options)
            print(_row(name, report, flags_by_group(core, questions, options)), flush=True)


def coverage(core: Conversa, paths: list[Path]) -> None:
    calibration = calibration_for(core.existing_collection())
    if calibration is None:
        print("empty collection: no calibration")
        return
    contrasts = np.array(calibration.contrasts)
    print(
        f"reference contrasts: min {contrasts.min():.3f}, median {np.median(contrasts):.3f}, "
        f"max {contrasts.max():.3f}; threshold {calibration.threshold:.4f}\n"
    )
    print("| questions | group | n | flagged | contrast min / median / max | best cosine min / median / max |")
    print("|---|---|---:|---:|---|---|")
    by_set: dict[str, dict[str, list[tuple[bool, float, float]]]] = {}
    for path in paths:
        groups = by_set.setdefault(path.stem, {})
        for item in load_questions(path):
            result = core.search(item["question"], item.get("history") or [], K)
            group = f"answerable, {item.get('lang')}" if item.get("evidence") else unanswerable_group(item)
            signals = result.signals
            if signals is not None and signals.contrast is not None:
                groups.setdefault(group, []).append((result.covered is False, signals.contrast, signals.top_cosine))
        for group, rows in sorted(groups.items()):
            flagged = np.mean([r[0] for r in rows])
            spreads = [np.array([r[i] for r in rows]) for i in (1, 2)]
            cells = [f"{v.min():.3f} / {np.median(v):.3f} / {v.max():.3f}" for v in spreads]
            print(f"| {path.stem} | {group} | {len(rows)} | {flagged:.2f} | {cells[0]} | {cells[1]} |")
    levels(contrasts, by_set)


def levels(references: np.ndarray, by_set: dict[str, dict[str, list[tuple[bool, float, float]]]]) -> None:
    """Unanswerable / answerable questions flagged if the threshold were another quantile of the references."""
    print("\n| level | " + " | ".join(f"{name}: unans. / ans. flagged" for name in by_set) + " |")
    print("|---:|" + "---:|" * len(by_set))
    for level in (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 1.0):
        threshold = float(np.quantile(references, level))
        cells = []
        for groups in by_set.values():
            answerable = [c for g, rows in groups.items() if g.startswith("answerable") for _, c, _ in rows]
            unanswerable = [c for g, rows in groups.items() if not g.startswith("answerable") for _, c, _ in rows]
            cells.append(
                f"{np.mean(np.array(unanswerable) <= threshold):.2f} / {np.mean(np.array(answerable) <= threshold):.2f}"
            )
        print(f"| {level} | " + " | ".join(cells) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--collection", default="default")
    parser.add_argument("--cache", type=Path, help="JSON file keeping query vectors between runs")
    sub = parser.add_subparsers(dest="experiment", required=True)
    p = sub.add_parser("compare")
    p.add_argument("configurations", help="comma-separated, e.g. hybrid,hybrid+notypes,hybrid+convex:0.5")
    p.add_argument("questions", type=Path, nargs="+")
    p = sub.add_parser("coverage")
    p.add_argument("questions", type=Path, nargs="+")
    args = parser.parse_args()
    core, stored = open_core(args.data_dir, args.collection, args.cache)
    try:
        if args.experiment == "compare":
            compare(core, [n.strip() for n in args.configurations.split(",") if n.strip()], args.questions)
        else:
            coverage(core, args.questions)
    finally:
        stored.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
