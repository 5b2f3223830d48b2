"""The sidebar: collections (pick, create, delete), documents (upload with progress, passwords, remove)."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from rag.core import Conversa
from rag.documents.formats import SUPPORTED_SUFFIXES, parts_noun
from rag.index.ingest import FileReport
from rag.index.store import KnowledgeBase
from rag.index.types import CollectionError
from ui.export import escape_markdown
from ui.page import count, flash, guarded, language, logger, say, show_flash, t
from ui.progress import RateMeter, speed_text
from ui.state import UploadRecord
from ui.uploads import report_line

# The box filters by these; a file that is not what its name says is still told apart by its content.
UPLOAD_TYPES = [suffix.lstrip(".") for suffix in SUPPORTED_SUFFIXES]


def create_collection(core: Conversa) -> None:
    name = st.session_state.get("new_collection", "").strip()
    try:
        core.collection(name)
    except CollectionError as exc:
        flash("error", say(exc))
        return
    except Exception:
        logger.exception("Cannot create collection %s", name)
        flash("error", t("unexpected", action=t("action_collection", name=name)))
        return
    st.session_state.setdefault("created_collections", []).append(name)
    st.session_state.update(collection=name, new_collection="")
    flash("success", t("collection_created", name=name))


def remove_collection(core: Conversa, name: str) -> None:
    created = st.session_state.setdefault("created_collections", [])
    try:
        if name in core.collection_names():
            core.delete_collection(name)
    except CollectionError as exc:  # e.g. deleted by another process meanwhile: say so
        flash("error", say(exc))
        return
    except Exception:
        logger.exception("Cannot delete collection %s", name)
        flash("error", t("unexpected", action=t("action_delete", name=name)))
        return
    if name in created:
        created.remove(name)
    st.session_state.update(collection=core.settings.collection, confirm_delete=False)
    flash("success", t("collection_deleted", name=name))


def collection_picker(core: Conversa) -> KnowledgeBase | None:
    try:
        stored = core.collection_names()
    except CollectionError as exc:  # e.g. the Qdrant server is down: say so, and how to fix it
        st.error(say(exc))
        return None
    default = core.settings.collection
    names = sorted({*stored, default, *st.session_state.get("created_collections", [])})
    if st.session_state.get("collection") not in names:
        st.session_state["collection"] = default
    # Switching collections withdraws a delete confirmation given for the previous one.
    name = st.selectbox(
        t("collection_label"),
        names,
        key="collection",
        on_change=st.session_state.update,
        kwargs={"confirm_delete": False},
    )
    with st.expander(t("manage_collections")):
        st.text_input(t("new_collection_label"), key="new_collection", help=t("new_collection_help"))
        st.button(t("create_collection"), key="create_collection", on_click=create_collection, args=(core,))
        st.checkbox(t("confirm_delete", name=name), key="confirm_delete")
        st.button(
            t("delete_collection"),
            key="delete_collection",
            on_click=remove_collection,
            args=(core, name),
            disabled=not st.session_state.get("confirm_delete"),
        )
    show_flash()
    try:
        return core.collection(name)
    except CollectionError as exc:
        st.error(say(exc))
    except Exception:
        logger.exception("Cannot open collection %s", name)
        st.error(t("unexpected", action=t("action_collection", name=name)))
    return None


def index_upload(core: Conversa, collection: str, name: str, data: bytes, password: str | None = None) -> FileReport:
    """Index one uploaded file with a live progress bar, cleared when done; any failure becomes a rejected report."""
    slot = st.empty()
    bar = slot.progress(0.0, text=t("reading", name=name))

    meter, ocr_meter = RateMeter(), RateMeter()

    def progress(done: int, total: int) -> None:
        meter.update(done, total)
        speed = speed_text(meter, "passages", language())
        bar.progress(
            done / total if total else 1.0, text=t("embedding", name=name, done=done, total=total, speed=speed)
        )

    def ocr_progress(done: int, total: int) -> None:
        ocr_meter.update(done, total)
        speed = speed_text(ocr_meter, "pages", language())
        bar.progress(
            done / total if total else 1.0, text=t("ocr_reading", name=name, done=done, total=total, speed=speed)
        )

    try:
        report = core.ingest_upload(name, data, collection, password, progress, ocr_progress)
    except Exception:
        logger.exception("Cannot index %s", name)
        report = FileReport(name, "rejected", reason=t("unexpected", action=t("action_upload", name=name)))
    slot.empty()
    return report


def password_form(core: Conversa, collection: str, record: UploadRecord, data: bytes) -> None:
    name = record.report.name
    with st.form(key=f"unlock::{name}", border=False):
        password = st.text_input(t("password_label", name=name), type="password", key=f"password::{name}")
        if st.form_submit_button(t("unlock"), key=f"unlock_button::{name}"):
            report = index_upload(core, collection, name, data, password)
            st.session_state["uploads"][record.file_id] = replace(record, report=report)
            if report.ok:
                st.session_state.setdefault("pdf_passwords", {})[name] = password
            st.rerun()


def documents_panel(core: Conversa, collection: KnowledgeBase) -> None:
    st.subheader(t("documents_header"))
    files = (
        st.file_uploader(
            t("upload_label"), type=UPLOAD_TYPES, accept_multiple_files=True, key="uploader", help=t("upload_help")
        )
        or []
    )
    records: dict[str, UploadRecord] = st.session_state.setdefault("uploads", {})
    for upload in files:
        if upload.file_id not in records:
            report = index_upload(core, collection.name, upload.name, upload.getvalue())
            records[upload.file_id] = UploadRecord(upload.file_id, collection.name, report)
    for upload in files:
        record = records[upload.file_id]
        if record.collection == collection.name and record.shown:
            tone, line = report_line(record.report, language())
            getattr(st, tone)(line)
            if record.needs_password:
                password_form(core, collection.name, record, upload.getvalue())
    if collection.embedding.notice:  # e.g. offline: the bundled e5 stands in for the configured model
        st.caption(f":material/info: {say(collection.embedding.notice)}")
    documents = collection.documents()
    if not documents:
        st.caption(t("no_documents_sidebar", name=collection.name))
    for doc in documents:
        name_column, button_column = st.columns([6, 1], vertical_alignment="center")
        counts = t("doc_counts", pages=count(doc.pages, parts_noun(doc.format)), chunks=count(doc.chunks, "passages"))
        name_column.markdown(f"**{escape_markdown(doc.name)}**  \n{counts}")
        remove = t("remove", name=doc.name)
        if button_column.button("", icon=":material/delete:", type="tertiary", key=f"remove::{doc.name}", help=remove):
            with guarded(t("action_remove", name=doc.name)):
                collection.remove(doc.name)
                for file_id, record in records.items():
                    if record.collection == collection.name and record.report.name == doc.name:
                        records[file_id] = replace(record, shown=False)
                flash("success", t("removed", name=doc.name))
                st.rerun()
