"""Writes samples/: a small Portuguese PDF, a Markdown note and the question files the README's command-line
examples use.

Run from the repository root with the test packages installed (fpdf2): `python scripts/make_samples.py`.
The files are committed, so the examples work without running this.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pdfs import make_pdf  # noqa: E402

PAGES = [
    "Guia rápido de modelos de linguagem. Um modelo de linguagem prevê a próxima palavra de um texto a partir das "
    "anteriores. Na decodificação gulosa, o modelo escolhe sempre a palavra mais provável a cada passo. "
    "Na amostragem top-p, o modelo sorteia entre as palavras mais prováveis cuja probabilidade somada chega a p; "
    "um valor comum de p é 0,9.",
    "Busca em documentos (RAG). Antes de responder, o sistema busca os trechos mais parecidos com a pergunta e os "
    "entrega ao modelo com números, para que cada afirmação cite a sua fonte. Trechos de 320 tokens com 64 tokens "
    "de sobreposição equilibram contexto e precisão. Uma pergunta de seguimento, como 'e depois?', é combinada "
    "com as perguntas anteriores antes da busca.",
    "Rodar um modelo local. Com o Ollama instalado, o comando ollama pull qwen2.5:1.5b baixa um modelo de cerca de "
    "1 GB que responde em português e em inglês. Em um notebook sem GPU, modelos de 1 a 3 bilhões de parâmetros "
    "respondem na velocidade de leitura.",
]

QUESTIONS = [
    {
        "id": "s1",
        "question": "O que é decodificação gulosa?",
        "kind": "definition",
        "evidence": ["o modelo escolhe sempre a palavra mais provável a cada passo"],
        "doc": "guia-conversa.pdf",
        "page": 1,
    },
    {
        "id": "s2",
        "question": "Qual valor de p costuma ser usado no top-p?",
        "kind": "number",
        "evidence": ["um valor comum de p é 0,9"],
        "doc": "guia-conversa.pdf",
        "page": 1,
    },
    {
        "id": "s3",
        "question": "How big is the qwen2.5:1.5b download?",
        "kind": "crosslingual",
        "evidence": ["baixa um modelo de cerca de 1 GB"],
        "doc": "guia-conversa.pdf",
        "page": 3,
    },
    {
        "id": "s4",
        "question": "Qual o tamanho dos trechos?",
        "kind": "number",
        "evidence": ["Trechos de 320 tokens com 64 tokens de sobreposição"],
        "doc": "guia-conversa.pdf",
        "page": 2,
    },
]

# A file without pages: its passages are cited by heading and line range.
NOTES_MD = """\
# Notas sobre coleções

Cada coleção do Conversa é uma pasta dentro do diretório de dados.

## Onde ficam os arquivos

Os vetores ficam em um arquivo FAISS e os textos dos trechos em um arquivo JSON ao lado dele.
Uma cópia de cada PDF fica na subpasta files, para mostrar a página citada.

## Apagar uma coleção

O comando python -m rag collections --delete NOME apaga a pasta inteira da coleção.
"""

HISTORY = [
    {"role": "user", "content": "Como rodar um modelo local com o Ollama?"},
    {"role": "assistant", "content": "Instale o Ollama e rode ollama pull qwen2.5:1.5b [1]."},
]


def main() -> None:
    folder = ROOT / "samples"
    folder.mkdir(exist_ok=True)
    (folder / "guia-conversa.pdf").write_bytes(make_pdf(PAGES, footer="guia-conversa.pdf - página {n}"))
    (folder / "notas-colecoes.md").write_text(NOTES_MD, encoding="utf-8")
    lines = [
        json.dumps({**q, "lang": "en" if q["kind"] == "crosslingual" else "pt"}, ensure_ascii=False) for q in QUESTIONS
    ]
    (folder / "perguntas.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "historico.json").write_text(json.dumps(HISTORY, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    batch = [{"question": q["question"]} for q in QUESTIONS[:2]] + [{"question": "E quanto ocupa?", "history": HISTORY}]
    (folder / "lote.jsonl").write_text(
        "\n".join(json.dumps(b, ensure_ascii=False) for b in batch) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
