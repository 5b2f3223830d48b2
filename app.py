"""Conversa in the browser: drop PDFs, ask questions, read streamed answers with their cited pages."""

from __future__ import annotations

import hashlib
import io
import itertools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import streamlit as st

from config.settings import EmbeddingPrecision, Settings, SettingsError, load_settings
from i18n import localize
from llm import (
    LLMError,
    check_provider,
    explain_error,
    list_models,
    offered_providers,
    resolve_model,
)
from rag.answer.chain import ask, build_chain
from rag.documents.page_image import PageImageError, render_page
from rag.index.embeddings import EmbeddingModel, Hub, load_embedding_model
from rag.index.ingest import FileReport
from rag.index.store import KnowledgeBase, delete_collection, list_collections, store_location
from rag.index.store import open_collection as open_stored_collection
from rag.index.types import CollectionError
from rag.search.retrieval import RetrievalOptions, Source, retrieval_options, retriever_for
from ui.answers import answer_turn, chat_model_for, redacted_traceback
from ui.export import conversation_markdown, escape_markdown
from ui.state import ModelChoice, Turn, UploadRecord, history_for
from ui.strings import DEFAULT_LANGUAGE, LANGUAGES, PROVIDER_NAMES, counted, text
from ui.uploads import ingest_uploads, report_line

logger = logging.getLogger("conversa.app")

# Providers that need a key, and the variable that holds it when the environment has one.
KEY_VARIABLES = {"groq": "GROQ_API_KEY", "openai": "OPENAI_API_KEY"}
PAGE_WIDTH_PX = 1000


def t(key: str, **values: object) -> str:
    return text(key, st.session_state.get("language", DEFAULT_LANGUAGE), **values)


def say(value: object) -> str:
    """A sentence from rag/ or llm/ (or an exception raised with one) in the interface's language."""
    return localize(value, st.session_state.get("language", DEFAULT_LANGUAGE))


def count(number: int, noun: str) -> str:
    return counted(number, noun, st.session_state.get("language", DEFAULT_LANGUAGE))


@contextmanager
def guarded(action: str) -> Iterator[None]:
    """Any failure inside becomes one sentence on the page; the traceback goes to the terminal only."""
    try:
        yield
    except Exception:  # st.rerun and st.stop raise BaseException subclasses, which pass through
        logger.exception("Conversa could not %s", action)
        st.error(t("unexpected", action=action))


@st.cache_resource(show_spinner=False)
def embedding_model(model_id: str, precision: EmbeddingPrecision, _hub: Hub) -> EmbeddingModel:
    return load_embedding_model(model_id, precision=precision, hub=_hub)


@st.cache_resource(show_spinner=False)
def search_options(
    mode: str, rerank_model: str | None, min_top_cosine: float | None, _settings: Settings
) -> RetrievalOptions:
    """Hybrid or dense, the coverage threshold, and the cross-encoder when one is configured: loaded once, shared
    by every session."""
    return retrieval_options(_settings)


@st.cache_resource(show_spinner=False)
def open_collection(location: str, name: str, _settings: Settings) -> KnowledgeBase:
    """One collection per (store, name), shared by every session; it is safe for concurrent add and search."""
    model = embedding_model(_settings.embedding_model, _settings.embedding_precision, Hub.of(_settings))
    try:
        return open_stored_collection(_settings, name, model)
    except CollectionError:
        # Built with another embedding model: open it with its own (a damaged one fails again, and says why).
        return open_stored_collection(_settings, name)


@st.cache_data(show_spinner=False, max_entries=64)
def page_png(path: str, stamp: float, page: int, passage: str, _password: str | None) -> tuple[bytes, bool]:
    """The cited page as PNG bytes and whether the passage was found on it; `stamp` renews it if the file changes."""
    rendered = render_page(Path(path), page, passage, width=PAGE_WIDTH_PX, password=_password)
    buffer = io.BytesIO()
    rendered.image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue(), rendered.found


def collection_for(settings: Settings, name: str) -> KnowledgeBase:
    return open_collection(store_location(settings), name, settings)


def flash(tone: str, message: str) -> None:
    """A message that survives the rerun a callback triggers."""
    st.session_state["flash"] = (tone, message)


