"""Plain text files: bytes decoded only when they are clearly text, then cut into blocks of lines."""

from __future__ import annotations

import codecs

from i18n import message
from rag.documents.document import DocumentError, LoadedDocument
from rag.documents.sections import MAX_SECTION_CHARS, Block, document_of

# Byte order marks, longest first: the UTF-32 little-endian mark begins with the UTF-16 one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Real text has next to no control characters; a binary file decoded as cp1252 or latin-1 has about one in ten.
# Not zero: a log with colour escapes is still text.
_MAX_CONTROL_SHARE = 0.03
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")


def decode_text(data: bytes, name: str) -> str:
    """The text of a file: UTF-8 (with or without a BOM) or UTF-16/32 with a BOM, else cp1252 (latin-1 for the
    bytes cp1252 leaves undefined), with line ends made "\\n".

    Raises:
        DocumentError: the bytes are not text (NUL bytes, or too many control characters once decoded).
    """
    text = _decode(data, name)
    controls = sum(1 for ch in text if _is_control(ch))
    if text and controls / len(text) > _MAX_CONTROL_SHARE:
        raise DocumentError(name, "binary", message("format.binary"))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode(data: bytes, name: str) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec)
            except UnicodeDecodeError:
                raise DocumentError(name, "binary", message("format.binary")) from None
    if b"\x00" in data:  # no 8-bit text encoding uses NUL; images, archives and programs are full of it
        raise DocumentError(name, "binary", message("format.binary"))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _is_control(ch: str) -> bool:
    code = ord(ch)
    return (code < 32 and ch not in _ALLOWED_CONTROLS) or 0x7F <= code <= 0x9F


def paragraphs(lines: list[str]) -> list[Block]:
    """Runs of non-blank lines as blocks, with their line numbers; a run is cut between lines once it outgrows a
    section (a log or a file without blank lines would otherwise be one section of thousands of lines)."""
    blocks: list[Block] = []
    run: list[str] = []
    size = 0
    for number, line in enumerate(lines, start=1):
        if run and (not line.strip() or size + len(line) > MAX_SECTION_CHARS):
            blocks.append(Block("\n".join(run), number - len(run), number - 1))
            run, size = [], 0
        if line.strip():
            run.append(line.rstrip())
            size += len(line) + 1
    if run:
        blocks.append(Block("\n".join(run), len(lines) - len(run) + 1, len(lines)))
    return blocks


def load_text(data: bytes, name: str) -> LoadedDocument:
    """A plain text file, one section per block of paragraphs, cited by line range.

    Raises:
        DocumentError: the file is binary or holds no words.
    """
    return document_of(name, data, paragraphs(decode_text(data, name).split("\n")), "text")
