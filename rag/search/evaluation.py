"""Retrieval evaluation over a question set: hit@k, MRR@k, recall@k and flagging of unanswerable questions."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from rag.documents.cleaning import normalize_for_match
from rag.search.retrieval import RetrievalOptions, SearchResult

# `fused` without a weight: the follow-up counts twice as much as the combined query.
_FUSED_WEIGHT = 2.0

Search = Callable[[str, list[dict]], SearchResult]
"""(question, history) -> result; the evaluated system, with no LLM in the loop."""


@dataclass
class KindScore:
    """Scores of one kind of question (or of all of them)."""

    questions: int = 0
    hits: int = 0
    reciprocal_ranks: float = 0.0
    recalls: float = 0.0
    """Sum over questions of the share of their evidence passages found in the top k."""

    @property
    def hit_rate(self) -> float:
        return self.hits / self.questions if self.questions else 0.0

    @property
    def mrr(self) -> float:
        return self.reciprocal_ranks / self.questions if self.questions else 0.0

    @property
    def recall(self) -> float:
        return self.recalls / self.questions if self.questions else 0.0

    def to_json(self, k: int) -> dict[str, float | int]:
        return {"questions": self.questions, f"hit@{k}": self.hit_rate, "mrr": self.mrr, f"recall@{k}": self.recall}


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

    @property
    def flagged(self) -> float | None:
        """Share of unanswerable questions flagged (covered False); None without a coverage signal."""
        return self.unanswerable_flagged / self.unanswerable if self.unanswerable and self.coverage_signal else None

    @property
    def wrongly_flagged(self) -> float | None:
        """Share of answerable questions flagged; None without a coverage signal."""
        answerable = self.overall.questions
        return self.answerable_flagged / answerable if answerable and self.coverage_signal else None

    def to_json(self) -> dict[str, object]:
        return {
            "k": self.k,
            "overall": self.overall.to_json(self.k),
            "by_kind": {kind: s.to_json(self.k) for kind, s in sorted(self.by_kind.items())},
            "unanswerable": {
                "questions": self.unanswerable,
                "flagged": self.flagged,
                "answerable_wrongly_flagged": self.wrongly_flagged,
            },
            "latency_ms": {
                "p50": statistics.median(self.latencies_ms) if self.latencies_ms else None,
                "p95": _percentile(self.latencies_ms, 95),
            },
            "misses": self.misses,
        }

    def table(self) -> str:
        """A Markdown table: one row per kind, then overall, then the unanswerable flags."""
        rows = [f"| kind | n | hit@{self.k} | MRR@{self.k} | recall@{self.k} |", "|---|---:|---:|---:|---:|"]
        for kind, s in sorted(self.by_kind.items()):
            rows.append(f"| {kind} | {s.questions} | {s.hit_rate:.2f} | {s.mrr:.2f} | {s.recall:.2f} |")
        o = self.overall
        rows.append(f"| **overall** | {o.questions} | {o.hit_rate:.2f} | {o.mrr:.2f} | {o.recall:.2f} |")
        if self.unanswerable:
            flagged = "n/a (no coverage signal)" if self.flagged is None else f"{self.flagged:.2f}"
            rows.append(f"| unanswerable flagged | {self.unanswerable} | {flagged} | | |")
        if self.wrongly_flagged is not None:
            rows.append(f"| answerable wrongly flagged | {o.questions} | {self.wrongly_flagged:.2f} | | |")
        if self.latencies_ms:
            p50, p95 = statistics.median(self.latencies_ms), _percentile(self.latencies_ms, 95)
            rows.append(f"\nsearch latency: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
        return "\n".join(rows)


def _percentile(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def parse_configuration(name: str, base: RetrievalOptions) -> RetrievalOptions:
    """Options named like `hybrid+fused`: `dense` or `hybrid`, `convex`, `convex:A` (dense share A) or `rrf` (how
    hybrid rankings are fused), then `concat` (search the combined follow-up query only), `fused` or `fused:W` (also
    search the follow-up alone at weight W), `types` or `notypes` (answer-type matching on or off), `lang` or `nolang`
    (BM25 weighed by language match or not), `shift` or `noshift` (a question in another language than its passages
    searched again in theirs, or not), `rerank` (with `base`'s reranker). Parts left out come from `base`;
    reranking is on only when named.

    Raises:
        ValueError: an unknown part, or `rerank` without a configured reranking model.
    """
    options = replace(base, reranker=None)
    for part in filter(None, name.strip().split("+")):
        if part in ("dense", "hybrid"):
            options = replace(options, mode="dense" if part == "dense" else "hybrid")
        elif part in ("convex", "rrf"):
            options = replace(options, fusion=part)
        elif part.startswith("convex:"):
            options = replace(options, fusion="convex", alpha=_share(part, name))
        elif part in ("lang", "nolang"):
            options = replace(options, language_weight=part == "lang")
        elif part in ("shift", "noshift"):
            options = replace(options, language_shift=part == "shift")
        elif part in ("types", "notypes"):
            options = replace(options, answer_types=part == "types")
        elif part == "concat":
            options = replace(options, follow_up_weight=None)
        elif part == "fused" or part.startswith("fused:"):
            weight = float(part.partition(":")[2] or _FUSED_WEIGHT)
            options = replace(options, follow_up_weight=weight)
        elif part == "rerank":
            if base.reranker is None:
                raise ValueError("`rerank` needs a reranking model: set CONVERSA_RERANK_MODEL.")
            options = replace(options, reranker=base.reranker)
        else:
            raise ValueError(
                f"Unknown part {part!r} in configuration {name!r}: use dense, hybrid, convex[:A], rrf, types, "
                "notypes, lang, nolang, shift, noshift, concat, fused[:W] or rerank, joined by '+'."
            )
    return options


def _share(part: str, name: str) -> float:
    """The A of `convex:A`, a share in [0, 1]."""
    try:
        share = float(part.partition(":")[2])
    except ValueError:
        share = float("nan")
    if not 0.0 <= share <= 1.0:  # also false for NaN
        raise ValueError(f"In configuration {name!r}, {part!r} needs a dense share between 0 and 1, e.g. convex:0.4.")
    return share


def load_questions(path: Path) -> list[dict]:
    """One JSON object a line, as in shared/eval/qa_dev.jsonl, each with a "question" and an "evidence" list.

    Raises:
        ValueError: the file is missing or unreadable, or a line is not such an object (its number is named).
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ValueError(f"Cannot read the question set {path}: {exc.strerror or exc}.") from None
    except UnicodeDecodeError:
        raise ValueError(f"The question set {path} is not UTF-8 text.") from None
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            item = None
        valid = isinstance(item, dict) and isinstance(item.get("question"), str)
        if not valid or not isinstance(item.get("evidence", []), list):  # type: ignore[union-attr]
            raise ValueError(
                f'{path}, line {number}: not a JSON object with a "question" text and an "evidence" list '
                "(see the format in docs/retrieval.md)."
            )
        questions.append(item)
    return questions


def first_hit_rank(result: SearchResult, evidence: list[str]) -> int | None:
    """1-based rank of the first passage containing any evidence text, compared in normalised form."""
    wanted = [normalize_for_match(e) for e in evidence]
    for rank, source in enumerate(result.sources, start=1):
        text = normalize_for_match(source.text)
        if any(w and w in text for w in wanted):
            return rank
    return None


def evidence_recall(result: SearchResult, evidence: list[str]) -> float:
    """Share of the evidence passages that some retrieved passage contains (list questions have several)."""
    wanted = [w for w in (normalize_for_match(e) for e in evidence) if w]
    texts = [normalize_for_match(s.text) for s in result.sources]
    return sum(any(w in t for t in texts) for w in wanted) / len(wanted) if wanted else 0.0


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
        recall = evidence_recall(result, item["evidence"])
        for score in (report.by_kind.setdefault(item.get("kind", "other"), KindScore()), report.overall):
            score.questions += 1
            score.hits += rank is not None
            score.reciprocal_ranks += 1 / rank if rank else 0.0
            score.recalls += recall
        if rank is None:
            report.misses.append(str(item.get("id", item["question"])))
    return report


def comparison_table(reports: dict[str, EvalReport]) -> str:
    """One Markdown row per configuration: overall scores, hit@k by kind, unanswerable flags, latency."""
    if not reports:
        return ""
    k = next(iter(reports.values())).k
    kinds = sorted({kind for r in reports.values() for kind in r.by_kind})
    header = ["configuration", f"hit@{k}", f"MRR@{k}", f"recall@{k}", *kinds, "unans. flagged", "ans. flagged"]
    header.append("p50 ms")
    rows = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    for name, report in reports.items():
        flagged, wrongly = report.flagged, report.wrongly_flagged
        p50 = statistics.median(report.latencies_ms) if report.latencies_ms else None
        cells = [
            name,
            f"{report.overall.hit_rate:.2f}",
            f"{report.overall.mrr:.2f}",
            f"{report.overall.recall:.2f}",
            *(f"{report.by_kind[kind].hit_rate:.2f}" if kind in report.by_kind else "" for kind in kinds),
            "n/a" if flagged is None else f"{flagged:.2f}",
            "n/a" if wrongly is None else f"{wrongly:.2f}",
            "" if p50 is None else f"{p50:.0f}",
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)
