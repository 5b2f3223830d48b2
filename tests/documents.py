"""Word, Markdown, text and HTML files built in the test run (no committed binaries), and bad inputs of each kind."""

from __future__ import annotations

import io
import zipfile

import docx

GUIDE_MD = """\
---
title: Guia do Conversa
---
# Guia do Conversa

Um guia curto para quem começa.

## Instalação

Para instalar, rode o script de configuração e espere o ambiente virtual ficar pronto.
Depois, abra o navegador na porta indicada.

```bash
# não é um título: está dentro de um bloco de código
bash scripts/start.sh
```

Uso diário
----------

Arraste seus arquivos para a barra lateral e faça perguntas.
"""
"""Sections: before the first heading nothing (front matter); "Guia do Conversa" lines 4-6, "Instalação" 8-16,
"Uso diário" 18-21."""

CONTRACT_PARAGRAPHS = [
    ("Contrato de locação", "Title"),
    ("Entre as partes abaixo assinadas, fica acertado o seguinte.", None),
    ("Cláusula de reajuste", "Heading 1"),
    ("O aluguel é reajustado anualmente pelo índice IPCA, no mês de aniversário do contrato.", None),
    ("Cláusula de rescisão", "Heading 1"),
    ("A rescisão antecipada custa três aluguéis de multa, proporcionais ao tempo restante.", None),
]

RECIPE_TXT = """\
Receita de pão de queijo

Misture o polvilho azedo com o leite morno e o óleo.

Acrescente os ovos e o queijo minas curado ralado, e sove até a massa ficar lisa.
Asse em forno médio por trinta minutos.
"""

PRIVACY_HTML = """\
<!doctype html>
<html>
<head>
<title>Política de privacidade</title>
<style>body { color: ornitorrinco; }</style>
<script>var segredo = "ornitorrinco";</script>
</head>
<body>
<h1>Dados coletados</h1>
<p>Coletamos apenas o <b>endereço de e-mail</b> informado no cadastro.</p>
<h2>Retenção</h2>
<p>Os registros de acesso são apagados
depois de noventa dias.</p>
</body>
</html>
"""


def contract_docx() -> bytes:
    """A Word file with a title, two headed clauses and a table."""
    document = docx.Document()
    for text, style in CONTRACT_PARAGRAPHS:
        document.add_paragraph(text, style=style)
    table = document.add_table(rows=2, cols=2)
    for (row, col), text in {(0, 0): "Parte", (0, 1): "Papel", (1, 0): "Maria", (1, 1): "Locadora"}.items():
        table.cell(row, col).text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def good_documents() -> dict[str, bytes]:
    """One file of each new kind, by file name."""
    return {
        "contrato.docx": contract_docx(),
        "guia.md": GUIDE_MD.encode("utf-8"),
        "receita.txt": RECIPE_TXT.encode("cp1252"),  # an older Windows editor's encoding
        "privacidade.html": PRIVACY_HTML.encode("utf-8"),
    }


def _zip_without_word_body() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notas.txt", "um zip qualquer")
    return out.getvalue()


def bad_documents() -> dict[str, tuple[bytes, str]]:
    """Files of the new kinds that each fail for their own reason: name to (bytes, the reason's message code)."""
    whole = contract_docx()
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    return {
        "sem-corpo.docx": (_zip_without_word_body(), "format.docx_not_word"),
        "cortado.docx": (whole[: len(whole) // 2], "format.docx_corrupt"),
        "foto-renomeada.txt": (png, "format.binary"),
        "vazio.md": (b"", "pdf.empty"),
        "planilha.xlsx": (b"PK\x03\x04 not really", "format.unsupported"),
        "so-simbolos.txt": ("  ---  \n\n *** ••• \n".encode(), "format.no_words"),
    }
