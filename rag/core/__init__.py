"""The core every entry point uses (the app, `python -m rag`, bench/): ingest, search and answer, assembled once."""

from rag.core.events import AnswerEvent, Checked, Done, Failed, Searching, SourcesFound, Token, Transcript
from rag.core.inputs import InputError
from rag.core.service import Conversa

__all__ = [
    "AnswerEvent",
    "Checked",
    "Conversa",
    "Done",
    "Failed",
    "InputError",
    "Searching",
    "SourcesFound",
    "Token",
    "Transcript",
]
