"""The sidebar's model panel: provider, model, key, answer options, and whether the provider is usable now."""

from __future__ import annotations

import hashlib

import streamlit as st

from config.settings import Settings
from llm import LLMError, check_provider, list_models, offered_providers, resolve_model
from ui.page import say, t
from ui.state import ModelChoice
from ui.strings import PROVIDER_NAMES

# Providers that need a key, and the variable that holds it when the environment has one.
KEY_VARIABLES = {"groq": "GROQ_API_KEY", "openai": "OPENAI_API_KEY"}


def forget_probes() -> None:
    st.session_state.pop("model_lists", None)
    st.session_state.pop("provider_status", None)


def model_options(provider: str, settings: Settings, api_key: str | None) -> list[str]:
    """Models to offer, the configured or default one first; Ollama offers what is pulled (asked once per refresh)."""
    lists = st.session_state.setdefault("model_lists", {})
    if provider not in lists:
        try:
            lists[provider] = [m.name for m in list_models(provider, settings, api_key)]
        except LLMError:
            lists[provider] = []  # the status line below says why
    default = resolve_model(provider, None, settings)  # type: ignore[arg-type]
    names = lists[provider]
    if provider == "ollama" and names and default not in names:
        return names
    return list(dict.fromkeys([default, *names]))


def model_panel(settings: Settings) -> tuple[ModelChoice, int, str]:
    """Provider, model and answer options; returns the choice, the number of passages and the follow-up strategy."""
    st.subheader(t("model_header"))
    providers = offered_providers(settings)
    if st.session_state.get("provider") not in providers:
        st.session_state["provider"] = settings.provider if settings.provider in providers else providers[0]
    provider = st.selectbox(t("provider_label"), providers, key="provider", format_func=PROVIDER_NAMES.get)
    api_key = None
    if provider in KEY_VARIABLES and not getattr(settings, f"{provider}_api_key"):
        label = t("api_key_label", variable=KEY_VARIABLES[provider])
        api_key = st.text_input(label, type="password", key=f"api_key_{provider}", help=t("api_key_help")).strip()
        api_key = api_key or None
    model = st.selectbox(t("model_label"), model_options(provider, settings, api_key), key=f"model_{provider}")
    if provider in ("groq", "openai", "hf"):
        model = st.text_input(t("model_other_label"), key=f"model_other_{provider}").strip() or model
    # Keyed by a digest, not the key itself, so the key is held in one place only.
    fingerprint = hashlib.sha256(api_key.encode()).hexdigest() if api_key else ""
    statuses = st.session_state.setdefault("provider_status", {})
    probe = (provider, model, fingerprint)
    if probe not in statuses:
        statuses[probe] = check_provider(provider, settings, api_key, model=model)
    status = statuses[probe]
    icon = ":material/check_circle:" if status.ok else ":material/warning:"
    st.caption(f"{icon} {say(status.message)}")  # llm/ writes these sentences in Markdown (`ollama serve`)
    st.button(t("refresh_models"), key="refresh_models", on_click=forget_probes, icon=":material/refresh:")
    temperature = st.slider(t("temperature_label"), 0.0, 1.0, float(settings.temperature), 0.05, key="temperature")
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
