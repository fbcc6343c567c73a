"""Decoding: the best sequence of contiguous sections given per-sentence evidence.

A semi-Markov (segment) dynamic programme over sentences. A segment is a run
of consecutive sentences with one section label; its score is the sum of its
sentences' log-evidence. Moving between segments costs a transition penalty
that prefers the framework's order (the next section is free, skipping ahead
costs per skipped section, going back costs more), and every segment must last
at least ``min_seconds``: a one-sentence aside about data in the middle of
modeling does not become a section of its own.

The search is exact and linear in the number of sentences: for a segment
ending at sentence ``j`` the valid starts ``i`` form a prefix (``starts[j] -
starts[i] >= min_seconds``), so the best start is a running maximum.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class OrderPrior:
    """Transition penalties (natural-log units) between the framework's ordered sections."""

    skip: float        # per section skipped when moving forward
    back: float        # moving to any earlier section
    late_start: float  # per section skipped before the first segment

    def transitions(self, k: int) -> np.ndarray:
        """``[k, k]`` log-scores of going from section ``a`` (row) to section ``b`` (column)."""
        a, b = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
        scores = np.where(b > a, -self.skip * (b - a - 1), -self.back).astype(float)
        np.fill_diagonal(scores, -np.inf)  # a segment never continues as itself
        return scores

    def initial(self, k: int) -> np.ndarray:
        return -self.late_start * np.arange(k, dtype=float)


def decode(evidence: np.ndarray, starts: np.ndarray, end: float, min_seconds: float,
           prior: OrderPrior) -> np.ndarray:
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
    prior : OrderPrior
        Transition penalties.

    Returns
    -------
    int array [n_sentences] of section indices.
    """
    n, k = evidence.shape
    if n == 0:
        return np.zeros(0, dtype=int)
    bounds = np.append(np.asarray(starts, dtype=float), end)  # bounds[i]: start of sentence i; bounds[n]: end
    cum = np.vstack([np.zeros(k), np.cumsum(evidence, axis=0)])  # cum[j] = evidence of sentences [0, j)
    trans, init = prior.transitions(k), prior.initial(k)

    best = np.full((n + 1, k), -np.inf)   # best[j, s]: sentences [0, j) with the last segment labelled s
    came_from = np.full((n + 1, k, 2), -1, dtype=int)  # (segment start i, previous label) for backtracking
    # entry[i, s]: best score of a segmentation of [0, i) followed by a segment labelled s starting at i,
    # minus cum[i, s]; running[s] is its maximum over the valid starts seen so far.
    running = np.full(k, -np.inf)
    running_at = np.full((k, 2), -1, dtype=int)
    next_start = 1
    for j in range(1, n + 1):
        # Starts i >= 1 whose segment [i, j) is long enough; they only grow with j.
        while next_start < j and bounds[j] - bounds[next_start] >= min_seconds:
            i = next_start
            via = best[i][:, None] + trans          # [previous label, label]
            prev = np.argmax(via, axis=0)
            entry = via[prev, np.arange(k)] - cum[i]
            better = entry > running
            running = np.where(better, entry, running)
            running_at[better] = np.stack([np.full(k, i), prev], axis=1)[better]
            next_start += 1
        best[j] = cum[j] + running
        came_from[j] = running_at
        if bounds[j] - bounds[0] >= min_seconds or j == n:  # the first segment, [0, j)
            first = cum[j] + init
            better = first > best[j]
            best[j] = np.where(better, first, best[j])
            came_from[j][better] = [0, -1]

    labels = np.zeros(n, dtype=int)
    j, s = n, int(np.argmax(best[n]))
    while j > 0:
        i, prev = came_from[j, s]
        labels[i:j] = s
        j, s = int(i), int(prev)
    return labels


def runs(labels: np.ndarray) -> list[tuple[int, int, int]]:
    """``(first, stop, label)`` for each run of equal labels."""
    found: list[tuple[int, int, int]] = []
    for i, label in enumerate(labels.tolist()):
        if found and found[-1][2] == label:
            found[-1] = (found[-1][0], i + 1, label)
        else:
            found.append((i, i + 1, label))
    return found
