"""Prompt texts, loaded by name from the `prompts/` folder, and the language they are picked in."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

Language = Literal["pt", "en"]

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"

_PT_MARKERS = re.compile(
    r"[ãõçáéíóúâêô]|\b(o|a|os|as|que|de|do|da|dos|das|em|no|na|um|uma|para|com|não|como|qual|quais|quanto|"
    r"porque|por|é|são|se|isso|depois|fazer)\b",
    re.IGNORECASE,
)
_EN_MARKERS = re.compile(
    r"\b(the|a|an|of|in|on|to|is|are|what|which|how|why|who|does|do|did|and|for|with|about|should|after)\b",
    re.IGNORECASE,
)


def detect_language(text: str) -> Language:
    """Portuguese or English, by counting marker words: enough to pick the prompt for a question."""
    return "en" if len(_EN_MARKERS.findall(text)) > len(_PT_MARKERS.findall(text)) else "pt"


@lru_cache(maxsize=64)
def _read(path: Path, mtime: float) -> str:
    return path.read_text(encoding="utf-8").strip()


def load_prompt(name: str, language: Language = "pt", folder: Path = PROMPTS_DIR) -> str:
    """The text of prompts/NAME.LANG.txt (re-read when the file changes)."""
    path = folder / f"{name}.{language}.txt"
    if not path.exists():
        raise FileNotFoundError(f"Prompt file {path} is missing: restore it from the repository.")
    return _read(path, path.stat().st_mtime)
