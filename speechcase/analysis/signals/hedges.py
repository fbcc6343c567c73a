"""Hedging: phrases that avoid commitment ("I think maybe", "it depends", "probably").

A hedge is not a fault by itself; hedges that pile up without a decision
following are what interviewers read as not owning the call.
"""
from __future__ import annotations

import functools

from speechcase.analysis.text import match_phrases, normalise
from speechcase.core.files import data_file
from speechcase.core.types import Phrase, Word


@functools.lru_cache(maxsize=1)
def hedge_lists() -> dict:
    return data_file("hedges.toml")


def _spans(words: list[Word], section: str) -> list[Phrase]:
    norm = [normalise(w.text) for w in words]
    return [Phrase(phrase, words[i].start, words[j].end)
            for i, j, phrase in match_phrases(norm, hedge_lists()[section]["phrases"])]


def find_hedges(words: list[Word]) -> list[Phrase]:
    """Every hedge phrase with its time span."""
    return _spans(words, "hedges")


def find_decisions(words: list[Word]) -> list[Phrase]:
    """Every phrase that states a decision ("we chose", "I went with")."""
    return _spans(words, "decisions")
