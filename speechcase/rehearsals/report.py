"""What the candidate reads of a reviewed run (``speechcase report RUN``): the data, rendered by
:mod:`speechcase.views.report`.

What the candidate reads first is what the coach said (notes and comments, in
time order); then the talk's goals, met or not in this take, with how the takes
up to this one did; then the flagged moments the coach did not dismiss, each with
the coach's comment beside it (flags the coach agreed with first); then the run's
numbers. Flags the coach dismissed are left out.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from speechcase.core.document import AnalysisDocument
from speechcase.core.formatting import flag_title
from speechcase.core.types import Flag
from speechcase.rehearsals.goals import GoalProgress, progress_until
from speechcase.rehearsals.reviews import FlagReview, run_review
from speechcase.rehearsals.store import RunRow, Store


@dataclass(frozen=True)
class CoachItem:
    """One thing the coach said: a free note, or a comment on a flag (``about`` names the flag)."""

    start: float
    end: float
    text: str
    reviewer: str
    about: str | None
    flag_id: str | None


@dataclass(frozen=True)
class FlagItem:
    flag: Flag
    said: str
    review: FlagReview | None

    @property
    def agreed(self) -> bool:
        return self.review is not None and self.review.decision == "agree"

    @property
    def comment(self) -> str:
        return self.review.comment if self.review else ""


@dataclass(frozen=True)
class Report:
    run: RunRow
    document: AnalysisDocument
    coach: list[CoachItem]
    flags: list[FlagItem]
    reviewers: list[str]
    hidden: int
    #: The talk's goals across its takes up to this run (this run is the latest).
    goals: list[GoalProgress] = field(default_factory=list)


def build_report(store: Store, run_id: int) -> Report:
    """What the candidate sees of a run and its review (dismissed flags left out)."""
    run = store.run(run_id)
    document = store.document(run_id)
    review = run_review(store, run_id)
    coach = [CoachItem(n.start, n.end, n.text, n.reviewer, None, None) for n in review.notes]
    for r in review.reviews:
        if r.comment and r.decision != "dismiss":
            flag = document.flag(r.flag_id) if r.flag_id else None
            about = flag.message if flag else f"{flag_title(r.flag_type)} (an earlier analysis)"
            coach.append(CoachItem(r.start, r.end, r.comment, r.reviewer, about, r.flag_id))
    coach.sort(key=lambda c: (c.start, c.end))
    items = []
    hidden = 0
    for flag in document.flags_in_time_order():
        found = review.for_flag(flag.id)
        if found and found.decision == "dismiss":
            hidden += 1
            continue
        items.append(FlagItem(flag, document.excerpt(flag.start, flag.end), found))
    items.sort(key=lambda i: not i.agreed)  # stable: flags the coach agreed with first, each group in time order
    reviewers = sorted({r.reviewer for r in review.reviews} | {n.reviewer for n in review.notes})
    return Report(run, document, coach, items, reviewers, hidden, progress_until(store, run))
