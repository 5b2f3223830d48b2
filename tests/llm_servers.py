"""Loopback HTTP servers for the llm tests, and Ollama's API spoken on one, so tests drive the real clients."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_REPLY = ["Attention ", "lets ", "each ", "token ", "look ", "at ", "the ", "others ", "[1]."]


class RecordedRequest:
    """One request the server received: method, path, headers (lower-case names) and the JSON body."""

    def __init__(self, method: str, path: str, headers: dict[str, str], body: Any) -> None:
        self.method, self.path, self.headers, self.body = method, path, headers, body


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 so streamed bodies are chunked, as from the real servers: a socket closed before the
    # last chunk is then a protocol error the client sees, not a silently shorter answer.
    protocol_version = "HTTP/1.1"
    server: _LoopbackHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass  # keep pytest output clean

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        self.server.owner.requests.append(
            RecordedRequest(method, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        )
        try:
            self.server.owner.respond(self, method, self.path, body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first (a timeout test): nothing left to say

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def start_stream(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def die(self) -> None:
        """Drop the connection mid-body, like a server process that crashed."""
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)


class _LoopbackHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: LoopbackServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client hanging up on a keep-alive connection is normal here, not worth a traceback


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 and a free port; use as a context manager."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.stopping = threading.Event()
        self._httpd = _LoopbackHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.owner = self
        # A short poll interval: shutdown() waits for it, once per test.
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()  # wakes handlers sleeping in a timeout test
        self._httpd.shutdown()
        self._httpd.server_close()

    def respond(self, handler: Handler, method: str, path: str, body: Any) -> None:
        raise NotImplementedError

    def bodies(self, path: str) -> list[Any]:
        return [r.body for r in self.requests if r.path == path]


class OllamaServer(LoopbackServer):
    """Speaks Ollama's /api/tags, /api/show and /api/chat (NDJSON streaming).

    Args:
        models: name -> size in bytes, what `ollama list` would show as pulled.
        reply: the chunks of every answer.
        die_after: drop the connection after this many answer chunks, before `done`.
    """

    def __init__(self, models: dict[str, int], reply: list[str] | None = None, die_after: int | None = None):
        super().__init__()
        self.models, self.reply, self.die_after = models, reply or DEFAULT_REPLY, die_after

    def respond(self, handler: Handler, method: str, path: str, body: Any) -> None:
        if (method, path) == ("GET", "/api/tags"):
            handler.send_json(200, {"models": [self._tag(name, size) for name, size in self.models.items()]})
        elif (method, path) == ("POST", "/api/show"):
            self._show(handler, body["model"])
        elif (method, path) == ("POST", "/api/chat"):
            self._chat(handler, body)
        else:
            handler.send_json(404, {"error": "404 page not found"})

    @staticmethod
    def _tag(name: str, size: int) -> dict[str, Any]:
        return {
            "name": name,
            "model": name,
            "modified_at": "2025-01-01T00:00:00Z",
            "size": size,
            "digest": "0" * 64,
            "details": {"format": "gguf", "family": "qwen2", "parameter_size": "1.5B", "quantization_level": "Q4_K_M"},
        }

    def _pulled(self, model: str) -> bool:
        # As Ollama reads names: no tag means ":latest".
        return model in self.models or (":" not in model and f"{model}:latest" in self.models)

    def _show(self, handler: Handler, model: str) -> None:
        if not self._pulled(model):
            handler.send_json(404, {"error": f"model '{model}' not found"})
            return
        handler.send_json(
            200,
            {
                "modelfile": "",
                "parameters": "",
                "template": "{{ .Prompt }}",
                "details": self._tag(model, 0)["details"],
                "model_info": {"general.architecture": "qwen2", "qwen2.context_length": 32768},
                "capabilities": ["completion"],
            },
        )

    def _chat(self, handler: Handler, body: dict[str, Any]) -> None:
        model = body["model"]
        if not self._pulled(model):
            handler.send_json(404, {"error": f'model "{model}" not found, try pulling it first'})
            return
        if body.get("stream") is False:
            handler.send_json(200, self._part(model, "".join(self.reply), done=True))
            return
        handler.start_stream("application/x-ndjson")
        for index, text in enumerate(self.reply):
            if self.die_after is not None and index >= self.die_after:
                handler.die()
                return
            handler.write_chunk(json.dumps(self._part(model, text, done=False)).encode() + b"\n")
        handler.write_chunk(json.dumps(self._part(model, "", done=True)).encode() + b"\n")
        handler.end_stream()

    def _part(self, model: str, text: str, *, done: bool) -> dict[str, Any]:
        part: dict[str, Any] = {
            "model": model,
            "created_at": "2025-01-01T00:00:00Z",
            "message": {"role": "assistant", "content": text},
            "done": done,
        }
        if done:
            part |= {
                "done_reason": "stop",
                "total_duration": 1_000_000,
                "load_duration": 1_000,
                "prompt_eval_count": 26,
                "prompt_eval_duration": 1_000,
                "eval_count": len(self.reply),
                "eval_duration": 1_000,
            }
        return part


def closed_port_url() -> str:
    """A loopback URL where nothing listens: bind a free port, then let it go."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# Variables that could carry a developer's real setup into a test: ours, and the ones the provider
# libraries read behind our back.
_AMBIENT_VARIABLES = ("OLLAMA_HOST", "OLLAMA_API_KEY", "OPENAI_API_BASE", "GROQ_API_BASE", "OPENAI_ORG_ID")


def isolate_llm_env(monkeypatch: Any, tmp_path: Any) -> None:
    """Run in an empty folder (no .env) with none of Conversa's variables set but the two every test gets
    (tests/conftest.py: its own data dir, and no hub downloads)."""
    from config.settings import Settings, variable

    monkeypatch.chdir(tmp_path)
    ours = [variable(name) for name in Settings.model_fields]
    for name in (*ours, *_AMBIENT_VARIABLES):
        if name not in ("CONVERSA_DATA_DIR", "HF_HUB_OFFLINE"):
            monkeypatch.delenv(name, raising=False)
