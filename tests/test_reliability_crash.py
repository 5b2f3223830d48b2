"""Crash safety: an ingest SIGKILLed at random points leaves a collection that reopens whole, and can be finished."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from rag.index.faiss.collection import Collection
from rag.index.ingest import ingest_paths
from tests.fakes import hash_embedding_model
from tests.pdfs import make_pdf

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 10
BUDGET_S = 10.0

# Importing faiss, numpy and LangChain takes seconds on a busy 2-core machine, so one helper process imports them
# once and forks a fresh ingest for every round; the test kills that fork. The helper runs nothing threaded
# before it forks.
HELPER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from rag.index.faiss.collection import Collection
    from rag.index.ingest import ingest_file
    from tests.fakes import hash_embedding_model

    files = [Path(p) for p in sys.argv[1:]]
    print("ready", flush=True)
    for line in sys.stdin:
        data_dir = Path(line.strip())
        pid = os.fork()
        if pid == 0:
            try:
                collection = Collection.open(data_dir, "crash", hash_embedding_model())
                for path in files:
                    ingest_file(collection, path)
            finally:
                os._exit(0)
        print(pid, flush=True)
        sys.stdin.readline()  # "reap": the test has sent its signal (a zombie ignores it)
        _, status = os.waitpid(pid, 0)
        print("killed" if os.WIFSIGNALED(status) else "finished", flush=True)
    """
)


def check_whole(collection: Collection, order: list[str]) -> list[str]:
    """The collection holds the first n files in ingest order, with exactly their chunks; returns their names."""
    names = [d.name for d in collection.documents()]
    assert names == order[: len(names)], "documents are not a prefix of what was ingested: a torn write"
    assert collection.chunk_count() == sum(d.chunks for d in collection.documents())
    assert {c.doc for c in collection.chunks()} == set(names)
    for name in names:
        assert collection.file_path(name) is not None, f"{name} is listed but its PDF copy is missing"
    if names:
        assert collection.search("assunto", 3)
    return names


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_an_ingest_killed_at_any_point_leaves_the_old_or_new_state_and_a_second_ingest_completes_it(
    tmp_path: Path,
):
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    order = []
    for n in range(8):
        name = f"doc{n:02d}.pdf"
        text = f"Documento {n} sobre o assunto numero {n}: " + " ".join(f"termo{n}x{i}" for i in range(400))
        (pdfs / name).write_bytes(make_pdf([text, f"Segunda pagina do documento {n} e do assunto."]))
        order.append(name)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    helper = subprocess.Popen(
        [sys.executable, "-c", HELPER, *[str(pdfs / name) for name in order]],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert helper.stdout.readline().strip() == "ready"

        def run_and_kill(data_dir: Path, kill_after: float) -> str:
            helper.stdin.write(f"{data_dir}\n")
            helper.stdin.flush()
            pid = int(helper.stdout.readline())
            time.sleep(kill_after)
            os.kill(pid, signal.SIGKILL)
            helper.stdin.write("reap\n")
            helper.stdin.flush()
            return helper.stdout.readline().strip()

        # One uncut run measures how long the whole ingest takes, so the kills can land anywhere in it.
        started = time.perf_counter()
        full_dir = tmp_path / "full"
        helper.stdin.write(f"{full_dir}\n")
        helper.stdin.flush()
        pid = int(helper.stdout.readline())
        while len(Collection.open(full_dir, "crash", hash_embedding_model()).documents()) < len(order):
            time.sleep(0.02)
        duration = time.perf_counter() - started
        helper.stdin.write("reap\n")
        helper.stdin.flush()
        assert helper.stdout.readline().strip() == "finished"
        assert pid

        rng = random.Random(7)
        outcomes = []
        began = time.perf_counter()
        for round_number in range(ROUNDS):
            if time.perf_counter() - began > BUDGET_S:
                break
            data_dir = tmp_path / f"round{round_number}"
            outcomes.append(run_and_kill(data_dir, kill_after=rng.uniform(0, duration)))

            collection = Collection.open(data_dir, "crash", hash_embedding_model())
            before = check_whole(collection, order)

            reports = ingest_paths(collection, [pdfs])

            assert [r.status for r in reports] == ["unchanged"] * len(before) + ["added"] * (len(order) - len(before))
            assert check_whole(Collection.open(data_dir, "crash", hash_embedding_model()), order) == order
            leftovers = [p.name for p in (data_dir / "crash").iterdir() if p.name.endswith(".tmp")]
            assert not leftovers, f"temporary files survived the next commit: {leftovers}"
            kept = sorted(p.name for p in (data_dir / "crash" / "files").iterdir())
            listed = sorted(f"{d.sha256}.pdf" for d in collection.documents())
            assert kept == listed, "kept PDF copies do not match the documents listed after the next commit"
        assert len(outcomes) >= 4
        assert outcomes.count("killed") >= len(outcomes) // 2, outcomes
    finally:
        helper.stdin.close()
        helper.wait(timeout=10)
