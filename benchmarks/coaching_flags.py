"""What the coaching measures say on real and scripted recordings: repeated phrases, long sentences, vocabulary,
vocal energy and the monotone and fading_energy flags.

    python benchmarks/coaching_flags.py                       # the samples, the evaluation kit, the real recordings
    python benchmarks/coaching_flags.py talk1.m4a talk2.flac  # any recordings (or saved transcript.json files)

Needs ``../shared/eval`` for the kit and the real recordings (skipped when absent). Runs the real pipeline
(tiny.en) in this process with a private cache, writes nothing else, and prints one Markdown table per measure
for docs/accuracy.md. A repeated phrase holding a word the talk uses as a noun, or a word rarer than the
technical threshold, would be a technical term: such a phrase is marked TOPIC in the table (there should be
none).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from speechcase.analysis.config import default_thresholds  # noqa: E402
from speechcase.analysis.document import analysis_document  # noqa: E402
from speechcase.analysis.pipeline import AnalyzeOptions, analyze  # noqa: E402
from speechcase.analysis.signals.repetition import zipf  # noqa: E402
from speechcase.analysis.text import parse  # noqa: E402
from speechcase.core.document import read_document  # noqa: E402
from speechcase.core.formatting import format_duration  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"


def default_inputs() -> list[Path]:
    found = sorted((ROOT / "sample_audio").glob("*.flac"))
    for folder in ("talks", "real"):
        found += sorted((EVAL / folder).glob("*.flac"))
    return found


def topic_words(doc, technical_zipf: float) -> set[str]:
    """Words this talk uses as nouns (a fresh spaCy parse) and words rarer than the technical threshold."""
    parsed = parse(doc.words)
    nouns = {t.text.lower() for t in parsed.tokens if t.pos in ("NOUN", "PROPN")}
    rare = {w.text.lower().strip(".,;:!?\"'") for w in doc.words if zipf(w.text.lower().strip(".,;:!?\"'")) < technical_zipf}
    return nouns | rare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("inputs", nargs="*", type=Path)
    args = parser.parse_args()
    inputs = args.inputs or default_inputs()
    t = default_thresholds()
    rows: dict[str, list[str]] = {"phrases": [], "sentences": [], "voice": []}
    with tempfile.TemporaryDirectory() as cache:
        options = AnalyzeOptions(cache_dir=Path(cache))
        for path in inputs:
            analysis = analyze(path, options)
            doc = read_document(analysis_document(analysis, str(path)))
            name, s = path.stem, doc.summary
            minutes = doc.talk_seconds / 60
            topics = topic_words(doc, t.repetition.technical_zipf)
            flagged = [p for p in doc.repeated_phrases if p.flagged]
            said = [f"\u201c{p.text}\u201d x{p.count}" + (" TOPIC" if set(p.text.split()) & topics else "")
                    for p in flagged]
            near = [f"{p.text} x{p.count}" for p in doc.repeated_phrases if not p.flagged]
            rows["phrases"].append(f"| {name} | {format_duration(doc.talk_seconds)} | {'; '.join(said) or 'none'} | "
                                   f"{'; '.join(near) or '-'} |")
            lengths, vocabulary = s.sentence_length, s.vocabulary
            long_flags = [f for f in doc.flags if f.type == "long_sentence"]
            assert lengths is not None and vocabulary is not None
            rows["sentences"].append(
                f"| {name} | {len(doc.sentences)} | {lengths.mean_words:.1f} | {lengths.longest_words} | {lengths.long} "
                f"| {len(long_flags)} | {'-' if vocabulary.mtld is None else f'{vocabulary.mtld:.0f}'} |")
            energy, pitch = s.energy, s.pitch
            monotone = [f"{f.severity} {format_duration(f.end - f.start)}" for f in doc.flags if f.type == "monotone"]
            fading = [f"{f.severity} {f.message.split(': ')[-1]}" for f in doc.flags if f.type == "fading_energy"]
            loud = (f"{energy.sd_db:.1f} | {energy.range_db:.1f} | "
                    f"{'-' if energy.snr_db is None else f'{energy.snr_db:.0f}'}"
                    if energy.measured else f"not measured ({energy.reason}) | | ")
            rows["voice"].append(
                f"| {name} | {minutes:.1f} | {pitch.get('sd_semitones', '-')} | {loud} | "
                f"{', '.join(monotone) or '-'} | {', '.join(fading) or '-'} |")
            print(f"{name}: done", file=sys.stderr)
    print("Repeated phrases (flagged; said often but within what ordinary English predicts):\n")
    print("| recording | length | flagged | not flagged |\n|---|---|---|---|")
    print("\n".join(rows["phrases"]))
    print("\nSentences and vocabulary:\n")
    print("| recording | sentences | mean words | longest | long | long_sentence flags | MTLD |\n"
          "|---|---|---|---|---|---|---|")
    print("\n".join(rows["sentences"]))
    print("\nVoice:\n")
    print("| recording | minutes | pitch SD (semitones) | loudness SD (dB) | loudness range (dB) | speech over "
          "background (dB) | monotone flags | fading_energy flags |\n|---|---|---|---|---|---|---|---|")
    print("\n".join(rows["voice"]))


if __name__ == "__main__":
    main()
