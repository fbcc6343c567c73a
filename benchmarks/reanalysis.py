"""Time re-analysis of a saved 15-minute transcript with each framework (no audio, no Whisper).

A coach re-runs a candidate's talk with another framework; it must feel instant
(< 2 s for a 15-minute talk). The long transcript is built by laying the
committed samples' transcripts end to end, so no hour of audio is needed.

    python benchmarks/reanalysis.py                 # 15 minutes, every built-in framework
    python benchmarks/reanalysis.py --minutes 60

Each run is timed as a user would make it (``speechcase analyze
transcript.json --framework NAME`` in a new process, interpreter start
included). The first analysis parses the transcript with spaCy and embeds its
sentences, as ``speechcase analyze`` on the audio does; re-analyses reuse both
from the cache.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from speechcase.analysis.frameworks import builtin_names  # noqa: E402
from speechcase.analysis.pipeline import AnalyzeOptions, transcribe_file  # noqa: E402
from speechcase.core.files import write_json_atomic  # noqa: E402
from speechcase.core.types import Interval, Prosody, Transcript, Word  # noqa: E402

SAMPLES = ["structured_churn", "rambling_delivery", "short_deep_dive"]


def long_transcript(parts: list[Transcript], minutes: float, gap: float = 2.0) -> Transcript:
    """Lay ``parts`` end to end (cycling) until the talk lasts ``minutes``; times, speech, pitch and loudness shift
    along."""
    words: list[Word] = []
    speech: list[Interval] = []
    f0: list[float | None] = []
    level: list[float | None] = []
    hop = parts[0].prosody.hop if parts[0].prosody else 0.04
    offset, k = 0.0, 0
    while offset < minutes * 60:
        part = parts[k % len(parts)]
        words += [replace(w, start=w.start + offset, end=w.end + offset) for w in part.words]
        speech += [Interval(s.start + offset, s.end + offset) for s in part.speech or []]
        track = part.prosody.f0 if part.prosody else []
        gap_frames = round(offset / hop) - len(f0)
        f0 += [None] * gap_frames + list(track)
        level += [None] * gap_frames + list(part.prosody.level or [None] * len(track) if part.prosody else [])
        offset += part.source.duration + gap
        k += 1
    first = parts[0]
    noise = first.prosody.noise if first.prosody else None
    return replace(first, source=replace(first.source, path="long-talk.flac", duration=offset - gap),
                   words=words, speech=speech, prosody=Prosody(hop, f0, level=level, noise=noise))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=15.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        parts = [transcribe_file(ROOT / "sample_audio" / f"{name}.flac", AnalyzeOptions(cache_dir=tmp / "build"))[0]
                 for name in SAMPLES]
        talk = long_transcript(parts, args.minutes)
        saved = tmp / "transcript.json"
        write_json_atomic(saved, talk.to_dict())
        print(f"{len(talk.words)} words, {talk.source.duration / 60:.1f} minutes\n")
        cache = tmp / "cache"

        def timed(framework: str) -> float:
            began = time.perf_counter()
            subprocess.run([sys.executable, "-m", "speechcase.interfaces.cli.main", "analyze", str(saved), "--framework", framework,
                            "--cache-dir", str(cache), "-o", str(tmp / framework), "-q",
                            "--store", str(tmp / "history.sqlite3")],  # a scratch store, never the user's
                           check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
            return time.perf_counter() - began

        print(f"First analysis of the transcript (spaCy parse, sentence embeddings): {timed('case-study'):.2f} s\n")
        print("| re-analysis with | wall time (new process) |")
        print("|---|---|")
        for name in builtin_names():
            print(f"| {name} | {timed(name):.2f} s |")

if __name__ == "__main__":
    main()
