"""Pacing: overall and articulation rate, a windowed timeline, and per-section rates.

Words are counted as spoken ("2.4" is three words), so numbers written as
digits by Whisper do not make the pace look slower than it was.
"""
from __future__ import annotations

import bisect
import itertools
import math

from speechcase.analysis.signals.timeline import silent_intervals, talk_minutes, talk_span
from speechcase.analysis.text import spoken_lengths
from speechcase.core.types import Interval, PaceWindow, Pacing, SectionSpan, Transcript, Word

#: Silences at least this long are excluded from speaking time for the articulation rate.
ARTICULATION_GAP = 0.25
WINDOW = 30.0


def measure_pacing(transcript: Transcript, sections: list[SectionSpan], window: float = WINDOW,
                   rolling_step: float = 5.0) -> Pacing:
    words = transcript.words
    if not words:
        return Pacing(0.0, 0.0, [], {}, [])
    span = talk_span(words)
    total = sum(spoken_lengths(words))
    minutes = talk_minutes(words)
    silent = sum(g.duration for g in silent_intervals(transcript, ARTICULATION_GAP))
    speaking_minutes = max(span.duration - silent, 1e-6) / 60
    return Pacing(
        wpm=round(total / minutes, 1),
        articulation_wpm=round(total / speaking_minutes, 1),
        timeline=_timeline(transcript, window),
        by_section=_by_section(transcript, sections),
        rolling=[PaceWindow(span.start, span.end, round(wpm, 1))
                 for span, wpm in rolling_wpm(words, window, rolling_step)],
    )


class WordCounter:
    """Spoken words whose middle falls in ``[start, end)``, for any number of spans in O(log n) each."""

    def __init__(self, words: list[Word]) -> None:
        by_middle = sorted(zip((w.middle for w in words), spoken_lengths(words)))  # lengths need word order
        self._middles = [m for m, _ in by_middle]
        self._cumulative = [0, *itertools.accumulate(n for _, n in by_middle)]

    def between(self, start: float, end: float) -> int:
        first, last = bisect.bisect_left(self._middles, start), bisect.bisect_left(self._middles, end)
        return self._cumulative[last] - self._cumulative[first]


def _timeline(transcript: Transcript, window: float) -> list[PaceWindow]:
    """Words per minute in consecutive windows from 0 s; the last window covers to the last word."""
    words = transcript.words
    end_of_talk = words[-1].end
    counts = [0] * max(1, math.ceil(end_of_talk / window))
    for w, n in zip(words, spoken_lengths(words)):
        counts[min(int(w.middle // window), len(counts) - 1)] += n
    out = []
    for k, n in enumerate(counts):
        start, end = k * window, min((k + 1) * window, end_of_talk)
        out.append(PaceWindow(start, round(end, 3), round(n / max(end - start, 1e-6) * 60, 1)))
    return out


def _by_section(transcript: Transcript, sections: list[SectionSpan]) -> dict[str, float]:
    """Words per minute over all the time spent in each section."""
    seconds: dict[str, float] = {}
    count: dict[str, int] = {}
    counter = WordCounter(transcript.words)
    for s in sections:
        seconds[s.id] = seconds.get(s.id, 0.0) + s.end - s.start
        count[s.id] = count.get(s.id, 0) + counter.between(s.start, s.end)
    return {k: round(count[k] / (seconds[k] / 60), 1) for k in seconds if seconds[k] > 0}


def rolling_wpm(words: list[Word], window: float, step: float) -> list[tuple[Interval, float]]:
    """Words per minute in windows of ``window`` s moved by ``step`` s over the talk (O(n log n))."""
    if not words:
        return []
    counter = WordCounter(words)
    first, last = words[0].start, words[-1].end
    width = min(window, last - first)
    out, start = [], first
    while True:
        end = start + width
        n = counter.between(start, end)
        out.append((Interval(round(start, 3), round(end, 3)), n / max(width, 1e-6) * 60))
        if end >= last:
            return out
        start = min(start + step, last - width)
