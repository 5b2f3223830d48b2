"""Retrieval for a question in a conversation: the search query, the passages, and whether they cover it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from langchain_core.messages import BaseMessage, HumanMessage

from config.settings import RetrievalMode, Settings
from i18n import FALLBACK, text
from rag.documents.document import OcrLine, Section
from rag.index.embeddings import Hub
from rag.index.store import KnowledgeBase
from rag.index.types import Hit
from rag.search.answer_type import boost_quantities
from rag.search.coverage import CoverageSignals, calibration_for, is_covered, signals
from rag.search.crosslingual import toward_passages_language
from rag.search.fusion import CONVEX_ALPHA, Fusion, fuse

if TYPE_CHECKING:
    from rag.search.rerank import Reranker

# Earlier user turns kept for the no-LLM follow-up query: the topic usually sits in the last one or two.
_HISTORY_TURNS = 2
# Candidates each ranked list contributes to fusion (and the reranker's pool is cut from the fused list).
_CANDIDATES = 50
_RERANK_POOL = 20


@dataclass(frozen=True)
class Source:
    """A numbered passage given to the model and shown to the user as a citation."""

    number: int
    doc: str
    page: int
    """The page of a PDF; the section's number in files without pages."""
    text: str
    score: float
    page_label: str | None = None
    section: Section | None = None
    """Where the passage sits in a file without pages (Word, Markdown, text, HTML); None in a PDF."""
    ocr: bool = False
    """The passage was recognised by OCR from a scanned page."""
    lines: tuple[OcrLine, ...] = ()
    """For an OCR passage, its recognised lines with their boxes on the page (the page image highlights them)."""

    @property
    def has_page_image(self) -> bool:
        """Only a PDF's pages can be shown as they look."""
        return self.section is None

    def to_json(self) -> dict[str, object]:
        found = {"doc": self.doc, "page": self.page, "text": self.text, "score": round(self.score, 6)}
        if self.section is not None:
            found["label"] = cited_location(self)
        if self.ocr:
            found["ocr"] = True
        return found


# A section's range as its reader finds it, by unit and whether it spans one line (or paragraph) or more.
_RANGE_CODES = {
    ("lines", True): "cite.line",
    ("lines", False): "cite.lines",
    ("paragraphs", True): "cite.paragraph",
    ("paragraphs", False): "cite.paragraphs",
}


def cited_location(source: Source, language: str = FALLBACK) -> str:
    """Where a cited passage is, as it follows the file name in every citation (app, export, command line, prompt):
    "p. 3" in a PDF ("p. 3 (OCR)" for a page read by OCR), the nearest heading and line range elsewhere
    ("§ Instalação (linhas 12–40)")."""
    section = source.section
    if section is None:
        return text("cite.page_ocr" if source.ocr else "cite.page", language, page=source.page)
    code = _RANGE_CODES[(section.unit, section.first == section.last)]
    where = text(code, language, first=section.first, last=section.last)
    return text("cite.section", language, heading=section.heading, where=where) if section.heading else where


@dataclass(frozen=True)
class SearchResult:
    """What a search found; `covered` is None when the collection cannot tell whether the passages answer it."""

    question: str
    search_query: str
    sources: list[Source] = field(default_factory=list)
    covered: bool | None = None
    signals: CoverageSignals | None = None
    """The retrieval scores `covered` was decided from (for evaluation; not part of the JSON output)."""

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "search_query": self.search_query,
            "covered": self.covered,
            "results": [s.to_json() for s in self.sources],
        }


@dataclass(frozen=True)
class RetrievalOptions:
    """How passages are found; the defaults are the measured best (docs/retrieval.md)."""

    mode: RetrievalMode = "hybrid"
    """`hybrid`: dense and BM25 rankings fused; `dense`: cosine similarity only."""
    fusion: Fusion = "convex"
    """How hybrid rankings are fused: `convex` (normalised scores, the default) or `rrf` (reciprocal rank)."""
    alpha: float = CONVEX_ALPHA
    """The dense ranking's share in convex fusion (rag/search/fusion.py)."""
    language_weight: bool = False
    """Also weigh BM25 by how well the query's language matches its best passages' language (rag/search/fusion.py).
    Off by default: it lifts cross-language questions with the bundled e5 on the held-out set but not on the dev and
    probe sets, and costs them with a weaker dense model (docs/retrieval.md)."""
    language_shift: bool = True
    """Search a question written in another language than its best passages again with its query vector moved into
    their language (rag/search/crosslingual.py; measured: better with the bundled e5, neutral with the Universal
    Sentence Encoder, docs/retrieval.md)."""
    follow_up_weight: float | None = None
    """When the search query is the no-LLM combination of earlier turns and the follow-up, search the follow-up
    alone too and fuse its rankings at this weight against 1 for the combined query. None (the default, measured
    better: docs/retrieval.md) searches the combined query only."""
    answer_types: bool = True
    """In hybrid retrieval fused by score, move passages whose best sentence holds a number up when the question asks
    for a quantity (rag/search/answer_type.py; measured better). Not with a reranker, which reads the passages
    itself."""
    reranker: Reranker | None = None
    """A cross-encoder that reorders the best fused candidates; None keeps the fused order."""
    min_top_cosine: float | None = None
    """A best-cosine threshold to decide coverage with instead of the collection's calibration
    (rag/search/coverage.py)."""


