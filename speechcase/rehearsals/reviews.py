"""The coach review, as stored: a decision and comment per flag of a run, and free notes on time spans.

A review keeps its own copy of the flag's type and span (``flag_reviews``), so
when a run is analysed again (``speechcase runs reanalyze``, or the same
recording analysed again) the store finds each review's flag among the new
flags (:mod:`speechcase.rehearsals.matching`): same type, overlapping span, best overlap first. A review
whose flag is gone is kept, marked unmatched (``flag_id`` NULL), and shown by the
CLI; it is attached again if a later analysis brings a matching flag back.
Notes (``coach_notes``) are anchored to times in the recording, which do not
change when the analysis does.
"""
from __future__ import annotations

import getpass
import os
from dataclasses import dataclass

from speechcase.core.document import AnalysisDocument
from speechcase.core.errors import BadTimeSpan, UnknownFlag
from speechcase.core.formatting import format_duration
from speechcase.core.types import REVIEW_DECISIONS, Flag, ReviewDecision
from speechcase.rehearsals.store import Store, now

REVIEWER_ENV = "SPEECHCASE_REVIEWER"


@dataclass(frozen=True)
class FlagReview:
    """A coach's word on one flag. ``flag_id`` is None while no flag of the current analysis matches it."""

    id: int
    run_id: int
    flag_id: str | None
    last_flag_id: str
    flag_type: str
    start: float
    end: float
    decision: ReviewDecision
    comment: str
    reviewer: str
    reviewed_at: str
    unmatched_at: str | None

    @property
    def matched(self) -> bool:
        return self.flag_id is not None


@dataclass(frozen=True)
class CoachNote:
    """A coach's own remark on a moment of the talk (flagged by the tool or not)."""

    id: int
    run_id: int
    start: float
    end: float
    text: str
    reviewer: str
    created_at: str


@dataclass(frozen=True)
class RunReview:
    """Everything a coach said about one run."""

    reviews: list[FlagReview]
    notes: list[CoachNote]

    def for_flag(self, flag_id: str) -> FlagReview | None:
        return next((r for r in self.reviews if r.flag_id == flag_id), None)

    @property
    def unmatched(self) -> list[FlagReview]:
        return [r for r in self.reviews if not r.matched]


def default_reviewer() -> str:
    """``$SPEECHCASE_REVIEWER``, else the login name."""
    if os.environ.get(REVIEWER_ENV):
        return os.environ[REVIEWER_ENV]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "coach"


def find_flag(document: AnalysisDocument, flag_ref: str) -> Flag:
    """The document's flag called ``f-003`` (also accepted: ``3`` or ``003``)."""
    ref = flag_ref.strip().lower()
    wanted = f"f-{int(ref):03d}" if ref.isdigit() else ref
    for flag in document.flags:
        if flag.id.lower() == wanted:
            return flag
    known = ", ".join(f.id for f in document.flags[:8]) + ("..." if len(document.flags) > 8 else "")
    raise UnknownFlag(f"This run has no flag '{flag_ref}'" + (f" (its flags: {known})" if known else " (it has no flags)")
                      + "; `speechcase review RUN --list` shows them.")


# -- reading ------------------------------------------------------------------------------------------------

_REVIEW_COLUMNS = ("id, run_id, flag_id, last_flag_id, flag_type, start_s, end_s, decision, comment, reviewer, "
                   "reviewed_at, unmatched_at")


def run_review(store: Store, run_id: int) -> RunReview:
    """The reviews (matched ones in time order, then unmatched) and notes of a run."""
    store.run(run_id)  # an unknown run is an error, not an empty review
    with store.reading() as db:
        reviews = [FlagReview(*row) for row in db.execute(
            f"SELECT {_REVIEW_COLUMNS} FROM flag_reviews WHERE run_id = ? "
            "ORDER BY flag_id IS NULL, start_s, end_s, id", (run_id,))]
        notes = [CoachNote(*row) for row in db.execute(
            "SELECT id, run_id, start_s, end_s, text, reviewer, created_at FROM coach_notes WHERE run_id = ? "
            "ORDER BY start_s, end_s, id", (run_id,))]
    return RunReview(reviews, notes)


# -- writing ------------------------------------------------------------------------------------------------

def record_decision(store: Store, run_id: int, flag: Flag, decision: ReviewDecision | None, comment: str | None,
                    reviewer: str) -> FlagReview:
    """Set the decision and/or comment on one flag of a run; ``None`` keeps what was there.

    One review per flag: a later word (by the same or another coach) replaces the
    earlier one, with its reviewer and time.
    """
    if decision is not None and decision not in REVIEW_DECISIONS:
        raise ValueError(f"decision must be one of {REVIEW_DECISIONS}")
    with store.transaction() as db:
        store.require_run(db, run_id)
        old = db.execute("SELECT id, decision, comment FROM flag_reviews WHERE run_id = ? AND flag_id = ?",
                         (run_id, flag.id)).fetchone()
        if old:
            db.execute("UPDATE flag_reviews SET decision = ?, comment = ?, reviewer = ?, reviewed_at = ?, "
                       "flag_type = ?, start_s = ?, end_s = ? WHERE id = ?",
                       (decision or old[1], old[2] if comment is None else comment, reviewer, now(), flag.type,
                        flag.start, flag.end, old[0]))
            review_id = old[0]
        else:
            review_id = db.execute(
                "INSERT INTO flag_reviews (run_id, flag_id, last_flag_id, flag_type, start_s, end_s, decision, "
                "comment, reviewer, reviewed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, flag.id, flag.id, flag.type, flag.start, flag.end, decision or "unset",
                 comment or "", reviewer, now())).lastrowid
        row = db.execute(f"SELECT {_REVIEW_COLUMNS} FROM flag_reviews WHERE id = ?", (review_id,)).fetchone()
    return FlagReview(*row)


