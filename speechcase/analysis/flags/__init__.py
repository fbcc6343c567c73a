"""Flags: time spans a coach should listen to, each with a message, evidence and a suggestion.

Every flag rule lives in this package, one module per kind of evidence:

- :mod:`.delivery`: ``long_pause``, ``pace_fast``, ``pace_slow``, ``filler_cluster``, ``hedging``, ``monotone``;
- :mod:`.sections`: ``section_missing``, ``section_over``, ``section_under``, ``section_order``;
- :mod:`.rambling`: ``stream_of_consciousness``;
- :mod:`.structure`: ``no_framing_opener``, ``no_quantified_impact``, ``no_signposting``,
  ``ownership_unclear``, ``no_reasoning``.

Each rule returns flags without ids; :func:`build_flags` runs them all and numbers
the flags of a run in one sequence (``f-001``, ``f-002``, ... in time order), which
is what the coach review refers to.
"""
from __future__ import annotations

from dataclasses import replace

from speechcase.analysis.config import Thresholds
from speechcase.analysis.flags.delivery import (
    filler_cluster_flags,
    hedging_flags,
    long_pause_flags,
    monotone_flags,
    pace_flags,
)
from speechcase.analysis.flags.rambling import rambling_flags
from speechcase.analysis.flags.sections import section_flags
from speechcase.analysis.flags.structure import structure_flags
from speechcase.analysis.signals.rambling import SentenceCues
from speechcase.core.types import (
    BalanceRow,
    Filler,
    Flag,
    Framework,
    Interval,
    Pause,
    Phrase,
    RamblingScore,
    SectionSpan,
    Sentence,
    Structure,
    Word,
)

__all__ = ["build_flags"]


def build_flags(*, words: list[Word], sentences: list[Sentence], pauses: list[Pause], fillers: list[Filler],
                hedges: list[Phrase], decisions: list[Phrase], monotone: list[tuple[Interval, float]],
                spans: list[SectionSpan], balance: list[BalanceRow], framework: Framework,
                rambling: list[RamblingScore], cues: list[SentenceCues], structure: Structure | None,
                thresholds: Thresholds) -> list[Flag]:
    """Every flag of a run in time order, with stable ids ``f-001``, ``f-002``, ..."""
    soc = rambling_flags(rambling, cues)
    found = (long_pause_flags(words, pauses, thresholds) + pace_flags(words, thresholds)
             + filler_cluster_flags(fillers, thresholds) + hedging_flags(hedges, decisions, thresholds)
             + monotone_flags(monotone, thresholds)
             + section_flags(spans, balance, framework, thresholds.sections)
             + soc + (structure_flags(structure, sentences, soc) if structure else []))
    found.sort(key=lambda f: (f.start, f.type))
    return [replace(f, id=f"f-{k:03d}") for k, f in enumerate(found, 1)]
