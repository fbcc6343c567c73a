"""Resolving what a request names (a talk, a run, a job) for the user asking, or 404.

Every route that takes an id or a name goes through these functions, so
"another user's talk" and "no such talk" are the same answer: 404, with the
same text, whatever exists in the store.
"""
from __future__ import annotations

from fastapi import HTTPException

from speechcase.core.errors import UnknownJob, UnknownRun, UnknownTalk
from speechcase.interfaces.web.auth import Caller
from speechcase.rehearsals.jobs import Job, get_job
from speechcase.rehearsals.sharing import Access, find_visible_talk, run_talk_id, talk_access
from speechcase.rehearsals.store import RunRow, Store, Talk

NOT_FOUND = "Not found."


def not_found() -> HTTPException:
    return HTTPException(404, NOT_FOUND)


def talk_by_id(db: Store, talk_id: int) -> Talk | None:
    return next((t for t in db.talks() if t.id == talk_id), None)


def visible_talk(db: Store, who: Caller, talk_id: int, owner_only: bool = False) -> tuple[Talk, Access]:
    access = talk_access(db, who.user, talk_id)
    talk = talk_by_id(db, talk_id) if access else None
    if talk is None or access is None or (owner_only and access != "owner"):
        raise not_found()
    return talk, access


def talk_named(db: Store, who: Caller, name: str, speaker: str | None = None,
               owner_only: bool = False) -> tuple[Talk, Access]:
    """The talk called ``name`` among those the caller may see (the API names talks; a coach with two shared
    talks of one name passes ``speaker``); with ``owner_only``, only the caller's own talk."""
    try:
        talk = find_visible_talk(db, who.user, name, speaker)
    except UnknownTalk:
        raise not_found() from None
    return visible_talk(db, who, talk.id, owner_only)


def visible_run(db: Store, who: Caller, run_id: int, owner_only: bool = False) -> tuple[RunRow, Talk, Access]:
    talk_id = run_talk_id(db, run_id)
    if talk_id is None:
        raise not_found()
    talk, access = visible_talk(db, who, talk_id, owner_only)
    try:
        return db.run(run_id), talk, access
    except UnknownRun:
        raise not_found() from None


def own_job(db: Store, who: Caller, job_id: int) -> Job:
    """A job of the caller's own (jobs are the uploader's business only)."""
    try:
        job = get_job(db, job_id)
    except UnknownJob:
        raise not_found() from None
    if who.user.role != "candidate" or job.speaker != who.user.name:
        raise not_found()
    return job
