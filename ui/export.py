"""The conversation as a Markdown document, with its citations; nothing from settings, so never a key."""

from __future__ import annotations

import re
from datetime import datetime

from i18n import localize
from ui.state import Turn
from ui.strings import text

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~$])")


def escape_markdown(value: str) -> str:
    """`value` shown literally by a Markdown renderer (a passage's `*`, `#` or `$` must not format the page)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", value)


def _quote(passage: str) -> str:
    return "\n".join("> " + line if line.strip() else ">" for line in passage.strip().splitlines())


def conversation_markdown(turns: list[Turn], collection: str, language: str, now: datetime | None = None) -> str:
    """The whole conversation: each question, each answer, and each answer's numbered sources with passages."""
    when = (now or datetime.now()).strftime("%Y-%m-%d %H:%M")
    parts = [f"# {text('export_title', language, name=collection)}", text("export_when", language, when=when)]
    if not turns:
        parts.append(text("export_empty", language))
    for turn in turns:
        if turn.role == "user":
            parts.append(f"## {text('you', language)}\n\n{turn.content}")
            continue
        body = [f"## {text('assistant', language)}"]
        if turn.notice:
            body.append(f"*{text('search_only', language, reason=localize(turn.notice, language))}*")
        body.append(turn.content)
        error = localize(turn.error or "", language)
        if turn.interrupted:
            body.append(f"*{text('export_interrupted', language)}* {error}".rstrip())
        elif turn.error:
            body.append(f"*{text('answer_failed', language, error=error)}*")
        if turn.covered is False:
            body.append(f"*{text('not_covered', language)}*")
        if turn.sources:
            body.append(f"### {text('sources_header', language)}")
            for s in turn.sources:
                label = text("source_label", language, number=s.number, doc=s.doc, page=s.page)
                body.append(f"**{escape_markdown(label)}**\n\n{_quote(s.text)}")
        parts.append("\n\n".join(body))
    return "\n\n".join(parts) + "\n"
