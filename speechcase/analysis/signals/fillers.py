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
            stretched back across a silence into the words before (a sentence-initial "Um" after a pause would
            otherwise start in the pause or in the sentence before; with Whisper base that moved half of them
            into the wrong sentence), but it does go back to a voiced island of its own that it was written after.

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
            floor = words[i - 1].end if i else w.start
            start = min(max(floor, w.start - MAX_STRETCH), w.start)
            if speech:
                start = _voice_start(start, floor, w, speech, starts)
            found.append(Filler(normalise(w.text), "filled_pause", round(start, 3), w.end, "asr"))
    return found


def _written_again(words: list[Word], i: int, cues: set[str]) -> bool:
    """Whether filled pause ``i`` is the one just before it, written again by a looping decoder."""
    w, before = words[i], words[i - 1] if i else None
    return (before is not None and normalise(before.text) in cues and w.end - w.start < REPEAT_GAP
            and 0 <= w.start - before.end < REPEAT_GAP)


def _voice_start(start: float, floor: float, word: Word, speech: list[Interval], starts: list[float]) -> float:
    """Where the filled pause's voice starts: ``start`` (at most :data:`MAX_STRETCH` before the word, never
    before ``floor``, the end of the word before) moved to the voice it belongs to.

    A filled pause is one stretch of voice. When a speech region after ``floor`` ends between ``start`` and
    the end of the written filled pause, that island is the hesitation Whisper wrote late (after the pause that
    followed it); otherwise the filled pause starts with the speech region it ends in, never in or before the
    silence ahead of that region (a sentence-initial "Um" after a pause).
    """
    k = bisect.bisect_right(starts, word.end) - 1
    islands = [r for r in speech[bisect.bisect_left(starts, floor):k + 1] if start < r.end <= word.end]
    if islands:
        return islands[-1].start
    return start if k < 0 else min(max(start, speech[k].start), word.end)
