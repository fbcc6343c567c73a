"""Vocal energy: how loud each word is, how much that varies, and whether the voice fades at the end.

The level track (dB full scale every 40 ms inside the speech regions) is measured from the audio at
transcription time, in the same pass as the pitch track (:mod:`speechcase.analysis.prosody`), and stored in
the transcript, so a saved transcript is re-analysed the same way without its audio. Here:

- each word's level is the peak of the frames centred inside it (its stressed vowel; the 160 ms frames
  smooth over single consonants), so pauses between words never count as quiet speech;
- the talk's variation is the spread of those word levels: a voice that stresses its key words varies by
  several dB, a flat one by one or two;
- the voice fades when the words of the final stretch are clearly quieter than the words before it.

No verdict is given for telephone-band audio (no track: phone lines even out loudness) or where speech
stands too little above the background (``min_snr_db``): quiet words then sink into the noise. Thresholds
are in ``[energy]`` of ``data/thresholds.toml``.
"""
from __future__ import annotations

import bisect

import numpy as np

from speechcase.analysis.config import EnergySettings
from speechcase.analysis.signals.timeline import talk_span
from speechcase.core.types import Fade, LevelWindow, Prosody, VocalEnergy, Word

#: Fewer measured words than this give no verdict on a talk's loudness.
MIN_WORDS = 20
#: A rolling window needs this many measured words to have a level.
MIN_WINDOW_WORDS = 3
#: A stretch of talk needs this many measured words for its spread of loudness (monotone evidence).
MIN_SPREAD_WORDS = 10
#: Frames at the floor (digital silence inside a speech region) say nothing about the speaker's level.
SILENT_DB = -90.0


def measure_energy(words: list[Word], prosody: Prosody | None, settings: EnergySettings) -> VocalEnergy:
    """The talk's vocal energy from the level track of ``prosody`` (see the module notes).

    Args:
        words: The transcript's words, in time order.
        prosody: The transcript's pitch and level track (``None`` for a transcript made elsewhere).
        settings: ``[energy]`` of the thresholds.

    Returns:
        A :class:`VocalEnergy`; ``measured`` is false, with the reason, where no verdict can be given.
    """
    if prosody is None or (prosody.level is None and not prosody.telephone):
        return VocalEnergy(False, "no loudness track (a transcript made elsewhere or by an older speechcase)")
    if prosody.telephone or prosody.level is None:
        return VocalEnergy(False, "telephone-band audio")
    frames = np.array([np.nan if v is None else v for v in prosody.level], dtype=float)
    spoken = frames[~np.isnan(frames) & (frames > SILENT_DB)]
    if spoken.size == 0:
        return VocalEnergy(False, "no speech in the loudness track")
    snr = None if prosody.noise is None else round(float(np.percentile(spoken, 90)) - prosody.noise, 1)
    if snr is not None and snr < settings.min_snr_db:
        return VocalEnergy(False, f"noisy audio: speech only {snr:.0f} dB above the background", snr_db=snr)
    levels = word_levels(words, frames, prosody.hop)
    measured = levels[~np.isnan(levels)]
    if measured.size < MIN_WORDS:
        return VocalEnergy(False, "too few words to judge loudness", snr_db=snr)
    median = float(np.median(measured))
    word_db = [None if np.isnan(v) else round(float(v), 1) for v in levels]
    middles = [w.middle for w in words]
    span = talk_span(words)
    timeline = [LevelWindow(start, end, round(db - median, 1))
                for start, end, db in rolling_levels(middles, levels, span.start, span.end, settings)]
    return VocalEnergy(True, None, round(median, 1), round(float(measured.std()), 2),
                       round(float(np.percentile(measured, 90) - np.percentile(measured, 10)), 1), snr,
                       word_db, timeline, find_fade(words, levels, settings))


def word_levels(words: list[Word], frames: np.ndarray, hop: float) -> np.ndarray:
    """Each word's level: the loudest frame centred inside it (the nearest frame for a word shorter than a
    frame step); NaN where that frame lies outside speech."""
    out = np.full(len(words), np.nan)
    n = frames.size
    for k, w in enumerate(words):
        first, last = int(np.ceil(w.start / hop)), min(int(np.floor(w.end / hop)), n - 1)
        if last < first:
            first = last = min(int(round(w.middle / hop)), n - 1)
        if first >= n:
            continue
        piece = frames[first:last + 1]
        piece = piece[~np.isnan(piece) & (piece > SILENT_DB)]
        if piece.size:
            out[k] = piece.max()
    return out


