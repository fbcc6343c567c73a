"""Steady voiced stretches: where a filled pause Whisper dropped may be.

An "uh" is one held central vowel and an "um" the same vowel closing into a
hummed nasal: voiced throughout, with a steady pitch and a spectrum that hardly
changes for a few hundred milliseconds. Words rarely hold still that long;
their sounds change every 50-100 ms. This stage finds such stretches in the
audio once, at transcription time, and stores each with the measurements that
describe it, so that the signals stage can decide which ones are filled pauses
(``signals/recovery.py``, thresholds in ``data/thresholds.toml``) even when a
saved transcript is re-analysed without its audio.

Every 10 ms, over 40 ms frames inside the voice-activity regions:
periodicity and pitch from the normalised autocorrelation, loudness, spectral
change (the mean change of a 30-band log-mel spectrum over 40 ms, in dB), and
the share of energy below 400 Hz, which is high in a nasal hum (closed lips
leave only the low murmur) and low in an open vowel.
"""
from __future__ import annotations

import functools

import numpy as np

from speechcase.analysis.audio import Audio
from speechcase.core.types import Interval, VoicedStretch

SR = 16_000
HOP = 160  # 10 ms
FRAME = 640  # 40 ms
NFFT = 1024  # autocorrelation lags up to NFFT - FRAME = 384 are exact; the lowest pitch needs 246
LAG_MIN, LAG_MAX = SR // 400, SR // 65  # pitch between 65 and 400 Hz

#: Frame rules for what is stored; decisions are made later with data/thresholds.toml.
MIN_PERIODICITY = 0.5  # normalised autocorrelation at the pitch period: voiced
MAX_FRAME_FLUX = 8.0  # dB of spectral change over 40 ms: steady (a vowel transition is 15-70)
QUIET_DB = 30.0  # frames this far below loud speech are not counted as voiced
NASAL_SHARE = 0.6  # share of 80-4000 Hz energy below 400 Hz in a nasal hum
MIN_CORE_FRAMES = 5  # 50 ms of steady frames start a stretch
BRIDGE_FRAMES = 12  # a vowel may close into a nasal within 120 ms ("u-m"; the 40 ms flux blurs the edge)
EDGE_FRAMES = 3  # voiced frames around a steady core belong to the stretch (onset and release)
MIN_STORED = 0.10  # shorter stretches are not stored
ISLAND_BRIDGE = 4  # dips under 40 ms (a stop closure) do not end the stretch of sound around a stretch
CHUNK_SECONDS = 30.0
PAD = 0.1


def voiced_stretches(audio: Audio, speech: list[Interval]) -> list[VoicedStretch]:
    """Every steady voiced stretch of at least ``MIN_STORED`` seconds inside ``speech``, in time order."""
    if audio.sample_rate != SR or not speech:
        return []
    pieces = []
    for start, end in _chunks(speech, audio.duration):
        y = audio.samples[int(start * SR):int(end * SR)]
        if y.size >= FRAME:
            pieces.append((start, *_frame_features(y)))
    if not pieces:
        return []
    reference = float(np.percentile(np.concatenate([p[3] for p in pieces]), 90))  # loud speech, dB
    reference_full = float(np.percentile(np.concatenate([p[6] for p in pieces]), 90))
    found: list[VoicedStretch] = []
    for start, f0, periodicity, level, flux, low, loudness in pieces:
        for s in _stretches(start, f0, periodicity, level - reference, flux, low, loudness - reference_full):
            if found and s.start < found[-1].end:  # seen twice where chunks overlap: keep the fuller one
                if s.end - s.start > found[-1].end - found[-1].start:
                    found[-1] = s
            else:
                found.append(s)
    return found


def _chunks(speech: list[Interval], duration: float) -> list[tuple[float, float]]:
    """Speech regions, padded, merged and cut into pieces of at most ``CHUNK_SECONDS`` (bounded memory)."""
    merged: list[list[float]] = []
    for r in speech:
        start, end = max(0.0, r.start - PAD), min(duration, r.end + PAD)
        if merged and start <= merged[-1][1] and end - merged[-1][0] <= CHUNK_SECONDS:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out = []
    for start, end in merged:
        while end - start > CHUNK_SECONDS:
            out.append((start, start + CHUNK_SECONDS))
            start += CHUNK_SECONDS - 1.0  # overlap, so no stretch is cut in two without a whole copy
        out.append((start, end))
    return out