# --- sidebar: collections -------------------------------------------------------------------------------------


def create_collection(settings: Settings) -> None:
    name = st.session_state.get("new_collection", "").strip()
    try:
        collection_for(settings, name)
    except CollectionError as exc:
        flash("error", say(exc))
        return
    except Exception:
        logger.exception("Cannot create collection %s", name)
        flash("error", t("unexpected", action=t("action_collection", name=name)))
        return
    st.session_state.setdefault("created_collections", []).append(name)
    st.session_state.update(collection=name, new_collection="")
    flash("success", t("collection_created", name=name))


def remove_collection(settings: Settings, name: str) -> None:
    try:
        delete_collection(settings, name)
    except Exception:
        logger.exception("Cannot delete collection %s", name)
        flash("error", t("unexpected", action=t("action_delete", name=name)))
        return
    open_collection.clear(store_location(settings), name, settings)
    created = st.session_state.setdefault("created_collections", [])
    if name in created:
        created.remove(name)
    st.session_state.update(collection=settings.collection, confirm_delete=False)
    flash("success", t("collection_deleted", name=name))


def collection_picker(settings: Settings) -> KnowledgeBase | None:
    try:
        stored = list_collections(settings)
    except CollectionError as exc:  # e.g. the Qdrant server is down: say so, and how to fix it
        st.error(say(exc))
        return None
    names = sorted({*stored, settings.collection, *st.session_state.get("created_collections", [])})
    if st.session_state.get("collection") not in names:
        st.session_state["collection"] = settings.collection
    # Switching collections withdraws a delete confirmation given for the previous one.
    name = st.selectbox(
        t("collection_label"),
        names,
        key="collection",
        on_change=st.session_state.update,
        kwargs={"confirm_delete": False},
    )
    with st.expander(t("manage_collections")):
        st.text_input(t("new_collection_label"), key="new_collection", help=t("new_collection_help"))
        st.button(t("create_collection"), key="create_collection", on_click=create_collection, args=(settings,))
        st.checkbox(t("confirm_delete", name=name), key="confirm_delete")
        st.button(
            t("delete_collection"),
            key="delete_collection",
            on_click=remove_collection,
            args=(settings, name),
            disabled=not st.session_state.get("confirm_delete"),
        )
    if message := st.session_state.pop("flash", None):
        getattr(st, message[0])(message[1])
    try:
        return collection_for(settings, name)
    except CollectionError as exc:
        st.error(say(exc))
    except Exception:
        logger.exception("Cannot open collection %s", name)
        st.error(t("unexpected", action=t("action_collection", name=name)))
    return None


# --- sidebar: documents -----------------------------------------------------------------------------------------


def index_upload(
    collection: KnowledgeBase, name: str, data: bytes, max_upload_mb: float, password: str | None = None
) -> FileReport:
    """Index one uploaded file with a live progress bar; any failure becomes a rejected report."""
    bar = st.progress(0.0, text=t("reading", name=name))

    def progress(done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=t("embedding", name=name, done=done, total=total))

    try:
        passwords = {name: password} if password else {}
        (report,) = ingest_uploads(collection, [(name, data)], lambda _: progress, passwords, max_upload_mb)
    except Exception:
        logger.exception("Cannot index %s", name)
        report = FileReport(name, "rejected", reason=t("unexpected", action=t("action_upload", name=name)))
    bar.progress(1.0, text=t("file_done", name=name))
    return report


def password_form(collection: KnowledgeBase, record: UploadRecord, data: bytes, max_upload_mb: float) -> None:
    name = record.report.name
    with st.form(key=f"unlock::{name}", border=False):
        password = st.text_input(t("password_label", name=name), type="password", key=f"password::{name}")
        if st.form_submit_button(t("unlock"), key=f"unlock_button::{name}"):
            report = index_upload(collection, name, data, max_upload_mb, password)
            st.session_state["uploads"][record.file_id] = replace(record, report=report)
            if report.ok:
                st.session_state.setdefault("pdf_passwords", {})[name] = password
            st.rerun()


