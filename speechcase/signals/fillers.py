"""Fillers found in the transcript, matched against the cue lists in ``data/fillers.toml``."""
from __future__ import annotations

import functools
import tomllib
from importlib import resources

from ..text import normalise
from ..types import Filler, Word


@functools.lru_cache(maxsize=1)
def cue_lists() -> dict:
    return tomllib.loads(resources.files("speechcase.data").joinpath("fillers.toml").read_text(encoding="utf-8"))


def filled_pauses(words: list[Word]) -> list[Filler]:
    """Every um/uh/er/ah/hmm the transcript contains, with its times."""
    cues = set(cue_lists()["filled_pause"]["words"])
    return [Filler(normalise(w.text), "filled_pause", w.start, w.end, "asr")
            for w in words if normalise(w.text) in cues]
