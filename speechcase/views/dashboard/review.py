"""Coach review state as the dashboard shows it: decided flags marked, comments beside flags and on the
timeline, dismissed flags greyed.

The dashboard reads only this plain view, never the store, so a page can be
rendered with or without a review (``speechcase dashboard --run ID`` passes one).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from speechcase.core.types import ReviewDecision
from speechcase.rehearsals.reviews import RunReview

DISMISSED_COLOUR = "#C4C9CF"
COACH_COLOUR = "#E0A800"
COACH_LANE = "\u270e Coach"


@dataclass(frozen=True)
class FlagMark:
    decision: ReviewDecision
    comment: str
    reviewer: str


@dataclass(frozen=True)
class NoteMark:
    start: float
    end: float
    text: str
    reviewer: str


@dataclass(frozen=True)
class ReviewView:
    flags: dict[str, FlagMark] = field(default_factory=dict)  # by flag id
    notes: list[NoteMark] = field(default_factory=list)

    @classmethod
    def from_run_review(cls, review: RunReview) -> ReviewView:
        """From a stored review (reviews without a current flag have no place here)."""
        return cls({r.flag_id: FlagMark(r.decision, r.comment, r.reviewer) for r in review.reviews if r.flag_id},
                   [NoteMark(n.start, n.end, n.text, n.reviewer) for n in review.notes])

    def mark(self, flag_id: str) -> FlagMark | None:
        return self.flags.get(flag_id)

    def dismissed(self, flag_id: str) -> bool:
        mark = self.flags.get(flag_id)
        return mark is not None and mark.decision == "dismiss"

    @property
    def has_comments(self) -> bool:
        return bool(self.notes) or any(m.comment for m in self.flags.values())