def documents_panel(collection: KnowledgeBase, max_upload_mb: float) -> None:
    st.subheader(t("documents_header"))
    files = (
        st.file_uploader(
            t("upload_label"), type=["pdf"], accept_multiple_files=True, key="uploader", help=t("upload_help")
        )
        or []
    )
    records: dict[str, UploadRecord] = st.session_state.setdefault("uploads", {})
    for upload in files:
        if upload.file_id not in records:
            report = index_upload(collection, upload.name, upload.getvalue(), max_upload_mb)
            records[upload.file_id] = UploadRecord(upload.file_id, collection.name, report)
    for upload in files:
        record = records[upload.file_id]
        if record.collection == collection.name and record.shown:
            tone, line = report_line(record.report, st.session_state.get("language", DEFAULT_LANGUAGE))
            getattr(st, tone)(line)
            if record.needs_password:
                password_form(collection, record, upload.getvalue(), max_upload_mb)
    if collection.embedding.notice:  # e.g. offline: the bundled e5 stands in for the configured model
        st.caption(f":material/info: {say(collection.embedding.notice)}")
    documents = collection.documents()
    if not documents:
        st.caption(t("no_documents_sidebar", name=collection.name))
    for doc in documents:
        name_column, button_column = st.columns([6, 1], vertical_alignment="center")
        counts = t("doc_counts", pages=count(doc.pages, "pages"), chunks=count(doc.chunks, "passages"))
        name_column.markdown(f"**{escape_markdown(doc.name)}**  \n{counts}")
        remove = t("remove", name=doc.name)
        if button_column.button("", icon=":material/delete:", type="tertiary", key=f"remove::{doc.name}", help=remove):
            with guarded(t("action_remove", name=doc.name)):
                collection.remove(doc.name)
                for file_id, record in records.items():
                    if record.collection == collection.name and record.report.name == doc.name:
                        records[file_id] = replace(record, shown=False)
                flash("success", t("removed", name=doc.name))
                st.rerun()


# --- sidebar: model ------------------------------------------------------------------------------------------------


def forget_probes() -> None:
    st.session_state.pop("model_lists", None)
    st.session_state.pop("provider_status", None)


def model_options(provider: str, llm_settings: Settings, api_key: str | None) -> list[str]:
    """Models to offer, the configured or default one first; Ollama offers what is pulled (asked once per refresh)."""
    lists = st.session_state.setdefault("model_lists", {})
    if provider not in lists:
        try:
            lists[provider] = [m.name for m in list_models(provider, llm_settings, api_key)]
        except LLMError:
            lists[provider] = []  # the status line below says why
    default = resolve_model(provider, None, llm_settings)  # type: ignore[arg-type]
    names = lists[provider]
    if provider == "ollama" and names and default not in names:
        return names
    return list(dict.fromkeys([default, *names]))


def model_panel(settings: Settings, llm_settings: Settings) -> tuple[ModelChoice, int, str]:
    """Provider, model and answer options; returns the choice, the number of passages and the follow-up strategy."""
    st.subheader(t("model_header"))
    providers = offered_providers(llm_settings)
    if st.session_state.get("provider") not in providers:
        st.session_state["provider"] = llm_settings.provider if llm_settings.provider in providers else providers[0]
    provider = st.selectbox(t("provider_label"), providers, key="provider", format_func=PROVIDER_NAMES.get)
    api_key = None
    if provider in KEY_VARIABLES and not getattr(llm_settings, f"{provider}_api_key"):
        label = t("api_key_label", variable=KEY_VARIABLES[provider])
        api_key = st.text_input(label, type="password", key=f"api_key_{provider}", help=t("api_key_help")).strip()
        api_key = api_key or None
    model = st.selectbox(t("model_label"), model_options(provider, llm_settings, api_key), key=f"model_{provider}")
    if provider in ("groq", "openai", "hf"):
        model = st.text_input(t("model_other_label"), key=f"model_other_{provider}").strip() or model
    # Keyed by a digest, not the key itself, so the key is held in one place only.
    fingerprint = hashlib.sha256(api_key.encode()).hexdigest() if api_key else ""
    statuses = st.session_state.setdefault("provider_status", {})
    probe = (provider, model, fingerprint)
    if probe not in statuses:
        statuses[probe] = check_provider(provider, llm_settings, api_key, model=model)
    status = statuses[probe]
    icon = ":material/check_circle:" if status.ok else ":material/warning:"
    st.caption(f"{icon} {say(status.message)}")  # llm/ writes these sentences in Markdown (`ollama serve`)
    st.button(t("refresh_models"), key="refresh_models", on_click=forget_probes, icon=":material/refresh:")
    temperature = st.slider(t("temperature_label"), 0.0, 1.0, float(llm_settings.temperature), 0.05, key="temperature")
    top_k = st.slider(t("top_k_label"), 1, 15, min(max(settings.top_k, 1), 15), key="top_k")
    labels = {"concat": t("follow_up_concat"), "llm": t("follow_up_llm")}
    follow_up = st.radio(
        t("follow_up_label"),
        ["concat", "llm"],
        index=0 if settings.follow_up == "concat" else 1,
        format_func=labels.get,
        key="follow_up",
    )
    return ModelChoice(provider, model, temperature, api_key), top_k, follow_up


