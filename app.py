"""Conversa in the browser: drop PDFs, ask questions, read streamed answers with their cited pages."""

from __future__ import annotations

import streamlit as st

from config.settings import SettingsError, load_settings
from i18n import text
from ui.chat import conversation, conversation_panel
from ui.model_panel import model_panel
from ui.page import guarded, language, say, t
from ui.resources import core
from ui.sidebar import collection_picker, documents_panel
from ui.strings import LANGUAGES


def main() -> None:
    st.set_page_config(page_title=t("page_title"), page_icon=":material/forum:", layout="centered")
    try:
        settings = load_settings()
    except SettingsError as exc:
        st.error(t("settings_error", error=say(exc)))
        return
    conversa = core(settings)
    with st.sidebar:
        st.radio(t("language_label"), list(LANGUAGES), format_func=LANGUAGES.get, key="language", horizontal=True)
        collection = collection_picker(conversa)
        if collection is not None:
            documents_panel(conversa, collection)
        st.divider()
        choice, top_k, follow_up = model_panel(settings)
        st.divider()
        # Filled after the conversation, so the download holds the answer given in this very run.
        conversation_box = st.container()
    conversation(conversa, collection, choice, top_k, follow_up)
    with conversation_box:
        conversation_panel(collection.name if collection else settings.collection)


with guarded(text("action_show", language())):
    main()
