"""Flags: time spans a coach should listen to, each with a message, evidence and a suggestion.

Every flag rule lives in this package, one module per kind of evidence:

- :mod:`.delivery`: ``long_pause``, ``pace_fast``, ``pace_slow``, ``filler_cluster``, ``hedging``, ``monotone``,
  ``fading_energy``;
- :mod:`.language`: ``repeated_phrase``, ``long_sentence``;
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
    fading_energy_flags,
    filler_cluster_flags,
    hedging_flags,
    long_pause_flags,
    monotone_flags,
    pace_flags,
)
from speechcase.analysis.flags.language import long_sentence_flags, repeated_phrase_flags
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
    LongSentence,
    Pause,
    Phrase,
    RamblingScore,
    RepeatedPhrase,
    SectionSpan,
    Sentence,
    Structure,
    VocalEnergy,
    Word,
)
from speechcase.core.uncertain import unsure_inside, unsure_seconds

__all__ = ["build_flags"]


def build_flags(*, words: list[Word], sentences: list[Sentence], pauses: list[Pause], fillers: list[Filler],
                hedges: list[Phrase], decisions: list[Phrase], monotone: list[tuple[Interval, float]],
                spans: list[SectionSpan], balance: list[BalanceRow], framework: Framework,
                rambling: list[RamblingScore], cues: list[SentenceCues], structure: Structure | None,
                thresholds: Thresholds, energy: VocalEnergy | None = None,
                repeated: list[RepeatedPhrase] | None = None,
                long_sentences: list[LongSentence] | None = None,
                sections_unsure: dict[str, float] | None = None) -> list[Flag]:
    """Every flag of a run in time order, with stable ids ``f-001``, ``f-002``, ...; ``sections_unsure`` is
    :func:`~speechcase.core.uncertain.unsure_seconds` of ``sentences`` when the caller has it already."""
    below = thresholds.sections.unsure_below
    near = unsure_seconds(sentences, below) if sections_unsure is None else sections_unsure
    soc = rambling_flags(rambling, cues)
    found = (long_pause_flags(words, pauses, thresholds) + pace_flags(words, thresholds)
             + filler_cluster_flags(fillers, thresholds) + hedging_flags(hedges, decisions, thresholds)
             + monotone_flags(monotone, thresholds, words, energy) + fading_energy_flags(energy, thresholds)
             + section_flags(spans, balance, framework, thresholds.sections, unsure_inside(sentences, below), near)
             + soc + (structure_flags(structure, sentences, soc) if structure else [])
             + repeated_phrase_flags(repeated or [], words, thresholds)
             + long_sentence_flags(long_sentences or [], words, soc, thresholds))
    found.sort(key=lambda f: (f.start, f.type))
    return [replace(f, id=f"f-{k:03d}") for k, f in enumerate(found, 1)]
