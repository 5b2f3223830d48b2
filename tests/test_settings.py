"""The one settings model: where values come from, what counts as unset, and how a bad value is reported."""

from __future__ import annotations

import os
import re
import shutil
import traceback
from pathlib import Path

import pytest
from pydantic import ValidationError

from config.settings import Settings, SettingsError, load_settings, variable

ROOT = Path(__file__).resolve().parent.parent
FIELDS = list(Settings.model_fields)
SECRETS = [name for name, field in Settings.model_fields.items() if field.repr is False]
PLANTED = "PLANTED-secret-9f8e"


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No Conversa variable in the process environment, and an empty working directory."""
    for name in FIELDS:
        monkeypatch.delenv(variable(name), raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def example_lines() -> list[tuple[str, str]]:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("=", 1)) for line in lines if line.strip() and not line.startswith("#")]  # type: ignore[misc]


@pytest.mark.parametrize("name", FIELDS)
@pytest.mark.parametrize("empty", ["", "  "])
def test_an_empty_variable_means_unset(name: str, empty: str) -> None:
    assert load_settings({variable(name): empty}) == Settings()


def test_every_variable_is_in_env_example_once() -> None:
    listed = [name for name, _ in example_lines()]

    assert sorted(listed) == sorted(variable(name) for name in FIELDS)


def test_env_example_copied_to_dot_env_gives_the_defaults(clean_environment: Path) -> None:
    shutil.copy(ROOT / ".env.example", clean_environment / ".env")

    assert load_settings() == Settings()


def test_the_environment_wins_over_dot_env(clean_environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_environment / ".env").write_text("CONVERSA_TOP_K=3\nGROQ_API_KEY=gsk_from_file\nCONVERSA_RETRIEVAL=dense\n")
    monkeypatch.setenv("CONVERSA_TOP_K", "7")
    monkeypatch.setenv("CONVERSA_RETRIEVAL", "")  # empty: unset, so the file's value stands

    settings = load_settings()

    assert (settings.top_k, settings.groq_api_key, settings.retrieval) == (7, "gsk_from_file", "dense")
    assert "GROQ_API_KEY" not in os.environ  # reading .env leaves the process environment alone


def test_a_dot_env_outside_the_working_directory_is_not_read(clean_environment: Path, monkeypatch) -> None:
    (clean_environment / ".env").write_text("CONVERSA_TOP_K=3\n")
    (clean_environment / "elsewhere").mkdir()
    monkeypatch.chdir(clean_environment / "elsewhere")

    assert load_settings().top_k == Settings().top_k


def test_a_given_mapping_is_the_only_source(clean_environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_environment / ".env").write_text("CONVERSA_TOP_K=3\n")
    monkeypatch.setenv("CONVERSA_CHUNK_TOKENS", "128")

    assert load_settings({"CONVERSA_COLLECTION": "notas"}) == Settings(collection="notas")
    assert Settings() == load_settings({})  # building one reads nothing either


def test_choices_ignore_case_and_surrounding_blanks() -> None:
    settings = load_settings({"CONVERSA_LLM_PROVIDER": " Groq ", "CONVERSA_RETRIEVAL": "DENSE", "QDRANT_URL": " u "})

    assert (settings.provider, settings.retrieval, settings.qdrant_url) == ("groq", "dense", "u")


@pytest.mark.parametrize(
    ("variable_name", "value", "allowed"),
    [
        ("CONVERSA_RETRIEVAL", "sparse", "must be `hybrid` or `dense`"),
        ("CONVERSA_FOLLOW_UP", "rewrite", "must be `llm` or `concat`"),
        ("CONVERSA_VECTOR_STORE", "chroma", "must be `faiss` or `qdrant`"),
        ("CONVERSA_EMBEDDING_PRECISION", "fp16", "must be one of `auto`, `fp32`, `bf16`, `int8`"),
        ("CONVERSA_LLM_PROVIDER", "gpt", "must be one of `ollama`, `groq`, `openai`, `hf`, `fake`"),
        ("CONVERSA_MIN_TOP_COSINE", "1.5", "must be a number from -1 to 1 (a cosine), or empty"),
        ("CONVERSA_MIN_TOP_COSINE", "nan", "must be a number from -1 to 1 (a cosine), or empty"),
        ("CONVERSA_OLLAMA_NUM_CTX", "lots", "must be a whole number"),
        ("CONVERSA_TOP_K", "2.5", "must be a whole number"),
        ("CONVERSA_TOP_K", "0", "must be greater than 0"),
        ("CONVERSA_HNSW_THRESHOLD", "-1", "must be at least 0"),
        ("CONVERSA_LLM_TIMEOUT", "soon", "must be a number"),
        ("CONVERSA_ALLOW_FAKE_LLM", "maybe", "must be 1 or 0 (or true/false, yes/no, on/off)"),
    ],
)
def test_a_bad_value_is_one_sentence_naming_the_variable(variable_name: str, value: str, allowed: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({variable_name: value})

    sentence = str(raised.value)
    assert sentence == f"{variable_name} {allowed}, got {value!r}: fix it in .env or the environment."
    assert isinstance(raised.value, ValueError)
    assert raised.value.args[0].in_language("pt").startswith(f"{variable_name} deve ser")


@pytest.mark.parametrize("name", SECRETS)
def test_a_bad_key_is_named_but_never_shown(name: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({variable(name): f"Bearer {PLANTED}"})

    assert str(raised.value) == f"{variable(name)} must be the key alone, with no spaces inside: fix it in .env or " + (
        "the environment."
    )
    assert PLANTED not in "".join(traceback.format_exception(raised.value))


@pytest.mark.parametrize("name", SECRETS)
def test_keys_stay_out_of_the_repr_and_of_another_variables_error(name: str) -> None:
    assert PLANTED not in repr(Settings(**{name: PLANTED})) + str(Settings(**{name: PLANTED}))

    with pytest.raises(SettingsError) as raised:
        load_settings({variable(name): PLANTED, "CONVERSA_TOP_K": "many"})

    shown = "".join(traceback.format_exception(raised.value))
    assert "CONVERSA_TOP_K" in shown and PLANTED not in shown


def test_every_field_is_documented_with_its_variable() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description and field.description.startswith(f"{variable(name)}: "), name
        assert re.fullmatch(r"(CONVERSA|QDRANT|OLLAMA|GROQ|OPENAI|HF)_[A-Z][A-Z0-9_]*", variable(name)), name


def test_settings_are_frozen_and_copied_with_changes() -> None:
    settings = Settings()
    with pytest.raises(ValidationError):
        settings.top_k = 9  # type: ignore[misc]
    with pytest.raises(ValidationError, match="topk"):
        Settings(topk=9)  # type: ignore[call-arg]

    changed = settings.model_copy(update={"vector_store": "qdrant"})
    assert (changed.vector_store, settings.vector_store) == ("qdrant", "faiss")
