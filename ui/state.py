"""What the app keeps in a browser session: the conversation, the upload outcomes, the model choice."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from rag.answer.citations import Unsupported
from rag.index.ingest import FileReport
from rag.search.retrieval import Source

# FileReport.code values that a password can fix.
LOCKED_CODES = frozenset({"encrypted", "wrong_password"})


@dataclass
class Turn:
    """One message of the conversation, as shown, exported, and sent back to the chain as history."""

    role: Literal["user", "assistant"]
    content: str
    sources: list[Source] = field(default_factory=list)
    collection: str | None = None
    """The collection the sources came from (the user may switch collections later)."""
    covered: bool | None = None
    notice: str | None = None
    """Set when no model answered: the sentence saying how to get written answers. Like `error`, often an i18n
    Message kept as such, so the reply is drawn in whatever language the interface speaks when it is drawn."""
    error: str | None = None
    interrupted: bool = False
    search_query: str | None = None
    """What was searched (a follow-up is searched together with earlier questions); None when no search ran."""
    history_trimmed: int = 0
    """Earlier messages left out of the prompt because the model's window could not hold them."""
    unsupported: list[Unsupported] = field(default_factory=list)
    """Sentences and citations of the answer the citation check flagged (rag/answer/citations.py)."""

    @property
    def search_only(self) -> bool:
        """The content lists passages found, not an answer a model wrote."""
        return self.notice is not None or (self.error is not None and not self.interrupted)


def history_for(turns: list[Turn]) -> list[dict[str, str]]:
    """Earlier turns as the chain's {"role", "content"} history.

    Search-only replies are left out: they are excerpts, not something the model said, and would crowd the
    model's window with text it will see again as sources.
    """
    return [
        {"role": t.role, "content": t.content}
        for t in turns
        if t.content.strip() and not (t.role == "assistant" and t.search_only)
    ]


@dataclass(frozen=True)
class UploadRecord:
    """The outcome for one uploaded file, kept so a rerun neither reads it again nor forgets what happened."""

    file_id: str
    collection: str
    report: FileReport
    shown: bool = True
    """False once the document was removed again: the file may still sit in the uploader, but is not re-read."""

    @property
    def needs_password(self) -> bool:
        return self.report.code in LOCKED_CODES


@dataclass(frozen=True)
class ModelChoice:
    """The sidebar's choice of chat model; the key stays out of repr so a logged choice cannot leak it."""

    provider: str
    model: str | None
    temperature: float
    api_key: str | None = field(default=None, repr=False)
