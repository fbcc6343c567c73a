"""Prosody stage: a pitch track of the speech, measured once from the audio.

Pitch every 40 ms with the YIN estimator (de Cheveigne and Kawahara, 2002)
over 160 ms frames, written here in numpy: the difference function from the
frame's autocorrelation, its cumulative-mean normalisation, the first dip under
0.1 (else the deepest) refined by parabolic interpolation. It gives the same
values as ``librosa.yin`` (a test compares them) without importing librosa and
numba, which cost two seconds of start-up on a 2-core CPU; only SciPy's FFT is
imported (0.2 s of CPU, once per process), which transforms many frames at once
about 2.5 times as fast as numpy's.
(``librosa.pyin`` is the textbook choice, but it took 40 s for a 2-minute talk.)
Voicing comes from the VAD regions plus an energy gate, and octave jumps are
removed against a running median. The track is stored in the transcript, so
vocal variety is also measured when a saved transcript is re-analysed without
its audio.

Loudness comes with it at no extra pass: the energy gate already needs the RMS
of every frame, so its level in dB inside the speech regions is stored beside
the pitch, with the level of the background (the frames well outside speech),
from which the signals stage judges whether the recording is too noisy for a
verdict on vocal energy.

Telephone audio (recorded at 8 kHz or with nothing above 3.6 kHz) gets no
track: pitch estimates there are unreliable, and the gain control of phone
lines evens out loudness, so neither monotone nor fading verdicts are given.
"""
from __future__ import annotations

import numpy as np

from speechcase.analysis.audio import Audio
from speechcase.core.types import Interval, Prosody

HOP = 0.04
FMIN, FMAX = 65.0, 400.0
TELEPHONE_CUTOFF_HZ = 3600.0
BLOCK_FRAMES = 1500  # 60 s of frames per block: memory stays flat however long the talk
YIN_FRAMES = 250  # frames per YIN call: its spectra and difference functions stay under 50 MB
#: Loudness of digital silence (an RMS of 0) in dB full scale, instead of minus infinity; quieter than any
#: real recording's background (16-bit audio bottoms out near -96 dB).
FLOOR_DB = -100.0
#: Frames this close to speech (160 ms, one RMS frame) still hear it, so the background is measured further out.
NOISE_MARGIN_FRAMES = 4
#: The background level needs at least this many frames (1 s) outside speech; a recording cut tight has none.
MIN_NOISE_FRAMES = 25


def is_telephone_band(audio: Audio, speech: list[Interval]) -> bool:
    """True for 8 kHz recordings, or when the speech has (almost) no energy above 3.6 kHz."""
    if audio.source_rate <= 8000:
        return True
    sr = audio.sample_rate
    pieces = [audio.samples[int(r.start * sr):int(r.end * sr)] for r in speech[:50]]
    voiced = np.concatenate(pieces) if pieces else audio.samples
    if voiced.size < sr:
        return False
    spectrum = np.abs(np.fft.rfft(voiced[: sr * 30])) ** 2
    freqs = np.fft.rfftfreq(min(voiced.size, sr * 30), 1 / sr)
    return float(spectrum[freqs > TELEPHONE_CUTOFF_HZ].sum() / max(spectrum.sum(), 1e-12)) < 1e-4


def pitch_frames(audio: Audio) -> tuple[np.ndarray, np.ndarray]:
    """The YIN pitch (Hz) and the RMS of every ``HOP`` frame of the whole recording.

    Each frame's values depend on its own samples only, so they can be computed before the speech regions are
    known: the pipeline runs this beside the voice-activity pass, on the core that pass leaves idle, instead of
    beside Whisper, which uses both. It costs a quarter more than the speech frames alone (the pauses).
    """
    return _yin_and_rms(audio.samples, audio.sample_rate)


