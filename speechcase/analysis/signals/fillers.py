"""Fillers found in the transcript, matched against the cue lists in ``data/fillers.toml``."""
from __future__ import annotations

import functools

from speechcase.analysis.text import normalise
from speechcase.core.files import data_file
from speechcase.core.types import Filler, Word


@functools.lru_cache(maxsize=1)
def cue_lists() -> dict:
    return data_file("fillers.toml")


#: Whisper places filled pauses late (median 0.4 s on the evaluation kit, often
#: as zero-length words); starting them at the previous word's end, at most
#: this far back, cut the timing error to 0.14 s (benchmarks/disfluency).
MAX_STRETCH = 1.0


def filled_pauses(words: list[Word]) -> list[Filler]:
    """Every um/uh/er/ah/hmm the transcript contains, stretched back to where it was most likely said."""
    cues = set(cue_lists()["filled_pause"]["words"])
    found = []
    for i, w in enumerate(words):
        if normalise(w.text) in cues:
            start = max(words[i - 1].end, w.start - MAX_STRETCH) if i else w.start
            found.append(Filler(normalise(w.text), "filled_pause", round(min(start, w.start), 3), w.end, "asr"))
    return found
