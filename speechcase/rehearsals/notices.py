"""In-app notices: "a talk was shared with you", "a new take was shared with you", "your take was reviewed".

Notices are written in the same transaction as what they announce and read on
the Talks page. A notice is shown only while its reader may still see the talk
(a revoked share hides it at once) and until it is dismissed.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Literal

from speechcase.rehearsals.store import Store, now

NoticeKind = Literal["shared", "new_take", "reviewed"]


@dataclass(frozen=True)
class Notice:
    id: int
    kind: NoticeKind
    talk_id: int
    run_id: int | None
    text: str
    created_at: str


def add_notice(db: sqlite3.Connection, user_id: int, kind: NoticeKind, talk_id: int, run_id: int | None,
               text: str) -> None:
    """Inside the caller's transaction: one notice; an unread one of the same kind and run is not repeated."""
    if run_id is not None and db.execute(
            "SELECT 1 FROM notices WHERE user_id = ? AND kind = ? AND run_id = ? AND read_at IS NULL",
            (user_id, kind, run_id)).fetchone():
        return
    db.execute("INSERT INTO notices (user_id, kind, talk_id, run_id, text, created_at) VALUES (?, ?, ?, ?, ?, ?)",
               (user_id, kind, talk_id, run_id, text, now()))


def notify_new_take(store: Store, run_id: int) -> None:
    """Tell every coach the run's talk is shared with that a new take arrived."""
    with store.transaction() as db:
        row = db.execute("SELECT r.talk_id, t.name, s.name FROM runs r JOIN talks t ON t.id = r.talk_id "
                         "JOIN speakers s ON s.id = t.speaker_id WHERE r.id = ?", (run_id,)).fetchone()
        if row is None:
            return
        talk_id, talk, speaker = row
        for (coach_id,) in db.execute("SELECT coach_id FROM shares WHERE talk_id = ?", (talk_id,)).fetchall():
            add_notice(db, coach_id, "new_take", talk_id, run_id,
                       f"New take shared with you: run {run_id} of '{talk}' by {speaker}.")


def notify_reviewed(store: Store, run_id: int, reviewer: str) -> None:
    """Tell the run's owner (the account named like its speaker) that a coach reviewed it."""
    with store.transaction() as db:
        row = db.execute("SELECT r.talk_id, t.name, u.id FROM runs r JOIN talks t ON t.id = r.talk_id "
                         "JOIN speakers s ON s.id = t.speaker_id JOIN users u ON u.name = s.name WHERE r.id = ?",
                         (run_id,)).fetchone()
        if row is not None:
            add_notice(db, row[2], "reviewed", row[0], run_id,
                       f"Your take was reviewed: {reviewer} reviewed run {run_id} of '{row[1]}'.")


def unread_notices(store: Store, user_id: int, visible_talks: set[int]) -> list[Notice]:
    """The user's unread notices about talks they may still see, newest first."""
    with store.reading() as db:
        rows = db.execute("SELECT id, kind, talk_id, run_id, text, created_at FROM notices WHERE user_id = ? "
                          "AND read_at IS NULL ORDER BY id DESC LIMIT 50", (user_id,)).fetchall()
    return [Notice(*row) for row in rows if row[2] in visible_talks]


def dismiss_notice(store: Store, user_id: int, notice_id: int) -> bool:
    with store.transaction() as db:
        return bool(db.execute("UPDATE notices SET read_at = ? WHERE id = ? AND user_id = ?",
                               (now(), notice_id, user_id)).rowcount)


def notify_added_by_coach(store: Store, run_id: int, coach_id: int, coach: str, batch_id: int) -> None:
    """A take a coach's batch added: its owner (the account named like its speaker) is told who added it, and
    the coach is not told about their own take ("new take shared with you", once per run of a whole batch)."""
    with store.transaction() as db:
        db.execute("UPDATE notices SET read_at = ? WHERE user_id = ? AND run_id = ? AND kind = 'new_take' "
                   "AND read_at IS NULL", (now(), coach_id, run_id))
        row = db.execute("SELECT r.talk_id, t.name, u.id FROM runs r JOIN talks t ON t.id = r.talk_id "
                         "JOIN speakers s ON s.id = t.speaker_id JOIN users u ON u.name = s.name "
                         "AND u.role = 'candidate' WHERE r.id = ?", (run_id,)).fetchone()
        if row is not None:
            add_notice(db, row[2], "new_take", row[0], run_id,
                       f"{coach} added a take to your talk '{row[1]}' (run {run_id}, from their batch {batch_id}).")
