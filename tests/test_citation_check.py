"""Citation check: numbers, names and quotes of each answer sentence against the passages it cites (pt and en)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest

from rag.answer.citations import check_answer, mark_answer, split_sentences

AGUA = (
    "Um estudo revelou que o ChatGPT pode consumir 1 litro de água a cada 100 palavras geradas pela ferramenta. "
    "A água é utilizada para resfriar os supercomputadores que rodam o GPT (Li et al., 2023)."
)
GPT3 = "O GPT-3, com seus 175 bilhões de parâmetros e treinado em 300 bilhões de tokens, foi publicado pela OpenAI."
BERT = "A maioria dos LLMs atuais usa a arquitetura Transformer, desde o lançamento do BERT pelo Google em 2018."
CORPORA = "Os modelos GPT3 são treinados principalmente na web (429 bilhões de tokens) e na Wikipédia (3 bilhões)."


@dataclass(frozen=True)
class Passage:
    number: int
    text: str


def sources(*texts: str) -> list[Passage]:
    return [Passage(n, text) for n, text in enumerate(texts, 1)]


def kinds(answer: str, *texts: str, covered: bool | None = True) -> list[str]:
    return [flag.kind for flag in check_answer(answer, sources(*texts), covered=covered)]


def test_faithful_paraphrase_without_facts_is_not_flagged():
    answer = "A água serve para resfriar os computadores que rodam o modelo [1]. Isso tem um custo ambiental."
    assert check_answer(answer, sources(AGUA)) == []


@pytest.mark.parametrize(
    "answer",
    [
        "O ChatGPT pode gastar 1 litro de água a cada 100 palavras geradas [1].",
        "ChatGPT can use 1 liter of water for every 100 words it generates [1].",
        "O GPT-3 tem 175 bilhões de parâmetros e foi treinado com 300 bilhões de tokens pela OpenAI [2].",
        "GPT-3 has 175 billion parameters and was trained on 300 billion tokens [2].",
    ],
)
def test_correctly_cited_numbers_and_names_are_not_flagged(answer):
    assert check_answer(answer, sources(AGUA, GPT3)) == []


def test_wrong_number_is_flagged_with_the_number_and_the_source_in_the_reason():
    [flag] = check_answer("O ChatGPT pode consumir 5 litros de água a cada 100 palavras [1].", sources(AGUA))
    assert flag.kind == "unsupported_fact"
    assert flag.missing == ("5 litros",)
    assert flag.reason == "5 litros is not in source [1]"


@pytest.mark.parametrize(
    ("written", "in_passage"),
    [
        ("1.234,56", "1234.56"),
        ("1234.56", "1.234,56"),
        ("1,234.56", "1.234,56"),
        ("0,9", "0.9"),
        ("0.9", "0,9"),
        ("1 mil", "1000"),
        ("1.000", "1 mil"),
        ("2 bilhões", "2 billion"),
        ("2 bi", "2.000.000.000"),
        ("4k", "4.000"),
        ("70B", "70 bilhões"),
    ],
)
def test_number_formats_compare_by_value(written, in_passage):
    passage = f"O valor medido foi {in_passage} no teste."
    assert kinds(f"O valor medido foi {written} [1].", passage) == []
    assert kinds("O valor medido foi 7,77 [1].", passage) == ["unsupported_fact"]


@pytest.mark.parametrize(
    ("written", "in_passage"),
    [
        ("30%", "30 %"),
        ("30 por cento", "30%"),
        ("US$ 100 milhões", "100 milhões de dólares"),
        ("R$ 1.234,56", "R$ 1234,56"),
        ("16-bit", "16 bits"),
        ("4 horas", "4 horas por semana"),
    ],
)
def test_units_are_compared_across_spellings(written, in_passage):
    assert kinds(f"O custo foi de {written} [1].", f"Segundo o relatório, o custo foi de {in_passage}.") == []


@pytest.mark.parametrize(
    ("written", "in_passage"),
    [
        ("1 GB", "1 litro"),
        ("100 tokens", "100 palavras"),
        ("100 milhões de reais", "100 milhões de dólares"),
        ("142.984 metros", "142.984 quilômetros"),
        ("4 horas por mês", "4 horas por semana"),
    ],
)
def test_wrong_unit_is_flagged(written, in_passage):
    [flag] = check_answer(f"O total é {written} [1].", sources(f"O total é {in_passage}, segundo o estudo."))
    assert flag.kind == "unsupported_fact"
    assert flag.missing == (written,)


@pytest.mark.parametrize(
    ("written", "in_passage"),
    [
        ("23/07/2024", "July 23, 2024"),
        ("23 de julho de 2024", "Release Date: 2024-07-23"),
        ("March 2024", "em março de 2024"),
        ("June 10th", "JUNE 10TH.—The heat"),
    ],
)
def test_dates_compare_across_formats_and_languages(written, in_passage):
    assert kinds(f"It was released on {written} [1].", f"Note: {in_passage}.") == []
    assert kinds("It was released on 24/07/2024 [1].", f"Note: {in_passage}.") == ["unsupported_fact"]


def test_wrong_name_is_flagged():
    [flag] = check_answer("O BERT foi lançado pela Meta em 2018 [1].", sources(BERT))
    assert flag.missing == ("Meta",)
    assert flag.reason == "Meta is not in source [1]"


def test_quoted_phrase_must_be_in_the_passage():
    passage = 'Isso é chamado de "decodificação gulosa" no livro.'
    assert kinds('O livro chama isso de "Decodificacao Gulosa" [1].', passage) == []
    assert kinds('O livro chama isso de "busca em feixe" [1].', passage) == ["unsupported_fact"]


def test_case_accents_and_plurals_are_tolerated():
    passage = "Segundo a wikipédia, a arquitetura Transformer trouxe sessões de atenção mais longas."
    answer = 'Conforme a Wikipedia, os Transformers trouxeram "sessão de atenção" mais longa [1].'
    assert check_answer(answer, sources(passage)) == []


def test_invented_source_is_flagged():
    [flag] = check_answer("O BERT é do Google [9].", sources(*["texto"] * 5))
    assert flag.kind == "invalid_source"
    assert flag.missing == ("[9]",)
    assert flag.reason == "source [9] was not given (5 sources)"


@pytest.mark.parametrize(("marker", "invalid"), [("[1-3]", ("[3]",)), ("[1, 4]", ("[4]",)), ("[2][5]", ("[5]",))])
def test_citation_lists_and_ranges_are_read(marker, invalid):
    [flag] = check_answer(f"O BERT é do Google {marker}.", sources(BERT, BERT))
    assert flag.kind == "invalid_source"
    assert flag.missing == invalid


def test_fact_sentence_without_citation_is_flagged_as_uncited():
    [flag] = check_answer("O ChatGPT pode consumir 1 litro de água a cada 100 palavras.", sources(AGUA))
    assert flag.kind == "uncited"
    assert flag.reason == "states facts (ChatGPT, 1 litro, 100 palavras) without citing a source"
    assert flag.found_in == (1,)


def test_uncited_facts_are_not_flagged_when_the_documents_do_not_cover_the_question():
    answer = "O ChatGPT pode consumir 1 litro de água a cada 100 palavras."
    assert kinds(answer, AGUA, covered=False) == []
    assert kinds(answer, AGUA, covered=None) == ["uncited"]


@pytest.mark.parametrize(
    "sentence",
    [
        "Os documentos fornecidos não informam quem fundou a Hugging Face.",
        "The documents do not say how much the training of GPT-3 cost.",
        "Olá! Posso ajudar com mais alguma coisa?",
    ],
)
def test_meta_sentences_and_greetings_are_not_flagged_as_uncited(sentence):
    assert kinds(f"O GPT-3 foi publicado pela OpenAI [1]. {sentence}", GPT3) == []


def test_fact_held_only_by_a_source_the_sentence_does_not_cite_is_flagged():
    [flag] = check_answer("O GPT-3 foi treinado com 429 bilhões de tokens da web [1].", sources(GPT3, CORPORA))
    assert flag.kind == "unsupported_fact"
    assert flag.found_in == (2,)
    assert flag.reason == "429 bilhões de tokens is not in source [1] (but in [2])"


def test_a_sentence_may_cite_several_sources_for_its_facts():
    answer = "O GPT-3 tem 175 bilhões de parâmetros e foi treinado com 429 bilhões de tokens da web [1][2]."
    assert check_answer(answer, sources(GPT3, CORPORA)) == []


def test_sentence_initial_name_is_checked_when_the_sources_write_it_as_a_name():
    netflix = "Já a Netflix utiliza LLMs para recomendar filmes e séries."
    assert kinds("Netflix recommends films with LLMs [1].", "A Amazon usa chatbots.", netflix) == ["unsupported_fact"]
    assert kinds("Netflix recommends films with LLMs [2].", "A Amazon usa chatbots.", netflix) == []


def test_splitting_does_not_break_on_abbreviations_decimals_or_thousands():
    answer = "Veja a p. 3: o Sr. Silva mediu 0.9 e 1.234,56 reais, e.g. no art. 321 [1]. Depois, tudo mudou."
    assert [s.text for s in split_sentences(answer)] == [
        "Veja a p. 3: o Sr. Silva mediu 0.9 e 1.234,56 reais, e.g. no art. 321 [1].",
        "Depois, tudo mudou.",
    ]


def test_lines_and_list_items_are_sentences_and_their_bullets_are_not_facts():
    answer = "Modelos citados:\n1. GPT-3: 175 bilhões de parâmetros [1]\n- PaLM: 540 bilhões [2]"
    sentences = split_sentences(answer)
    assert [s.text for s in sentences] == [
        "Modelos citados:",
        "GPT-3: 175 bilhões de parâmetros [1]",
        "PaLM: 540 bilhões [2]",
    ]
    assert [s.citations for s in sentences] == [(), (1,), (2,)]
    assert check_answer(answer, sources(GPT3, "O PaLM tem 540 bilhões de parâmetros.")) == []


@pytest.mark.parametrize("gap", [" ", "\n"])
def test_a_citation_after_the_period_belongs_to_the_previous_sentence(gap):
    answer = f"O ChatGPT gasta 1 litro de água a cada 100 palavras.{gap}[1] O BERT é do Google [2]."
    sentences = split_sentences(answer)
    assert [s.citations for s in sentences] == [(1,), (2,)]
    assert check_answer(answer, sources(AGUA, BERT)) == []


def test_flag_positions_point_at_the_sentence_in_the_answer():
    answer = "O BERT é do Google [1]. O ChatGPT gasta 5 litros de água [2]."
    [flag] = check_answer(answer, sources(BERT, AGUA))
    assert answer[flag.start : flag.end] == flag.sentence == "O ChatGPT gasta 5 litros de água [2]."


def test_mark_answer_marks_flagged_sentences_and_keeps_every_word():
    answer = "O BERT é do Google [1]. O ChatGPT gasta 5 litros de água [2]. Fim."
    flags = check_answer(answer, sources(BERT, AGUA))
    marked = mark_answer(answer, flags)
    assert marked.startswith("O BERT é do Google [1]. O ChatGPT gasta 5 litros de água [2]. ⚠️[^1] Fim.")
    assert marked.endswith("\n\n[^1]: 5 litros is not in source [2]")
    body = marked.split("\n\n[^1]:")[0]
    assert re.sub(r" ⚠️\[\^\d+\]", "", body) == answer


def test_mark_answer_without_flags_returns_the_answer_as_is():
    assert mark_answer("Nada a marcar [1].", []) == "Nada a marcar [1]."


def test_flags_serialise_to_plain_json():
    [flag] = check_answer("O BERT é do Google [7].", sources(BERT))
    data = json.loads(json.dumps(flag.to_json()))
    assert data["kind"] == "invalid_source"
    assert data["citations"] == [7]
    assert data["missing"] == ["[7]"]
    assert data["source_count"] == 1
