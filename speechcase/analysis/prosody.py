"""Prosody stage: a pitch track of the speech, measured once from the audio.

librosa's ``yin`` estimates pitch every 40 ms; voicing comes from the VAD
regions plus an energy gate, and octave jumps are removed against a running
median. (``librosa.pyin`` is the textbook choice, but it took 40 s for a
2-minute talk on a 2-core CPU, a third of the whole transcription; ``yin``
took 0.3 s.) The track is stored in the transcript, so vocal variety is also
measured when a saved transcript is re-analysed without its audio.

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


def pitch_track(audio: Audio, speech: list[Interval]) -> Prosody:
    """Pitch in Hz every ``HOP`` seconds (``None`` where unvoiced), or an empty telephone-band track."""
    if is_telephone_band(audio, speech):
        return Prosody(HOP, [], telephone=True)
    import librosa

    f0, rms = _yin_and_rms(librosa, audio.samples, audio.sample_rate)
    times = np.arange(f0.size) * HOP
    in_speech = np.zeros(f0.size, dtype=bool)
    firsts = np.searchsorted(times, [r.start for r in speech])
    lasts = np.searchsorted(times, [r.end for r in speech])
    for first, last in zip(firsts, lasts):
        in_speech[first:last] = True
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


def _yin_and_rms(librosa, samples: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """Pitch and loudness per ``HOP`` frame, centred on the frame times, computed block by block.

    librosa frames the whole signal at once (a 4x-overlapping copy: about 1 GB
    for an hour), so blocks of ``BLOCK_FRAMES`` frames are framed in turn, each
    with half a frame of its neighbours' samples on either side (zeros beyond
    the ends, as ``center=True`` would pad).
    """
    hop = int(HOP * sr)
    frame = 4 * hop
    n_frames = 1 + samples.size // hop
    f0, rms = [], []
    for first in range(0, n_frames, BLOCK_FRAMES):
        count = min(BLOCK_FRAMES, n_frames - first)
        block = _centred(samples, first * hop - frame // 2, (first + count - 1) * hop + frame // 2)
        f0.append(librosa.yin(block, fmin=FMIN, fmax=FMAX, sr=sr, frame_length=frame, hop_length=hop,
                              center=False))
        rms.append(librosa.feature.rms(y=block, frame_length=frame, hop_length=hop, center=False)[0])
    return np.concatenate(f0)[:n_frames], np.concatenate(rms)[:n_frames]


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
