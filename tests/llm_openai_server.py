"""A loopback server speaking OpenAI's chat API (and Groq's, the same under another prefix)."""

from __future__ import annotations

import json
from typing import Any

from tests.llm_servers import DEFAULT_REPLY, Handler, LoopbackServer, RecordedRequest


class OpenAIServer(LoopbackServer):
    """Speaks OpenAI's /v1/chat/completions (server-sent events when streaming) and /v1/models.

    Also answers Groq's /openai/v1/chat/completions, which is the same protocol under another prefix.

    Args:
        status: answer every chat request with this HTTP error instead (401, 429, 500...).
        delay: seconds to wait before answering, to make the client time out.
    """

    def __init__(self, reply: list[str] | None = None, status: int | None = None, delay: float = 0.0):
        super().__init__()
        self.reply, self.status, self.delay = reply or DEFAULT_REPLY, status, delay

    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def respond(self, handler: Handler, method: str, path: str, body: Any) -> None:
        if self.delay and self.stopping.wait(self.delay):
            return
        if (method, path) == ("GET", "/v1/models"):
            handler.send_json(
                200, {"object": "list", "data": [{"id": "local-model", "object": "model", "owned_by": "me"}]}
            )
        elif method == "POST" and path in ("/v1/chat/completions", "/openai/v1/chat/completions"):
            self._chat(handler, body)
        else:
            handler.send_json(404, {"error": {"message": f"Unknown path {path}", "type": "invalid_request_error"}})

    def _chat(self, handler: Handler, body: dict[str, Any]) -> None:
        if self.status is not None:
            self._error(handler)
            return
        model = body["model"]
        if not body.get("stream"):
            message = {"role": "assistant", "content": "".join(self.reply)}
            choice = {"index": 0, "message": message, "finish_reason": "stop"}
            handler.send_json(200, self._completion(model, "chat.completion", [choice]) | {"usage": self._usage()})
            return
        handler.start_stream("text/event-stream")
        deltas = [{"role": "assistant", "content": ""}] + [{"content": text} for text in self.reply]
        for delta in deltas:
            self._event(handler, self._completion(model, "chat.completion.chunk", [self._choice(delta, None)]))
        self._event(handler, self._completion(model, "chat.completion.chunk", [self._choice({}, "stop")]))
        if (body.get("stream_options") or {}).get("include_usage"):
            self._event(handler, self._completion(model, "chat.completion.chunk", []) | {"usage": self._usage()})
        handler.write_chunk(b"data: [DONE]\n\n")
        handler.end_stream()

    def _error(self, handler: Handler) -> None:
        key = handler.headers.get("Authorization", "").removeprefix("Bearer ")
        # A careless server echoes the whole key back: the client must still never show it.
        messages = {
            401: (f"Incorrect API key provided: {key}.", "invalid_api_key"),
            429: ("Rate limit reached for model in organization on requests per minute.", "rate_limit_exceeded"),
            # llama.cpp's server, started with a small --n_ctx, given a long prompt.
            400: ("the request exceeds the available context size, try increasing it", "exceed_context_size_error"),
        }
        text, code = messages.get(self.status or 500, ("The server had an error.", "server_error"))
        error = {"error": {"message": text, "type": "invalid_request_error", "param": None, "code": code}}
        handler.send_json(self.status or 500, error, {"retry-after-ms": "10"} if self.status == 429 else None)

    @staticmethod
    def _event(handler: Handler, payload: dict[str, Any]) -> None:
        handler.write_chunk(b"data: " + json.dumps(payload).encode() + b"\n\n")

    @staticmethod
    def _completion(model: str, kind: str, choices: list[dict[str, Any]]) -> dict[str, Any]:
        return {"id": "chatcmpl-1", "object": kind, "created": 1_700_000_000, "model": model, "choices": choices}

    @staticmethod
    def _choice(delta: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
        return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}

    def _usage(self) -> dict[str, int]:
        return {"prompt_tokens": 26, "completion_tokens": len(self.reply), "total_tokens": 26 + len(self.reply)}
