"""Where silence is inside the talk: from voice activity, or from word gaps without audio."""
from __future__ import annotations

from speechcase.analysis.vad import silences
from speechcase.core.types import Interval, Transcript, Word


def talk_span(words: list[Word]) -> Interval:
    """From the first word's start to the last word's end."""
    return Interval(words[0].start, words[-1].end)


def talk_minutes(words: list[Word]) -> float:
    """Length of the talk in minutes (first word to last), never zero; the base of every per-minute rate."""
    return max(talk_span(words).duration, 1e-6) / 60 if words else 1e-6 / 60


def merge_overlapping(spans: list[tuple[Interval, float]]) -> list[tuple[Interval, list[float]]]:
    """Join time-sorted spans that touch or overlap, keeping every value of each merged run."""
    merged: list[tuple[Interval, list[float]]] = []
    for span, value in spans:
        if merged and span.start <= merged[-1][0].end:
            merged[-1] = (Interval(merged[-1][0].start, max(merged[-1][0].end, span.end)), merged[-1][1] + [value])
        else:
            merged.append((span, [value]))
    return merged


def silent_intervals(transcript: Transcript, min_length: float) -> list[Interval]:
    """Silences of at least ``min_length`` inside the talk.

    With voice-activity regions, a silence is a gap between speech regions,
    minus any recognised word inside it (speech the VAD missed is not silence).
    Without them (a transcript made elsewhere), the gaps between words are used.
    """
    words = transcript.words
    span = talk_span(words)
    if transcript.speech is None:
        gaps = [Interval(a.end, b.start) for a, b in zip(words, words[1:])]
    else:
        gaps = _minus_words(silences(transcript.speech, span.start, span.end), words)
    return [g for g in gaps if g.duration >= min_length]


def _minus_words(gaps: list[Interval], words: list[Word]) -> list[Interval]:
    """Cut out of each gap the words whose middle falls inside it (both lists are time-sorted)."""
    out, i = [], 0
    for gap in gaps:
        while i < len(words) and words[i].middle < gap.start:
            i += 1
        cursor, j = gap.start, i
        while j < len(words) and words[j].middle < gap.end:
            if words[j].start > cursor:
                out.append(Interval(cursor, words[j].start))
            cursor = max(cursor, words[j].end)
            j += 1
        if gap.end > cursor:
            out.append(Interval(cursor, gap.end))
    return out