_WINDOW = np.hanning(FRAME).astype(np.float32)
_WINDOW_AC = np.fft.irfft(np.abs(np.fft.rfft(_WINDOW, NFFT)) ** 2)


def _frame_features(y: np.ndarray):
    """Per 10 ms frame: pitch (Hz), periodicity, voice-band level (dB), spectral change (dB), low-band
    share, and full-band level (dB, which also hears fricatives such as "s").

    One frame per row: SciPy's FFT then transforms several frames at once with SIMD instructions, about 2.5
    times numpy.fft's speed on the same float32 data."""
    from scipy import fft

    frames = np.lib.stride_tricks.sliding_window_view(np.pad(y.astype(np.float32), FRAME // 2), FRAME)[::HOP]
    spectrum = fft.rfft(frames * _WINDOW, n=NFFT, axis=1)
    power = spectrum.real ** 2 + spectrum.imag ** 2
    ac = fft.dct(power, type=1, axis=1)[:, :LAG_MAX + 1]  # = NFFT * irfft(power): the power spectrum is real
    # and even, so its inverse transform is a DCT-I of half the length (a third less time); the scale cancels below
    lags = slice(LAG_MIN, LAG_MAX + 1)
    norm = ac[:, lags] / np.maximum(ac[:, :1], 1e-12) / (_WINDOW_AC[lags] / _WINDOW_AC[0])
    best = norm.argmax(axis=1)
    periodicity = norm[np.arange(norm.shape[0]), best]
    f0 = SR / (best + LAG_MIN)
    hz80, hz400, hz4000 = (int(np.ceil(hz * NFFT / SR)) for hz in (80, 400, 4000))  # FFT bins
    low = power[:, hz80:hz400].sum(axis=1)
    total = low + power[:, hz400:hz4000].sum(axis=1)
    level = 10 * np.log10(total + 1e-10)
    loudness = 10 * np.log10(total + power[:, hz4000:].sum(axis=1) + 1e-10)
    low /= np.maximum(total, 1e-12)
    bank = _mel_bank_columns()
    mel = 10 * np.log10(power[:, :bank.shape[0]] @ bank + 1e-10)  # [frames, bands]
    flux = np.full(mel.shape[0], np.inf)
    if mel.shape[0] > 4:
        flux[2:-2] = np.sqrt(((mel[4:] - mel[:-4]) ** 2).mean(axis=1))
    return f0, periodicity, level, flux, low, loudness


@functools.lru_cache(maxsize=1)
def _mel_bank() -> np.ndarray:
    """30 triangular filters between 80 and 4000 Hz on the mel scale, each normalised to unit area (Slaney's
    mel scale and normalisation, as ``librosa.filters.mel`` makes them; a test compares the two)."""
    return mel_filters(SR, NFFT, 30, 80.0, 4000.0)


@functools.lru_cache(maxsize=1)
def _mel_bank_columns() -> np.ndarray:
    """:func:`_mel_bank` transposed for ``power @ bank``, cut after its last non-zero FFT bin (4 kHz): half the
    multiplications."""
    bank = _mel_bank()
    used = int(np.flatnonzero(bank.any(axis=0))[-1]) + 1
    return np.ascontiguousarray(bank[:, :used].T)


def mel_filters(sr: int, n_fft: int, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    """``[n_mels, n_fft // 2 + 1]`` triangular mel filters (Slaney's scale: linear below 1 kHz, logarithmic
    above), each scaled by 2 / its width in Hz so that every filter has the same area."""
    edges = _mel_to_hz(np.linspace(_hz_to_mel(fmin), _hz_to_mel(fmax), n_mels + 2))
    freqs = np.linspace(0, sr / 2, n_fft // 2 + 1)
    rising = (freqs[None, :] - edges[:-2, None]) / np.diff(edges)[:-1, None]
    falling = (edges[2:, None] - freqs[None, :]) / np.diff(edges)[1:, None]
    weights = np.maximum(0.0, np.minimum(rising, falling)) * (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return weights.astype(np.float32)


#: Slaney's mel scale: 3 mels per 200 Hz up to 1 kHz, then a constant ratio (6.4 over 27 mels).
_MEL_HZ, _MEL_KNEE_HZ, _MEL_LOG_STEP = 200.0 / 3, 1000.0, float(np.log(6.4) / 27.0)


def _hz_to_mel(hz: float) -> float:
    if hz < _MEL_KNEE_HZ:
        return hz / _MEL_HZ
    return _MEL_KNEE_HZ / _MEL_HZ + float(np.log(hz / _MEL_KNEE_HZ)) / _MEL_LOG_STEP


def _mel_to_hz(mels: np.ndarray) -> np.ndarray:
    knee = _MEL_KNEE_HZ / _MEL_HZ
    return np.where(mels < knee, mels * _MEL_HZ, _MEL_KNEE_HZ * np.exp(_MEL_LOG_STEP * (mels - knee)))


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open index ranges where ``mask`` is true."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def _stretches(offset: float, f0, periodicity, level, flux, low, loudness) -> list[VoicedStretch]:
    voiced = (periodicity >= MIN_PERIODICITY) & (level > -QUIET_DB)
    sound = _bridged(loudness > -QUIET_DB, ISLAND_BRIDGE)
    steady = voiced & (flux < MAX_FRAME_FLUX)
    nasal = low >= NASAL_SHARE
    cores: list[list[int]] = []  # [first, last, first frame of the nasal part or -1]
    for i, j in _runs(steady):
        if j - i < MIN_CORE_FRAMES:
            continue
        hum = nasal[i:j].mean() > 0.5
        if (cores and hum and cores[-1][2] < 0 and i - cores[-1][1] <= BRIDGE_FRAMES
                and not nasal[cores[-1][0]:cores[-1][1]].mean() > 0.5 and voiced[cores[-1][1]:i].mean() >= 0.5):
            cores[-1][1:] = [j, i]  # the vowel closes into a hum: one "um"
        else:
            cores.append([i, j, i if hum else -1])
    out = []
    n = f0.size
    for i, j, hum_from in cores:
        first, last = i, j
        while first > 0 and voiced[first - 1] and i - first < EDGE_FRAMES:
            first -= 1
        while last < n and voiced[last] and last - j < EDGE_FRAMES:
            last += 1
        if (last - first) * HOP / SR < MIN_STORED:
            continue
        core = np.arange(i, j)
        core = core[steady[core]]
        island_start, island_end = first, last
        while island_start > 0 and sound[island_start - 1]:
            island_start -= 1
        while island_end < n and sound[island_end]:
            island_end += 1
        out.append(VoicedStretch(
            start=round(offset + first * HOP / SR, 3), end=round(offset + last * HOP / SR, 3),
            steady=round(core.size * HOP / SR, 3),
            nasal=round(float(nasal[core].mean()), 2),
            hum=round(0.0 if hum_from < 0 else (j - hum_from) * HOP / SR, 3),
            pitch_spread=round(_pitch_spread(f0[core]), 2),
            flux=round(float(flux[core].mean()), 1),
            periodicity=round(float(periodicity[core].mean()), 2),
            level=round(float(level[core].mean()), 1),
            sound_start=round(offset + island_start * HOP / SR, 3),
            sound_end=round(offset + island_end * HOP / SR, 3)))
    return out


def _bridged(mask: np.ndarray, gap: int) -> np.ndarray:
    """``mask`` with false runs of at most ``gap`` frames between true frames filled in."""
    out = mask.copy()
    for i, j in _runs(~mask):
        if j - i <= gap and i > 0 and j < mask.size:
            out[i:j] = True
    return out


def _pitch_spread(f0: np.ndarray) -> float:
    """Robust pitch variation in semitones (interquartile range / 1.35), octave errors folded away."""
    semis = 12 * np.log2(f0 / np.median(f0))
    semis = (semis + 6) % 12 - 6  # a halved or doubled period is the same note
    q1, q3 = np.percentile(semis, [25, 75])
    return float((q3 - q1) / 1.35)
