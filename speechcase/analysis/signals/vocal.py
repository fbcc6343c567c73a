"""Vocal variety: how much the pitch moves, overall and in sustained stretches."""
from __future__ import annotations

import numpy as np

from speechcase.analysis.config import Thresholds
from speechcase.analysis.signals.timeline import merge_overlapping
from speechcase.core.types import Interval, Prosody


def _semitones(f0: list[float | None]) -> np.ndarray:
    """Pitch in semitones relative to the talk's median (NaN where unvoiced)."""
    hz = np.array([np.nan if v is None else v for v in f0], dtype=float)
    if np.isnan(hz).all():
        return hz
    return 12 * np.log2(hz / np.nanmedian(hz))


def vocal_summary(prosody: Prosody | None) -> dict:
    """Median pitch, spread (standard deviation) and range (10th-90th percentile) in semitones."""
    if prosody is None or prosody.telephone or all(v is None for v in prosody.f0):
        reason = "telephone-band audio" if prosody and prosody.telephone else "no pitch track"
        return {"measured": False, "reason": reason}
    semis = _semitones(prosody.f0)
    voiced = semis[~np.isnan(semis)]
    hz = np.array([v for v in prosody.f0 if v is not None])
    return {"measured": True, "median_hz": round(float(np.median(hz)), 1),
            "sd_semitones": round(float(voiced.std()), 2),
            "range_semitones": round(float(np.percentile(voiced, 90) - np.percentile(voiced, 10)), 2)}


def monotone_spans(prosody: Prosody | None, t: Thresholds) -> list[tuple[Interval, float]]:
    """Stretches where the pitch stays flat (rule in ``data/thresholds.toml``), with their largest SD."""
    if prosody is None or prosody.telephone or not prosody.f0:
        return []
    semis = _semitones(prosody.f0)
    per_window, per_step = int(t.vocal_window / prosody.hop), max(1, int(t.vocal_step / prosody.hop))
    flat: list[tuple[Interval, float]] = []  # each flat window with its SD
    for first in range(0, max(1, semis.size - per_window + 1), per_step):
        chunk = semis[first:first + per_window]
        voiced = chunk[~np.isnan(chunk)]
        if voiced.size * prosody.hop < t.vocal_min_voiced:
            continue
        sd = float(voiced.std())
        span = Interval(round(first * prosody.hop, 2), round((first + chunk.size) * prosody.hop, 2))
        if sd < t.monotone_sd:
            flat.append((span, sd))
    return [(span, max(sds)) for span, sds in merge_overlapping(flat) if span.duration >= t.monotone_min_span]