def clear_conversation() -> None:
    st.session_state["messages"] = []
    for key in [k for k in st.session_state if str(k).startswith("page_")]:
        del st.session_state[key]


def conversation_panel(collection_name: str) -> None:
    st.subheader(t("conversation_header"))
    messages = st.session_state.get("messages", [])
    language = st.session_state.get("language", DEFAULT_LANGUAGE)
    left, right = st.columns(2)
    left.button(t("clear_chat"), key="clear_chat", on_click=clear_conversation, disabled=not messages)
    right.download_button(
        t("download_chat"),
        conversation_markdown(messages, collection_name, language),
        file_name=f"conversa-{collection_name}-{datetime.now():%Y%m%d-%H%M}.md",
        mime="text/markdown",
        key="download_chat",
        disabled=not messages,
    )


# --- main area: the conversation ------------------------------------------------------------------------------


def show_page(settings: Settings, turn: Turn, source: Source) -> None:
    collection = collection_for(settings, turn.collection or settings.collection)
    path = collection.file_path(source.doc)
    if path is None:
        st.caption(t("page_unavailable", reason=t("page_file_missing")))
        return
    password = st.session_state.get("pdf_passwords", {}).get(source.doc)
    try:
        png, found = page_png(str(path), path.stat().st_mtime, source.page, source.text, password)
    except PageImageError as exc:
        st.caption(t("page_unavailable", reason=say(exc)))
        return
    caption = "page_caption" if found else "page_caption_not_found"
    st.image(png, caption=t(caption, doc=source.doc, page=source.page), width="stretch", output_format="PNG")


def show_sources(settings: Settings, index: int, turn: Turn) -> None:
    if not turn.sources:
        return
    st.caption(f"**{t('sources_header')}**")
    for source in turn.sources:
        page_key = f"page_{index}_{source.number}"
        label = t("source_label", number=source.number, doc=source.doc, page=source.page)
        with st.expander(label, expanded=bool(st.session_state.get(page_key))):
            st.markdown("\n".join("> " + escape_markdown(line) for line in source.text.splitlines() if line.strip()))
            if st.toggle(t("show_page"), key=page_key):
                with guarded(t("action_page")):
                    show_page(settings, turn, source)


def show_reply(settings: Settings, index: int, turn: Turn, replay: bool, streamed: bool = False) -> None:
    """An assistant turn: whole when `replay`ed from history, else what the status and the stream did not draw.

    Both ways draw the same elements in the same order, so an open source or page survives the next rerun.
    """
    if replay and turn.search_query is not None:
        with st.status(t("found", count=count(len(turn.sources), "passages")), state="complete", expanded=False):
            st.caption(t("searched_for", query=escape_markdown(turn.search_query)))
    if turn.notice:
        st.info(t("search_only", reason=say(turn.notice)))
    elif turn.error and not turn.interrupted:
        st.error(t("answer_failed", error=say(turn.error)))
    if replay or not streamed:
        st.markdown(turn.content)
    if turn.interrupted:
        st.warning(t("interrupted", error=say(turn.error)))
    if turn.covered is False:
        st.warning(t("not_covered"))
    show_sources(settings, index, turn)


