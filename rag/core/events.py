"""What answering a question yields, step by step: the app renders these events, the CLI prints them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rag.answer.citations import Unsupported
from rag.search.retrieval import SearchResult


@dataclass(frozen=True)
class Searching:
    """The search started (after a follow-up was made standalone, when it needed to be)."""

    question: str
    history_trimmed: int = 0
    """Earlier messages left out because the model's window could not hold them (oldest first)."""


@dataclass(frozen=True)
class SourcesFound:
    """The passages the answer will be grounded in, numbered as the model is asked to cite them."""

    result: SearchResult


@dataclass(frozen=True)
class Token:
    """A piece of the answer as the model streams it."""

    text: str


@dataclass(frozen=True)
class Checked:
    """The written answer checked against the passages it cites (no model call): one entry per flagged sentence
    or citation, empty when everything checks out."""

    unsupported: list[Unsupported]


@dataclass(frozen=True)
class Done:
    """The answer is complete; `text` is empty when no model was given (a search-only answer)."""

    text: str


@dataclass(frozen=True)
class Failed:
    """The answer failed: `message` is one sentence for the user; what had arrived is kept in `text`."""

    message: str
    text: str = ""

    @property
    def interrupted(self) -> bool:
        """Part of an answer arrived before the failure."""
        return bool(self.text)


AnswerEvent = Searching | SourcesFound | Token | Checked | Done | Failed


@dataclass
class Transcript:
    """What an answer's events add up to: for the command line's JSON, benches and tests."""

    search: SearchResult | None = None
    text: str = ""
    error: str | None = None
    history_trimmed: int = 0
    tokens: list[str] = field(default_factory=list)
    unsupported: list[Unsupported] = field(default_factory=list)

    @property
    def interrupted(self) -> bool:
        return self.error is not None and bool(self.text)

    def add(self, event: AnswerEvent) -> None:
        match event:
            case Searching(history_trimmed=trimmed):
                self.history_trimmed = trimmed
            case SourcesFound(result=result):
                self.search = result
            case Token(text=text):
                self.tokens.append(text)
                self.text += text
            case Checked(unsupported=flags):
                self.unsupported = list(flags)
            case Failed(message=sentence):
                self.error = sentence

    @classmethod
    def of(cls, events: Iterable[AnswerEvent]) -> Transcript:
        transcript = cls()
        for event in events:
            transcript.add(event)
        return transcript
