"""Where the section stage was unsure: runs of sentences whose section has a low probability.

One definition for every reader of an analysis (the dashboard, the terminal summary, the comparison of two takes),
so that "uncertain" means the same everywhere. The threshold is ``unsure_below`` in thresholds.toml.
"""
from __future__ import annotations

from collections.abc import Sequence

from speechcase.core.types import Sentence


def is_unsure(sentence: Sentence, below: float) -> bool:
    """Whether the sentence's section has a probability (``section_confidence``) under ``below``; never for a
    sentence that carries none (a document written without them)."""
    return sentence.section_confidence is not None and sentence.section_confidence < below


def unsure_runs(sentences: Sequence[Sentence], below: float) -> list[tuple[int, int]]:
    """Half-open index ranges ``[first, stop)`` of consecutive sentences that are uncertain (:func:`is_unsure`)."""
    runs: list[tuple[int, int]] = []
    for k, s in enumerate(sentences):
        if not is_unsure(s, below):
            continue
        if runs and runs[-1][1] == k:
            runs[-1] = (runs[-1][0], k + 1)
        else:
            runs.append((k, k + 1))
    return runs


def unsure_seconds(sentences: Sequence[Sentence], below: float) -> dict[str, float]:
    """Per section id, the seconds of uncertain runs in it or next to it.

    A run counts for the sections of its own sentences and of the sentences just before and after it: an
    uncertain stretch is a boundary that could move, and moving it changes the time of the sections on both sides.
    Each sentence lasts until the next one starts (the last until its end), as the section spans do.

    Why: two takes of the same talk can differ in a section's share only because a boundary the words do not
    decide fell elsewhere (int8 and float32 transcripts of one recording put 72 shares of the 80 development talks
    more than 3 points apart, 63 of them with at least that much uncertain time next to the section); a
    comparison says so instead of reporting progress.
    """
    out: dict[str, float] = {}
    for first, stop in unsure_runs(sentences, below):
        seconds = sum(_held(sentences, k) for k in range(first, stop))
        touched = {sentences[k].section for k in range(max(0, first - 1), min(len(sentences), stop + 1))}
        for section in touched:
            out[section] = round(out.get(section, 0.0) + seconds, 2)
    return out


def unsure_inside(sentences: Sequence[Sentence], below: float) -> dict[str, float]:
    """Per section id, the seconds of its own uncertain sentences: the most it could lose if they belonged elsewhere
    (:func:`unsure_seconds` also counts the uncertain sentences next to it, which it could gain)."""
    out: dict[str, float] = {}
    for first, stop in unsure_runs(sentences, below):
        for k in range(first, stop):
            out[sentences[k].section] = round(out.get(sentences[k].section, 0.0) + _held(sentences, k), 2)
    return out


def _held(sentences: Sequence[Sentence], k: int) -> float:
    """Sentence ``k``'s time: until the next one starts (the last until its end), as the section spans count it."""
    end = sentences[k + 1].start if k + 1 < len(sentences) else sentences[k].end
    return end - sentences[k].start
