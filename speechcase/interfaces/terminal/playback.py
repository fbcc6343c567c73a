"""Playing one segment of a recording through whatever audio player the system has.

Nothing here is required: without a player (ffplay, paplay, aplay, afplay, or
``$SPEECHCASE_PLAYER``), or when the recording has moved or changed since it was
analysed, the review goes on without sound and says why. The segment is cut from
the decoded recording into a temporary 16 kHz WAV file, which every one of those
players reads, so no player needs to seek.
"""
from __future__ import annotations

import functools
import os
import shlex
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from speechcase.analysis.audio import Audio, file_sha256, load_audio
from speechcase.core.errors import SpeechcaseError
from speechcase.core.files import data_file

PLAYER_ENV = "SPEECHCASE_PLAYER"
#: Extra arguments that make a player play a file and exit, without a window.
_PLAYER_ARGS = {"ffplay": ["-nodisp", "-autoexit", "-loglevel", "error"], "aplay": ["-q"]}


@functools.lru_cache(maxsize=1)
def settings() -> dict:
    return data_file("review.toml")


def find_player() -> list[str] | None:
    """The command (without the file) that plays a WAV file here, or None when there is none."""
    if os.environ.get(PLAYER_ENV):
        command = shlex.split(os.environ[PLAYER_ENV])
        return command if command and shutil.which(command[0]) else None
    for name in settings()["playback"]["players"]:
        if found := shutil.which(name):
            return [found, *_PLAYER_ARGS.get(name, [])]
    return None


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    shortened: bool  # the flag was longer than max_seconds


def segment_for(start: float, end: float, duration: float) -> Segment:
    """The stretch to play for a flag: padded on both sides, at most ``max_seconds`` long."""
    conf = settings()["playback"]
    begin = max(0.0, start - conf["padding"])
    finish = min(duration, end + conf["padding"]) if end > start else min(duration, begin + 2 * conf["padding"] + 4)
    shortened = finish - begin > conf["max_seconds"]
    return Segment(begin, begin + conf["max_seconds"] if shortened else finish, shortened)


class Recording:
    """A run's recording, decoded once on first use; ``problem`` says why it cannot be played."""

    def __init__(self, path: str, sha256: str):
        self.path = Path(path).expanduser()
        self.sha256 = sha256
        self._audio: Audio | None = None
        self._problem: str | None = None
        self._checked = False

    @property
    def problem(self) -> str | None:
        if not self._checked:
            self._checked = True
            if not self.path.is_file():
                self._problem = f"the recording {self.path} is no longer there"
            elif file_sha256(self.path) != self.sha256:
                self._problem = f"the recording {self.path} has changed since this run was analysed"
        return self._problem

    def audio(self) -> Audio | None:
        if self.problem:
            return None
        if self._audio is None:
            try:
                self._audio = load_audio(self.path)
            except SpeechcaseError as exc:
                self._problem = f"the recording cannot be decoded ({exc})"
                return None
        return self._audio


def write_wav(audio: Audio, segment: Segment, path: Path) -> None:
    """Samples of ``segment`` as 16-bit mono WAV."""
    first, last = (int(round(t * audio.sample_rate)) for t in (segment.start, segment.end))
    pcm = (np.clip(audio.samples[first:last], -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(audio.sample_rate)
        out.writeframes(pcm.tobytes())


def play(player: list[str], audio: Audio, segment: Segment) -> str | None:
    """Play ``segment`` and wait for the player; returns a problem to show, or None. Ctrl-C stops only the sound."""
    with tempfile.TemporaryDirectory(prefix="speechcase-play-") as folder:
        wav = Path(folder) / "segment.wav"
        write_wav(audio, segment, wav)
        try:
            process = subprocess.Popen([*player, str(wav)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE)
        except OSError as exc:
            return f"{Path(player[0]).name} could not start ({exc.strerror})"
        try:
            _, err = process.communicate()
        except KeyboardInterrupt:
            process.terminate()
            process.wait()
            return None
        if process.returncode != 0:
            detail = err.decode(errors="replace").strip().splitlines()
            return f"{Path(player[0]).name} stopped with code {process.returncode}" + (
                f" ({detail[-1]})" if detail else "")
    return None