def pitch_track(audio: Audio, speech: list[Interval],
                frames: tuple[np.ndarray, np.ndarray] | None = None) -> Prosody:
    """Pitch in Hz every ``HOP`` seconds (``None`` where unvoiced), or an empty telephone-band track.

    Args:
        audio: The recording.
        speech: Its speech regions; pitch is kept inside them only.
        frames: :func:`pitch_frames` of ``audio`` when already computed; otherwise only the frames inside
            ``speech`` are measured here (the same values).
    """
    if is_telephone_band(audio, speech):
        return Prosody(HOP, [], telephone=True)
    times = np.arange(1 + audio.samples.size // int(HOP * audio.sample_rate)) * HOP
    in_speech = np.zeros(times.size, dtype=bool)
    firsts = np.searchsorted(times, [r.start for r in speech])
    lasts = np.searchsorted(times, [r.end for r in speech])
    for first, last in zip(firsts, lasts):
        in_speech[first:last] = True
    f0, rms = frames if frames is not None else _yin_and_rms(audio.samples, audio.sample_rate, in_speech)
    loud = rms > np.percentile(rms[in_speech], 30) if in_speech.any() else np.zeros_like(in_speech)
    voiced = in_speech & loud & (f0 > FMIN * 1.05) & (f0 < FMAX * 0.95)
    semis = 12 * np.log2(np.where(voiced, f0, np.nan) / FMIN)
    local = _running_median(semis, 7)
    voiced &= np.abs(semis - local) < 4  # octave errors and glitches
    level, noise = _loudness(rms, in_speech)
    return Prosody(HOP, [round(float(v), 1) if ok else None for v, ok in zip(f0, voiced)], telephone=False,
                   level=level, noise=noise)


def _loudness(rms: np.ndarray, in_speech: np.ndarray) -> tuple[list[float | None], float | None]:
    """Level in dB full scale of each frame inside speech (``None`` outside), and the background's level: the
    median of the frames at least ``NOISE_MARGIN_FRAMES`` away from speech, when there are enough of them."""
    db = np.round(20 * np.log10(np.maximum(rms.astype(np.float64), 10 ** (FLOOR_DB / 20))), 1)  # float64: "-23.3",
    # not float32's "-23.299999237060547" (three times the bytes in transcript.json)
    near = np.convolve(in_speech, np.ones(2 * NOISE_MARGIN_FRAMES + 1), mode="same") > 0
    quiet = db[~near]
    noise = round(float(np.median(quiet)), 1) if quiet.size >= MIN_NOISE_FRAMES else None
    return [float(v) if inside else None for v, inside in zip(db.tolist(), in_speech.tolist())], noise


def _yin_and_rms(samples: np.ndarray, sr: int, wanted: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pitch and loudness per ``HOP`` frame of ``4 * HOP`` seconds, centred on the frame times (zeros beyond the
    ends). Pitch is computed block by block (framing an hour at once would copy it four times over, about
    1 GB), and only for the ``wanted`` frames (the others are NaN): the speech, where it is used."""
    hop = int(HOP * sr)
    frame = 4 * hop
    n_frames = 1 + samples.size // hop
    f0 = np.full(n_frames, np.nan)
    for first in range(0, n_frames, BLOCK_FRAMES):
        count = min(BLOCK_FRAMES, n_frames - first)
        rows = np.arange(count) if wanted is None else np.flatnonzero(wanted[first:first + count])
        if rows.size:
            block = _centred(samples, first * hop - frame // 2, (first + count - 1) * hop + frame // 2)
            frames = np.lib.stride_tricks.sliding_window_view(block, frame)[::hop]
            for part in range(0, rows.size, YIN_FRAMES):  # YIN's spectra take 20 times the frames' memory
                some = rows[part:part + YIN_FRAMES]
                f0[first + some] = yin(frames[some], sr, FMIN, FMAX)
    return f0, frame_rms(samples, hop, frame)


def yin(frames: np.ndarray, sr: int, fmin: float, fmax: float, threshold: float = 0.1) -> np.ndarray:
    """The YIN pitch estimate (Hz) of each row of ``frames``.

    Args:
        frames: ``[n, length]`` audio frames.
        sr: Sample rate.
        fmin, fmax: The pitch range searched.
        threshold: The first dip of the normalised difference under this value is the period; where there is
            none, the deepest dip.
    """
    from scipy import fft  # many short transforms at once: about 2.5x numpy.fft's speed (SIMD across frames)

    length = frames.shape[1]
    min_period = int(np.floor(sr / fmax))
    max_period = min(int(np.ceil(sr / fmin)), length - 1)
    n_fft = _fast_length(length + max_period)  # long enough that lags up to max_period do not wrap around
    spectrum = fft.rfft(frames, n=n_fft, axis=1)
    # the power spectrum is real and even, so its inverse transform (the autocorrelation) is a DCT-I of half the
    # length: a third less time than irfft, and the same values times n_fft
    acf = fft.dct(spectrum.real ** 2 + spectrum.imag ** 2, type=1, axis=1)[:, :max_period + 1] / n_fft
    energy = np.cumsum(frames[:, :max_period].astype(np.float64) ** 2, axis=1)  # only these lags are used
    lags = np.arange(1, max_period + 1)
    diff = 2 * (acf[:, :1] - acf[:, 1:]) - energy  # the difference function d(tau), tau = 1..max_period
    mean = np.cumsum(diff, axis=1) / lags
    norm = diff[:, min_period - 1:] / (mean[:, min_period - 1:] + np.finfo(np.float64).tiny)
    left, mid, right = norm[:, :-2], norm[:, 1:-1], norm[:, 2:]
    curve, slope = left + right - 2 * mid, (right - left) / 2
    shifts = np.zeros_like(norm)
    with np.errstate(divide="ignore", invalid="ignore"):
        shifts[:, 1:-1] = np.where(np.abs(slope) >= np.abs(curve), 0.0, -slope / curve)
    trough = np.zeros_like(norm, dtype=bool)
    trough[:, 1:-1] = (mid < left) & (mid <= right)
    trough[:, 0] = norm[:, 0] < norm[:, 1]
    trough[:, -1] = norm[:, -1] < norm[:, -2]
    below = trough & (norm < threshold)
    index = np.where(below.any(axis=1), below.argmax(axis=1), norm.argmin(axis=1))
    rows = np.arange(norm.shape[0])
    return sr / (min_period + index + shifts[rows, index])


def _fast_length(n: int) -> int:
    """The smallest length of at least ``n`` whose only prime factors are 2, 3 and 5 (a fast FFT size)."""
    best = 1 << (n - 1).bit_length()
    five = 1
    while five < best:
        three = five
        while three < best:
            two = three
            while two < n:
                two *= 2
            best = min(best, two)
            three *= 3
        five *= 5
    return best


def frame_rms(samples: np.ndarray, hop: int, frame: int) -> np.ndarray:
    """RMS of ``frame`` samples centred on every ``hop`` (zeros beyond the ends), from the energy of each
    ``hop // 4`` samples: no framed copy of the audio."""
    step = hop // 4
    whole, chunk = samples.size // step * step, step * 4096  # a minute at a time: a float64 copy of an hour is 460 MB
    energy = np.concatenate([np.square(samples[first:min(first + chunk, whole)].astype(np.float64))
                             .reshape(-1, step).sum(axis=1) for first in range(0, whole, chunk)] or [np.zeros(0)])
    if samples.size % step:
        energy = np.append(energy, float(np.square(samples[energy.size * step:].astype(np.float64)).sum()))
    side = frame // 2 // step
    n_frames = 1 + samples.size // hop
    padded = np.concatenate([np.zeros(side), energy, np.zeros(side + 4 * n_frames - energy.size + 1)])
    total = np.concatenate([[0.0], np.cumsum(padded)])
    starts = np.arange(n_frames) * (hop // step)
    return np.sqrt((total[starts + 2 * side] - total[starts]) / frame)


def _centred(samples: np.ndarray, start: int, end: int) -> np.ndarray:
    """``samples[start:end]`` where indices before 0 or past the end read as zeros (``start`` < len)."""
    inside = samples[max(start, 0):end]
    if start >= 0 and end <= samples.size:
        return inside
    return np.pad(inside, (max(-start, 0), max(end - samples.size, 0)))


def _running_median(values: np.ndarray, width: int) -> np.ndarray:
    """Median of each value's neighbourhood, ignoring NaN."""
    half = width // 2
    padded = np.pad(values, half, constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, width)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmedian(windows, axis=1)
