"""The app's own overhead: time from submitting a question to the first streamed token, with the fake chat model.

    python bench/first_token.py [--chunks N] [--questions N]

Uses the product's core (`rag.core.Conversa.answer`, the path the app takes) over a collection of N chunks
(written as in
bench/query.py), the e5-small-shaped model for the question, default retrieval options, and `llm.build_chat_model
("fake")`, which answers instantly: what is measured is rewriting (none without history; the no-LLM `concat`
with history), embedding, retrieval, prompt building and the first chunk through LangChain's streaming.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from machine import describe_machine, load_average, shaped_model_path  # noqa: E402
from query import SHARED, clustered_vectors, corpus_chunks, percentiles, write_collection  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=60)
    args = parser.parse_args()
    from dataclasses import replace

    from config.settings import Settings
    from llm import build_chat_model
    from rag.core import Conversa, Failed, Token
    from rag.index.embeddings import load_embedding_model

    print(describe_machine(), "| load", load_average())
    model = load_embedding_model(str(shaped_model_path()))
    base = corpus_chunks(model)
    chunks = [replace(base[i % len(base)], doc=f"doc{i // 2000:03d}.pdf") for i in range(args.chunks)]
    rows = [json.loads(line) for line in (SHARED / "eval" / "qa_dev.jsonl").read_text().splitlines()]
    with tempfile.TemporaryDirectory() as tmp:
        write_collection(Path(tmp), "bench", model, chunks, clustered_vectors(len(chunks), model.dimension))
        core = Conversa(Settings(data_dir=Path(tmp), collection="bench"), model)
        chat_model = build_chat_model("fake", settings=Settings())
        for label, history in (
            ("no history", []),
            (
                "with history (concat)",
                [{"role": "user", "content": "O que é RAG?"}, {"role": "assistant", "content": "…"}],
            ),
        ):
            first, whole = [], []
            for i in range(args.questions + 1):
                question = rows[i % len(rows)]["question"]
                start = time.perf_counter()
                got_first = None
                for event in core.answer(question, history, chat_model, 5, follow_up="concat"):
                    if isinstance(event, Token) and got_first is None:
                        got_first = time.perf_counter()
                    assert not isinstance(event, Failed), event.message
                if i:  # the first one warms up
                    first.append(1000 * ((got_first or time.perf_counter()) - start))
                    whole.append(1000 * (time.perf_counter() - start))
            p50, p95 = percentiles(first)
            print(
                f"{args.chunks} chunks, {label}: first token p50 {p50:.1f} ms, p95 {p95:.1f} ms; "
                f"whole fake answer p50 {percentiles(whole)[0]:.1f} ms | load {load_average()}",
                flush=True,
            )


if __name__ == "__main__":
    main()
