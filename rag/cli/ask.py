"""`python -m rag ask`: the command line's chat, streamed to the terminal with its sources."""

from __future__ import annotations

import argparse
import json
import sys

from i18n import localize
from rag.cli.main import CLI
from rag.core import Conversa, Done, Failed, SourcesFound, Token, Transcript
from rag.index.types import printable
from rag.search.retrieval import cited_location


def run_ask(args: argparse.Namespace, core: Conversa, history: list) -> int:
    """Stream an answer (or print it as one JSON object); exit 1 when no model could be built or the answer
    failed before any token."""
    from i18n import message
    from llm import LLMError, build_chat_model, explain_error, offered_providers
    from llm.providers import parse_provider

    settings = core.settings
    try:
        provider = parse_provider(args.provider or settings.provider)
        if provider not in offered_providers(settings):
            raise LLMError(message("fake_not_allowed"))
        model = build_chat_model(provider, args.model, settings=settings)
    except LLMError as exc:
        print(f"Error: {localize(exc, CLI)}", file=sys.stderr)
        return 1
    events = core.answer(
        args.question,
        history,
        chat_model=model,
        k=args.k,
        follow_up=args.follow_up,
        explain=lambda exc: explain_error(exc, provider, args.model, settings=settings),
    )
    transcript = Transcript()
    for event in events:
        transcript.add(event)
        if args.json:
            continue
        match event:
            case Token(text=text):
                print(text, end="", flush=True)
            case SourcesFound():
                pass
            case Done() | Failed():
                print()
    if args.json:
        print(json.dumps(_as_json(args.question, transcript), ensure_ascii=False))
    else:
        _print_after(transcript)
    return 1 if transcript.error and not transcript.text else 0


def _print_after(transcript: Transcript) -> None:
    if transcript.error:
        marker = "[answer interrupted] " if transcript.interrupted else ""
        print(f"{marker}Error: {localize(transcript.error, CLI)}", file=sys.stderr)
    if transcript.history_trimmed:
        print(f"(The {transcript.history_trimmed} oldest messages of the history did not fit the model's window.)")
    if transcript.unsupported:
        print("\nCheck: not supported by the cited sources:")
        for flag in transcript.unsupported:
            print(f"  ! {flag.sentence.strip()}\n    {flag.reason}")
    search = transcript.search
    if search is not None:
        if search.covered is False:
            print("(The documents do not seem to cover this question.)")
        print("\nSources:")
        for s in search.sources:
            print(f"[{s.number}] {printable(s.doc)}, {printable(cited_location(s))}")


def _as_json(question: str, transcript: Transcript) -> dict[str, object]:
    search = transcript.search
    return {
        "question": question,
        "search_query": search.search_query if search else None,
        "covered": search.covered if search else None,
        "answer": transcript.text,
        "sources": [s.to_json() for s in search.sources] if search else [],
        "unsupported": [flag.to_json() for flag in transcript.unsupported],
        "error": transcript.error,
    }
