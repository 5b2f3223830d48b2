"""Embedding throughput levers on the e5-small-shaped model: precision, batch size, threads, length sorting.

    python bench/embedding_levers.py [--passages N] [--repeats R]

Prints tokens/s (real tokens, padding excluded) and the achieved GFLOP/s against the CPU's fp32 peak.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from machine import describe_machine, load_average, peak_gflops, shaped_model_path  # noqa: E402

from rag.documents.chunking import chunk_document  # noqa: E402
from rag.documents.pdf import load_pdf  # noqa: E402

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def flops_per_token(seq_len: float, layers: int = 12, d: int = 384, ff: int = 1536) -> float:
    """Forward FLOPs per token of a BERT encoder: projections and FFN, plus attention over `seq_len` tokens."""
    return 2 * layers * (4 * d * d + 2 * d * ff + 2 * seq_len * d)


def passages(limit: int) -> list[str]:
    from rag.index.embeddings import load_embedding_model

    model = load_embedding_model(str(shaped_model_path()))
    document = load_pdf(CORPUS / "microcurso-llm.pdf")
    chunks = chunk_document(document, model.count_tokens, 320, 64)
    return [c.text for c in chunks][:limit]


def run(st, texts: list[str], batch: int, precision: str, sort: bool = True) -> float:
    """Seconds to embed `texts` (with the passage prefix) in batches of `batch`."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i])) if sort else list(range(len(texts)))
    start = time.perf_counter()
    for i in range(0, len(texts), batch):
        group = [texts[j] for j in order[i : i + batch]]
        if precision == "bf16":
            with torch.autocast("cpu", dtype=torch.bfloat16):
                st.encode(group, prompt="passage: ", batch_size=batch, normalize_embeddings=True)
        else:
            st.encode(group, prompt="passage: ", batch_size=batch, normalize_embeddings=True)
    return time.perf_counter() - start


def padded_tokens(st, texts: list[str], batch: int, sort: bool) -> tuple[int, int]:
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i])) if sort else list(range(len(texts)))
    lengths = [
        len(ids)
        for ids in st.tokenizer(["passage: " + texts[j] for j in order], truncation=True, max_length=512)["input_ids"]
    ]
    padded = sum(max(lengths[i : i + batch]) * len(lengths[i : i + batch]) for i in range(0, len(lengths), batch))
    return sum(lengths), padded


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=96)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from sentence_transformers import SentenceTransformer

    print(describe_machine(), "| load", load_average())
    texts = passages(args.passages)
    fp32 = SentenceTransformer(str(shaped_model_path()), device="cpu", local_files_only=True)
    real, padded = padded_tokens(fp32, texts, 32, True)
    _, padded_unsorted = padded_tokens(fp32, texts, 32, False)
    mean_len = real / len(texts)
    print(
        f"{len(texts)} passages, {real} tokens (mean {mean_len:.0f}); padded to {padded} sorted, "
        f"{padded_unsorted} unsorted (batch 32)"
    )
    int8 = SentenceTransformer(str(shaped_model_path()), device="cpu", local_files_only=True)
    int8[0] = torch.ao.quantization.quantize_dynamic(int8[0], {torch.nn.Linear}, dtype=torch.qint8)
    bf16w = SentenceTransformer(str(shaped_model_path()), device="cpu", local_files_only=True).to(torch.bfloat16)
    configs = [
        ("fp32 b32 t2", fp32, 32, "fp32", 2),
        ("fp32 b8 t2", fp32, 8, "fp32", 2),
        ("fp32 b64 t2", fp32, 64, "fp32", 2),
        ("fp32 b32 t1", fp32, 32, "fp32", 1),
        ("bf16-autocast b32 t2", fp32, 32, "bf16", 2),
        ("bf16-weights b32 t2", bf16w, 32, "fp32", 2),
        ("int8-dynamic b32 t2", int8, 32, "fp32", 2),
        ("int8-dynamic b32 t1", int8, 32, "fp32", 1),
    ]
    per_token = flops_per_token(mean_len)
    for name, st, batch, precision, threads in configs:
        torch.set_num_threads(threads)
        run(st, texts[:batch], batch, precision)  # warm-up
        times = [run(st, texts, batch, precision) for _ in range(args.repeats)]
        seconds = statistics.median(times)
        rate = real / seconds
        print(
            f"{name:24s} {rate:7.0f} tok/s  {rate * per_token / 1e9:6.1f} GFLOP/s "
            f"({100 * rate * per_token / 1e9 / peak_gflops():4.1f}% of fp32 peak)  runs {[f'{t:.2f}' for t in times]}"
            f"  load {load_average()}"
        )
    torch.set_num_threads(2)
    base = fp32.encode(texts, prompt="passage: ", normalize_embeddings=True)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        fast = fp32.encode(texts, prompt="passage: ", normalize_embeddings=True)
    q = int8.encode(texts, prompt="passage: ", normalize_embeddings=True)
    print(
        "cosine fp32 vs bf16 (random weights):",
        float(np.min(np.sum(base * fast, 1))),
        "int8:",
        float(np.min(np.sum(base * q, 1))),
    )


if __name__ == "__main__":
    main()
