"""How each uploaded file's report reads in the sidebar."""

from __future__ import annotations

from typing import Literal

from i18n import counted, localize, text
from rag.documents.formats import parts_noun
from rag.index.ingest import FileReport

Tone = Literal["success", "info", "warning", "error"]


def report_line(report: FileReport, language: str) -> tuple[Tone, str]:
    """How one file's outcome is shown: a tone for its colour and one sentence."""
    values = {
        "name": report.name,
        "pages": counted(report.pages, parts_noun(report.format), language),
        "chunks": counted(report.chunks, "passages", language),
    }
    match report.status:
        case "added":
            line = text("report_added", language, **values)
            tone: Tone = "success"
        case "replaced":
            line = text("report_replaced", language, **values)
            tone = "success"
        case "unchanged":
            line = text("report_unchanged", language, **values)
            tone = "info"
        case _:
            line = text("report_rejected", language, name=report.name, reason=localize(report.reason or "", language))
            tone = "error"
    if report.ocr_pages and report.ok:
        line += " · " + text("ingest.ocr_pages", language, pages=counted(report.ocr_pages, "pages", language))
    if report.warnings:
        line += " (" + "; ".join(localize(w, language) for w in report.warnings) + ")"
        tone = "warning" if tone == "success" else tone
    return tone, line
