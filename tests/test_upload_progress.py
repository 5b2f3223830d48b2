"""Upload progress says how fast indexing goes and how long is left, in the interface's language."""

from __future__ import annotations

from ui.progress import RateMeter, duration, speed_text


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_rate_and_time_left_count_from_the_first_finished_batch():
    clock = Clock()
    meter = RateMeter(clock)
    meter.update(0, 300)
    clock.now += 20  # loading the model: not part of the rate
    meter.update(64, 300)
    clock.now += 4
    meter.update(128, 300)
    assert meter.rate == 16.0
    assert meter.seconds_left == (300 - 128) / 16


def test_nothing_is_said_before_the_rate_is_known():
    clock = Clock()
    meter = RateMeter(clock)
    meter.update(0, 100)
    meter.update(10, 100)
    assert speed_text(meter, "passages", "en") == ""
    clock.now += 0.2  # too short to tell a rate from
    meter.update(20, 100)
    assert speed_text(meter, "passages", "en") == ""


def test_speed_reads_naturally_in_both_languages():
    clock = Clock()
    meter = RateMeter(clock)
    meter.update(10, 400)
    clock.now += 2
    meter.update(15, 400)
    assert speed_text(meter, "passages", "en") == " · 2.5 passages/s, about 2 min 34 s left"
    assert speed_text(meter, "pages", "pt") == " · 2,5 páginas/s, faltam ~2 min 34 s"


def test_durations_are_short_at_every_scale():
    assert duration(42.4, "en") == "42 s"
    assert duration(185, "pt") == "3 min 05 s"
    assert duration(3725, "en") == "1 h 02 min"
