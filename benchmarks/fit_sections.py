#!/usr/bin/env python3
"""Fit the section classifier on labelled sentences: ``models/section-corpus/`` and the talk banks.

Two sources, each one file per project:

- ``models/section-corpus/*.json``: twelve projects written for the classifier, ten sentences per section of the
  case-study framework as a candidate would say them (``sections``) and four as a candidate thinking aloud would
  (``rambling``: long run-ons with hedges, options and fillers, as Whisper writes them).
- ``benchmarks/talks/banks/*.json``: the sentence banks our scripted talks are spoken from, each written by its
  own writer for one project (ten to twelve sentences per section and two rambling passages for four of them).
  The kit's markup is read as the generator speaks it: a filler in braces is said as a word, a pause is silence.

Every sentence is embedded with the bundled all-MiniLM-L6-v2 (int8, rounded to float16 as the analysis caches it),
and a multinomial logistic regression with an L2 penalty is fitted on all of them (numpy + scipy's L-BFGS). The
penalty is chosen by grouped cross-validation log-loss (twelve folds, each holding out whole projects): the
classifier has to read projects it has never seen, and its probabilities are weighed against the other evidence,
so they must be calibrated, not only right. Beside it, the opener model (a binary logistic regression, its penalty
chosen the same way) learns which sentences open a section: the banks' writers wrote each section's first
sentence as an opening for it, so the first sentence of each section list is an opening and every other sentence
of the banks is not (the corpus's lists were not written that way and are left out of it). Writes
``speechcase/data/section_classifier.json`` with a digest of the files it read, which a test compares with them.

Why the banks: with them the classifier has read 76 projects by as many writers instead of twelve, and the
sections of talks it has not read improve on every kind of transcript (docs/accuracy.md). The cost is that the
shipped classifier has read the sentences of our own evaluation talks, so those talks are measured with a
classifier fitted without their set's banks (``cross_fitted``, which ``eval_kit.py`` uses), and a held-out set
not yet measured is left out of the shipped fit (``LEFT_OUT``) until it has been.

    python benchmarks/fit_sections.py            # choose the penalty, fit, write the file (about 4 minutes)
    python benchmarks/fit_sections.py --dry-run  # report only
"""
from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import re
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from speechcase.analysis.embeddings import SentenceEncoder
from speechcase.analysis.frameworks import load_framework
from speechcase.analysis.sections.classifier import CLASSIFIERS_FILE, SECTION_CLASSIFIER_ENV

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "models" / "section-corpus"
TALKS = ROOT / "benchmarks" / "talks"
BANKS = TALKS / "banks"
OUT = ROOT / "speechcase" / "data" / CLASSIFIERS_FILE
FRAMEWORK = "case-study"
#: Held-out sets whose banks stay out of the shipped fit: every set planned and written but not yet measured (the
#: shipped classifier must not have read it). Take a set off the list and refit once it has been measured.
LEFT_OUT: tuple[str, ...] = ("heldout18",)
PENALTIES = (0.00001, 0.00003, 0.0001, 0.0003, 0.001)  # L2 on the weights, per training sentence
OPENER_PENALTIES = (0.00001, 0.00003, 0.0001, 0.0003, 0.001)
FOLDS = 12


def corpus_files(folder: Path = CORPUS) -> list[Path]:
    return sorted(folder.glob("*.json"))


def set_banks(set_name: str) -> set[str]:
    """The banks (file stems) the talks of ``benchmarks/talks/SET_NAME/`` are spoken from; none for another set."""
    folder = TALKS / set_name
    if set_name == "banks" or not folder.is_dir():
        return set()
    return {Path(json.loads(spec.read_text())["bank"]).stem for spec in folder.glob("*.json")}


