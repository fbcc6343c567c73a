#!/usr/bin/env python3
"""The tables of docs/accuracy.md, from the ``results.json`` of ``benchmarks/eval_kit.py`` runs.

Each table in that page that holds measured numbers per set or per talk is printed from the runs themselves, so
the page can be brought up to date by pasting, not by copying numbers by hand:

    python benchmarks/eval_kit.py --set kit --set benchmarks/talks/train ... --out /tmp/kit-int8
    python benchmarks/eval_kit.py ... --compute-type float32 --out /tmp/kit-f32
    python benchmarks/eval_kit.py ... --model base --out /tmp/kit-base
    python benchmarks/eval_kit.py ... --random-dither --render-dir /tmp/talks-noise1 --out /tmp/kit-noise1
    python benchmarks/accuracy_tables.py --int8 /tmp/kit-int8 --float32 /tmp/kit-f32 --base /tmp/kit-base \\
        --noise /tmp/kit-noise1 --clean heldout9 --clean heldout10

Every option but ``--int8`` is optional; the tables that need a missing run are left out. ``--clean`` names
the sets pooled apart as talks never developed on (the calibration table).
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

MEASURES = ("section_acc", "boundary_f1", "share_mae_pp", "filled_f1", "discourse_f1", "wpm_rel_err")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--int8", type=Path, required=True, help="eval_kit --out of the default settings")
    parser.add_argument("--float32", type=Path, help="eval_kit --out with --compute-type float32")
    parser.add_argument("--base", type=Path, help="eval_kit --out with --model base")
    parser.add_argument("--noise", type=Path, action="append", default=[],
                        help="eval_kit --out of another render (--random-dither); repeatable")
    parser.add_argument("--clean", action="append", default=[], help="a set never developed on (repeatable)")
    args = parser.parse_args(argv)
    runs = {"int8": load(args.int8)}
    for key in ("float32", "base"):
        if getattr(args, key):
            runs[key] = load(getattr(args, key))
    noise = [load(p) for p in args.noise]
    main_run = runs["int8"]
    print("## Summary (tiny.en, int8)\n")
    summary_table(main_run)
    print("\n## Per talk\n")
    for name, talks in main_run.items():
        print(f"#### {label(name)}\n")
        talk_table(talks, runs.get("base", {}).get(name, {}))
        print()
    print("## Filled pauses per set\n")
    filler_table(main_run)
    if "float32" in runs:
        print("\n## int8 against float32\n")
        change_table(main_run, runs["float32"])
    if noise:
        print("\n## Renders that differ by noise in their last bit (the kit's own audio is one file: left out)\n")
        ours = {name: talks for name, talks in main_run.items() if name != "kit"}
        change_table(ours, *noise)
        noise_means(ours, noise, set(args.clean))
    if "base" in runs:
        print("\n## Whisper base against tiny.en\n")
        base_table(main_run, runs["base"])
    print("\n## How sure the sections are\n")
    calibration_table(main_run, set(args.clean))
    if "kit" in main_run:
        print("\n## Stream of consciousness (kit)\n")
        soc_table(main_run["kit"])
    return 0


def load(out: Path) -> dict[str, dict[str, dict]]:
    path = out / "results.json"
    if not path.exists():
        sys.exit(f"No results.json in {out}: run benchmarks/eval_kit.py --out {out} first.")
    return json.loads(path.read_text())["sets"]


def label(name: str) -> str:
    """``heldout3`` -> ``held-out 3``, as the page names the sets."""
    m = re.fullmatch(r"heldout(\d*)", name)
    return f"held-out {m.group(1)}".strip() if m else name


def mean(talks: dict[str, dict], key: str) -> float:
    return statistics.mean(t[key] for t in talks.values())


def worst(talks: dict[str, dict], key: str, high_is_bad: bool = False) -> tuple[str, float]:
    pick = max if high_is_bad else min
    name = pick(talks, key=lambda n: talks[n][key])
    return name, talks[name][key]


def pooled_soc(talks: dict[str, dict]) -> tuple[float, int, int, int, int]:
    tp, fp, fn, flags = (sum(t["soc_counts"][i] for t in talks.values()) for i in range(4))
    return (2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0), tp, fp, fn, flags


def summary_table(run: dict[str, dict[str, dict]]) -> None:
    names = list(run)
    print("| measure | " + " | ".join(label(n) for n in names) + " | target |")
    print("|---" * (len(names) + 2) + "|")

    def row(title: str, cell, target: str = "") -> None:
        print(f"| {title} | " + " | ".join(cell(run[n]) for n in names) + f" | {target} |")

    row("section accuracy, mean", lambda t: f"{mean(t, 'section_acc'):.3f}", "≥ 0.92")
    row("section accuracy, worst talk", lambda t: "{1:.3f} ({0})".format(*worst(t, "section_acc")), "≥ 0.85")
    row("boundary F1 (±5 s)", lambda t: f"{mean(t, 'boundary_f1'):.3f}", "≥ 0.85")
    row("share error, mean (worst talk), points",
        lambda t: f"{mean(t, 'share_mae_pp'):.2f} ({worst(t, 'share_mae_pp', True)[1]:.2f})", "≤ 3.0 (≤ 6)")
    row("filled-pause F1, mean (worst talk)",
        lambda t: f"{mean(t, 'filled_f1'):.3f} ({worst(t, 'filled_f1')[1]:.3f})", "≥ 0.95")
    row("discourse-filler F1, mean (worst talk)",
        lambda t: f"{mean(t, 'discourse_f1'):.3f} ({worst(t, 'discourse_f1')[1]:.3f})", "worst ≥ 0.85")
    row("wpm error, mean (worst talk)",
        lambda t: f"{100 * mean(t, 'wpm_rel_err'):.1f} % ({100 * worst(t, 'wpm_rel_err', True)[1]:.1f} %)", "≤ 2 %")
    row("pauses precision / recall",
        lambda t: f"{mean(t, 'pause_precision'):.2f} / {mean(t, 'pause_recall'):.2f}")

    def soc(t: dict[str, dict]) -> str:
        f1, tp, fp, fn, _ = pooled_soc(t)
        notes = [f"{tp + fn}"] + ([f"{fp} flagged wrongly"] if fp else []) + ([f"{fn} missed"] if fn else [])
        return f"{f1:.3f} ({'; '.join(notes)})"

    row("stream-of-consciousness F1, pooled over the talks with rambling (rambling sentences)", soc)

    def clean_flags(t: dict[str, dict]) -> str:
        hit = [t[n]["soc_counts"][1] for n in t if t[n]["soc_counts"][0] + t[n]["soc_counts"][2] == 0]
        talks = sum(1 for h in hit if h)
        return f"{sum(hit)} ({talks} talk{'s' if talks > 1 else ''})" if sum(hit) else "0"

    row("stream-of-consciousness flags on talks without rambling", clean_flags, "none")


def talk_table(talks: dict[str, dict], base: dict[str, dict]) -> None:
    head = ("talk | section accuracy | boundary F1 | share error (pp) | filled-pause F1 | discourse F1 | "
            "wpm error")
    if base:
        head += " | base: section accuracy | base: filled-pause F1 | base: wpm error"
    print(f"| {head} |")
    print("|---" * (head.count("|") + 1) + "|")
    for name in sorted(talks):
        t = talks[name]
        cells = [f"{t['section_acc']:.3f}", f"{t['boundary_f1']:.3f}", f"{t['share_mae_pp']:.2f}",
                 f"{t['filled_f1']:.3f}", f"{t['discourse_f1']:.3f}", f"{100 * t['wpm_rel_err']:.1f} %"]
        if base:
            b = base.get(name)
            cells += ([f"{b['section_acc']:.3f}", f"{b['filled_f1']:.3f}", f"{100 * b['wpm_rel_err']:.1f} %"]
                      if b else ["", "", ""])
        print(f"| {name} | " + " | ".join(cells) + " |")


def filler_table(run: dict[str, dict[str, dict]]) -> None:
    print("| set | filled pauses spoken | found in the transcript | recovered from the audio: right | wrong | "
          "filled-pause F1, mean | precision, mean |")
    print("|---" * 7 + "|")
    for name, talks in run.items():
        counts = [t.get("filled_counts") for t in talks.values()]
        if any(c is None for c in counts):
            continue
        total = {k: sum(c[k] for c in counts) for k in ("spoken", "asr_right", "acoustic_right", "acoustic_wrong")}
        print(f"| {label(name)} | {total['spoken']} | {total['asr_right']} | {total['acoustic_right']} | "
              f"{total['acoustic_wrong']} | {mean(talks, 'filled_f1'):.3f} | "
              f"{statistics.mean(c['precision'] for c in counts):.3f} |")


def share_change(a: dict, b: dict) -> float:
    ids = set(a["shares"]) | set(b["shares"])
    return 100 * max((abs(a["shares"].get(i, 0) - b["shares"].get(i, 0)) for i in ids), default=0.0)


def change_table(main: dict[str, dict[str, dict]], *others: dict[str, dict[str, dict]]) -> None:
    """Per set: talks that move by more than 0.05 section accuracy or 3 points of any share between the runs."""
    print("| set | talks changed by more than 0.05 / 3 points | largest section-accuracy change | "
          "largest share change |")
    print("|---|---|---|---|")
    for name, talks in main.items():
        moved, acc, share = 0, ("", 0.0), ("", 0.0)
        common = [n for n in talks if all(n in o.get(name, {}) for o in others)]
        if not common or not others:
            continue
        for n in common:
            runs = [talks[n]] + [o[name][n] for o in others]
            a = max(r["section_acc"] for r in runs) - min(r["section_acc"] for r in runs)
            s = max(share_change(x, y) for x in runs for y in runs)
            moved += a > 0.05 or s > 3
            acc = max(acc, (n, a), key=lambda p: p[1])
            share = max(share, (n, s), key=lambda p: p[1])
        share_note = "same talk" if share[0] == acc[0] else share[0]
        acc_cell = f"{acc[1]:.3f} ({acc[0]})" if acc[1] else "0.000"
        share_cell = f"{share[1]:.1f} points ({share_note})" if share[1] else "0.0 points"
        print(f"| {label(name)} | {moved} of {len(common)} | {acc_cell} | {share_cell} |")


def noise_means(main: dict[str, dict[str, dict]], noise: list[dict[str, dict[str, dict]]], clean: set[str]) -> None:
    """Per set, and pooled over our development and clean sets: mean section accuracy and filled-pause F1 on
    each render."""
    print("\n| set | section accuracy, mean, per render | filled-pause F1, mean, per render |")
    print("|---|---|---|")
    rendered = [n for n in main if all(n in run for run in noise)]  # a set left out of a render is left out here
    groups = [(label(name), [name]) for name in rendered]
    pools = (("our development sets", [n for n in rendered if n not in clean]),
             ("the clean sets: " + ", ".join(label(n) for n in rendered if n in clean), [n for n in rendered if n in clean]))
    groups += [(f"**{title}**", names) for title, names in pools if len(names) > 1]
    for title, names in groups:
        renders = [main] + [n for n in noise if all(name in n for name in names)]
        if len(renders) < 2:
            continue

        def pooled(run: dict[str, dict[str, dict]], key: str) -> float:
            return statistics.mean(t[key] for name in names for t in run[name].values())

        acc = " / ".join(f"{pooled(r, 'section_acc'):.3f}" for r in renders)
        filled = " / ".join(f"{pooled(r, 'filled_f1'):.3f}" for r in renders)
        print(f"| {title} | {acc} | {filled} |")


def base_table(tiny: dict[str, dict[str, dict]], base: dict[str, dict[str, dict]]) -> None:
    names = [n for n in tiny if n in base]
    print("| | " + " | ".join(label(n) for n in names) + " |")
    print("|---" * (len(names) + 1) + "|")

    def row(title: str, cell) -> None:
        print(f"| {title} | " + " | ".join(f"{cell(base[n])} vs {cell(tiny[n])}" for n in names) + " |")

    row("section accuracy, mean (worst)",
        lambda t: f"{mean(t, 'section_acc'):.3f} ({worst(t, 'section_acc')[1]:.3f})")
    row("boundary F1", lambda t: f"{mean(t, 'boundary_f1'):.3f}")
    row("share error, mean (points)", lambda t: f"{mean(t, 'share_mae_pp'):.2f}")
    row("filled-pause F1, mean (worst)", lambda t: f"{mean(t, 'filled_f1'):.3f} ({worst(t, 'filled_f1')[1]:.3f})")
    row("discourse F1, worst", lambda t: f"{worst(t, 'discourse_f1')[1]:.3f}")
    row("wpm error, mean (worst)",
        lambda t: f"{100 * mean(t, 'wpm_rel_err'):.1f} % ({100 * worst(t, 'wpm_rel_err', True)[1]:.1f} %)")
    row("stream-of-consciousness F1, pooled", lambda t: f"{pooled_soc(t)[0]:.3f}")
    row("pauses precision / recall", lambda t: f"{mean(t, 'pause_precision'):.2f} / {mean(t, 'pause_recall'):.2f}")


BINS = ("under 0.5", "0.5-0.7", "0.7-0.9", "0.9-0.99", "0.99 and over")  # eval_kit's CONFIDENCE_BINS


def calibration_table(run: dict[str, dict[str, dict]], clean: set[str]) -> None:
    """How often a sentence's section is right by its probability, development and clean sets pooled apart."""
    groups = {"development": [n for n in run if n not in clean], "clean": [n for n in run if n in clean]}
    pooled = {}
    for group, names in groups.items():
        talks = [t for n in names for t in run[n].values() if "confidence_bins" in t]
        if talks:
            pooled[group] = [[sum(t["confidence_bins"][k][i] for t in talks) for i in range(3)]
                             for k in range(len(BINS))]
    head = " | ".join(f"{g}: sentences | share of talk time | right" for g in pooled)
    print(f"| label probability | {head} |")
    print("|---" * (1 + 3 * len(pooled)) + "|")
    for k, title in enumerate(BINS):
        cells = []
        for bins in pooled.values():
            n, seconds, right = bins[k]
            total = sum(b[1] for b in bins) or 1.0
            cells += [str(n), f"{100 * seconds / total:.1f} %", f"{right / n:.2f}" if n else ""]
        print(f"| {title} | " + " | ".join(cells) + " |")


def soc_table(talks: dict[str, dict]) -> None:
    print("| talk | rambling sentences | flagged right | flagged wrongly | missed | flags | soc_f1 |")
    print("|---|---|---|---|---|---|---|")
    for name in sorted(talks):
        tp, fp, fn, flags = talks[name]["soc_counts"]
        print(f"| {name} | {tp + fn} | {tp} | {fp} | {fn} | {flags} | {talks[name]['soc_f1']:.3f} |")
    f1, tp, fp, fn, flags = pooled_soc({n: t for n, t in talks.items()
                                        if t["soc_counts"][0] + t["soc_counts"][2] > 0})
    print(f"| **talks with rambling, pooled** | {tp + fn} | {tp} | {fp} | {fn} | {flags} | {f1:.3f} |")


if __name__ == "__main__":
    sys.exit(main())
