"""A section classifier over sentence embeddings, learned from labelled sentences of many projects.

Why: the framework's purpose and five or six example sentences per section are too few prototypes for the
sentences of a project in another domain. A multinomial logistic regression on the same all-MiniLM-L6-v2
vectors, fitted on 1,008 sentences of twelve projects written apart from the evaluation talks
(``models/section-corpus/``, fitted by ``benchmarks/fit_sections.py``), reads a sentence's section from its
meaning rather than from its nearness to a few examples, so a talk that leaves the framework's order keeps its
own more often (docs/accuracy.md, with the talks where it does not help). It costs one matrix product per talk.

The classifier belongs to one framework's sections and one embedding model: it is used only when both match
(the built-in case-study framework, or a framework file with the same id and section ids, with the bundled
embedding model); any other framework or model keeps the prototype similarities and cue words.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

import numpy as np

from speechcase.analysis.embeddings import SentenceEncoder
from speechcase.core.types import Framework

#: The shipped classifiers (one per framework), written by ``benchmarks/fit_sections.py``.
CLASSIFIERS_FILE = "section_classifier.json"


@dataclass(frozen=True)
class SectionClassifier:
    """Weights ``[k, dim]`` and biases ``[k]`` of a softmax over a framework's sections, in framework order."""

    framework: str
    sections: tuple[str, ...]
    embedding_model: str
    weights: np.ndarray
    bias: np.ndarray
    corpus_sha256: str  # names the corpus it was fitted on, so a refitted classifier gives new analysis keys

    def log_probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """Log-probability of each section for each sentence vector ``[n, dim]`` -> ``[n, k]``."""
        logits = vectors @ self.weights.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))


@functools.lru_cache(maxsize=1)
def shipped_classifiers() -> tuple[SectionClassifier, ...]:
    """The classifiers in ``speechcase/data/section_classifier.json`` (none if the file is absent)."""
    path = resources.files("speechcase.data").joinpath(CLASSIFIERS_FILE)
    if not path.is_file():
        return ()
    doc = json.loads(path.read_text(encoding="utf-8"))
    return tuple(SectionClassifier(c["framework"], tuple(c["sections"]), c["embedding_model"],
                                   np.asarray(c["weights"], dtype=np.float32), np.asarray(c["bias"], dtype=np.float32),
                                   c["corpus_sha256"])
                 for c in doc["classifiers"])


def classifier_for(framework: Framework, encoder: SentenceEncoder) -> SectionClassifier | None:
    """The shipped classifier for this framework and embedding model, or None (then prototypes are used)."""
    ids = tuple(spec.id for spec in framework.sections)
    for classifier in shipped_classifiers():
        if (classifier.framework == framework.id and classifier.sections == ids
                and classifier.embedding_model == encoder.identity):
            return classifier
    return None

