#!/usr/bin/env python3
"""Score speechcase on scripted talks with exact ground truth (the evaluation kit in ../shared/eval and our own).

Runs the real pipeline on every talk of each set, writes each analysis.json, scores it with the kit's
``score.py`` and prints Markdown tables per set, then one summary row per set. A set is

- ``kit``: the kit's own ``talks/*.flac`` (the default);
- a folder of talk specs (``*.json`` plans for the kit's ``gen_talk.py``, e.g. ``benchmarks/talks/train``):
  rendered once with espeak-ng and sox into ``--render-dir`` (again when a spec or its bank changes). sox
  dithers when it writes 16-bit audio, with fresh random noise each time unless told to repeat itself; the
  renders are made repeatable (``SOX_OPTS=-R``), so the same spec gives the same audio and the same numbers
  on every machine with the same espeak-ng and sox. ``--random-dither`` renders with fresh noise instead,
  to measure how far the numbers move on audio that differs only by noise in its last bit;
- a folder of rendered talks (``*.flac`` with ``*.truth.json``).

    python benchmarks/eval_kit.py                                  # the kit, default settings
    python benchmarks/eval_kit.py --set kit --set benchmarks/talks/train --set benchmarks/talks/heldout
    python benchmarks/eval_kit.py --no-recovery                    # only the fillers Whisper wrote
    python benchmarks/eval_kit.py --compute-type float32 --out /tmp/kit-f32
    python benchmarks/eval_kit.py --threshold sections.back_penalty=2.0 --out /tmp/kit-back2
    python benchmarks/eval_kit.py --compare /tmp/speechcase-kit /tmp/kit-f32   # per-talk stability
    python benchmarks/eval_kit.py --set benchmarks/talks/train --random-dither --render-dir /tmp/talks-noise1 \\
        --out /tmp/kit-noise1                                   # another render of the same talks

Transcripts are cached per decoding setting (``--out``/cache; ``--threads`` is not part of the cache key,
so give each thread count its own ``--out``), so a re-run after a change to the analysis takes seconds.
Every run also writes ``results.json`` in ``--out`` (metrics and section shares per talk), which
``--compare`` reads.

A set of our own talks (``benchmarks/talks/SET``) is analysed with a section classifier fitted without its talks'
banks, which the shipped one has read (``fit_sections.py``; written once into ``--out``/classifiers, a few
seconds); ``--no-cross-fit`` uses the shipped one.

Per set: metrics per talk and their mean; filled pauses spoken, found in the transcript and recovered
from the audio (right or wrong); stream-of-consciousness detection per talk and pooled. After the summary: how
often a sentence's section is right by the probability the analysis gave it (``section_confidence``).
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import re
import statistics
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from fit_sections import cross_fitted, use_classifier

from speechcase.analysis.config import Thresholds
from speechcase.analysis.document import analysis_document
from speechcase.analysis.pipeline import AnalyzeOptions, analyze
from speechcase.analysis.text import spoken_word_count

COLUMNS = ["section_acc", "boundary_f1", "share_mae_pp", "filler_f1", "filled_f1", "filled_precision",
           "discourse_f1", "filler_precision", "filler_recall", "wpm_rel_err", "pause_recall", "pause_precision",
           "word_ratio", "wer_no_fillers"]
FILLED = {"um", "uh", "er", "ah", "hmm", "erm", "uhm", "umm", "mm"}
HERE = Path(__file__).resolve().parent.parent
SCORER = None  # the kit's score.py, loaded by main()


def content_words(text: str) -> list[str]:
    """Lower-cased words without punctuation and filled pauses (numbers stay as written)."""
    return [w for w in re.findall(r"[a-z0-9']+", text.lower()) if w not in FILLED]


def wer(ref: list[str], hyp: list[str]) -> float:
    """Word error rate by Levenshtein distance over words."""
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(len(ref), 1)


def load_kit_module(kit: Path, name: str):
    spec = importlib.util.spec_from_file_location(f"kit_{name}", kit / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kit", type=Path, default=HERE.parent / "shared" / "eval")
    parser.add_argument("--set", dest="sets", action="append",
                        help="'kit', a folder of talk specs or a folder of rendered talks (repeatable; default: kit)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/speechcase-kit"))
    parser.add_argument("--render-dir", type=Path, default=Path("/tmp/speechcase-talks"),
                        help="where talks rendered from specs are kept")
    parser.add_argument("--random-dither", action="store_true",
                        help="render with sox's random dither (each render differs by noise in its last bit) instead "
                             "of the repeatable one; give it its own --render-dir")
    parser.add_argument("--model", help="Whisper model (name or CTranslate2 folder; default: the embedded tiny.en)")
    parser.add_argument("--no-hotwords", action="store_true", help="decode without the disfluency hotwords")
    parser.add_argument("--hotwords", help="decode with these hotwords instead of the default")
    parser.add_argument("--batch-size", type=int, help="0 = sequential decoding")
    parser.add_argument("--no-condition", action="store_true", help="condition_on_previous_text=False")
    parser.add_argument("--compute-type", default="int8", help="CTranslate2 compute type (int8, float32, ...)")
    parser.add_argument("--threads", type=int, default=0, help="CTranslate2 threads (0 = all cores)")
    parser.add_argument("--no-recovery", action="store_true",
                        help="count only the filled pauses Whisper wrote (no acoustic recovery)")
    parser.add_argument("--threshold", action="append", default=[], metavar="TABLE.KEY=VALUE",
                        help="override a number of thresholds.toml, e.g. sections.back_penalty=2 (repeatable)")
    parser.add_argument("--no-cross-fit", dest="cross_fit", action="store_false",
                        help="analyse every set with the shipped section classifier, even the sets whose banks it "
                             "was fitted on (default: such a set with one fitted without them)")
    parser.add_argument("--talks", nargs="*", help="talk names (default: all)")
    parser.add_argument("--compare", nargs="+", type=Path, metavar="OUT",
                        help="compare the results.json of earlier runs per talk instead of running")
    args = parser.parse_args()
    if args.compare:
        return compare(args.compare)
    if not (args.kit / "score.py").exists():
        sys.exit(f"No evaluation kit at {args.kit}; pass --kit PATH.")
    global SCORER
    SCORER = load_kit_module(args.kit, "score")
    score = SCORER.score
    options = analyze_options(args)
    results: dict[str, dict[str, dict]] = {}
    summaries = []
    for set_arg in args.sets or ["kit"]:
        name, talks = resolve_set(set_arg, args)
        use_classifier_for(name, args)
        rows, recovery_rows, soc_rows = [], [], []
        results[name] = {}
        for audio in talks:
            if args.talks and audio.stem not in args.talks:
                continue
            truth = json.loads(audio.with_name(audio.stem + ".truth.json").read_text())
            result, filled, soc, shares, bins = run_talk(audio, truth, options, score, args.out / name)
            rows.append((audio.stem, result))
            recovery_rows.append((audio.stem, filled))
            soc_rows.append((audio.stem, result["soc_f1"], *soc))
            results[name][audio.stem] = {**result, "shares": shares, "minutes": truth["duration"] / 60,
                                         "soc_counts": list(soc), "filled_counts": filled,
                                         "confidence_bins": bins}
            print(f"{name}/{audio.stem}: " + " ".join(f"{k}={result[k]:.3f}" for k in COLUMNS), file=sys.stderr)
        if rows:
            print(f"\n## {name}\n")
            print_tables(rows, recovery_rows, soc_rows)
            summaries.append((name, results[name]))
    print(f"\ndecode options: {options.decode}; model {options.model or 'tiny.en'}, {options.compute_type}, "
          f"threads {options.threads or 'all'}\n")
    print_summary(summaries)
    print_confidence(summaries)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(
        {"settings": {"model": options.model, "compute_type": options.compute_type, "threads": options.threads,
                      "decode": str(options.decode), "thresholds": args.threshold,
                      "render": "random-dither" if args.random_dither else "repeatable",
                      "cross_fit": args.cross_fit,
                      "render_dir": str(args.render_dir)}, "sets": results}, indent=1))
    return 0


def use_classifier_for(set_name: str, args: argparse.Namespace) -> None:
    """Analyse ``set_name`` with a section classifier that has not read its talks' banks (``--no-cross-fit``: the
    shipped one). Why: the shipped classifier is fitted on our talk banks too (benchmarks/fit_sections.py), and a
    talk read by a classifier that learnt its very sentences would score what it memorised, not what it reads."""
    path = cross_fitted(set_name, args.out / "classifiers") if args.cross_fit else None
    use_classifier(path)
    if path is not None:
        print(f"{set_name}: section classifier fitted without this set's banks ({path})", file=sys.stderr)


def analyze_options(args: argparse.Namespace) -> AnalyzeOptions:
    options = AnalyzeOptions(cache_dir=args.out / "cache", compute_type=args.compute_type, threads=args.threads,
                             model=args.model)
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
    thresholds = options.thresholds
    if args.no_recovery:
        thresholds = replace(thresholds, recovery=replace(thresholds.recovery, enabled=False))
    for item in args.threshold:
        thresholds = override(thresholds, item)
    options.thresholds = thresholds
    return options


def override(thresholds: Thresholds, item: str) -> Thresholds:
    """``sections.back_penalty=2`` -> thresholds with that one number changed (tables: sections, recovery)."""
    key, _, value = item.partition("=")
    table, _, field = key.partition(".")
    tables = {"sections": "sections", "filler_recovery": "recovery", "recovery": "recovery"}
    if table not in tables:
        sys.exit(f"--threshold {item}: use sections.KEY=VALUE or filler_recovery.KEY=VALUE")
    attr = tables[table]
    current = getattr(thresholds, attr)
    if not hasattr(current, field):
        sys.exit(f"--threshold {item}: no {field} in [{table}]")
    kind = type(getattr(current, field))
    parsed = float(value) if value.strip().lower() in ("inf", "-inf") else json.loads(value)  # inf: a rule off
    return replace(thresholds, **{attr: replace(current, **{field: kind(parsed)})})


def resolve_set(set_arg: str, args: argparse.Namespace) -> tuple[str, list[Path]]:
    """A set's name and its talks (audio files with a truth.json beside each), rendering specs when needed."""
    if set_arg == "kit":
        return "kit", sorted((args.kit / "talks").glob("*.flac"))
    folder = Path(set_arg)
    if not folder.is_dir():
        sys.exit(f"--set {set_arg}: not 'kit' nor a folder")
    talks = sorted(p for p in folder.glob("*.flac") if p.with_name(p.stem + ".truth.json").exists())
    if talks:
        return folder.name, talks
    specs = sorted(p for p in folder.glob("*.json") if "plan" in json.loads(p.read_text()))
    if not specs:
        sys.exit(f"--set {set_arg}: no talks (*.flac + *.truth.json) nor talk specs (*.json with a plan)")
    return folder.name, [render(spec, args.render_dir / folder.name, args.kit, args.random_dither) for spec in specs]


