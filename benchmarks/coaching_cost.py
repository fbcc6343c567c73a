"""What the coaching measures add to an analysis, per minute of talk: the loudness track at transcription time,
vocal energy, repeated phrases, long sentences and vocabulary at analysis time, and the bytes they add to
transcript.json and analysis.json.

    python benchmarks/coaching_cost.py                # a 60-minute talk
    python benchmarks/coaching_cost.py --minutes 15

The talk is the committed samples' transcripts laid end to end (``benchmarks/reanalysis.py``), their loudness
tracks included, so no hour of audio is transcribed; the loudness track itself is timed on the RMS frames of an
hour, which is all it adds to the pitch stage. Each measure is timed in this process as the median of 5 runs,
after one warm-up run (the first call of the repeated-phrase stage also reads wordfreq's list: timed apart).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from reanalysis import SAMPLES, long_transcript  # noqa: E402

from speechcase.analysis.config import default_thresholds  # noqa: E402
from speechcase.analysis.document import analysis_document  # noqa: E402
from speechcase.analysis.frameworks import load_framework  # noqa: E402
from speechcase.analysis.pipeline import AnalyzeOptions, analyze_transcript, transcribe_file  # noqa: E402
from speechcase.analysis.prosody import _loudness  # noqa: E402
from speechcase.analysis.sections.cues import cue_lemmas  # noqa: E402
from speechcase.analysis.signals.discourse import discourse_fillers  # noqa: E402
from speechcase.analysis.signals.energy import measure_energy  # noqa: E402
from speechcase.analysis.signals.fillers import filled_pauses  # noqa: E402
from speechcase.analysis.signals.hedges import find_hedges  # noqa: E402
from speechcase.analysis.signals.repetition import repeated_phrases  # noqa: E402
from speechcase.analysis.signals.sentences import long_sentences, measure_vocabulary  # noqa: E402
from speechcase.analysis.text import build_sentences, parse  # noqa: E402

NEW_DOCUMENT_FIELDS = ("repeated_phrases", "energy")
NEW_SUMMARY_FIELDS = ("energy", "vocabulary", "sentence_length", "repeated_phrases")


def timed(func, repeats: int = 5) -> float:
    func()
    seconds = []
    for _ in range(repeats):
        began = time.perf_counter()
        func()
        seconds.append(time.perf_counter() - began)
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    args = parser.parse_args()
    t = default_thresholds()
    with tempfile.TemporaryDirectory() as cache:
        options = AnalyzeOptions(cache_dir=Path(cache))
        parts = [transcribe_file(ROOT / "sample_audio" / f"{name}.flac", options)[0] for name in SAMPLES]
        transcript = long_transcript(parts, args.minutes)
        minutes = transcript.source.duration / 60
        words = transcript.words
        parsed = parse(words)
        sentences = build_sentences(words, parsed.sentence_starts)
        fillers = filled_pauses(words) + discourse_fillers(words, parsed, sentences)
        hedges = find_hedges(words)
        framework = load_framework("case-study")
        terms = [cue for section in cue_lemmas(framework, None) for cue in section]

        began = time.perf_counter()
        repeated_phrases(words, parsed, sentences, fillers, hedges, terms, t.repetition)
        first_call = time.perf_counter() - began
        frames = int(minutes * 60 / 0.04)
        rng = np.random.default_rng(0)
        rms, in_speech = rng.uniform(1e-4, 0.3, frames), rng.uniform(0, 1, frames) < 0.8
        costs = {
            "loudness track (transcription, per hour of frames)": timed(lambda: _loudness(rms, in_speech)),
            "vocal energy": timed(lambda: measure_energy(words, transcript.prosody, t.energy)),
            "repeated phrases": timed(lambda: repeated_phrases(words, parsed, sentences, fillers, hedges, terms,
                                                               t.repetition)),
            "long sentences": timed(lambda: long_sentences(words, parsed, sentences, t.long_sentences)),
            "vocabulary (MTLD)": timed(lambda: measure_vocabulary(words, t.vocabulary)),
        }
        analysis = analyze_transcript(transcript, framework, options)
        doc = analysis_document(analysis)
    total = sum(costs.values())
    print(f"{minutes:.1f}-minute talk, {len(words)} words, {len(sentences)} sentences; median of 5 runs\n")
    print("| measure | seconds | ms per minute of talk |\n|---|---|---|")
    for name, seconds in costs.items():
        print(f"| {name} | {seconds:.3f} | {1000 * seconds / minutes:.1f} |")
    print(f"| **all of them** | **{total:.3f}** | **{1000 * total / minutes:.1f}** |")
    print(f"\nFirst call of the repeated-phrase stage (wordfreq's English list read): {first_call:.2f} s; "
          "beside Whisper when a recording is analysed (warm-up), on the main thread when a saved transcript is.")
    level = json.dumps({"level": transcript.prosody.level, "noise": transcript.prosody.noise}) \
        if transcript.prosody else ""
    added = json.dumps({k: doc.get(k) for k in NEW_DOCUMENT_FIELDS}) \
        + json.dumps({k: doc["summary"].get(k) for k in NEW_SUMMARY_FIELDS}) \
        + json.dumps([f.get("marks") for f in doc["flags"]])
    print(f"\ntranscript.json: +{len(level) / minutes / 1000:.1f} KB per minute (the loudness track); "
          f"analysis.json: +{len(added) / minutes / 1000:.1f} KB per minute (loudness timeline, repeated phrases, "
          "summary fields, flag marks).")
    print("\nStage timings of the whole analysis of the saved transcript (s): "
          + ", ".join(f"{k} {v:.2f}" for k, v in analysis.timings.items()))


if __name__ == "__main__":
    main()
