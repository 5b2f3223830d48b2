"""How fast a long step goes and how long it has left (passages embedded, pages read by OCR), in words."""

from __future__ import annotations

import time
from collections.abc import Callable

from i18n import text

# Before this many seconds of work, or before the first step is done, a rate would be a guess: say nothing.
_MIN_SECONDS = 1.0


class RateMeter:
    """Fed (done, total) as a `rag.index.types.Progress` callback is; tells items per second and seconds left.

    The rate counts from the first report with something done, not from the start: the first batch also pays for
    loading the model (seconds for a torch model), which says nothing about the batches still to come.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._first: tuple[float, int] | None = None
        self.rate: float | None = None
        self.seconds_left: float | None = None

    def update(self, done: int, total: int) -> None:
        now = self._clock()
        if done <= 0:
            return
        if self._first is None:
            self._first = (now, done)
            return
        started, done_then = self._first
        elapsed = now - started
        if elapsed < _MIN_SECONDS or done <= done_then:
            return
        self.rate = (done - done_then) / elapsed
        self.seconds_left = max(0, total - done) / self.rate


def duration(seconds: float, language: str) -> str:
    """ "40 s", "3 min 05 s", "1 h 02 min": to the second below an hour, to the minute above."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return text("duration_seconds", language, s=seconds)
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return text("duration_minutes", language, m=minutes, s=f"{seconds:02d}")
    hours, minutes = divmod(minutes, 60)
    return text("duration_hours", language, h=hours, m=f"{minutes:02d}")


def speed_text(meter: RateMeter, unit: str, language: str) -> str:
    """ "· 12.3 passages/s, about 40 s left", or "" while the meter knows too little. `unit`: passages, pages."""
    if meter.rate is None or meter.seconds_left is None:
        return ""
    rate = f"{meter.rate:.1f}" if meter.rate < 10 else f"{meter.rate:.0f}"
    if language == "pt":
        rate = rate.replace(".", ",")
    return text(
        "progress_speed",
        language,
        rate=rate,
        unit=text(f"unit_{unit}", language),
        left=duration(meter.seconds_left, language),
    )
