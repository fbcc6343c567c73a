#!/usr/bin/env python3
"""Fit the section classifier on the labelled sentences in ``models/section-corpus/``.

Each corpus file is one project (a domain none of the evaluation talks use), with ten sentences per section of
the case-study framework as a candidate would say them (``sections``) and four more as a candidate thinking
aloud would (``rambling``: long run-ons with hedges, options and fillers, as Whisper writes them). Every sentence
is embedded with the bundled all-MiniLM-L6-v2 (int8, rounded to float16 as the analysis caches it), and a
multinomial logistic regression with an L2 penalty is fitted on all of them (numpy + scipy's L-BFGS). The
penalty is chosen by leave-one-project-out log-loss: the classifier has to read projects it has never seen, and
its probabilities are weighed against the other evidence, so they must be calibrated, not only right. Writes
``speechcase/data/section_classifier.json`` with the corpus digest, which a test compares with the corpus.

    python benchmarks/fit_sections.py            # choose the penalty, fit on every project, write the file
    python benchmarks/fit_sections.py --dry-run  # report only
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from speechcase.analysis.embeddings import SentenceEncoder
from speechcase.analysis.frameworks import load_framework
from speechcase.analysis.sections.classifier import CLASSIFIERS_FILE

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "models" / "section-corpus"
OUT = ROOT / "speechcase" / "data" / CLASSIFIERS_FILE
FRAMEWORK = "case-study"
PENALTIES = (0.00001, 0.00003, 0.0001, 0.0003, 0.001, 0.003, 0.01)  # L2 on the weights, per training sentence


def corpus_files(folder: Path = CORPUS) -> list[Path]:
    return sorted(folder.glob("*.json"))


def corpus_digest(files: list[Path]) -> str:
    """SHA-256 over the corpus files' names and bytes: the shipped classifier names the corpus it was fitted on."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def load_corpus(files: list[Path], sections: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Sentences, their section indices and their project indices."""
    texts, labels, groups = [], [], []
    for g, path in enumerate(files):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for part in ("sections", "rambling"):
            unknown = set(doc.get(part, {})) - set(sections)
            if unknown:
                sys.exit(f"{path.name}: {part} {sorted(unknown)} are not sections of the {FRAMEWORK} framework.")
            for k, section in enumerate(sections):
                for text in doc.get(part, {}).get(section, []):
                    texts.append(text)
                    labels.append(k)
                    groups.append(g)
    return texts, np.array(labels), np.array(groups)


def fit(x: np.ndarray, y: np.ndarray, k: int, penalty: float) -> tuple[np.ndarray, np.ndarray]:
    """Softmax regression: weights ``[k, dim]`` and biases ``[k]`` minimising the mean cross-entropy plus
    ``penalty * |W|^2 / 2`` (biases unpenalised)."""
    n, dim = x.shape
    onehot = np.eye(k)[y]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:k * dim].reshape(k, dim), theta[k * dim:]
        logits = x @ w.T + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        value = -np.log(np.maximum(p[np.arange(n), y], 1e-12)).mean() + 0.5 * penalty * (w ** 2).sum()
        delta = (p - onehot) / n
        grad = np.concatenate([(delta.T @ x + penalty * w).ravel(), delta.sum(axis=0)])
        return value, grad

    result = minimize(loss, np.zeros(k * dim + k), jac=True, method="L-BFGS-B", options={"maxiter": 2000})
    return result.x[:k * dim].reshape(k, dim), result.x[k * dim:]


def accuracy(w: np.ndarray, b: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    return float(((x @ w.T + b).argmax(axis=1) == y).mean())


def log_loss(w: np.ndarray, b: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-probability of the right section: how well the probabilities are calibrated."""
    logits = x @ w.T + b
    logits -= logits.max(axis=1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="report the accuracies, write nothing")
    args = parser.parse_args()
    files = corpus_files()
    if not files:
        sys.exit(f"No corpus files in {CORPUS}.")
    sections = [spec.id for spec in load_framework(FRAMEWORK).sections]
    texts, y, groups = load_corpus(files, sections)
    encoder = SentenceEncoder()
    x = encoder.encode(texts).astype(np.float16).astype(np.float64)  # as the analysis caches them
    print(f"{len(texts)} sentences, {len(files)} projects, {len(sections)} sections")

    scores = {}
    for penalty in PENALTIES:
        right, losses = [], []
        for g in range(len(files)):
            w, b = fit(x[groups != g], y[groups != g], len(sections), penalty)
            right.append(accuracy(w, b, x[groups == g], y[groups == g]))
            losses.append(log_loss(w, b, x[groups == g], y[groups == g]))
        scores[penalty] = float(np.mean(losses))
        print(f"penalty {penalty:<6} leave-one-project-out: log-loss {scores[penalty]:.3f}, accuracy "
              f"{np.mean(right):.3f} (worst project {min(right):.3f})")
    best = min(scores, key=lambda p: scores[p])
    w, b = fit(x, y, len(sections), best)
    print(f"chosen penalty {best}; accuracy on the corpus itself {accuracy(w, b, x, y):.3f}")
    if args.dry_run:
        return 0
    doc = {"about": "Section classifier over sentence embeddings; fitted by benchmarks/fit_sections.py on "
                    "models/section-corpus/ (see models/README.md).",
           "classifiers": [{"framework": FRAMEWORK, "sections": sections, "embedding_model": encoder.identity,
                            "corpus": [p.name for p in files], "corpus_sha256": corpus_digest(files),
                            "sentences": len(texts), "penalty": best,
                            "leave_one_project_out_log_loss": round(scores[best], 4),
                            "weights": np.round(w, 5).tolist(), "bias": np.round(b, 5).tolist()}]}
    OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
