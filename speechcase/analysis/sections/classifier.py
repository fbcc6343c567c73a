"""A section classifier over sentence embeddings, learned from labelled sentences of many projects.

Why: the framework's purpose and five or six example sentences per section are too few prototypes for the sentences
of a project in another domain. A multinomial logistic regression on the same all-MiniLM-L6-v2 vectors, fitted on
the labelled sentences of many projects (``models/section-corpus/`` and the sentence banks of our scripted talks,
``benchmarks/talks/banks/``; fitted by ``benchmarks/fit_sections.py``), reads a sentence's section from its meaning
rather than from its nearness to a few examples, so a talk that leaves the framework's order keeps its own more
often (docs/accuracy.md, with the talks where it does not help). It costs one matrix product per talk.

The classifier belongs to one framework's sections and one embedding model: it is used only when both match
(the built-in case-study framework, or a framework file with the same id and section ids, with the bundled
embedding model); any other framework or model keeps the prototype similarities and cue words.

``SPEECHCASE_SECTION_CLASSIFIER`` names another classifiers file (``fit_sections.py --out``) to use instead of the
shipped one. Why: the shipped classifier has read the banks our evaluation talks are spoken from, so a talk is
measured with one fitted without its own bank (as ``eval_kit.py`` does by default); a team with its own labelled talks
can fit and use theirs the same way.
"""
from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from speechcase.analysis.embeddings import SentenceEncoder
from speechcase.core.errors import ModelUnavailable
from speechcase.core.types import Framework

#: Environment variable naming a classifiers file to use instead of the shipped one.
SECTION_CLASSIFIER_ENV = "SPEECHCASE_SECTION_CLASSIFIER"

#: The shipped classifiers (one per framework), written by ``benchmarks/fit_sections.py``.
CLASSIFIERS_FILE = "section_classifier.json"


@dataclass(frozen=True)
class OpenerModel:
    """A logistic regression over sentence vectors: how likely a sentence is to open a section (``weights [dim]``,
    ``bias``), and the share of openers among the sentences it was fitted on (``prior``).

    Why: a speaker opens a section with a sentence that announces its topic ("For the labels, we went to the
    moderators' decisions"), whatever that section is, and the sentence before a boundary reads much like the one
    after it, so which of the two opens the next section is where the sections' own evidence is weakest. Fitted on
    the first sentence of each section of the talk banks against the others (``benchmarks/fit_sections.py``)."""

    weights: np.ndarray
    bias: float
    prior: float

    def log_odds(self, vectors: np.ndarray) -> np.ndarray:
        """How much more each sentence ``[n, dim]`` sounds like a section's opening than the average sentence of
        the fit, in log-odds ``[n]`` (0: as likely as any; positive: an opening)."""
        return vectors @ self.weights + self.bias - float(np.log(self.prior / (1.0 - self.prior)))


@dataclass(frozen=True)
class SectionClassifier:
    """Weights ``[k, dim]`` and biases ``[k]`` of a softmax over a framework's sections, in framework order."""

    framework: str
    sections: tuple[str, ...]
    embedding_model: str
    weights: np.ndarray
    bias: np.ndarray
    corpus_sha256: str  # names the corpus it was fitted on, so a refitted classifier gives new analysis keys
    opener: OpenerModel | None = None

    def log_probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """Log-probability of each section for each sentence vector ``[n, dim]`` -> ``[n, k]``."""
        logits = vectors @ self.weights.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))


def _read(text: str) -> tuple[SectionClassifier, ...]:
    doc = json.loads(text)
    return tuple(SectionClassifier(c["framework"], tuple(c["sections"]), c["embedding_model"],
                                   np.asarray(c["weights"], dtype=np.float32), np.asarray(c["bias"], dtype=np.float32),
                                   c["corpus_sha256"], _opener(c.get("opener")))
                 for c in doc["classifiers"])


def _opener(fitted: dict | None) -> OpenerModel | None:
    if fitted is None:
        return None
    prior = float(fitted["prior"])
    if not 0.0 < prior < 1.0:
        raise ValueError(f"opener prior {prior} is not a share between 0 and 1")
    return OpenerModel(np.asarray(fitted["weights"], dtype=np.float32), float(fitted["bias"]), prior)


@functools.lru_cache(maxsize=1)
def shipped_classifiers() -> tuple[SectionClassifier, ...]:
    """The classifiers in ``speechcase/data/section_classifier.json`` (none if the file is absent)."""
    path = resources.files("speechcase.data").joinpath(CLASSIFIERS_FILE)
    return _read(path.read_text(encoding="utf-8")) if path.is_file() else ()


@functools.lru_cache(maxsize=16)
def classifiers_in(path: str) -> tuple[SectionClassifier, ...]:
    """The classifiers in a file written by ``fit_sections.py --out``."""
    try:
        return _read(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelUnavailable(f"Section classifier file {path} (from {SECTION_CLASSIFIER_ENV}) cannot be read "
                               f"({exc}); unset {SECTION_CLASSIFIER_ENV} or write the file with "
                               f"benchmarks/fit_sections.py --out.") from exc


def active_classifiers() -> tuple[SectionClassifier, ...]:
    """The classifiers in use: the file named by ``SPEECHCASE_SECTION_CLASSIFIER``, else the shipped ones."""
    path = os.environ.get(SECTION_CLASSIFIER_ENV)
    return classifiers_in(path) if path else shipped_classifiers()


def classifier_for(framework: Framework, encoder: SentenceEncoder) -> SectionClassifier | None:
    """The classifier in use (:func:`active_classifiers`) for this framework and embedding model, or None (then
    prototypes are used)."""
    ids = tuple(spec.id for spec in framework.sections)
    for classifier in active_classifiers():
        if (classifier.framework == framework.id and classifier.sections == ids
                and classifier.embedding_model == encoder.identity):
            return classifier
    return None