def bank_files(leave_out_sets: tuple[str, ...] = ()) -> list[Path]:
    """The talk banks, without those of the given sets."""
    left_out = set().union(*(set_banks(name) for name in leave_out_sets)) if leave_out_sets else set()
    return [path for path in sorted(BANKS.glob("*.json")) if path.stem not in left_out]


def training_files(leave_out_sets: tuple[str, ...] = ()) -> list[Path]:
    """Every file the classifier is fitted on: the corpus, then the banks."""
    return corpus_files() + bank_files(leave_out_sets)


def corpus_digest(files: list[Path]) -> str:
    """SHA-256 over the files' names and bytes: the shipped classifier names the sentences it was fitted on."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def spoken(text: str) -> str:
    """A bank sentence as the talk generator speaks it: ``{um}`` is said, ``[pause 1.5]`` is silence."""
    text = re.sub(r"\[pause [\d.]+\]", " ", text)
    return re.sub(r"\s+", " ", re.sub(r"\{([^}]*)\}", r"\1", text)).strip()


def load_corpus(files: list[Path], sections: list[str]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Sentences, their section indices, their project indices and whether each opens its section list."""
    texts, labels, groups, first = [], [], [], []
    for g, path in enumerate(files):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for part in ("sections", "rambling"):
            unknown = set(doc.get(part, {})) - set(sections)
            if unknown:
                sys.exit(f"{path.name}: {part} {sorted(unknown)} are not sections of the {FRAMEWORK} framework.")
            for k, section in enumerate(sections):
                for i, text in enumerate(doc.get(part, {}).get(section, [])):
                    texts.append(spoken(text))
                    labels.append(k)
                    groups.append(g)
                    first.append(part == "sections" and i == 0)
    return texts, np.array(labels), np.array(groups), np.array(first)


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


def fit_opener(x: np.ndarray, opens: np.ndarray, penalty: float) -> tuple[np.ndarray, float]:
    """Logistic regression of whether a sentence opens a section: weights ``[dim]`` and bias minimising the mean
    log-loss plus ``penalty * |w|^2 / 2``."""
    n, dim = x.shape
    y = opens.astype(float)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:dim], theta[dim]
        z = x @ w + b
        value = float(np.mean(np.logaddexp(0.0, z) - y * z)) + 0.5 * penalty * float(w @ w)
        delta = (1.0 / (1.0 + np.exp(-z)) - y) / n
        return value, np.concatenate([x.T @ delta + penalty * w, [delta.sum()]])

    result = minimize(loss, np.zeros(dim + 1), jac=True, method="L-BFGS-B", options={"maxiter": 2000})
    return result.x[:dim], float(result.x[dim])


def opener_log_loss(w: np.ndarray, b: float, x: np.ndarray, opens: np.ndarray) -> float:
    z = x @ w + b
    return float(np.mean(np.logaddexp(0.0, z) - opens * z))


def opener_document(w: np.ndarray, b: float, opens: np.ndarray, penalty: float,
                    cv_log_loss: float | None = None) -> dict:
    """The opener model as the classifiers file holds it; ``prior`` is the share of openings it was fitted on."""
    fitted = {"sentences": int(len(opens)), "openings": int(opens.sum()), "prior": round(float(opens.mean()), 6),
              "penalty": penalty}
    if cv_log_loss is not None:
        fitted["grouped_cv_log_loss"] = round(cv_log_loss, 4)
    return {**fitted, "weights": np.round(w, 5).tolist(), "bias": round(b, 5)}


def in_banks(files: list[Path], groups: np.ndarray) -> np.ndarray:
    """Which sentences come from the talk banks (the opener model's sentences)."""
    return np.isin(groups, [g for g, path in enumerate(files) if path.parent == BANKS])


