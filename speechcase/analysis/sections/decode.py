"""Decoding: the best sequence of contiguous sections given per-sentence evidence.

A semi-Markov (segment) dynamic programme over sentences. A segment is a run
of consecutive sentences with one section label; its score is the sum of its
sentences' log-evidence plus a score for its length and label (the duration
prior). Moving between segments costs a transition penalty that prefers the
framework's order (the next section is free, skipping ahead costs per skipped
section, going back costs more), and every segment must last at least
``min_seconds``: a one-sentence aside about data in the middle of modeling does
not become a section of its own.

The search is exact: for a segment ending at sentence ``j`` every start ``i``
is tried, O(n^2 k) in all (800 sentences, a 60-minute talk, in about 0.02 s).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp


@dataclass(frozen=True)
class OrderPrior:
    """Transition penalties (natural-log units) between the framework's ordered sections."""

    skip: float        # per section skipped when moving forward
    back: float        # moving to any earlier section
    late_start: float  # per section skipped before the first segment
    closing: tuple[int, ...] = ()  # sections that close the talk ...
    close_exit: float = 0.0        # ... and what leaving one costs, on top of the move itself
    skipped: int = 0               # the first sections, absent from the talk: never entered, and the late start
                                   # counted from the section after them

    def transitions(self, k: int) -> np.ndarray:
        """``[k, k]`` log-scores of going from section ``a`` (row) to section ``b`` (column)."""
        a, b = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
        scores = np.where(b > a, -self.skip * (b - a - 1), -self.back).astype(float)
        for c in self.closing:
            if c < k:
                scores[c] -= self.close_exit
        np.fill_diagonal(scores, -np.inf)  # a segment never continues as itself
        scores[:, :self.skipped] = -np.inf
        return scores

    def initial(self, k: int) -> np.ndarray:
        scores = -self.late_start * (np.arange(k, dtype=float) - self.skipped)
        scores[:self.skipped] = -np.inf
        return scores


@dataclass(frozen=True)
class PreviewPrior:
    """The order prior with one more state, the last: section ``of`` said in brief between the first and second
    sections (results up front), before the talk goes on to the second.

    Why a state of its own: with the order prior alone, results said right after the framing cost two skips and a
    return to the data, 5 natural-log units with the default penalties, more than their words outweigh, so they
    were read as data. Entering the preview costs ``penalty`` instead; it is entered only from the first section
    and left only for the second, so it cannot stand for a return elsewhere in the talk.
    """

    base: OrderPrior
    of: int
    penalty: float

    def transitions(self, k: int) -> np.ndarray:
        """``[k, k]`` log-scores; ``k - 1`` is the preview state."""
        scores = np.full((k, k), -np.inf)
        scores[:-1, :-1] = self.base.transitions(k - 1)
        scores[0, -1] = -self.penalty
        scores[-1, 1] = 0.0
        return scores

    def initial(self, k: int) -> np.ndarray:
        # with the first section absent, results up front open the talk
        return np.append(self.base.initial(k - 1), -self.penalty if self.base.skipped else -np.inf)


def decode(evidence: np.ndarray, starts: np.ndarray, end: float, min_seconds: float,
           prior: OrderPrior | PreviewPrior, duration: Callable[[np.ndarray], np.ndarray] | None = None,
           start_cost: np.ndarray | None = None) -> np.ndarray:
    """Best section index per sentence.

    Parameters
    ----------
    evidence : float array [n_sentences, n_sections]
        Log-evidence of each sentence for each section, already weighted by
        how long the sentence lasts.
    starts : float array [n_sentences]
        Start time of each sentence (seconds, increasing).
    end : float
        End of the last sentence; a segment lasts from its first sentence's
        start to the next segment's start (or ``end``).
    min_seconds : float
        Shortest allowed segment. A talk shorter than that is one segment.
    prior : OrderPrior or PreviewPrior
        Transition penalties (a :class:`PreviewPrior` has one more state than the framework has sections).
    duration : callable, optional
        ``duration(seconds)`` -> float array ``[len(seconds), n_sections]``: a log-score for a segment of each
        length and label (:func:`~speechcase.analysis.sections.duration_prior`); None scores every length 0.
    start_cost : float array [n_sentences], optional
        Log-cost of a new segment starting at each sentence (the first sentence's is ignored): a sentence that
        goes on with the thought before it seldom opens a section.

    Returns
    -------
    int array [n_sentences] of section indices.
    """
    return best_segmentation(evidence, starts, end, min_seconds, prior, duration, start_cost)[0]