def rolling_levels(middles: list[float], levels: np.ndarray, start: float, end: float,
                   settings: EnergySettings) -> list[tuple[float, float, float]]:
    """``(start, end, median word level)`` of rolling ``window``-second windows moved by ``step`` seconds over
    ``start``-``end``; windows with fewer than ``MIN_WINDOW_WORDS`` measured words are left out."""
    out = []
    t = start
    while True:
        stop = min(t + settings.window, end)
        piece = levels[bisect.bisect_left(middles, t):bisect.bisect_left(middles, stop)]
        piece = piece[~np.isnan(piece)]
        if piece.size >= MIN_WINDOW_WORDS:
            out.append((round(t, 2), round(stop, 2), float(np.median(piece))))
        if stop >= end:
            return out
        t += settings.step


def find_fade(words: list[Word], levels: np.ndarray, settings: EnergySettings) -> Fade | None:
    """The final stretch of the talk when its words are ``drop_db`` or more quieter than the words before it.

    The comparison is between medians of word levels: the last ``tail_share`` of the talk (at least
    ``min_tail_seconds`` and ``min_tail_words`` words) against the rest. Where the fade starts is where the
    rolling level first falls ``drop_db`` / 2 below the level before and stays there to the end; the reported
    drop is measured from that point.
    """
    if not words:
        return None
    span = talk_span(words)
    if span.duration < settings.min_talk_seconds:
        return None
    middles = [w.middle for w in words]
    valid = ~np.isnan(levels)
    tail_start = span.end - max(settings.tail_share * span.duration, settings.min_tail_seconds)
    tail = levels[bisect.bisect_left(middles, tail_start):][valid[bisect.bisect_left(middles, tail_start):]]
    before = levels[:bisect.bisect_left(middles, tail_start)][valid[:bisect.bisect_left(middles, tail_start)]]
    if tail.size < settings.min_tail_words or before.size < settings.min_tail_words:
        return None
    reference = float(np.median(before))
    if reference - float(np.median(tail)) < settings.drop_db:
        return None
    onset = tail_start
    for start, _, db in reversed(rolling_levels(middles, levels, span.start, span.end, settings)):
        if db > reference - settings.drop_db / 2:
            break
        onset = start
    cut = bisect.bisect_left(middles, onset)
    after = levels[cut:][valid[cut:]]
    earlier = levels[:cut][valid[:cut]]
    if after.size < MIN_WINDOW_WORDS or earlier.size < settings.min_tail_words:
        return None
    reference, quieter = float(np.median(earlier)), float(np.median(after))
    if reference - quieter < settings.drop_db:
        return None
    return Fade(round(onset, 2), round(span.end, 2), round(reference, 1), round(quieter, 1))


def level_spread(energy: VocalEnergy | None, words: list[Word], start: float, end: float) -> float | None:
    """Standard deviation (dB) of the levels of the words in ``start``-``end``; ``None`` when loudness was not
    measured or too few words there were."""
    if energy is None or not energy.measured:
        return None
    middles = [w.middle for w in words]
    piece = [v for v in energy.word_db[bisect.bisect_left(middles, start):bisect.bisect_left(middles, end)]
             if v is not None]
    return round(float(np.std(piece)), 2) if len(piece) >= MIN_SPREAD_WORDS else None


def energy_summary(energy: VocalEnergy | None) -> dict:
    """The ``summary.energy`` field of analysis.json: level, spread and range of the words' loudness (dB), how
    far speech stands above the background, and the drop of a fading end (``None`` without one)."""
    if energy is None or not energy.measured:
        reason = energy.reason if energy else "no loudness track"
        return {"measured": False, "reason": reason}
    return {"measured": True, "median_db": energy.median_db, "sd_db": energy.sd_db, "range_db": energy.range_db,
            "snr_db": energy.snr_db, "fade_db": energy.fade.drop if energy.fade else None}


def energy_document(energy: VocalEnergy | None) -> dict | None:
    """The ``energy`` object of analysis.json: the loudness timeline (``None`` where it was not measured)."""
    if energy is None or not energy.measured:
        return None
    return {"reference_db": energy.median_db,
            "timeline": [{"start": w.start, "end": w.end, "db": w.db} for w in energy.timeline],
            "fade": None if energy.fade is None else {
                "start": energy.fade.start, "end": energy.fade.end, "reference_db": energy.fade.reference_db,
                "tail_db": energy.fade.tail_db, "drop_db": energy.fade.drop}}
