"""Retrieval evaluation over a question set: hit@k, MRR@k and flagging of unanswerable questions, by kind."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rag.retrieval import SearchResult
from rag.text_cleaning import normalize_for_match

Search = Callable[[str, list[dict]], SearchResult]
"""(question, history) -> result; the evaluated system, with no LLM in the loop."""


@dataclass
class KindScore:
    """Scores of one kind of question (or of all of them)."""

    questions: int = 0
    hits: int = 0
    reciprocal_ranks: float = 0.0

    @property
    def hit_rate(self) -> float:
        return self.hits / self.questions if self.questions else 0.0

    @property
    def mrr(self) -> float:
        return self.reciprocal_ranks / self.questions if self.questions else 0.0


@dataclass
class EvalReport:
    """The outcome of one evaluation run."""

    k: int
    by_kind: dict[str, KindScore] = field(default_factory=dict)
    overall: KindScore = field(default_factory=KindScore)
    unanswerable: int = 0
    unanswerable_flagged: int = 0
    answerable_flagged: int = 0
    coverage_signal: bool = False
    """Whether the searched system reported coverage at all (`covered` not None)."""
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        answerable = self.overall.questions
        return {
            "k": self.k,
            "overall": {"questions": answerable, f"hit@{self.k}": self.overall.hit_rate, "mrr": self.overall.mrr},
            "by_kind": {
                kind: {"questions": s.questions, f"hit@{self.k}": s.hit_rate, "mrr": s.mrr}
                for kind, s in sorted(self.by_kind.items())
            },
            "unanswerable": {
                "questions": self.unanswerable,
                "flagged": self.unanswerable_flagged / self.unanswerable
                if self.unanswerable and self.coverage_signal
                else None,
                "answerable_wrongly_flagged": self.answerable_flagged / answerable
                if answerable and self.coverage_signal
                else None,
            },
            "latency_ms": {
                "p50": statistics.median(self.latencies_ms) if self.latencies_ms else None,
                "p95": _percentile(self.latencies_ms, 95),
            },
            "misses": self.misses,
        }

    def table(self) -> str:
        """A Markdown table: one row per kind, then overall, then the unanswerable flags."""
        rows = [f"| kind | n | hit@{self.k} | MRR@{self.k} |", "|---|---:|---:|---:|"]
        for kind, s in sorted(self.by_kind.items()):
            rows.append(f"| {kind} | {s.questions} | {s.hit_rate:.2f} | {s.mrr:.2f} |")
        rows.append(
            f"| **overall** | {self.overall.questions} | {self.overall.hit_rate:.2f} | {self.overall.mrr:.2f} |"
        )
        data = self.to_json()
        flags = data["unanswerable"]
        if self.unanswerable:
            flagged = "n/a (no coverage signal)" if flags["flagged"] is None else f"{flags['flagged']:.2f}"
            rows.append(f"| unanswerable flagged | {self.unanswerable} | {flagged} | |")
        if self.overall.questions and flags["answerable_wrongly_flagged"] is not None:
            wrong = flags["answerable_wrongly_flagged"]
            rows.append(f"| answerable wrongly flagged | {self.overall.questions} | {wrong:.2f} | |")
        latency = data["latency_ms"]
        if latency["p50"] is not None:
            rows.append(f"\nsearch latency: p50 {latency['p50']:.1f} ms, p95 {latency['p95']:.1f} ms")
        return "\n".join(rows)


def _percentile(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def load_questions(path: Path) -> list[dict]:
    """One JSON object a line, as in shared/eval/qa_dev.jsonl."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def first_hit_rank(result: SearchResult, evidence: list[str]) -> int | None:
    """1-based rank of the first passage containing any evidence text, compared in normalised form."""
    wanted = [normalize_for_match(e) for e in evidence]
    for rank, source in enumerate(result.sources, start=1):
        text = normalize_for_match(source.text)
        if any(w and w in text for w in wanted):
            return rank
    return None


def evaluate(search: Search, questions: list[dict], k: int) -> EvalReport:
    """Run every question through `search` and score it."""
    report = EvalReport(k=k)
    for item in questions:
        started = time.perf_counter()
        result = search(item["question"], item.get("history") or [])
        report.latencies_ms.append((time.perf_counter() - started) * 1000)
        report.coverage_signal |= result.covered is not None
        if item.get("kind") == "unanswerable" or not item.get("evidence"):
            report.unanswerable += 1
            report.unanswerable_flagged += result.covered is False
            continue
        report.answerable_flagged += result.covered is False
        rank = first_hit_rank(result, item["evidence"])
        for score in (report.by_kind.setdefault(item.get("kind", "other"), KindScore()), report.overall):
            score.questions += 1
            score.hits += rank is not None
            score.reciprocal_ranks += 1 / rank if rank else 0.0
        if rank is None:
            report.misses.append(str(item.get("id", item["question"])))
    return report
