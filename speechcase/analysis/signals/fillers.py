"""Fillers found in the transcript, matched against the cue lists in ``data/fillers.toml``."""
from __future__ import annotations

import bisect
import functools
from dataclasses import replace

from speechcase.analysis.text import normalise
from speechcase.core.files import data_file
from speechcase.core.types import Filler, Interval, Word


@functools.lru_cache(maxsize=1)
def cue_lists() -> dict:
    return data_file("fillers.toml")


#: Whisper places filled pauses late (median 0.4 s on the evaluation kit, often
#: as zero-length words); starting them at the previous word's end, at most
#: this far back, cut the timing error to 0.14 s (benchmarks/disfluency).
MAX_STRETCH = 1.0
#: On dense hesitation Whisper loops: it writes the same filled pause again and again at one moment ("uh"
#: eight times at 5.52 s in a real run of six). A filled pause shorter than this that starts within this
#: long after the filled pause written just before it is that one written again.
REPEAT_GAP = 0.03


def filled_pauses(words: list[Word], speech: list[Interval] | None = None) -> list[Filler]:
    """Every um/uh/er/ah/hmm the transcript contains, stretched back to where it was most likely said.

    Args:
        words: The transcript's words.
        speech: Voice-activity regions, when known: a filled pause is one stretch of voice, so it is never
            stretched back across a silence (a sentence-initial "Um" after a pause would otherwise start in the
            pause or in the sentence before; with Whisper base that moved half of them into the wrong sentence).

    A filled pause Whisper wrote again at the same moment (:data:`REPEAT_GAP`) counts once.

    Returns:
        The filled pauses, ``source="asr"``.
    """
    cues = set(cue_lists()["filled_pause"]["words"])
    starts = [r.start for r in speech or []]
    found: list[Filler] = []
    for i, w in enumerate(words):
        if normalise(w.text) in cues:
            if _written_again(words, i, cues):
                found[-1] = replace(found[-1], end=max(found[-1].end, w.end))
                continue
            start = min(max(words[i - 1].end, w.start - MAX_STRETCH) if i else w.start, w.start)
            if speech:
                start = _after_last_silence(start, w, speech, starts)
            found.append(Filler(normalise(w.text), "filled_pause", round(start, 3), w.end, "asr"))
    return found


def _written_again(words: list[Word], i: int, cues: set[str]) -> bool:
    """Whether filled pause ``i`` is the one just before it, written again by a looping decoder."""
    w, before = words[i], words[i - 1] if i else None
    return (before is not None and normalise(before.text) in cues and w.end - w.start < REPEAT_GAP
            and 0 <= w.start - before.end < REPEAT_GAP)


def _after_last_silence(start: float, word: Word, speech: list[Interval], starts: list[float]) -> float:
    """``start`` moved forward to the start of the speech region the word ends in: a filled pause is one
    stretch of voice, so it starts after the last silence before its end (where a sentence-initial "Um" was
    said), never in or before that silence. A word that ends in a silence (placed late, after its voice) keeps
    to the region before it."""
    k = bisect.bisect_right(starts, word.end) - 1
    return start if k < 0 else min(max(start, speech[k].start), word.end)
