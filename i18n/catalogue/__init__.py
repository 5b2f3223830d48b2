"""Every sentence Conversa shows, in one table: the settings', rag/'s, llm/'s and the browser app's, by code."""

from __future__ import annotations

from i18n.catalogue import formats, llm, rag, settings, ui
from i18n.templates import Templates


def _merged(*tables: Templates) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for table in tables:
        clash = set(merged) & set(table)
        if clash:  # one code, one sentence: a clash would make one part say another part's words
            raise ValueError(f"message codes defined twice: {sorted(clash)}")
        merged.update({code: dict(by_language) for code, by_language in table.items()})
    return merged


CATALOGUE = _merged(settings.TEMPLATES, rag.TEMPLATES, formats.TEMPLATES, llm.TEMPLATES, ui.TEMPLATES)
NOUNS = ui.NOUNS