def add_note(store: Store, run_id: int, start: float, end: float, text: str, reviewer: str) -> CoachNote:
    """A free note on the span ``start``-``end`` of a run's recording."""
    with store.transaction() as db:
        store.require_run(db, run_id)
        created = now()
        note_id = db.execute("INSERT INTO coach_notes (run_id, start_s, end_s, text, reviewer, created_at) "
                             "VALUES (?, ?, ?, ?, ?, ?)", (run_id, start, end, text, reviewer, created)).lastrowid
    return CoachNote(int(note_id or 0), run_id, start, end, text, reviewer, created)


def delete_note(store: Store, run_id: int, note_id: int, reviewer: str) -> bool:
    """Delete a note of a run written by ``reviewer``; False when there is no such note of theirs."""
    with store.transaction() as db:
        return bool(db.execute("DELETE FROM coach_notes WHERE id = ? AND run_id = ? AND reviewer = ?",
                               (note_id, run_id, reviewer)).rowcount)


# -- precision feedback -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TypeStats:
    """How coaches judged one flag type (in one talk, or in all)."""

    talk: str | None
    flag_type: str
    flags: int
    agreed: int
    dismissed: int
    undecided: int

    @property
    def decided(self) -> int:
        return self.agreed + self.dismissed

    @property
    def agree_share(self) -> float | None:
        return self.agreed / self.decided if self.decided else None


def review_stats(store: Store, talk: str | None = None, by_talk: bool = False,
                 reviewer: str | None = None, talk_ids: list[int] | None = None) -> list[TypeStats]:
    """Per flag type (and per talk when ``by_talk``): flags stored, agreed, dismissed, reviewed without decision.

    Reviews that lost their flag in a re-analysis still count: they are the
    coach's judgment of a flag the tool raised.

    Args:
        talk: Only the talk of this name.
        reviewer: Only this coach's decisions.
        talk_ids: Only these talks (the web app passes the talks shared with a coach).
    """
    group = "t.name" if by_talk else "NULL"
    talk_filter, args = ("AND t.name = ?", [talk]) if talk else ("", [])
    args_list: list[object] = list(args)
    if talk_ids is not None:
        talk_filter += f" AND t.id IN ({', '.join('?' * len(talk_ids))})"
        args_list += talk_ids
    who, who_args = ("AND v.reviewer = ?", [reviewer]) if reviewer else ("", [])
    with store.reading() as db:
        counted = db.execute(
            f"SELECT {group}, v.flag_type, SUM(v.decision = 'agree'), SUM(v.decision = 'dismiss'), "
            f"SUM(v.decision = 'unset') FROM flag_reviews v JOIN runs r ON r.id = v.run_id "
            f"JOIN talks t ON t.id = r.talk_id WHERE 1 {talk_filter} {who} GROUP BY 1, 2",
            args_list + who_args).fetchall()
        stored = db.execute(
            f"SELECT {group}, f.type, COUNT(*) FROM run_flags f JOIN runs r ON r.id = f.run_id "
            f"JOIN talks t ON t.id = r.talk_id WHERE 1 {talk_filter} GROUP BY 1, 2", args_list).fetchall()
    flags = {(g, t): n for g, t, n in stored}
    rows = [TypeStats(g, t, flags.get((g, t), 0), a, d, u) for g, t, a, d, u in counted]
    return sorted(rows, key=lambda s: (s.talk or "", s.flag_type))


# -- time spans typed by a coach ----------------------------------------------------------------------------

def parse_time(text: str) -> float:
    """``83``, ``83.5``, ``1:23`` or ``1:02:03`` -> seconds; ValueError otherwise."""
    parts = text.strip().split(":")
    if not 1 <= len(parts) <= 3 or any(not p or not p.replace(".", "", 1).isdigit() for p in parts):
        raise ValueError(text)
    if any("." in p for p in parts[:-1]) or any(float(p) >= 60 for p in parts[1:]):
        raise ValueError(text)
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


def parse_span(text: str, duration: float) -> tuple[float, float]:
    """``START`` or ``START-END`` inside a recording of ``duration`` seconds -> (start, end)."""
    hint = "use START or START-END with times like 83, 1:23 or 1:02:03"
    try:
        start_text, _, end_text = text.partition("-")
        start = parse_time(start_text)
        end = parse_time(end_text) if end_text else start
    except ValueError as exc:
        raise BadTimeSpan(f"'{text}' is not a time span; {hint}.") from exc
    if end < start:
        raise BadTimeSpan(f"The span '{text}' ends before it starts; {hint}.")
    if start > duration + 0.5:
        raise BadTimeSpan(f"The span '{text}' starts after the recording ends ({format_duration(duration)}); {hint}.")
    return round(start, 2), round(min(end, duration), 2)
