"""Voice activity: where in the recording someone is speaking.

Silero VAD (the ONNX model shipped inside faster-whisper, run on every core by
:mod:`speechcase.analysis.silero`) runs once per recording: :func:`speech_activity` keeps its speech probability for every 32 ms
window, and every voice-activity decision reads those probabilities. With fine
settings they give the speech regions (silences down to a quarter second
survive), which refuse silent or too-short input and measure pauses; with
faster-whisper's own settings they give Whisper's packing of speech into 30 s
windows (:func:`reused_by_whisper`), so Whisper never runs Silero a second time.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from speechcase.analysis.audio import Audio
from speechcase.analysis.silero import WINDOW, speech_probabilities
from speechcase.core.errors import NoSpeech, TooShort
from speechcase.core.types import Interval

#: Silero settings for measuring speech. No padding and a short minimum
#: silence keep pause edges within one 32 ms frame of the truth.
FINE_VAD = {"threshold": 0.5, "min_silence_duration_ms": 150, "speech_pad_ms": 0,
            "min_speech_duration_ms": 60}
#: A quiet file (peak under this, about -60 dBFS) is treated as silence outright.
SILENT_PEAK = 1e-3
MIN_SPEECH_SECONDS = 5.0



@dataclass(frozen=True)
class SpeechActivity:
    """Silero's speech probabilities for a recording, computed once, block by block.

    ``edges`` are the sample indices where the blocks start (and, last, where the recording ends): the blocks
    Whisper decodes one after the other (:func:`whisper_blocks`), so the probabilities of a block are exactly
    what faster-whisper would compute for it. ``silent`` marks a recording quiet enough to be silence outright.
    """

    edges: list[int]
    probabilities: list[np.ndarray]
    silent: bool = False

    def blocks(self) -> Iterator[tuple[int, int, np.ndarray]]:
        """``(first sample, end sample, probabilities)`` of each block."""
        yield from zip(self.edges, self.edges[1:], self.probabilities)


def speech_activity(audio: Audio, block_seconds: float, threads: int = 0) -> SpeechActivity:
    """Run Silero once over ``audio``, in the blocks of :func:`whisper_blocks` (memory stays flat: its copy of
    the audio is one block's, a few tens of MB, where an hour at once costs about 600 MB).

    Args:
        audio: The recording.
        block_seconds: The length of Whisper's blocks.
        threads: Threads Silero's encoder may use; 0: every core, up to 4 (a batch worker that shares the machine
            passes its Whisper threads).
    """
    edges = whisper_blocks(audio.samples, audio.sample_rate, block_seconds)
    if audio.samples.size == 0 or max(float(audio.samples.max()), -float(audio.samples.min())) < SILENT_PEAK:
        return SpeechActivity(edges, [np.zeros(0, dtype=np.float32) for _ in edges[1:]], silent=True)
    return SpeechActivity(edges, [silero_probabilities(audio.samples[first:last], threads)
                                  for first, last in zip(edges, edges[1:])])


def silero_probabilities(samples: np.ndarray, threads: int = 0) -> np.ndarray:
    """Silero's speech probability for each window of ``samples``, padded as faster-whisper pads them (the
    same numbers as its own pass, on ``threads`` cores, 0 for all: :mod:`speechcase.analysis.silero`)."""
    padded = np.pad(samples, (0, WINDOW - samples.size % WINDOW))
    return speech_probabilities(padded, threads)


def speech_regions(audio: Audio, block_seconds: float = 600.0,
                   activity: SpeechActivity | None = None) -> list[Interval]:
    """The spans where Silero hears speech, in seconds, with the fine settings of :data:`FINE_VAD`.

    Args:
        audio: The recording.
        block_seconds: Blocks Silero runs over when ``activity`` is not given.
        activity: Silero's probabilities, when already computed (:func:`speech_activity`).
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    activity = activity or speech_activity(audio, block_seconds)
    if activity.silent:
        return []
    sr = audio.sample_rate
    join = FINE_VAD["min_silence_duration_ms"] / 1000
    regions: list[Interval] = []
    for first, last, probabilities in activity.blocks():
        with reused_by_whisper(probabilities):
            found = get_speech_timestamps(audio.samples[first:last], VadOptions(**FINE_VAD), sampling_rate=sr)
        for s in found:
            region = Interval((first + s["start"]) / sr, (first + s["end"]) / sr)
            if regions and region.start - regions[-1].end < join:
                regions[-1] = Interval(regions[-1].start, region.end)
            else:
                regions.append(region)
    return regions


_reused = threading.local()
_install = threading.Lock()


class _ReusedModel:
    """Stands in for faster-whisper's Silero model: answers with probabilities computed earlier."""

    def __init__(self, probabilities: np.ndarray):
        self.probabilities = probabilities

    def __call__(self, audio: np.ndarray, *args, **kwargs) -> np.ndarray:
        if audio.size // WINDOW != len(self.probabilities):
            raise ValueError("speech probabilities of another stretch of audio")
        return self.probabilities