def best_segmentation(evidence: np.ndarray, starts: np.ndarray, end: float, min_seconds: float,
                      prior: OrderPrior | PreviewPrior, duration: Callable[[np.ndarray], np.ndarray] | None = None,
                      start_cost: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """:func:`decode`'s labels and their segmentation's score, to weigh one model of the talk against another."""
    n, k = evidence.shape
    if n == 0:
        return np.zeros(0, dtype=int), 0.0
    segment_scores = _SegmentScores(evidence, starts, end, min_seconds, duration)
    trans = prior.transitions(k)
    starting = np.zeros(n) if start_cost is None else np.asarray(start_cost, dtype=float)
    labels_k = np.arange(k)
    # entry[i, s]: best score of a segmentation of [0, i) followed by a segment labelled s starting at i, minus
    # cum[i, s] (for i = 0: the initial penalty); entry_prev[i, s]: that segmentation's last label
    entry = np.full((n + 1, k), -np.inf)
    entry_prev = np.full((n + 1, k), -1, dtype=int)
    entry[0] = prior.initial(k)
    came_from = np.full((n + 1, k, 2), -1, dtype=int)  # (segment start i, previous label) for backtracking
    best = np.full(k, -np.inf)
    for j in range(1, n + 1):
        scores = segment_scores.shaped(entry[:j] + segment_scores.cum[j], j)
        start = np.argmax(scores, axis=0)
        best = scores[start, labels_k]           # best[s]: sentences [0, j) with the last segment labelled s
        came_from[j] = np.stack([start, entry_prev[start, labels_k]], axis=1)
        if j < n:
            via = best[:, None] + trans          # [previous label, label]
            prev = np.argmax(via, axis=0)
            entry[j] = via[prev, labels_k] - segment_scores.cum[j] - starting[j]
            entry_prev[j] = prev

    labels = np.zeros(n, dtype=int)
    j, s = n, int(np.argmax(best))
    score = float(best[s])
    while j > 0:
        i, prev = came_from[j, s]
        labels[i:j] = s
        j, s = int(i), int(prev)
    return labels, score


def posteriors(evidence: np.ndarray, starts: np.ndarray, end: float, min_seconds: float,
               prior: OrderPrior | PreviewPrior, duration: Callable[[np.ndarray], np.ndarray] | None = None,
               start_cost: np.ndarray | None = None) -> np.ndarray:
    """Probability of each label for each sentence, summed over every segmentation the decoder weighs.

    The same model as :func:`decode` (arguments alike), read as a distribution over segmentations: each one's
    probability is proportional to the exponential of its score. Forward-backward over segments, exact, O(n^2 k)
    like the decoder.

    Why: the best segmentation says where the sections are, not how sure that is. Where two readings score
    alike (a transition the speaker did not mark, garbled words), the label's probability falls, so the analysis
    can say which stretches are uncertain instead of presenting every boundary as fact (docs/accuracy.md has
    the calibration on the evaluation talks).

    Returns
    -------
    float array [n_sentences, n_labels], rows summing to 1.
    """
    return label_posteriors(evidence, starts, end, min_seconds, prior, duration, start_cost)[0]


def label_posteriors(evidence: np.ndarray, starts: np.ndarray, end: float, min_seconds: float,
                     prior: OrderPrior | PreviewPrior, duration: Callable[[np.ndarray], np.ndarray] | None = None,
                     start_cost: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """:func:`posteriors` and the log of the summed exponential score of every segmentation (the model's
    evidence), to weigh one model of the talk against another."""
    n, k = evidence.shape
    if n == 0:
        return np.zeros((0, k)), 0.0
    segment_scores = _SegmentScores(evidence, starts, end, min_seconds, duration)
    trans = prior.transitions(k)
    starting = np.zeros(n) if start_cost is None else np.asarray(start_cost, dtype=float)
    # entry[i, s]: log-sum over segmentations of [0, i) with a segment labelled s starting at i (start cost paid)
    entry = np.full((n + 1, k), -np.inf)
    entry[0] = prior.initial(k)
    for j in range(1, n):
        finished = logsumexp(entry[:j] + segment_scores.ending_at(j), axis=0)  # a segment labelled s ends at j
        entry[j] = logsumexp(finished[:, None] + trans, axis=0) - starting[j]
    # after[j, s]: log-sum over the rest of the talk once a segment labelled s ends at j; segments are visited
    # by their end, last first, so every segment starting at j has been added to from_start[j] when j is reached
    after = np.full((n + 1, k), -np.inf)
    after[n] = 0.0
    from_start = np.full((n + 1, k), -np.inf)
    total = logsumexp(entry[:n] + segment_scores.ending_at(n), axis=0)
    log_z = float(logsumexp(total, axis=0))
    spread = np.zeros((n + 1, k))  # probability of each segment [i, j) added at i and taken off at j
    for j in range(n, 0, -1):
        if j < n:
            after[j] = logsumexp(trans + (from_start[j] - starting[j])[None, :], axis=1)
        inner = segment_scores.ending_at(j) + after[j]      # [j, k]: the segment [i, j) and what follows
        from_start[:j] = np.logaddexp(from_start[:j], inner)
        p = np.exp(entry[:j] + inner - log_z)
        spread[:j] += p
        spread[j] -= p.sum(axis=0)
    marginals = np.clip(np.cumsum(spread, axis=0)[:n], 0.0, 1.0)
    return marginals / np.maximum(marginals.sum(axis=1, keepdims=True), 1e-12), log_z


class _SegmentScores:
    """Scores of every segment ``[i, j)``: its sentences' evidence, its length's duration score, and ``-inf``
    where it is shorter than the shortest allowed section (the whole talk excepted)."""

    def __init__(self, evidence: np.ndarray, starts: np.ndarray, end: float, min_seconds: float,
                 duration: Callable[[np.ndarray], np.ndarray] | None) -> None:
        self.n = evidence.shape[0]
        self.bounds = np.append(np.asarray(starts, dtype=float), end)  # bounds[i]: start of sentence i; [n]: end
        self.cum = np.vstack([np.zeros(evidence.shape[1]), np.cumsum(evidence, axis=0)])  # evidence of [0, j)
        self.min_seconds = min_seconds
        self.duration = duration

    def ending_at(self, j: int) -> np.ndarray:
        """``[j, k]``: the score of the segment ``[i, j)`` for every start ``i < j`` and label."""
        return self.shaped(self.cum[j] - self.cum[:j], j)

    def shaped(self, scores: np.ndarray, j: int) -> np.ndarray:
        """``scores`` ``[j, k]`` of the segments ending at ``j`` plus their length's score, ``-inf`` where too short."""
        length = self.bounds[j] - self.bounds[:j]
        if self.duration is not None:
            scores = scores + self.duration(length)
        too_short = length < self.min_seconds
        too_short[0] &= j < self.n  # the whole talk is one segment even when short
        scores[too_short] = -np.inf
        return scores


def runs(labels: np.ndarray) -> list[tuple[int, int, int]]:
    """``(first, stop, label)`` for each run of equal labels."""
    found: list[tuple[int, int, int]] = []
    for i, label in enumerate(labels.tolist()):
        if found and found[-1][2] == label:
            found[-1] = (found[-1][0], i + 1, label)
        else:
            found.append((i, i + 1, label))
    return found