def render(spec_path: Path, out_dir: Path, kit: Path, random_dither: bool = False) -> Path:
    """Render a talk spec with the kit's generator unless the audio is there for this very spec and bank.

    sox's ``-R`` (given through ``SOX_OPTS``, as the generator is the kit's) seeds its dither, so a render
    is the same file every time; ``random_dither`` leaves the noise random.
    """
    spec = json.loads(spec_path.read_text())
    bank = (spec_path.parent / spec["bank"]).read_bytes()
    mode = b"random-dither" if random_dither else b"repeatable"
    digest = hashlib.sha256(spec_path.read_bytes() + bank + mode).hexdigest()
    audio = out_dir / f"{spec['name']}.{spec.get('format', 'flac')}"
    stamp = out_dir / f"{spec['name']}.spec-sha256"
    if audio.exists() and stamp.exists() and stamp.read_text() == digest:
        return audio
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f"rendering {spec_path} ...", file=sys.stderr)
    env = dict(os.environ)
    env["SOX_OPTS"] = " ".join(o for o in env.get("SOX_OPTS", "").split() if o != "-R") + ("" if random_dither else " -R")
    subprocess.run([sys.executable, str(kit / "gen_talk.py"), str(spec_path), str(out_dir)], check=True, env=env)
    stamp.write_text(digest)
    return audio


