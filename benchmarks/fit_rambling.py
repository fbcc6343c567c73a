#!/usr/bin/env python3
"""Fit the stream-of-consciousness model on the project's labelled passages.

Reads ``tests/data/rambling_corpus.toml``, measures every passage with
``speechcase.analysis.signals.rambling.text_features`` and fits a logistic regression
(numpy, L2 penalty, each weight held to its documented direction: cues of
rambling push the score up, signposts and decisions down) on the ``train``
split. Each training passage is also measured twice more with some of its
commas turned into full stops, the way Whisper often cuts a spoken run-on, and
once with some full stops turned into commas, the way it joins sentences said
with little pause, so the model does not depend on where the full stops fall. Writes
``speechcase/data/rambling_model.toml`` and prints the cross-validated and
held-out accuracy.

    python benchmarks/fit_rambling.py            # fit and write the model
    python benchmarks/fit_rambling.py --dry-run  # report only
"""
from __future__ import annotations

import argparse
import random
import re
import sys
import tomllib
from pathlib import Path

import numpy as np

from speechcase.analysis.signals.rambling import FEATURES, default_encoder, rambling_cues, text_features

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "rambling_corpus.toml"
MODEL = ROOT / "speechcase" / "data" / "rambling_model.toml"
#: +1: the cue is evidence of rambling; -1: evidence of structure.
DIRECTION = {name: (-1.0 if name in ("signposts", "decisions") else 1.0) for name in FEATURES}
PENALTY = 0.05  # L2 on the standardised weights, per training example


def split_commas(text: str, rng: random.Random, share: float = 0.35) -> str:
    """Turn some ", word" into ". Word", as Whisper does inside long spoken sentences."""
    def cut(match: re.Match) -> str:
        return f". {match.group(1).capitalize()}" if rng.random() < share else match.group(0)
    return re.sub(r", (\w+)", cut, text)


def join_sentences(text: str, rng: random.Random, share: float = 0.5) -> str:
    """Turn some ". Word" into ", word", as Whisper does when a speaker barely pauses between sentences."""
    def join(match: re.Match) -> str:
        word = match.group(1)
        keep = word == "I" or word.startswith("I'") or word.isupper()
        return f", {word if keep else word[0].lower() + word[1:]}" if rng.random() < share else match.group(0)
    return re.sub(r"\. (\w[\w']*)", join, text)


def matrix(rows: list[dict[str, float]]) -> np.ndarray:
    caps = rambling_cues()["caps"]
    x = np.array([[min(r[f], caps[f]) for f in FEATURES] for r in rows], dtype=float)
    column_means = np.nanmean(x, axis=0)
    return np.where(np.isnan(x), column_means, x)


def fit(x: np.ndarray, y: np.ndarray, steps: int = 4000, lr: float = 0.1) -> tuple[np.ndarray, float]:
    """Logistic regression by projected gradient descent; ``x`` is standardised."""
    sign = np.array([DIRECTION[f] for f in FEATURES])
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        grad_w = x.T @ (p - y) / len(y) + PENALTY * w
        grad_b = float(np.mean(p - y))
        w, b = w - lr * grad_w, b - lr * grad_b
        w = np.where(w * sign < 0, 0.0, w)  # keep each weight on its documented side
    return w, b


def standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, scale = x.mean(axis=0), x.std(axis=0)
    return mean, np.where(scale < 1e-6, 1.0, scale)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="do not write the model file")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    passages = tomllib.loads(CORPUS.read_text())["passage"]
    encoder, rng = default_encoder(), random.Random(args.seed)
    train_rows, train_y, train_group, test_rows, test_y, test_ids = [], [], [], [], [], []
    for n, p in enumerate(passages):
        label = 1.0 if p["label"] == "rambling" else 0.0
        if p["split"] == "test":
            test_rows.append(text_features(p["text"], encoder))
            test_y.append(label)
            test_ids.append(p["id"])
            continue
        for variant in (p["text"], split_commas(p["text"], rng), join_sentences(p["text"], rng)):
            train_rows.append(text_features(variant, encoder))
            train_y.append(label)
            train_group.append(n)
    x, y, groups = matrix(train_rows), np.array(train_y), np.array(train_group)
    mean, scale = standardise(x)

    # Leave-one-passage-out cross-validation (all three variants of a passage leave together).
    correct = 0
    for g in sorted(set(groups)):
        held = groups == g
        m, s = standardise(x[~held])
        w, b = fit((x[~held] - m) / s, y[~held])
        p = 1 / (1 + np.exp(-(((x[held] - m) / s) @ w + b)))
        correct += int(np.all((p >= 0.5) == (y[held] == 1)))
    w, b = fit((x - mean) / scale, y)
    xt = matrix(test_rows)
    pt = 1 / (1 + np.exp(-(((xt - mean) / scale) @ w + b)))
    n_groups = len(set(groups))
    print(f"train passages: {n_groups} ({len(y)} with variants); leave-one-passage-out accuracy "
          f"{correct}/{n_groups}")
    print(f"held-out test passages: {int(np.sum((pt >= 0.5) == (np.array(test_y) == 1)))}/{len(test_y)} right")
    for pid, prob, label in zip(test_ids, pt, test_y):
        mark = "" if (prob >= 0.5) == (label == 1) else "  <- wrong"
        print(f"  {pid} {prob:.3f}{mark}")
    print("weights (standardised): " + ", ".join(f"{f}={v:+.2f}" for f, v in zip(FEATURES, w)) + f", b={b:+.2f}")
    if not args.dry_run:
        write_model(mean, scale, w, b, n_groups, correct)
        print(f"wrote {MODEL.relative_to(ROOT)}")
    return 0


def write_model(mean, scale, w, b, n_groups: int, correct: int) -> None:
    lines = ["# The stream-of-consciousness model (speechcase/analysis/signals/rambling.py). Do not edit by hand:",
             "# written by `python benchmarks/fit_rambling.py` from tests/data/rambling_corpus.toml (train split).",
             f"# Leave-one-passage-out accuracy on the train split: {correct}/{n_groups}.",
             "# score = sigmoid(intercept + sum(weight * (min(value, cap) - mean) / scale)); caps in rambling.toml.",
             f"intercept = {b:.4f}", ""]
    for f, m, s, v in zip(FEATURES, mean, scale, w):
        lines += [f"[features.{f}]", f"mean = {m:.4f}", f"scale = {s:.4f}", f"weight = {v:.4f}", ""]
    MODEL.write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