def retrieval_options(settings: Settings) -> RetrievalOptions:
    """The options the settings ask for; loads the reranking model when one is configured.

    Raises:
        RerankerError: CONVERSA_RERANK_MODEL names a model that cannot be loaded.
    """
    from rag.search.rerank import load_reranker

    return RetrievalOptions(
        mode=settings.retrieval,
        reranker=load_reranker(settings.rerank_model, Hub.of(settings)),
        min_top_cosine=settings.min_top_cosine,
    )


def user_turns(history: Sequence[BaseMessage | dict]) -> list[str]:
    """The user's earlier questions, oldest first, from messages or {"role", "content"} dicts."""
    turns = []
    for message in history:
        if isinstance(message, dict):
            if message.get("role") == "user":
                turns.append(str(message.get("content", "")))
        elif isinstance(message, HumanMessage):
            turns.append(str(message.content))
    return [t for t in turns if t.strip()]


def concat_query(question: str, history: Sequence[BaseMessage | dict]) -> str:
    """The no-LLM standalone query: the last earlier user turns, then the follow-up."""
    earlier = user_turns(history)[-_HISTORY_TURNS:]
    return " ".join([*earlier, question])


def sources_from_hits(hits: list[Hit]) -> list[Source]:
    return [
        Source(
            i,
            h.chunk.doc,
            h.chunk.page,
            h.chunk.text,
            h.score,
            h.chunk.page_label,
            h.chunk.section,
            h.chunk.ocr,
            h.chunk.lines,
        )
        for i, h in enumerate(hits, start=1)
    ]


def search(
    collection: KnowledgeBase, question: str, search_query: str, k: int, options: RetrievalOptions | None = None
) -> SearchResult:
    """Top-k passages for `search_query`, reported against the question as the user asked it.

    Scores are what the passages are ordered by: the cosine in dense retrieval of one query, the fused score in
    hybrid or multi-query retrieval (convex: in [0, 1] per unit of query weight, plus the answer-type boost; RRF: at
    most 2/61 per unit), the cross-encoder's score when reranking.
    """
    options = options or RetrievalOptions()
    queries = [(search_query, 1.0)]
    # The no-LLM combined query ends with the follow-up as asked; an LLM rewrite does not, and is searched alone.
    if options.follow_up_weight is not None and search_query != question and search_query.endswith(question):
        queries = [(question, options.follow_up_weight), (search_query, 1.0)]
    lexical = options.mode == "hybrid"
    n = max(k, _CANDIDATES)
    rankings = collection.rank(queries, n, lexical=lexical)
    calibration = calibration_for(collection) if options.min_top_cosine is None or options.language_shift else None
    # Coverage is judged on the question as asked: the calibration's reference questions were not moved either.
    found = signals(rankings, collection.embedding, calibration if options.min_top_cosine is None else None)
    covered = is_covered(found, calibration, options.min_top_cosine)
    if options.language_shift and calibration is not None:
        rankings = toward_passages_language(rankings, collection.embedding, calibration.regions, n)
    if len(queries) == 1 and not lexical:
        order = rankings.queries[0].dense
    else:
        order = fuse(rankings, lexical, options.fusion, options.alpha, options.language_weight)
    if options.answer_types and lexical and options.fusion == "convex" and options.reranker is None:
        order = boost_quantities(order, rankings.chunks, question, search_query, rankings.idf)
    if options.reranker is not None and order:
        pool = [row for row, _ in order[: max(k, _RERANK_POOL)]]
        scores = options.reranker.score(search_query, [rankings.chunks[row].text for row in pool])
        order = sorted(zip(pool, scores, strict=True), key=lambda pair: -pair[1])
    hits = [Hit(rankings.chunks[row], score) for row, score in order[:k]]
    return SearchResult(question, search_query, sources_from_hits(hits), covered, found)


def retriever_for(
    collection: KnowledgeBase, k: int, options: RetrievalOptions | None = None
) -> Callable[[str, str], SearchResult]:
    """The chain's retrieval step over one collection."""
    return lambda question, search_query: search(collection, question, search_query, k, options)
