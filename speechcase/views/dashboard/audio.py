"""The recording behind a dashboard: found on disk and linked by a relative path, or embedded as MP3.

A linked file keeps the HTML small but must stay where it was relative to the
HTML; an embedded copy (``--embed-audio``) travels with the file. MP3 is used
because every browser plays it; 32 kbit/s mono at 16 kHz (the rate the
analysis decodes at) keeps speech clear at about 14 MB per hour.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from speechcase.analysis.audio import SAMPLE_RATE, check_input_file, load_audio
from speechcase.core.errors import NotAudio

MP3_BIT_RATE = 32_000
#: The embedded copy must be decodable by browsers, so the longest talk the analysis accepts is the limit.
MAX_EMBED_SECONDS = 3 * 3600.0


@dataclass(frozen=True)
class AudioLink:
    """How the dashboard's <audio> element gets the recording; both empty means no audio."""

    src: str | None = None  # a URL relative to the HTML file
    embedded: bytes | None = None  # MP3 bytes
    name: str = ""

    @property
    def available(self) -> bool:
        return bool(self.src or self.embedded)


def find_recording(source_path: str, near: list[Path]) -> Path | None:
    """The analysed recording: ``source.path`` as written (from here), under one of ``near``, or by name in one."""
    if not source_path:
        return None
    written = Path(source_path).expanduser()
    candidates = [written] if written.is_absolute() else [written, *(folder / written for folder in near)]
    candidates += [folder / written.name for folder in near]  # moved into the same folder as the output
    return next((c for c in candidates if c.is_file()), None)


def relative_url(target: Path, html_file: Path) -> str:
    """A URL for ``target`` relative to the folder of ``html_file`` (a file: URL across Windows drives)."""
    try:
        rel = os.path.relpath(target.resolve(), html_file.resolve().parent)
    except ValueError:
        return target.resolve().as_uri()
    return quote(Path(rel).as_posix(), safe="/")


def link_recording(recording: Path | None, html_file: Path, embed: bool) -> AudioLink:
    if recording is None:
        return AudioLink()
    if embed:
        return AudioLink(embedded=encode_mp3(recording), name=recording.name)
    return AudioLink(src=relative_url(recording, html_file), name=recording.name)


def encode_mp3(path: Path) -> bytes:
    """Decode ``path`` (anything the analysis accepts) and encode it as mono MP3 for embedding."""
    import av
    import numpy as np

    check_input_file(path)
    samples = load_audio(path, MAX_EMBED_SECONDS).samples.astype(np.float32)
    out = io.BytesIO()
    try:
        with av.open(out, "w", format="mp3") as container:
            stream = container.add_stream("libmp3lame", rate=SAMPLE_RATE, layout="mono")
            stream.bit_rate = MP3_BIT_RATE
            chunk, pts = 1152 * 32, 0
            for begin in range(0, len(samples), chunk):
                frame = av.AudioFrame.from_ndarray(samples[None, begin:begin + chunk], format="fltp", layout="mono")
                frame.sample_rate, frame.pts = SAMPLE_RATE, pts
                pts += frame.samples
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))
    except av.FFmpegError as exc:  # pragma: no cover - an FFmpeg build without an MP3 encoder
        raise NotAudio(f"Cannot encode {path.name} as MP3 for embedding ({exc}); leave out --embed-audio.") from exc
    return out.getvalue()
