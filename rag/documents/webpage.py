"""HTML pages: the visible text (no scripts, styles or markup), in sections at the <h1>-<h6> headings, cited by
heading and the lines of the HTML source."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from rag.documents.document import LoadedDocument
from rag.documents.sections import Block, document_of
from rag.documents.text import decode_text

# Elements whose content is not text a reader sees.
_HIDDEN = frozenset({"script", "style", "noscript", "template", "svg", "math", "iframe", "object", "head"})
# Elements that end a paragraph; anything else (a link, bold text) flows within it.
_BREAKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "header", "hr", "li", "main", "nav", "ol", "p",
        "pre", "section", "summary", "table", "td", "th", "tr", "ul",
    }
)  # fmt: skip
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "title"})
# Elements with no closing tag: they must not open a hidden region that never closes.
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})
_SPACE = re.compile(r"\s+")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._hidden: list[str] = []  # open hidden elements (the <title> inside <head> is still read)
        self._parts: list[str] = []
        self._first = self._last = 0
        self._heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            if tag in _BREAKS:
                self._close()
            return
        if tag == "body" or tag in _BREAKS or (tag in _HEADINGS and tag != "title"):
            # </head> and <body> may be left out: the first element of the body ends the head.
            self._hidden = [t for t in self._hidden if t != "head"]
        if tag in _HIDDEN:
            self._hidden.append(tag)
        elif tag in _HEADINGS or tag in _BREAKS:
            self._close()
            self._heading = tag in _HEADINGS

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN and tag in self._hidden:
            while self._hidden and self._hidden.pop() != tag:
                pass
        elif tag in _HEADINGS or tag in _BREAKS:
            self._close()

    def handle_data(self, data: str) -> None:
        if self._hidden and not (self._heading and self._hidden == ["head"]):
            return
        if not data.strip():
            if self._parts:
                self._parts.append(" ")
            return
        line = self.getpos()[0]
        if not self._parts:
            self._first = line + data[: len(data) - len(data.lstrip())].count("\n")
        self._parts.append(data)
        self._last = line + data.rstrip().count("\n")

    def close(self) -> None:
        super().close()
        self._close()

    def _close(self) -> None:
        text = _SPACE.sub(" ", "".join(self._parts)).strip()
        if text:
            self.blocks.append(Block(text, self._first, self._last, heading=self._heading))
        self._parts = []
        self._heading = False


def load_html(data: bytes, name: str) -> LoadedDocument:
    """An HTML file's visible text, one section per heading (long ones cut between paragraphs).

    Raises:
        DocumentError: the file is binary or shows no words.
    """
    collector = _TextCollector()
    collector.feed(decode_text(data, name))
    collector.close()
    return document_of(name, data, collector.blocks, "html")