def truth_words(truth: dict) -> int:
    """Words of the script as spoken, counted by the kit's own rule when its scorer has one."""
    counter = getattr(SCORER, "spoken_words", None)
    return sum(counter(s["text"]) for s in truth["sentences"]) if counter else truth["words"]


def run_talk(audio: Path, truth: dict, options: AnalyzeOptions, score, out: Path):
    """Analyse one talk and score it: the metrics, filled-pause counts, SoC counts, section shares and the
    calibration bins of its section probabilities."""
    analysis = analyze(audio, options)
    text = json.dumps(analysis_document(analysis))
    (out / audio.stem).mkdir(parents=True, exist_ok=True)
    (out / audio.stem / "analysis.json").write_text(text)
    doc = json.loads(text)  # scored as written, like the kit's score.py reads it
    result = score(doc, truth)
    result["word_ratio"] = spoken_word_count(analysis.transcript.words) / truth_words(truth)
    result["wer_no_fillers"] = wer(content_words(" ".join(s["text"] for s in truth["sentences"])),
                                   content_words(" ".join(w.text for w in analysis.transcript.words)))
    filled = filled_counts(score, doc, truth)
    result["filled_precision"] = filled["precision"]
    shares = {row["section"]: row["share"] for row in doc["balance"]}
    return result, filled, soc_counts(doc, truth), shares, confidence_bins(doc, truth)


