"""Real-world PDFs (shared/corpus/real, described in its MANIFEST.md) and the bad inputs of shared/corpus/bad."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.documents.chunking import chunk_document
from rag.documents.document import DocumentError
from rag.documents.pdf import load_pdf
from rag.index.faiss.collection import Collection
from rag.index.ingest import ingest_file, ingest_paths
from tests.fakes import hash_embedding_model

# What each file must give when read without a password: None means indexed, otherwise the rejection code.
EXPECTED = {
    "bad/escaneado-sem-texto.pdf": None,  # a scan of real pages: read by OCR since issue 13
    "bad/imagem-png-renomeada.pdf": "not_pdf",
    "bad/pagina-em-branco.pdf": "no_text",
    "bad/protegido-senha.pdf": "encrypted",
    "bad/truncado-metade.pdf": "corrupt",
    "bad/vazio.pdf": "empty_file",
    "real/AutoCad_Diagram.pdf": None,
    "real/GeoBase_NHNC1_Data_Model_UML_EN.pdf": None,
    "real/GeoTopo-komprimiert.pdf": None,
    "real/SF424_page2.pdf": None,
    "real/Seige_of_Vicksburg_Sample_OCR.pdf": None,
    "real/annotated_pdf.pdf": None,
    "real/encrypted_doc_no_id.pdf": None,  # empty user password; its one inked page, a CCITT scan, is read by OCR
    "real/google-doc-document.pdf": None,
    "real/grayscale-image.pdf": "no_text_layer",
    "real/habibi-rotated.pdf": None,
    "real/habibi.pdf": None,
    "real/issue-297.pdf": None,
    "real/issue-301.pdf": None,
    "real/issue-914-xmp-data.pdf": None,
    "real/libreoffice-form.pdf": None,
    "real/libreoffice-writer-password.pdf": "encrypted",
    "real/mistitled_outlines_example.pdf": None,
    "real/multicolumn.pdf": None,
    "real/multilang.pdf": None,
    "real/pdflatex-image.pdf": None,
    "real/r6-both-passwords.pdf": "encrypted",
    "real/test Orient.pdf": None,
    "real/unreadablemetadata.pdf": "corrupt",
}
PASSWORDS = {
    "bad/protegido-senha.pdf": "senha123",
    "real/libreoffice-writer-password.pdf": "openpassword",  # RC4-128
    "real/r6-both-passwords.pdf": "foo",  # AES-256, needs `cryptography`
}


@pytest.mark.shared
def test_the_expectations_cover_every_corpus_file(corpus: Path):
    on_disk = {str(p.relative_to(corpus)) for folder in ("bad", "real") for p in (corpus / folder).glob("*.pdf")}
    assert on_disk == set(EXPECTED)


@pytest.mark.shared
def test_every_bad_and_real_pdf_is_indexed_or_rejected_with_its_reason_in_one_batch(corpus: Path, tmp_path: Path):
    collection = Collection.open(tmp_path / "data", "batch", hash_embedding_model())

    # The PDFs only: real/ also holds MANIFEST.md, which a folder would now bring in as a Markdown document.
    reports = ingest_paths(
        collection, [p for folder in ("bad", "real") for p in sorted((corpus / folder).glob("*.pdf"))]
    )

    by_name = {r.name: r for r in reports}
    assert len(reports) == len(by_name) == len(EXPECTED)
    for key, code in EXPECTED.items():
        report = by_name[Path(key).name]
        if code is None:
            assert report.status == "added", report.describe()
            assert report.chunks > 0
        else:
            assert (report.status, report.code) == ("rejected", code), report.describe()
            assert report.reason and report.reason.endswith("."), report.reason
    assert by_name["escaneado-sem-texto.pdf"].ocr_pages == by_name["escaneado-sem-texto.pdf"].pages > 0
    assert by_name["encrypted_doc_no_id.pdf"].ocr_pages > 0
    assert by_name["annotated_pdf.pdf"].ocr_pages == 0
    indexed = {Path(k).name for k, code in EXPECTED.items() if code is None}
    assert {d.name for d in collection.documents()} == indexed
    assert collection.chunk_count() == sum(d.chunks for d in collection.documents())
    assert {c.doc for c in collection.chunks()} == indexed


@pytest.mark.shared
@pytest.mark.parametrize("key", sorted(PASSWORDS))
def test_encrypted_pdf_indexes_with_its_password_and_a_wrong_one_is_named(corpus: Path, tmp_path: Path, key: str):
    collection = Collection.open(tmp_path / "data", "locked", hash_embedding_model())

    wrong = ingest_file(collection, corpus / key, password="not-" + PASSWORDS[key])
    right = ingest_file(collection, corpus / key, password=PASSWORDS[key])

    assert (wrong.status, wrong.code) == ("rejected", "wrong_password")
    assert right.status == "added" and right.chunks > 0
    assert [d.name for d in collection.documents()] == [Path(key).name]


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "fragments"),
    [
        ("multilang.pdf", ["مرحبا بالعالم", "Привет, мир", "你好世界", "สวัสดีชาวโลก", "こんにちは世界"]),
        ("habibi.pdf", ["حَبيبي habibi"]),
        ("issue-914-xmp-data.pdf", ["商品编码", "蒙牛冠益乳原味450g"]),
    ],
)
def test_non_latin_scripts_reach_the_chunks_intact_and_within_the_window(corpus: Path, e5, name, fragments):
    document = load_pdf(corpus / "real" / name)

    chunks = chunk_document(document, e5.count_tokens, 320, 64)

    text = " ".join(c.text for c in chunks)
    for fragment in fragments:
        assert fragment in text
    assert max(e5.count_tokens([c.text for c in chunks])) <= 320


@pytest.mark.shared
def test_non_latin_question_finds_its_document(corpus: Path, e5, tmp_path: Path):
    collection = Collection.open(tmp_path / "data", "scripts", e5)
    for name in ("multilang.pdf", "habibi.pdf", "annotated_pdf.pdf"):
        assert ingest_file(collection, corpus / "real" / name).status == "added"

    assert collection.search("你好世界", 1)[0].chunk.doc == "multilang.pdf"
    assert collection.search("حَبيبي", 1)[0].chunk.doc == "habibi.pdf"


@pytest.mark.shared
def test_the_same_line_on_every_page_is_content_not_a_running_footer(corpus: Path):
    document = load_pdf(corpus / "real" / "habibi-rotated.pdf")

    assert [p.number for p in document.pages] == [1, 2, 3, 4]
    assert all("habibi" in p.text for p in document.pages)


def test_a_scan_with_a_text_footer_is_still_reported_as_a_scan():
    from fpdf import FPDF
    from PIL import Image

    pdf = FPDF()
    pdf.set_font("Helvetica", size=9)
    for number in range(1, 4):
        pdf.add_page()
        pdf.image(Image.new("L", (40, 40), color=128), x=10, y=10, w=100)
        pdf.set_y(-15)
        pdf.cell(0, 8, f"digitalizado.pdf - pagina {number} de 3")

    with pytest.raises(DocumentError) as caught:
        load_pdf(bytes(pdf.output()), name="digitalizado.pdf")

    assert caught.value.code == "no_text_layer"
