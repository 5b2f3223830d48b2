"""The conversation: replies replayed on every rerun, a new question answered from the core's events as they come."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime

import streamlit as st

from i18n import message
from llm import explain_error
from rag.core import Conversa, InputError, Searching, SourcesFound, Token, Transcript
from rag.core.inputs import MAX_QUESTION_CHARS
from rag.index.store import KnowledgeBase
from rag.search.retrieval import Source, cited_location
from ui.answers import chat_model_for, redacted_traceback, settle_turn
from ui.export import check_markdown, conversation_markdown, escape_markdown
from ui.page import count, guarded, language, logger, say, t
from ui.resources import page_png
from ui.state import ModelChoice, Turn, history_for


def clear_conversation() -> None:
    st.session_state["messages"] = []
    for key in [k for k in st.session_state if str(k).startswith("page_")]:
        del st.session_state[key]


def conversation_panel(collection_name: str) -> None:
    st.subheader(t("conversation_header"))
    messages = st.session_state.get("messages", [])
    left, right = st.columns(2)
    left.button(t("clear_chat"), key="clear_chat", on_click=clear_conversation, disabled=not messages)
    right.download_button(
        t("download_chat"),
        conversation_markdown(messages, collection_name, language()),
        file_name=f"conversa-{collection_name}-{datetime.now():%Y%m%d-%H%M}.md",
        mime="text/markdown",
        key="download_chat",
        disabled=not messages,
    )


def show_page(core: Conversa, turn: Turn, source: Source) -> None:
    collection = core.collection(turn.collection or core.settings.collection)
    path = collection.file_path(source.doc)
    if path is None:
        st.caption(t("page_unavailable", reason=t("page_file_missing")))
        return
    password = st.session_state.get("pdf_passwords", {}).get(source.doc)
    from rag.documents.page_image import PageImageError

    try:
        png, found = page_png(str(path), path.stat().st_mtime, source.page, source.text, password, source.lines)
    except PageImageError as exc:
        st.caption(t("page_unavailable", reason=say(exc)))
        return
    caption = "page_caption" if found else "page_caption_not_found"
    st.image(png, caption=t(caption, doc=source.doc, page=source.page), width="stretch", output_format="PNG")


def show_sources(core: Conversa, index: int, turn: Turn) -> None:
    if not turn.sources:
        return
    st.caption(f"**{t('sources_header')}**")
    for source in turn.sources:
        page_key = f"page_{index}_{source.number}"
        label = t("source_label", number=source.number, doc=source.doc, where=cited_location(source, language()))
        with st.expander(label, expanded=bool(st.session_state.get(page_key))):
            st.markdown("\n".join("> " + escape_markdown(line) for line in source.text.splitlines() if line.strip()))
            if source.has_page_image and st.toggle(t("show_page"), key=page_key):
                with guarded(t("action_page")):
                    show_page(core, turn, source)


def show_reply(core: Conversa, index: int, turn: Turn, replay: bool, streamed: bool = False) -> None:
    """An assistant turn: whole when `replay`ed from history, else what the status and the stream did not draw.

    Both ways draw the same elements in the same order, so an open source or page survives the next rerun.
    """
    if replay and turn.search_query is not None:
        # One line where the live answer had its status: st.status sleeps 50 ms each time it is drawn, which
        # delayed every new answer by 50 ms per earlier reply. Still one element, so the sources keep their places.
        found = t("found", count=count(len(turn.sources), "passages"))
        st.caption(f":material/check_circle: {found} · {t('searched_for', query=escape_markdown(turn.search_query))}")
    if turn.notice:
        st.info(t("search_only", reason=say(turn.notice)))
    elif turn.error and not turn.interrupted:
        st.error(t("answer_failed", error=say(turn.error)))
    if replay or not streamed:
        st.markdown(turn.content)
    if turn.unsupported:
        st.warning(check_markdown(turn, language()), icon=":material/fact_check:")
    if turn.interrupted:
        st.warning(t("interrupted", error=say(turn.error)))
    if turn.history_trimmed:
        st.caption(t("history_trimmed", count=turn.history_trimmed))
    if turn.covered is False:
        st.warning(t("not_covered"))
    show_sources(core, index, turn)


def respond(
    core: Conversa,
    collection: KnowledgeBase,
    question: str,
    choice: ModelChoice,
    k: int,
    follow_up: str,
) -> None:
    settings = core.settings
    messages: list[Turn] = st.session_state["messages"]
    index = len(messages)  # the reply's place in the history, which keys its widgets on every rerun
    model, notice = chat_model_for(choice, settings)
    history = history_for(messages[:-1])

    def explain(exc: BaseException) -> str:
        sentence = explain_error(exc, choice.provider, choice.model, settings=settings)
        secrets = (choice.api_key, settings.groq_api_key, settings.openai_api_key)
        logger.warning("The answer failed: %s\n%s", sentence, redacted_traceback(exc, secrets))
        return sentence

    events = core.answer(question, history, model, k, collection.name, follow_up, explain)  # type: ignore[arg-type]
    # Stored before the first token and filled as tokens come: a click while the answer streams reruns the page
    # and ends this run, and the reply must keep what had arrived, marked as stopped, not vanish.
    turn = Turn("assistant", "", collection=collection.name, notice=notice, interrupted=True)
    turn.error = message("answer.stopped")
    messages.append(turn)
    transcript = Transcript()

    def tokens() -> Iterator[str]:
        for event in events:
            transcript.add(event)
            match event:
                case Searching(history_trimmed=trimmed):
                    turn.history_trimmed = trimmed
                case SourcesFound(result=result):
                    turn.sources, turn.covered = list(result.sources), result.covered
                    turn.search_query = result.search_query
                case Token(text=text):
                    turn.content += text
                    yield text
                case _:
                    pass

    stream = tokens()
    # The status stays up while the search runs and the model starts: the first token is the real wait.
    with st.status(t("searching"), expanded=False) as status:
        first = next(stream, None)
        st.caption(t("searched_for", query=escape_markdown(turn.search_query or question)))
        status.update(label=t("found", count=count(len(turn.sources), "passages")), state="complete")
    if first is not None:
        st.write_stream(itertools.chain([first], stream))
    settle_turn(turn, transcript, language())
    show_reply(core, index, turn, replay=False, streamed=first is not None)


def conversation(
    core: Conversa,
    collection: KnowledgeBase | None,
    choice: ModelChoice,
    k: int,
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
                show_reply(core, index, turn, replay=True)
    question = st.chat_input(t("ask_placeholder"), key="question", max_chars=MAX_QUESTION_CHARS)
    if not (question and question.strip()):
        return
    messages.append(Turn("user", question.strip()))
    with st.chat_message("user"):
        st.markdown(escape_markdown(question.strip()))
    with st.chat_message("assistant"), guarded(t("action_answer")):
        if collection is None or not collection.documents():
            name = collection.name if collection else st.session_state.get("collection", core.settings.collection)
            turn = Turn("assistant", t("no_documents_answer", name=name), collection=name)
            messages.append(turn)
            st.markdown(turn.content)
            return
        try:
            respond(core, collection, question.strip(), choice, k, follow_up)
        except InputError as exc:  # refused before any work: say why, and keep no orphan question
            messages.pop()
            st.error(say(exc))
