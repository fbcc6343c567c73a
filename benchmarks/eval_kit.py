#!/usr/bin/env python3
"""Score speechcase on the evaluation kit's scripted talks (needs ../shared/eval beside the checkout).

Runs the real pipeline on every ``talks/*.flac``, writes each analysis.json, scores it with the kit's
``score.py`` and prints a Markdown table (one row per talk, plus the mean). Decoding settings can be varied
to compare configurations; transcripts are cached per configuration, so re-runs are fast.

    python benchmarks/eval_kit.py                          # default settings
    python benchmarks/eval_kit.py --no-hotwords --out /tmp/kit-nohw
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
from dataclasses import replace
from pathlib import Path

from speechcase.document import analysis_document
from speechcase.pipeline import AnalyzeOptions, analyze
from speechcase.text import spoken_word_count

COLUMNS = ["section_acc", "boundary_f1", "share_mae_pp", "filler_f1", "filled_f1", "discourse_f1", "filler_precision", "filler_recall", "wpm_rel_err", "pause_recall", "pause_precision",
           "word_ratio", "wer_no_fillers"]
FILLED = {"um", "uh", "er", "ah", "hmm", "erm", "uhm", "umm", "mm"}


def content_words(text: str) -> list[str]:
    """Lower-cased words without punctuation and filled pauses (numbers stay as written)."""
    import re

    return [w for w in re.findall(r"[a-z0-9']+", text.lower()) if w not in FILLED]


def wer(ref: list[str], hyp: list[str]) -> float:
    """Word error rate by Levenshtein distance over words."""
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(len(ref), 1)


def load_scorer(kit: Path):
    spec = importlib.util.spec_from_file_location("kit_score", kit / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.score


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = Path(__file__).resolve().parent.parent
    parser.add_argument("--kit", type=Path, default=here.parent / "shared" / "eval")
    parser.add_argument("--out", type=Path, default=Path("/tmp/speechcase-kit"))
    parser.add_argument("--no-hotwords", action="store_true", help="decode without the disfluency hotwords")
    parser.add_argument("--hotwords", help="decode with these hotwords instead of the default")
    parser.add_argument("--batch-size", type=int, help="0 = sequential decoding")
    parser.add_argument("--no-condition", action="store_true", help="condition_on_previous_text=False")
    parser.add_argument("--talks", nargs="*", help="talk names (default: all)")
    args = parser.parse_args()
    if not (args.kit / "score.py").exists():
        sys.exit(f"No evaluation kit at {args.kit}; pass --kit PATH.")
    score = load_scorer(args.kit)
    options = AnalyzeOptions(cache_dir=args.out / "cache")
    decode = options.decode
    if args.no_hotwords:
        decode = replace(decode, hotwords=None)
    if args.hotwords:
        decode = replace(decode, hotwords=args.hotwords)
    if args.batch_size is not None:
        decode = replace(decode, batch_size=args.batch_size)
    if args.no_condition:
        decode = replace(decode, condition_on_previous_text=False)
    options.decode = decode
    rows = []
    for audio in sorted((args.kit / "talks").glob("*.flac")):
        if args.talks and audio.stem not in args.talks:
            continue
        truth = json.loads(audio.with_suffix(".truth.json").read_text())
        analysis = analyze(audio, options)


        doc = analysis_document(analysis)
        (args.out / audio.stem).mkdir(parents=True, exist_ok=True)
        (args.out / audio.stem / "analysis.json").write_text(json.dumps(doc))
        result = score(doc, truth)
        result["word_ratio"] = spoken_word_count(analysis.transcript.words) / truth["words"]
        result["wer_no_fillers"] = wer(content_words(" ".join(s["text"] for s in truth["sentences"])),
                                       content_words(" ".join(w.text for w in analysis.transcript.words)))
        rows.append((audio.stem, result))
        print(f"{audio.stem}: " + " ".join(f"{k}={result[k]:.3f}" for k in COLUMNS), file=sys.stderr)
    print(f"decode options: {decode}\n")
    print("| talk | " + " | ".join(COLUMNS) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    for name, r in rows + [("**mean**", {k: statistics.mean(r[k] for _, r in rows) for k in COLUMNS})]:
        print(f"| {name} | " + " | ".join(f"{r[k]:.3f}" for k in COLUMNS) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
