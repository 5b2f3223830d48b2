"""`python -m rag ask`: the command line's chat, streamed to the terminal with its sources."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from config.settings import Settings
from rag.answer.chain import ask, build_chain
from rag.index.store import KnowledgeBase
from rag.search.retrieval import retrieval_options, retriever_for


def run_ask(args: argparse.Namespace, settings: Settings, collection: KnowledgeBase) -> int:
    """Stream an answer; exit 1 when no model could be built or the answer failed before any token."""
    try:
        from llm import LLMError, build_chat_model, explain_error
    except ImportError:
        print("No LLM provider is configured: the `llm` package is missing from this installation.", file=sys.stderr)
        return 1
    provider = args.provider or settings.provider
    try:
        model = build_chat_model(provider, args.model, settings=settings)
    except LLMError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    if not collection.documents():
        print(f"Collection '{collection.name}' has no documents yet: run `python -m rag ingest FILES` first.")
        return 1
    history = json.loads(Path(args.history).read_text(encoding="utf-8")) if args.history else []
    chain = build_chain(
        retriever_for(collection, args.k or settings.top_k, retrieval_options(settings)),
        model,
        follow_up=args.follow_up or settings.follow_up,
    )
    answer = ask(
        chain, args.question, history, explain=lambda exc: explain_error(exc, provider, args.model, settings=settings)
    )
    for token in answer.tokens():
        print(token, end="", flush=True)
    print()
    if answer.error:
        marker = "[answer interrupted] " if answer.interrupted else ""
        print(f"{marker}Error: {answer.error}", file=sys.stderr)
    if answer.retrieval is not None:
        if answer.retrieval.covered is False:
            print("(The documents do not seem to cover this question.)")
        print("\nSources:")
        for s in answer.retrieval.sources:
            print(f"[{s.number}] {s.doc}, p. {s.page}")
    return 1 if answer.error and not answer.text else 0
