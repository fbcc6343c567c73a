"""Time covered by a sorted list of spans: one helper for the stages that ask how much of a stretch is speech,
or is inside written words."""
from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Protocol


class Span(Protocol):
    @property
    def start(self) -> float: ...

    @property
    def end(self) -> float: ...


def seconds_covered(spans: Sequence[Span], starts: Sequence[float], start: float, end: float) -> float:
    """Seconds of ``[start, end]`` that lie inside ``spans``.

    Args:
        spans: Spans sorted by start (speech regions, words).
        starts: Their start times, for the binary search (built once by the caller, as it asks many times).
        start: Beginning of the stretch, in seconds.
        end: End of the stretch, in seconds.

    Returns:
        The overlap in seconds (overlapping spans count each time they cover the stretch).
    """
    k = max(0, bisect.bisect_left(starts, start) - 1)
    covered = 0.0
    while k < len(spans) and spans[k].start < end:
        covered += max(0.0, min(end, spans[k].end) - max(start, spans[k].start))
        k += 1
    return covered
