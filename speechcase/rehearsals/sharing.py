"""Who may see which talk: a candidate their own talks, a coach the talks shared with them, nobody else.

A talk belongs to the account named like its speaker. Its owner shares it with
a coach by name (a row in ``shares``) or by a one-time invite link that expires
(``invites``: only the token's hash is stored). Every request checks
:func:`talk_access` against the store, so revoking a share takes effect on the
coach's very next request. Admins manage accounts and own no talk.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from speechcase.core.errors import ShareRefused, UnknownTalk, UnknownUser
from speechcase.rehearsals.accounts import User, find_user, secret_hash
from speechcase.rehearsals.notices import add_notice
from speechcase.rehearsals.store import Store, Talk, now

Access = Literal["owner", "coach"]
INVITE_DAYS = 7


def talk_access(store: Store, user: User, talk_id: int) -> Access | None:
    """How ``user`` may see the talk: as its owner, as a coach it is shared with, or not at all (None)."""
    with store.reading() as db:
        row = db.execute("SELECT s.name FROM talks t JOIN speakers s ON s.id = t.speaker_id WHERE t.id = ?",
                         (talk_id,)).fetchone()
        if row is None:
            return None
        if user.role == "candidate" and row[0] == user.name:
            return "owner"
        if user.role == "coach" and db.execute("SELECT 1 FROM shares WHERE talk_id = ? AND coach_id = ?",
                                               (talk_id, user.id)).fetchone():
            return "coach"
    return None


def run_talk_id(store: Store, run_id: int) -> int | None:
    """The talk a run belongs to, or None when there is no such run."""
    with store.reading() as db:
        row = db.execute("SELECT talk_id FROM runs WHERE id = ?", (run_id,)).fetchone()
    return row[0] if row else None


def visible_talks(store: Store, user: User) -> list[tuple[Talk, Access]]:
    """The talks ``user`` may see, most recently rehearsed first."""
    if user.role == "candidate":
        return [(t, "owner") for t in store.talks() if t.speaker == user.name]
    if user.role == "coach":
        with store.reading() as db:
            shared = {row[0] for row in db.execute("SELECT talk_id FROM shares WHERE coach_id = ?", (user.id,))}
        return [(t, "coach") for t in store.talks() if t.id in shared]
    return []


def find_visible_talk(store: Store, user: User, name: str, speaker: str | None = None) -> Talk:
    """The talk called ``name`` among those ``user`` may see (a coach may need ``speaker`` to pick one)."""
    matches = [t for t, _ in visible_talks(store, user) if t.name == name and speaker in (None, t.speaker)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UnknownTalk(f"Several candidates shared a talk called '{name}'; add ?speaker=NAME.")
    raise UnknownTalk(f"No talk called '{name}'.")


def coach_may_add(store: Store, coach: User, speaker: str, talk: str) -> bool:
    """Whether ``coach`` may add takes to the talk ``talk`` of ``speaker`` (a batch started in the web app): only
    to a talk of a candidate's account that is shared with this coach right now. A coach writes only where they
    may already read, so a batch can neither create a talk in someone's account nor reach a talk that was not
    shared (and "not shared" and "no such talk" are the same answer)."""
    if coach.role != "coach":
        return False
    with store.reading() as db:
        return db.execute(
            "SELECT 1 FROM talks t JOIN speakers s ON s.id = t.speaker_id JOIN users u ON u.name = s.name "
            "AND u.role = 'candidate' JOIN shares sh ON sh.talk_id = t.id AND sh.coach_id = ? "
            "WHERE s.name = ? AND t.name = ?", (coach.id, speaker, talk)).fetchone() is not None


@dataclass(frozen=True)
class Share:
    coach: str
    created_at: str


def shares_of(store: Store, talk_id: int) -> list[Share]:
    with store.reading() as db:
        return [Share(*row) for row in db.execute(
            "SELECT u.name, s.created_at FROM shares s JOIN users u ON u.id = s.coach_id WHERE s.talk_id = ? "
            "ORDER BY u.name", (talk_id,))]


def coaches_of(store: Store, talk_id: int) -> list[int]:
    """User ids of the coaches a talk is shared with."""
    with store.reading() as db:
        return [row[0] for row in db.execute("SELECT coach_id FROM shares WHERE talk_id = ?", (talk_id,))]


def share_talk(store: Store, owner: User, talk: Talk, coach_name: str) -> Share:
    """Share ``talk`` (owned by ``owner``) with the coach called ``coach_name``; sharing twice changes nothing."""
    try:
        coach = find_user(store, coach_name)
    except UnknownUser:
        coach = None
    if coach is None or coach.role != "coach":
        raise ShareRefused(f"There is no coach called '{coach_name}'; ask them for the user name they sign in with.")
    with store.transaction() as db:
        added = db.execute("INSERT OR IGNORE INTO shares (talk_id, coach_id, created_at) VALUES (?, ?, ?)",
                           (talk.id, coach.id, now())).rowcount
        if added:
            add_notice(db, coach.id, "shared", talk.id, None, f"{owner.name} shared the talk '{talk.name}' with you.")
    return next(s for s in shares_of(store, talk.id) if s.coach == coach.name)


def revoke_share(store: Store, talk: Talk, coach_name: str) -> bool:
    """Stop sharing ``talk`` with a coach (and drop their notices about it); False when it was not shared."""
    with store.transaction() as db:
        row = db.execute("SELECT id FROM users WHERE name = ?", (coach_name,)).fetchone()
        if row is None:
            return False
        db.execute("DELETE FROM notices WHERE user_id = ? AND talk_id = ?", (row[0], talk.id))
        return bool(db.execute("DELETE FROM shares WHERE talk_id = ? AND coach_id = ?", (talk.id, row[0])).rowcount)


def create_invite(store: Store, owner: User, talk: Talk, days: int = INVITE_DAYS) -> str:
    """A one-time invite token for ``talk``, valid ``days`` days (shown once; only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    expires = (datetime.now(UTC) + timedelta(days=days)).isoformat(timespec="seconds")
    with store.transaction() as db:
        db.execute("INSERT INTO invites (token_hash, talk_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                   (secret_hash(token), talk.id, owner.id, now(), expires))
    return token


def invite_talk(store: Store, token: str) -> Talk | None:
    """The talk a live (unused, unexpired) invite is for, else None."""
    with store.reading() as db:
        row = db.execute("SELECT talk_id FROM invites WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
                         (secret_hash(token), now())).fetchone()
    if row is None:
        return None
    return next((t for t in store.talks() if t.id == row[0]), None)


def accept_invite(store: Store, coach: User, token: str) -> Talk:
    """Use a one-time invite: the talk is shared with ``coach``; the invite cannot be used again."""
    if coach.role != "coach":
        raise ShareRefused("Only a coach account can accept an invite to review a talk; sign in as the coach.")
    talk = invite_talk(store, token)
    if talk is None:
        raise ShareRefused("This invite link has expired or was already used; ask the candidate for a new one.")
    with store.transaction() as db:
        used = db.execute("UPDATE invites SET used_at = ?, used_by = ? WHERE token_hash = ? AND used_at IS NULL",
                          (now(), coach.id, secret_hash(token))).rowcount
        if not used:
            raise ShareRefused("This invite link was already used; ask the candidate for a new one.")
        added = db.execute("INSERT OR IGNORE INTO shares (talk_id, coach_id, created_at) VALUES (?, ?, ?)",
                           (talk.id, coach.id, now())).rowcount
        if added:
            add_notice(db, coach.id, "shared", talk.id, None,
                       f"{talk.speaker} shared the talk '{talk.name}' with you (invite link).")
    return talk
