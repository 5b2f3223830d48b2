"""What every part of the page shares: words in the interface's language, flashed messages, guarded actions."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from i18n import counted, localize, text
from ui.strings import DEFAULT_LANGUAGE

logger = logging.getLogger("conversa.app")


def language() -> str:
    return st.session_state.get("language", DEFAULT_LANGUAGE)


def t(key: str, **values: object) -> str:
    return text(key, language(), **values)


def say(value: object) -> str:
    """A sentence from rag/ or llm/ (or an exception raised with one) in the interface's language."""
    return localize(value, language())


def count(number: int, noun: str) -> str:
    return counted(number, noun, language())


@contextmanager
def guarded(action: str) -> Iterator[None]:
    """Any failure inside becomes one sentence on the page; the traceback goes to the terminal only."""
    try:
        yield
    except Exception:  # st.rerun and st.stop raise BaseException subclasses, which pass through
        logger.exception("Conversa could not %s", action)
        st.error(t("unexpected", action=action))


def flash(tone: str, message: str) -> None:
    """A message that survives the rerun a callback triggers."""
    st.session_state["flash"] = (tone, message)


def show_flash() -> None:
    if message := st.session_state.pop("flash", None):
        getattr(st, message[0])(message[1])
