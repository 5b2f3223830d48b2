"""Uploaded PDFs into a collection, one report each, and how each report reads in the sidebar."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal

from config.settings import DEFAULTS
from i18n import localize
from rag.index.ingest import FileReport, ingest_file
from rag.index.store import KnowledgeBase
from rag.index.types import Progress
from ui.strings import counted, text

Tone = Literal["success", "info", "warning", "error"]


def ingest_uploads(
    collection: KnowledgeBase,
    files: Iterable[tuple[str, bytes]],
    progress_for: Callable[[str], Progress | None] = lambda name: None,
    passwords: dict[str, str] | None = None,
    max_upload_mb: float = DEFAULTS.max_upload_mb,
) -> list[FileReport]:
    """Index (name, bytes) pairs from memory; a bad file gets its reason and does not stop the others.

    Args:
        progress_for: called with each file name before it is read; returns that file's progress callback.
        passwords: by file name, for encrypted PDFs.
        max_upload_mb: larger files are rejected before they are read (CONVERSA_MAX_UPLOAD_MB).
    """
    reports = []
    for name, data in files:
        password = (passwords or {}).get(name)
        progress = progress_for(name)
        reports.append(
            ingest_file(collection, data, name=name, password=password, progress=progress, max_upload_mb=max_upload_mb)
        )
    return reports


def report_line(report: FileReport, language: str) -> tuple[Tone, str]:
    """How one file's outcome is shown: a tone for its colour and one sentence."""
    values = {
        "name": report.name,
        "pages": counted(report.pages, "pages", language),
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
    if report.warnings:
        line += " (" + "; ".join(localize(w, language) for w in report.warnings) + ")"
        tone = "warning" if tone == "success" else tone
    return tone, line