def respond(
    settings: Settings,
    llm_settings: Settings,
    collection: KnowledgeBase | None,
    question: str,
    choice: ModelChoice,
    top_k: int,
    follow_up: str,
) -> None:
    messages: list[Turn] = st.session_state["messages"]
    index = len(messages)  # the reply's place in the history, which keys its widgets on every rerun
    if collection is None or not collection.documents():
        name = collection.name if collection else st.session_state.get("collection", settings.collection)
        turn = Turn("assistant", t("no_documents_answer", name=name), collection=name)
        messages.append(turn)
        st.markdown(turn.content)
        return
    model, notice = chat_model_for(choice, llm_settings)
    options = search_options(settings.retrieval, settings.rerank_model, settings.min_top_cosine, settings)
    chain = build_chain(retriever_for(collection, top_k, options), model, follow_up=follow_up)  # type: ignore[arg-type]
    history = history_for(messages[:-1])

    def explain(exc: BaseException) -> str:
        sentence = explain_error(exc, choice.provider, choice.model, settings=llm_settings)
        secrets = (choice.api_key, llm_settings.groq_api_key, llm_settings.openai_api_key)
        logger.warning("The answer failed: %s\n%s", sentence, redacted_traceback(exc, secrets))
        return sentence

    answer = ask(chain, question, history, explain=explain)
    tokens = answer.tokens()
    # The status stays up while the search runs and the model starts: the first token is the real wait.
    with st.status(t("searching"), expanded=False) as status:
        first = next(tokens, None)
        found = len(answer.retrieval.sources) if answer.retrieval else 0
        st.caption(t("searched_for", query=escape_markdown(answer.search_query)))
        status.update(label=t("found", count=count(found, "passages")), state="complete")
    if first is not None:
        st.write_stream(itertools.chain([first], tokens))
    turn = answer_turn(answer, collection.name, notice, st.session_state.get("language", DEFAULT_LANGUAGE))
    messages.append(turn)
    show_reply(settings, index, turn, replay=False, streamed=first is not None)


def conversation(
    settings: Settings,
    llm_settings: Settings,
    collection: KnowledgeBase | None,
    choice: ModelChoice,
    top_k: int,
    follow_up: str,
) -> None:
    st.title(t("title"))
    st.caption(t("subtitle"))
    if collection is not None and not collection.documents():
        st.info(t("empty_collection", name=collection.name), icon=":material/upload_file:")
    messages: list[Turn] = st.session_state.setdefault("messages", [])
    for index, turn in enumerate(messages):
        with st.chat_message(turn.role):
            if turn.role == "user":
                st.markdown(escape_markdown(turn.content))
            else:
                show_reply(settings, index, turn, replay=True)
    question = st.chat_input(t("ask_placeholder"), key="question")
    if question and question.strip():
        messages.append(Turn("user", question.strip()))
        with st.chat_message("user"):
            st.markdown(escape_markdown(question.strip()))
        with st.chat_message("assistant"), guarded(t("action_answer")):
            respond(settings, llm_settings, collection, question.strip(), choice, top_k, follow_up)


def main() -> None:
    st.set_page_config(page_title=t("page_title"), page_icon=":material/forum:", layout="centered")
    try:
        settings = load_settings()
    except SettingsError as exc:
        st.error(t("settings_error", error=say(exc)))
        return
    with st.sidebar:
        st.radio(t("language_label"), list(LANGUAGES), format_func=LANGUAGES.get, key="language", horizontal=True)
        collection = collection_picker(settings)
        if collection is not None:
            documents_panel(collection, settings.max_upload_mb)
        st.divider()
        choice, top_k, follow_up = model_panel(settings, settings)
        st.divider()
        # Filled after the conversation, so the download holds the answer given in this very run.
        conversation_box = st.container()
    conversation(settings, settings, collection, choice, top_k, follow_up)
    with conversation_box:
        conversation_panel(collection.name if collection else settings.collection)


with guarded(text("action_show", st.session_state.get("language", DEFAULT_LANGUAGE))):
    main()