def print_tables(rows, recovery_rows, soc_rows) -> None:
    print("| talk | " + " | ".join(COLUMNS) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    for name, r in rows + [("**mean**", {k: statistics.mean(r[k] for _, r in rows) for k in COLUMNS})]:
        print(f"| {name} | " + " | ".join(f"{r[k]:.3f}" for k in COLUMNS) + " |")
    print("\n| talk | filled pauses spoken | found in the transcript | recovered from audio: right | wrong |")
    print("|---|---|---|---|---|")
    totals = {k: sum(r[k] for _, r in recovery_rows) for k in ("spoken", "asr_right", "acoustic_right",
                                                                  "acoustic_wrong")}
    for name, r in recovery_rows + [("**total**", totals)]:
        print(f"| {name} | {r['spoken']} | {r['asr_right']} | {r['acoustic_right']} | {r['acoustic_wrong']} |")
    print_soc_table(soc_rows)


def print_summary(summaries: list[tuple[str, dict[str, dict]]]) -> None:
    """One row per set: the measures of the accuracy issue (mean and worst talk)."""
    print("| set | talks | minutes | section acc mean | worst | boundary F1 | share error mean (pp) | worst | "
          "filled F1 mean | worst | discourse F1 worst | wpm error mean | worst | pauses P / R | SoC F1 pooled | "
          "SoC flags on talks without rambling |")
    print("|---" * 16 + "|")
    for name, talks in summaries:
        r = list(talks.values())

        def col(k: str) -> list[float]:
            return [t[k] for t in r]

        tp, fp, fn = (sum(t["soc_counts"][i] for t in r) for i in range(3))
        pooled = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
        clean_fp = sum(t["soc_counts"][1] for t in r if t["soc_counts"][0] + t["soc_counts"][2] == 0)
        print(f"| {name} | {len(r)} | {sum(col('minutes')):.0f} | {statistics.mean(col('section_acc')):.3f} | "
              f"{min(col('section_acc')):.3f} | {statistics.mean(col('boundary_f1')):.3f} | "
              f"{statistics.mean(col('share_mae_pp')):.2f} | {max(col('share_mae_pp')):.2f} | "
              f"{statistics.mean(col('filled_f1')):.3f} | {min(col('filled_f1')):.3f} | "
              f"{min(col('discourse_f1')):.3f} | {100 * statistics.mean(col('wpm_rel_err')):.1f} % | "
              f"{100 * max(col('wpm_rel_err')):.1f} % | {statistics.mean(col('pause_precision')):.2f} / "
              f"{statistics.mean(col('pause_recall')):.2f} | {pooled:.3f} | {clean_fp} |")


def compare(outs: list[Path]) -> int:
    """Per talk: section accuracy in each run, and the largest change of accuracy and of any section's share."""
    runs = [json.loads((out / "results.json").read_text()) for out in outs]
    print("runs: " + "; ".join(f"{out} ({r['settings']['model'] or 'tiny.en'}, {r['settings']['compute_type']}, "
                               f"threads {r['settings']['threads'] or 'all'})" for out, r in zip(outs, runs)))
    print("\n| set | talk | " + " | ".join(f"acc {i + 1}" for i in range(len(runs)))
          + " | largest accuracy change | largest share change (pp) |")
    print("|---" * (len(runs) + 4) + "|")
    worst_acc = worst_share = 0.0
    for set_name, talks in runs[0]["sets"].items():
        for talk in talks:
            found = [r["sets"].get(set_name, {}).get(talk) for r in runs]
            if any(f is None for f in found):
                continue
            accs = [f["section_acc"] for f in found]
            sections = set().union(*(f["shares"] for f in found))
            d_share = 100 * max(max(f["shares"].get(s, 0.0) for f in found) - min(f["shares"].get(s, 0.0)
                                                                                 for f in found) for s in sections)
            d_acc = max(accs) - min(accs)
            worst_acc, worst_share = max(worst_acc, d_acc), max(worst_share, d_share)
            print(f"| {set_name} | {talk} | " + " | ".join(f"{a:.3f}" for a in accs)
                  + f" | {d_acc:.3f} | {d_share:.1f} |")
    print(f"\nlargest change: section accuracy {worst_acc:.3f}, section share {worst_share:.1f} points "
          f"(target: within 0.05 and 3 points: {'yes' if worst_acc <= 0.05 and worst_share <= 3.0 else 'NO'})")
    return 0


def filled_counts(score, doc: dict, truth: dict) -> dict:
    """Filled pauses spoken, found in the transcript, and recovered right or wrong, by the kit's own scorer.

    Scoring a copy of the document that holds only some filled pauses gives their precision; times the number
    of them, that is how many the scorer matched.
    """
    def matched(keep) -> tuple[int, int, float]:
        subset = [f for f in doc["fillers"] if f["kind"] == "filled_pause" and keep(f)]
        precision = score({**doc, "fillers": subset}, truth)["filler_precision"]
        right = round(precision * len(subset))
        return right, len(subset) - right, precision

    asr_right, _, _ = matched(lambda f: f.get("source", "asr") == "asr")
    all_right, _, precision = matched(lambda f: True)
    acoustic = sum(f.get("source") == "acoustic" for f in doc["fillers"])
    spoken = sum(n for s in truth["sentences"] for k, n in s["fillers"].items() if k.lower() in FILLED)
    return {"spoken": spoken, "asr_right": asr_right, "acoustic_right": all_right - asr_right,
            "acoustic_wrong": acoustic - (all_right - asr_right), "precision": precision}


def soc_counts(doc: dict, truth: dict) -> tuple[int, int, int, int]:
    """Sentence-level stream-of-consciousness counts (tp, fp, fn, flags), by score.py's rule: a truth sentence
    is flagged when stream_of_consciousness flags cover at least half of it."""
    soc = [f for f in doc["flags"] if f["type"] == "stream_of_consciousness"]

    def flagged(s: dict) -> bool:
        cover = sum(max(0.0, min(s["end"], f["end"]) - max(s["start"], f["start"])) for f in soc)
        return cover >= 0.5 * (s["end"] - s["start"])

    marks = [(s["rambling"], flagged(s)) for s in truth["sentences"]]
    return (sum(r and f for r, f in marks), sum(f and not r for r, f in marks), sum(r and not f for r, f in marks),
            len(soc))


#: Bins of a sentence's section probability (``section_confidence``) for the calibration table.
CONFIDENCE_BINS = (0.0, 0.5, 0.7, 0.9, 0.99, 1.01)


def confidence_bins(doc: dict, truth: dict) -> list[list[float]]:
    """Per bin of ``section_confidence``: sentences, their seconds, and how many have the script's section (a
    sentence's section is the script's sentence its middle falls in, within 0.3 s)."""
    bins = [[0, 0.0, 0] for _ in CONFIDENCE_BINS[:-1]]
    for s in doc["sentences"]:
        sure = s.get("section_confidence")
        if sure is None:
            continue
        middle = (s["start"] + s["end"]) / 2
        right = next((t["section"] for t in truth["sentences"] if t["start"] - 0.3 <= middle <= t["end"] + 0.3),
                     None) == s["section"]
        k = next(i for i, high in enumerate(CONFIDENCE_BINS[1:]) if sure < high)
        bins[k][0] += 1
        bins[k][1] += s["end"] - s["start"]
        bins[k][2] += int(right)
    return bins


def print_confidence(summaries: list[tuple[str, dict]]) -> None:
    """How often a sentence's section is right, by the probability the analysis gave it, per set and pooled."""
    print("\n| set | section probability | sentences | share of talk time | right |")
    print("|---|---|---|---|---|")
    pooled = [[0, 0.0, 0] for _ in CONFIDENCE_BINS[:-1]]
    for name, talks in summaries + [("**all**", {})]:
        bins = pooled if name == "**all**" else [[sum(t["confidence_bins"][k][i] for t in talks.values())
                                                  for i in range(3)] for k in range(len(pooled))]
        if name != "**all**":
            pooled = [[a + b for a, b in zip(p, q)] for p, q in zip(pooled, bins)]
        seconds = sum(b[1] for b in bins) or 1.0
        for (low, high), (n, secs, right) in zip(zip(CONFIDENCE_BINS, CONFIDENCE_BINS[1:]), bins):
            if n:
                print(f"| {name} | {low:.2f}-{min(high, 1.0):.2f} | {n} | {secs / seconds:.1%} | {right / n:.3f} |")


def print_soc_table(rows: list[tuple[str, float, int, int, int, int]]) -> None:
    """Stream-of-consciousness results: per talk, pooled over the talks with rambling, and the acceptance checks
    (F1 >= 0.85 on every talk with rambling; no flag on any sentence of a talk without rambling)."""
    print("\n| talk | rambling sentences | flagged right | flagged wrongly | missed | flags | soc_f1 |")
    print("|---|---|---|---|---|---|---|")
    for name, f1, tp, fp, fn, n in rows:
        print(f"| {name} | {tp + fn} | {tp} | {fp} | {fn} | {n} | {f1:.3f} |")
    with_rambling = [r for r in rows if r[2] + r[4]]
    tp, fp, fn = (sum(r[k] for r in with_rambling) for k in (2, 3, 4))
    pooled = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    print(f"| **talks with rambling, pooled** | {tp + fn} | {tp} | {fp} | {fn} | "
          f"{sum(r[5] for r in with_rambling)} | {pooled:.3f} |")
    per_talk = all(r[1] >= 0.85 for r in with_rambling)
    clean_talks = [r for r in rows if not r[2] + r[4]]
    clean = all(r[3] == 0 for r in clean_talks)
    print(f"\nSoC F1 >= 0.85 on every talk with rambling ({len(with_rambling)}): {'yes' if per_talk else 'NO'}; "
          f"no stream_of_consciousness flag on a sentence of the {len(clean_talks)} talks without rambling: "
          f"{'yes' if clean else 'NO'}")


if __name__ == "__main__":
    sys.exit(main())
