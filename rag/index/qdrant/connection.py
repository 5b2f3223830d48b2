"""Connections to Qdrant: one client per server (or local folder) per process, and its errors in plain words."""

from __future__ import annotations

import atexit
import shutil
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from config.settings import Settings
from i18n import message
from rag.index.types import CollectionError, check_name

PREFIX = "conversa-"
"""Conversa's collections are the Qdrant collections named with this prefix."""
_TIMEOUT_S = 30


@dataclass(frozen=True)
class Connection:
    """A client and how to use it: local mode is one process's folder and not thread-safe, a server is both."""

    client: Any
    where: str
    guard: AbstractContextManager
    local: bool


_connections: dict[tuple[str, str, str], Connection] = {}
_connections_lock = threading.Lock()


def safe_url(url: str) -> str:
    """The URL without credentials, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path}" if parts.scheme else url


def local_path(settings: Settings) -> str:
    """Where Qdrant's embedded local mode keeps its data: beside the FAISS collections, in a folder no collection
    name can take (names cannot start with a dot)."""
    return str((settings.data_dir / ".qdrant").resolve())


def connect(settings: Settings) -> Connection:
    """One client per server (or local folder) per process: local mode allows a single client per folder."""
    url = settings.qdrant_url
    folder = "" if url else local_path(settings)
    key = (url, settings.qdrant_api_key, folder)
    with _connections_lock:
        if key not in _connections:
            try:
                from qdrant_client import QdrantClient
            except ImportError as exc:
                raise CollectionError(message("qdrant.missing_package")) from exc
            if url:
                # No version probe on construction: it would be a second, unexplained wait on an unreachable server.
                client = QdrantClient(
                    url=url, api_key=settings.qdrant_api_key or None, timeout=_TIMEOUT_S, check_compatibility=False
                )
                _connections[key] = Connection(client, safe_url(url), nullcontext(), local=False)
            else:
                Path(folder).mkdir(parents=True, exist_ok=True)
                try:
                    client = QdrantClient(path=folder)
                except RuntimeError as exc:  # its folder lock, held by another process
                    raise CollectionError(message("qdrant.local_in_use", folder=folder)) from exc
                _connections[key] = Connection(client, folder, threading.RLock(), local=True)
            # Closed before the interpreter tears down the modules its own finaliser needs.
            atexit.register(client.close)
        return _connections[key]


@contextmanager
def explained(connection: Connection) -> Iterator[None]:
    """Qdrant's errors as one sentence that says what to do."""
    from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

    try:
        with connection.guard:
            yield
    except UnexpectedResponse as exc:
        if exc.status_code in (401, 403):
            raise CollectionError(message("qdrant.refused", where=connection.where, status=exc.status_code)) from exc
        raise CollectionError(
            message("qdrant.http_error", where=connection.where, status=exc.status_code, phrase=exc.reason_phrase)
        ) from exc
    except (ResponseHandlingException, OSError) as exc:
        raise CollectionError(message("qdrant.unreachable", where=connection.where)) from exc


def list_qdrant_collections(settings: Settings) -> list[str]:
    """Names of Conversa's collections on the Qdrant server (or in the local store)."""
    connection = connect(settings)
    with explained(connection):
        names = [c.name for c in connection.client.get_collections().collections]
    return sorted(n[len(PREFIX) :] for n in names if n.startswith(PREFIX))


def delete_qdrant_collection(settings: Settings, name: str) -> None:
    """Delete a collection and the PDFs this machine kept for it.

    Raises:
        CollectionError: there is no such collection, or Qdrant cannot be used.
    """
    connection = connect(settings)
    qname = PREFIX + check_name(name)
    with explained(connection):
        if not connection.client.collection_exists(qname):
            raise CollectionError(message("qdrant.missing_collection", name=name, where=connection.where))
        connection.client.delete_collection(qname)
    shutil.rmtree(settings.data_dir / ".qdrant-files" / name, ignore_errors=True)
