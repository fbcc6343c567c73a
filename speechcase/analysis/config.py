"""Thresholds for pauses and flags, read from ``data/thresholds.toml`` (documented there)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from speechcase.core.files import data_file


@dataclass(frozen=True)
class SectionSettings:
    """Segmentation weights and balance-flag rules (``[sections]`` in thresholds.toml)."""

    semantic_temperature: float
    keyword_weight: float
    classifier_weight: float
    classifier_prototype_weight: float
    classifier_keyword_weight: float
    evidence_seconds: float
    position_weight: float
    position_spread: float
    skip_penalty: float
    back_penalty: float
    late_start_penalty: float
    duration_weight: float
    min_share: float
    min_seconds: float
    max_seconds: float
    over_high_factor: float
    over_high_margin: float
    continuation_penalty: float = 0.0
    continuation_max_gap: float = 0.0
    continuation_words: tuple[str, ...] = ()
    preview_penalty: float = float("inf")
    comparison_weight: float = 0.0
    comparison_words: tuple[str, ...] = ()
    comparison_ranges: tuple[str, ...] = ()
    comparison_mutes_cues: bool = False
    overrun_weight: float = 0.0
    close_exit_penalty: float = 0.0
    opening_skip_penalty: float = float("inf")
    opener_weight: float = 0.0
    opening_phrases: tuple[str, ...] = ()
    opening_phrase_log_odds: float = 0.0
    opening_heading_words: float = 0.0
    unsure_below: float = 0.0  # a sentence's section probability under this is uncertain (0: none is)

    def min_section(self, talk_seconds: float) -> float:
        """Shortest allowed section for a talk of this length."""
        return min(max(self.min_share * talk_seconds, self.min_seconds), self.max_seconds)


@dataclass(frozen=True)
class FillerRecovery:
    """When a steady voiced stretch counts as a filled pause Whisper dropped (``[filler_recovery]``, where each
    number is explained)."""

    enabled: bool
    min_duration: float
    max_duration: float
    min_steady: float
    min_steady_share: float
    max_pitch_spread: float
    max_flux: float
    min_level: float
    max_word_overlap: float
    max_unwritten_sound: float
    written_margin: float
    min_separation: float
    min_hum: float
    hum_only_share: float
    join_gap: float
    onset_lead: float
    min_hum_only: float = 0.0
    alone_margin: float = 0.0
    vowel_words: tuple[str, ...] = ()
    vowel_word_reach: float = 0.0
    written_over_margin: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "vowel_words", tuple(self.vowel_words))


@dataclass(frozen=True)
class EnergySettings:
    """Vocal energy: when it is measured, the monotone evidence and the fading rule (``[energy]``)."""

    min_snr_db: float
    flat_db: float
    lively_db: float
    tail_share: float
    min_tail_seconds: float
    min_tail_words: int
    drop_db: float
    high_drop_db: float
    min_talk_seconds: float
    window: float
    step: float


@dataclass(frozen=True)
class RepetitionSettings:
    """When a phrase is said far more often than ordinary English predicts (``[repeated_phrases]``)."""

    max_words: int
    max_extended_words: int
    min_count: int
    min_per_10_minutes: float
    min_ratio: float
    min_talk_seconds: float
    technical_zipf: float
    high_per_10_minutes: float
    high_count: int


@dataclass(frozen=True)
class LongSentenceSettings:
    """When a spoken sentence is too long to follow by ear (``[long_sentences]``)."""

    max_words: int
    max_seconds: float
    min_words: int
    high_words: int
    high_seconds: float
    min_piece_words: int


@dataclass(frozen=True)
class VocabularySettings:
    """Vocabulary variety, MTLD (``[vocabulary]``)."""

    mtld_threshold: float
    min_words: int


@dataclass(frozen=True)
class Thresholds:
    min_pause: float
    long_mid_sentence: float
    pace_window: float
    pace_step: float
    fast_wpm: float
    slow_wpm: float
    cluster_count: int
    cluster_window: float
    hedge_count: int
    hedge_window: float
    decision_lookahead: float
    vocal_window: float
    vocal_step: float
    vocal_min_voiced: float
    monotone_sd: float
    monotone_min_span: float
    sections: SectionSettings
    recovery: FillerRecovery
    energy: EnergySettings
    repetition: RepetitionSettings
    long_sentences: LongSentenceSettings
    vocabulary: VocabularySettings
    #: Under this mean word probability a tiny.en transcript is called unsure and Whisper base is suggested.
    transcript_unsure_below: float = 0.0


def section_settings(table: dict) -> SectionSettings:
    """``[sections]``: numbers, and word lists (the words a sentence that goes on with the thought before it starts
    with, the words that set one number against another)."""
    fields: dict[str, Any] = {k: tuple(str(w).lower() for w in x) if isinstance(x, list)
                              else x if isinstance(x, bool) else float(x) for k, x in table.items()}
    return SectionSettings(**fields)


@functools.lru_cache(maxsize=1)
def default_thresholds() -> Thresholds:
    data = data_file("thresholds.toml")
    p, pace, f, h, v = data["pauses"], data["pacing"], data["fillers"], data["hedging"], data["vocal"]
    return Thresholds(min_pause=float(p["min_pause"]), long_mid_sentence=float(p["long_mid_sentence"]),
                      pace_window=float(pace["window"]), pace_step=float(pace["step"]),
                      fast_wpm=float(pace["fast_wpm"]), slow_wpm=float(pace["slow_wpm"]),
                      cluster_count=int(f["cluster_count"]), cluster_window=float(f["cluster_window"]),
                      hedge_count=int(h["cluster_count"]), hedge_window=float(h["cluster_window"]),
                      decision_lookahead=float(h["decision_lookahead"]),
                      vocal_window=float(v["window"]), vocal_step=float(v["step"]),
                      vocal_min_voiced=float(v["min_voiced"]), monotone_sd=float(v["max_sd_semitones"]),
                      monotone_min_span=float(v["min_span"]),
                      sections=section_settings(data["sections"]),
                      recovery=FillerRecovery(**data["filler_recovery"]),
                      energy=EnergySettings(**data["energy"]), repetition=RepetitionSettings(**data["repeated_phrases"]),
                      long_sentences=LongSentenceSettings(**data["long_sentences"]),
                      vocabulary=VocabularySettings(**data["vocabulary"]),
                      transcript_unsure_below=float(data["transcript"]["unsure_mean_probability"]))
