"""Which coach review belongs to which flag after a run is analysed again.

A review keeps its own copy of the flag's type and span, so when a run is
analysed again (``speechcase runs reanalyze``, or the same recording analysed
again) each review can find its flag among the new ones: same type, overlapping
span, best overlap first. Pure functions over plain data; the store applies the
result inside the transaction that writes the new analysis.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from speechcase.core.types import Flag


@dataclass(frozen=True)
class StoredReview:
    """What matching needs of a stored review: its row id, the flag type and span it was about, the flag id it
    last had."""

    id: int
    flag_type: str
    start: float
    end: float
    last_flag_id: str


def span_overlap(a: tuple[float, float], b: tuple[float, float]) -> float | None:
    """How much two spans overlap (intersection over union, 0..1); None when they do not.

    Spans with length must share some time (touching ends is not overlap: two
    neighbouring sections both flagged "over" are different flags). A span of no
    length (a point) overlaps a span that contains it.
    """
    low, high = max(a[0], b[0]), min(a[1], b[1])
    a_len, b_len = a[1] - a[0], b[1] - b[0]
    if a_len > 0 and b_len > 0:
        if high <= low:
            return None
        return (high - low) / (max(a[1], b[1]) - min(a[0], b[0]))
    if high < low:
        return None
    union = max(a[1], b[1]) - min(a[0], b[0])
    return 1.0 if union == 0 else 0.0


def match_reviews(reviews: Iterable[StoredReview], flags: Iterable[Flag]) -> dict[int, Flag]:
    """Review id -> its flag in the new analysis; reviews without one are left out.

    Pairs of (review, flag) of the same type whose spans overlap are taken best
    overlap first (a review stays on the flag id it had when the overlap ties),
    one review per flag and one flag per review.
    """
    flags = list(flags)
    pairs = []
    for review in reviews:
        for flag in flags:
            if flag.type != review.flag_type:
                continue
            score = span_overlap((review.start, review.end), (flag.start, flag.end))
            if score is not None:
                pairs.append((-score, flag.id != review.last_flag_id, review.id, flag))
    pairs.sort(key=lambda p: (p[0], p[1], p[2], p[3].id))
    matched: dict[int, Flag] = {}
    taken: set[str] = set()
    for _, _, review_id, flag in pairs:
        if review_id in matched or flag.id in taken:
            continue
        matched[review_id] = flag
        taken.add(flag.id)
    return matched
