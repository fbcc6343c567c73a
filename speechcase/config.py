"""Thresholds for pauses and flags, read from ``data/thresholds.toml`` (documented there)."""
from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from importlib import resources


@dataclass(frozen=True)
class SectionSettings:
    """Segmentation weights and balance-flag rules (``[sections]`` in thresholds.toml)."""

    semantic_temperature: float
    keyword_weight: float
    evidence_seconds: float
    position_weight: float
    position_spread: float
    skip_penalty: float
    back_penalty: float
    late_start_penalty: float
    min_share: float
    min_seconds: float
    max_seconds: float
    over_high_factor: float
    over_high_margin: float

    def min_section(self, talk_seconds: float) -> float:
        """Shortest allowed section for a talk of this length."""
        return min(max(self.min_share * talk_seconds, self.min_seconds), self.max_seconds)


@dataclass(frozen=True)
class FillerRecovery:
    """When a steady voiced stretch counts as a filled pause Whisper dropped (``[filler_recovery]``)."""

    enabled: bool = True
    min_duration: float = 0.15
    max_duration: float = 1.0
    min_steady: float = 0.10
    min_steady_share: float = 0.6
    max_pitch_spread: float = 3.0
    max_flux: float = 6.0
    min_level: float = -15.0
    max_word_overlap: float = 0.2
    max_unwritten_sound: float = 0.1
    written_margin: float = 0.5
    min_separation: float = 0.3
    min_hum: float = 0.06
    hum_only_share: float = 0.8


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
    recovery: FillerRecovery = field(default_factory=FillerRecovery)


@functools.lru_cache(maxsize=1)
def default_thresholds() -> Thresholds:
    data = tomllib.loads(resources.files("speechcase.data").joinpath("thresholds.toml").read_text(encoding="utf-8"))
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
                      sections=SectionSettings(**{k: float(x) for k, x in data["sections"].items()}),
                      recovery=FillerRecovery(**data.get("filler_recovery", {})))