@contextmanager
def reused_by_whisper(probabilities: np.ndarray) -> Iterator[None]:
    """Within this block, on this thread, faster-whisper's voice-activity detection reads ``probabilities``
    instead of running Silero again. Its own settings (padding, minimum silence, windows of at most 30 s) still
    decide what it decodes, so the result is the same as its own pass, for half the work."""
    import faster_whisper.vad as fw_vad

    with _install:
        if not hasattr(fw_vad.get_vad_model, "original"):
            original = fw_vad.get_vad_model

            def get_vad_model():
                reused = getattr(_reused, "model", None)
                return reused if reused is not None else original()

            get_vad_model.original = original  # type: ignore[attr-defined]
            fw_vad.get_vad_model = get_vad_model
    previous = getattr(_reused, "model", None)
    _reused.model = _ReusedModel(probabilities)
    try:
        yield
    finally:
        _reused.model = previous


def require_speech(audio: Audio, regions: list[Interval], min_speech: float = MIN_SPEECH_SECONDS) -> None:
    """Refuse recordings with no speech, or with too little to analyse."""
    spoken = sum(r.duration for r in regions)
    if spoken < 0.5:
        raise NoSpeech(f"No speech was detected in {audio.path.name} (only silence or noise); "
                       "check the microphone and that the right file was chosen.")
    if spoken < min_speech:
        raise TooShort(f"{audio.path.name} has only {spoken:.1f} s of speech; record at least "
                       f"{min_speech:.0f} s of the talk.")


def silences(speech: list[Interval], start: float, end: float) -> list[Interval]:
    """The gaps between speech regions, clipped to ``[start, end]``."""
    gaps = []
    cursor = start
    for region in speech:
        if region.start > cursor:
            gaps.append(Interval(cursor, min(region.start, end)))
        cursor = max(cursor, region.end)
        if cursor >= end:
            break
    if cursor < end:
        gaps.append(Interval(cursor, end))
    return [g for g in gaps if g.end > g.start]


def whisper_chunks(speech: list[Interval], duration: float, pad: float = 0.2,
                   merge_gap: float = 0.3) -> list[Interval]:
    """Widen and merge speech regions into the chunks Whisper decodes.

    Padding keeps word onsets and "um"s at region edges; merging short gaps
    avoids feeding Whisper many tiny fragments. Pauses are measured from the
    fine regions, so nothing here can swallow them.
    """
    chunks: list[Interval] = []
    for region in speech:
        start, end = max(0.0, region.start - pad), min(duration, region.end + pad)
        if chunks and start - chunks[-1].end <= merge_gap:
            chunks[-1] = Interval(chunks[-1].start, max(chunks[-1].end, end))
        else:
            chunks.append(Interval(start, end))
    return chunks


#: Long recordings are handed to Whisper in blocks of about this many seconds, so that the voice-activity
#: pass and Whisper's packed copy of the speech never hold a whole hour at once (about 600 MB on 60 minutes).
WHISPER_BLOCK_SECONDS = 600.0


def whisper_blocks(samples: np.ndarray, sample_rate: int, block_seconds: float = WHISPER_BLOCK_SECONDS) -> list[int]:
    """Where the blocks of a recording start, and (last) where it ends: cut at :func:`quiet_cuts`."""
    return [0, *quiet_cuts(samples, sample_rate, block_seconds), samples.size]


def quiet_cuts(samples, sample_rate: int, block_seconds: float = WHISPER_BLOCK_SECONDS,
               search_seconds: float = 30.0, window_seconds: float = 0.5) -> list[int]:
    """Sample indices where a long recording can be cut without cutting a word.

    Near every ``block_seconds`` mark, the cut goes in the middle of the
    quietest ``window_seconds`` within ``search_seconds`` (at most a quarter
    block) either side: in a talk that is a pause between phrases. Needs no
    voice-activity model, so it can run before Whisper starts. A recording
    shorter than 1.5 blocks is not cut.
    """
    block = int(block_seconds * sample_rate)
    search = int(min(search_seconds, block_seconds / 4) * sample_rate)
    hop, width = max(1, sample_rate // 100), max(1, int(window_seconds * 100))
    cuts: list[int] = []
    target = block
    while target + block // 2 < samples.size:
        lo, hi = target - search, min(target + search, samples.size)
        frames = samples[lo:lo + (hi - lo) // hop * hop].reshape(-1, hop).astype(np.float64)
        energy = np.convolve((frames ** 2).mean(axis=1), np.ones(width) / width, mode="valid")
        cuts.append(lo + (int(energy.argmin()) + width // 2) * hop)
        target = cuts[-1] + block
    return cuts
