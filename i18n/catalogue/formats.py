"""What Conversa says about files other than PDFs (Word, Markdown, text, HTML) and where a citation points."""

from __future__ import annotations

from i18n.templates import Templates

TEMPLATES: Templates = {
    # Why a file is rejected; the sentence follows the file name ("notas.txt: rejected: ...").
    "format.unsupported": {
        "en": "is a kind of file Conversa does not read ({suffix}); it reads {supported}.",
        "pt": "é um tipo de arquivo que o Conversa não lê ({suffix}); ele lê {supported}.",
    },
    "format.no_suffix": {"en": "no file extension", "pt": "sem extensão"},
    "format.binary": {
        "en": "is not a text file: it holds binary data (an image or a program renamed?).",
        "pt": "não é um arquivo de texto: contém dados binários (uma imagem ou um programa renomeado?).",
    },
    "format.no_words": {
        "en": "contains no text (no words, only blanks or symbols).",
        "pt": "não contém texto (nenhuma palavra, só espaços ou símbolos).",
    },
    "format.docx_not_word": {
        "en": "is not a Word document Conversa can read (.docx): its archive holds no word/document.xml.",
        "pt": "não é um documento do Word que o Conversa consiga ler (.docx): o arquivo não contém word/document.xml.",
    },
    "format.docx_corrupt": {
        "en": "is damaged or incomplete (truncated?) and cannot be read as a Word document ({detail}).",
        "pt": "está danificado ou incompleto (cortado?) e não pode ser lido como documento do Word ({detail}).",
    },
    "format.docx_too_big_unpacked": {
        "en": "unpacks to more than {limit_mb:g} MB: it may be damaged or built to fill memory.",
        "pt": "se expande para mais de {limit_mb:g} MB: pode estar danificado ou ter sido feito para encher a memória.",
    },
    "format.doc_legacy": {
        "en": "is an old Word document (.doc): save it as .docx or PDF and add it again.",
        "pt": "é um documento antigo do Word (.doc): salve-o como .docx ou PDF e adicione-o de novo.",
    },
    # Where a cited passage is, after the file name ("guia.md, § Instalação (linhas 12–40)").
    "cite.page": {"en": "p. {page}", "pt": "p. {page}"},
    "cite.page_ocr": {"en": "p. {page} (OCR)", "pt": "p. {page} (OCR)"},
    "cite.section": {"en": "§ {heading} ({where})", "pt": "§ {heading} ({where})"},
    "cite.lines": {"en": "lines {first}–{last}", "pt": "linhas {first}–{last}"},
    "cite.line": {"en": "line {first}", "pt": "linha {first}"},
    "cite.paragraphs": {"en": "paragraphs {first}–{last}", "pt": "parágrafos {first}–{last}"},
    "cite.paragraph": {"en": "paragraph {first}", "pt": "parágrafo {first}"},
}
