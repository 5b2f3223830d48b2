"""The conversation as a Markdown document, with its citations; nothing from settings, so never a key."""

from __future__ import annotations

import re
from datetime import datetime

from i18n import localize, text
from rag.answer.citations import Unsupported
from rag.search.retrieval import cited_location
from ui.state import Turn

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
        if turn.unsupported:
            body.append(check_markdown(turn, language))
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
                where = cited_location(s, language)
                label = text("source_label", language, number=s.number, doc=s.doc, where=where)
                body.append(f"**{escape_markdown(label)}**\n\n{_quote(s.text)}")
        parts.append("\n\n".join(body))
    return "\n\n".join(parts) + "\n"


def flag_reason(flag: Unsupported, language: str) -> str:
    """Why the citation check flagged a sentence, in the interface's language."""
    missing = ", ".join(flag.missing)

    def refs(numbers: tuple[int, ...]) -> str:
        return "".join(f"[{n}]" for n in numbers)

    match flag.kind:
        case "invalid_source":
            return text("check_invalid_source", language, missing=missing, count=flag.source_count)
        case "unsupported_fact":
            reason = text("check_unsupported_fact", language, missing=missing, cited=refs(flag.citations))
            if flag.found_in:
                reason += text("check_found_elsewhere", language, found=refs(flag.found_in))
            return reason
        case _:
            return text("check_uncited", language, missing=missing)


def check_markdown(turn: Turn, language: str) -> str:
    """The flagged sentences, each quoted with its reason; empty when the check found nothing."""
    if not turn.unsupported:
        return ""
    lines = [f"**{text('check_header', language)}**"]
    for flag in turn.unsupported:
        sentence = escape_markdown(" ".join(flag.sentence.split()))
        lines.append(f"- ⚠️ “{sentence}”: {escape_markdown(flag_reason(flag, language))}")
    return "\n".join(lines)
