"""Audio input stage: check the file, decode it once to 16 kHz mono float32.

Anything FFmpeg (through PyAV) can decode is accepted, including the audio track
of a video. Each way a file can be unusable raises its own
:class:`~speechcase.errors.SpeechcaseError`, so the CLI can say exactly what is
wrong and exit with a distinct code.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from speechcase.core.errors import InputEmpty, InputIsDirectory, InputMissing, NotAudio, TooLong, VideoWithoutAudio
from speechcase.core.formatting import format_duration

log = logging.getLogger("speechcase")

SAMPLE_RATE = 16_000
DEFAULT_MAX_DURATION = 3 * 3600.0


@dataclass(frozen=True)
class Audio:
    """Decoded samples plus the identity of the file they came from."""

    path: Path
    sha256: str
    samples: np.ndarray  # float32, mono, SAMPLE_RATE
    sample_rate: int = SAMPLE_RATE
    source_rate: int = SAMPLE_RATE  # the file's own rate: 8 kHz means telephone audio

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


def file_sha256(path: Path, chunk_size: int = 1 << 20) -> str:
    """Hash the file's bytes: the identity used by the transcript cache."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def check_input_file(path: Path) -> None:
    """Raise the matching error if ``path`` cannot be an input file at all."""
    if not path.exists():
        raise InputMissing(f"{path} does not exist; check the path (quote names with spaces).")
    if path.is_dir():
        raise InputIsDirectory(f"{path} is a folder; pass one audio or video file, e.g. {path}/talk.m4a.")
    if path.stat().st_size == 0:
        raise InputEmpty(f"{path} is empty (0 bytes); record or export the talk again.")


def load_audio(path: str | Path, max_duration: float = DEFAULT_MAX_DURATION) -> Audio:
    """Validate and decode ``path`` to 16 kHz mono float32.

    The container's declared duration is checked before decoding, so an
    over-long recording is refused without decoding hours of audio.
    """
    path = Path(path)
    check_input_file(path)
    with _open_audio(path) as container:
        stream = _audio_stream(container, path, max_duration)
        source_rate = int(stream.sample_rate or SAMPLE_RATE)
        declared = _declared_duration(container, stream)
        samples, damaged = _decode(container, stream, declared, max_duration, path)
    seconds = samples.size / SAMPLE_RATE
    if samples.size == 0 or (damaged and (seconds < 1.0 or (declared and seconds < 0.5 * declared))):
        raise NotAudio(f"{path.name} contains no decodable audio (the file is truncated or corrupt); "
                       "export the recording again.")
    if damaged:
        log.warning("Warning: %s is damaged after %s; analysing the part before that.", path.name,
                    format_duration(seconds))
    return Audio(path=path, sha256=file_sha256(path), samples=samples, source_rate=source_rate)


def probe_audio(path: str | Path, max_duration: float = DEFAULT_MAX_DURATION) -> float | None:
    """Check in a fraction of a second that ``path`` is a recording :func:`load_audio` will take: it opens,
    has an audio track whose first frame decodes, and does not declare more than ``max_duration``.

    Raises the same errors as :func:`load_audio` for those cases (a damaged file
    further in is only found by decoding it all). Returns the declared duration.
    """
    import av

    path = Path(path)
    check_input_file(path)
    with _open_audio(path) as container:
        stream = _audio_stream(container, path, max_duration)
        declared = _declared_duration(container, stream)
        try:
            decoded = next(iter(container.decode(stream)), None)
        except av.error.FFmpegError:
            decoded = None
        if decoded is None:
            raise _not_audio(path)
    return declared


def _not_audio(path: Path) -> NotAudio:
    return NotAudio(f"{path.name} could not be decoded as audio; pass a recording such as "
                    ".wav, .flac, .mp3, .m4a, .ogg/.opus, .webm or a video with sound.")


def _open_audio(path: Path):
    """The file opened by FFmpeg (a context manager), or :class:`NotAudio`."""
    import av  # imported here: PyAV loads FFmpeg, which is slow to import

    try:
        return av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise _not_audio(path) from exc


def _audio_stream(container, path: Path, max_duration: float):
    """The first audio stream, refusing a file without one and one that declares more than ``max_duration``."""
    if not container.streams.audio:
        if container.streams.video:
            raise VideoWithoutAudio(f"{path.name} is a video without an audio track; "
                                    "export it again with sound, or pass the audio file.")
        raise _not_audio(path)
    stream = container.streams.audio[0]
    declared = _declared_duration(container, stream)
    if declared is not None and declared > max_duration:
        raise _too_long(path, declared, max_duration)
    return stream


def _declared_duration(container, stream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000  # av.time_base is microseconds
    return None


def _too_long(path: Path, seconds: float, limit: float) -> TooLong:
    return TooLong(f"{path.name} is {format_duration(seconds)} long, over the {format_duration(limit)} limit; "
                   "trim it or raise the limit with --max-duration.")


def _decode(container, stream, declared: float | None, max_duration: float,
            path: Path) -> tuple[np.ndarray, bool]:
    """Decode and resample, stopping early (with an error) past ``max_duration``.

    ``declared`` (the container's duration, if it states one) sizes the buffer.
    Returns the samples and whether decoding broke off on damaged data.
    """
    import av

    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    limit = int(max_duration * SAMPLE_RATE)
    samples = _Samples(int(declared * SAMPLE_RATE) + SAMPLE_RATE if declared else 60 * SAMPLE_RATE)

    def take(frames) -> None:
        for out in frames:
            samples.append(out.to_ndarray().reshape(-1))

    damaged = False
    try:
        for frame in container.decode(stream):
            frame.pts = None  # let the resampler re-time; avoids errors on odd timestamps
            take(resampler.resample(frame))
            if samples.size > limit:
                raise _too_long(path, samples.size / SAMPLE_RATE, max_duration)
        take(resampler.resample(None))
    except av.error.FFmpegError:
        damaged = True  # keep what decoded cleanly; the caller decides if it is enough
    return samples.array(), damaged


class _Samples:
    """A float32 buffer that grows by doubling, sized up front from the declared duration.

    Collecting thousands of small frames and joining them at the end held the
    audio twice (about 460 MB for an hour), and the freed frames were not given
    back to the system.
    """

    def __init__(self, capacity: int) -> None:
        self._buffer = np.empty(max(capacity, 1), dtype=np.float32)
        self.size = 0

    def append(self, values: np.ndarray) -> None:
        end = self.size + values.size
        if end > self._buffer.size:
            grown = np.empty(max(end, 2 * self._buffer.size), dtype=np.float32)
            grown[:self.size] = self._buffer[:self.size]
            self._buffer = grown
        self._buffer[self.size:end] = values
        self.size = end

    def array(self) -> np.ndarray:
        """The samples; the unused tail of the buffer is released when it is large."""
        if self._buffer.size - self.size > SAMPLE_RATE * 60:
            return self._buffer[:self.size].copy()
        return self._buffer[:self.size]