def accuracy(w: np.ndarray, b: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    return float(((x @ w.T + b).argmax(axis=1) == y).mean())


def log_loss(w: np.ndarray, b: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-probability of the right section: how well the probabilities are calibrated."""
    logits = x @ w.T + b
    logits -= logits.max(axis=1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean())


@functools.lru_cache(maxsize=2)
def embedded(files: tuple[Path, ...]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The files' sentences, vectors (as the analysis caches them), section and project indices, and whether each
    opens its section list."""
    sections = [spec.id for spec in load_framework(FRAMEWORK).sections]
    texts, y, groups, first = load_corpus(list(files), sections)
    x = SentenceEncoder().encode(texts).astype(np.float16).astype(np.float64)
    return texts, x, y, groups, first


def classifier_document(files: list[Path], w: np.ndarray, b: np.ndarray, sentences: int, penalty: float,
                        cv_log_loss: float | None = None, opener: dict | None = None) -> dict:
    sections = [spec.id for spec in load_framework(FRAMEWORK).sections]
    fitted = {"framework": FRAMEWORK, "sections": sections, "embedding_model": SentenceEncoder().identity,
              "corpus": [str(p.relative_to(ROOT)) for p in files], "corpus_sha256": corpus_digest(files),
              "sentences": sentences, "penalty": penalty}
    if cv_log_loss is not None:
        fitted["grouped_cv_log_loss"] = round(cv_log_loss, 4)
    return {"about": "Section classifier over sentence embeddings; fitted by benchmarks/fit_sections.py on "
                     "models/section-corpus/ and benchmarks/talks/banks/ (see models/README.md).",
            "classifiers": [{**fitted, "weights": np.round(w, 5).tolist(), "bias": np.round(b, 5).tolist(),
                             **({"opener": opener} if opener is not None else {})}]}


def shipped_fit() -> dict:
    """What the shipped classifier was fitted on and with (its document without the weights)."""
    (shipped,) = json.loads(OUT.read_text())["classifiers"]
    fit = {k: v for k, v in shipped.items() if k not in ("weights", "bias", "opener")}
    if "opener" in shipped:
        fit["opener"] = {k: v for k, v in shipped["opener"].items() if k not in ("weights", "bias")}
    return fit


def cross_fitted(set_name: str, folder: Path) -> Path | None:
    """A classifiers file fitted like the shipped one but without the banks of ``set_name``'s talks, for measuring
    that set; None when the shipped classifier never read them (the kit's talks, a set left out of the fit)."""
    shipped = shipped_fit()
    files = [ROOT / name for name in shipped["corpus"]]
    left_out = set_banks(set_name)
    kept = [p for p in files if not (p.parent == BANKS and p.stem in left_out)]
    if len(kept) == len(files):
        return None
    path = folder / f"section_classifier-without-{set_name}.json"
    digest = corpus_digest(kept)
    if path.exists():
        (written,) = json.loads(path.read_text())["classifiers"]
        if (written["corpus_sha256"], written["penalty"], written.get("opener", {}).get("penalty")) == (
                digest, shipped["penalty"], shipped.get("opener", {}).get("penalty")):
            return path
    texts, x, y, groups, first = embedded(tuple(files))
    keep = np.isin(groups, [files.index(p) for p in kept])
    w, b = fit(x[keep], y[keep], len(shipped["sections"]), shipped["penalty"])
    opener = None
    if "opener" in shipped:
        banks = keep & in_banks(files, groups)
        ow, ob = fit_opener(x[banks], first[banks], shipped["opener"]["penalty"])
        opener = opener_document(ow, ob, first[banks], shipped["opener"]["penalty"])
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(classifier_document(kept, w, b, int(keep.sum()), shipped["penalty"], opener=opener),
                               separators=(",", ":")) + "\n", encoding="utf-8")
    return path


def use_classifier(path: Path | None) -> None:
    """Make the analysis in this process read the classifiers file ``path`` (None: the shipped one), through
    ``SPEECHCASE_SECTION_CLASSIFIER``."""
    if path is None:
        os.environ.pop(SECTION_CLASSIFIER_ENV, None)
    else:
        os.environ[SECTION_CLASSIFIER_ENV] = str(path)


def choose_and_fit_opener(files: list[Path], x: np.ndarray, groups: np.ndarray, first: np.ndarray,
                          penalty: float | None = None) -> dict:
    """The opener model fitted on the banks' sentences, its penalty chosen by grouped cross-validation log-loss."""
    banks = in_banks(files, groups)
    xb, opens, gb = x[banks], first[banks], groups[banks]
    fold = gb % FOLDS
    scores = {}
    for candidate in ([penalty] if penalty else OPENER_PENALTIES):
        losses, ranked = [], np.zeros(len(opens))
        for f in range(FOLDS):
            w, b = fit_opener(xb[fold != f], opens[fold != f], candidate)
            losses.append(opener_log_loss(w, b, xb[fold == f], opens[fold == f]))
            ranked[fold == f] = xb[fold == f] @ w + b
        scores[candidate] = float(np.mean(losses))
        print(f"opener penalty {candidate:<6} grouped {FOLDS}-fold: log-loss {scores[candidate]:.4f}, AUC "
              f"{auc(ranked, opens):.3f} ({int(opens.sum())} openings of {len(opens)} bank sentences)", flush=True)
    best = min(scores, key=lambda p: scores[p])
    w, b = fit_opener(xb, opens, best)
    print(f"opener: chosen penalty {best}")
    return opener_document(w, b, opens, best, scores[best])


def auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve: the chance an opening outranks another sentence."""
    from scipy.stats import rankdata
    ranks = rankdata(scores)
    n1 = int(positive.sum())
    n0 = len(positive) - n1
    return float((ranks[positive].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="report the accuracies, write nothing")
    parser.add_argument("--leave-out-set", action="append", default=list(LEFT_OUT), metavar="SET",
                        help="leave out the banks of benchmarks/talks/SET's talks too (repeatable; always left out: "
                             f"{', '.join(LEFT_OUT) or 'none'}, see LEFT_OUT)")
    parser.add_argument("--penalty", type=float, help="fit with this penalty instead of choosing one")
    parser.add_argument("--opener-penalty", type=float, help="fit the opener model with this penalty instead")
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default {OUT.relative_to(ROOT)})")
    args = parser.parse_args()
    files = training_files(tuple(args.leave_out_set))
    if not corpus_files():
        sys.exit(f"No corpus files in {CORPUS}.")
    sections = [spec.id for spec in load_framework(FRAMEWORK).sections]
    texts, x, y, groups, first = embedded(tuple(files))
    print(f"{len(texts)} sentences, {len(files)} projects ({len(corpus_files())} corpus, "
          f"{len(files) - len(corpus_files())} banks), {len(sections)} sections")

    scores = {}
    fold = groups % FOLDS  # whole projects per fold
    for penalty in ([args.penalty] if args.penalty else PENALTIES):
        right, losses = [], []
        for f in range(FOLDS):
            w, b = fit(x[fold != f], y[fold != f], len(sections), penalty)
            right.append(accuracy(w, b, x[fold == f], y[fold == f]))
            losses.append(log_loss(w, b, x[fold == f], y[fold == f]))
        scores[penalty] = float(np.mean(losses))
        print(f"penalty {penalty:<6} grouped {FOLDS}-fold: log-loss {scores[penalty]:.3f}, accuracy "
              f"{np.mean(right):.3f} (worst fold {min(right):.3f})", flush=True)
    best = min(scores, key=lambda p: scores[p])
    w, b = fit(x, y, len(sections), best)
    print(f"chosen penalty {best}; accuracy on the sentences themselves {accuracy(w, b, x, y):.3f}")
    opener = choose_and_fit_opener(files, x, groups, first, args.opener_penalty)
    if args.dry_run:
        return 0
    doc = classifier_document(files, w, b, len(texts), best, scores[best], opener)
    args.out.write_text(json.dumps(doc, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
