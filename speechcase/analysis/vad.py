"""Voice activity: where in the recording someone is speaking.

Runs Silero VAD (the ONNX model shipped inside faster-whisper) once per
recording with fine settings, so silences down to a quarter second survive.
The same regions serve three purposes: refusing silent or too-short input,
measuring pauses, and choosing which audio Whisper decodes.
"""
from __future__ import annotations

from speechcase.analysis.audio import Audio
from speechcase.core.errors import NoSpeech, TooShort
from speechcase.core.types import Interval

#: Silero settings for measuring speech. No padding and a short minimum
#: silence keep pause edges within one 32 ms frame of the truth.
FINE_VAD = {"threshold": 0.5, "min_silence_duration_ms": 150, "speech_pad_ms": 0,
            "min_speech_duration_ms": 60}
#: A quiet file (peak under this, about -60 dBFS) is treated as silence outright.
SILENT_PEAK = 1e-3
MIN_SPEECH_SECONDS = 5.0


#: Silero is run over blocks of this many seconds: over a whole hour at once its framed copy of the audio
#: costs about 600 MB; per block, a few tens. Regions that meet at a block edge are joined.
BLOCK_SECONDS = 300.0


def speech_regions(audio: Audio, block_seconds: float = BLOCK_SECONDS) -> list[Interval]:
    """Return the spans where Silero VAD hears speech, in seconds."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    if audio.samples.size == 0 or max(float(audio.samples.max()), -float(audio.samples.min())) < SILENT_PEAK:
        return []
    sr = audio.sample_rate
    step = int(block_seconds * sr)
    join = FINE_VAD["min_silence_duration_ms"] / 1000
    regions: list[Interval] = []
    for first in range(0, audio.samples.size, step):
        block = audio.samples[first:first + step]
        for s in get_speech_timestamps(block, VadOptions(**FINE_VAD), sampling_rate=sr):
            region = Interval((first + s["start"]) / sr, (first + s["end"]) / sr)
            if regions and region.start - regions[-1].end < join:
                regions[-1] = Interval(regions[-1].start, region.end)
            else:
                regions.append(region)
    return regions


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


#: Long recordings are handed to Whisper in blocks of about this many seconds, so that its own voice-activity
#: pass and its packed copy of the speech never hold a whole hour at once (about 600 MB on 60 minutes).
WHISPER_BLOCK_SECONDS = 600.0


def quiet_cuts(samples, sample_rate: int, block_seconds: float = WHISPER_BLOCK_SECONDS,
               search_seconds: float = 30.0, window_seconds: float = 0.5) -> list[int]:
    """Sample indices where a long recording can be cut without cutting a word.

    Near every ``block_seconds`` mark, the cut goes in the middle of the
    quietest ``window_seconds`` within ``search_seconds`` (at most a quarter
    block) either side: in a talk that is a pause between phrases. Needs no
    voice-activity model, so it can run before Whisper starts. A recording
    shorter than 1.5 blocks is not cut.
    """
    import numpy as np

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
