"""Accepting a take: an upload checked, stored by its content and queued for the workers.

The same checks stand behind the page's upload (drag-and-drop, file picker,
"Record a take") and ``POST /api/takes``: only a candidate uploads, and only
their own takes; the talk name and the framework are checked (a framework is
one of the built-in ones: a server never reads a framework file named by a
user); the file is probed as audio with the CLI's own refusal messages; a
recording this candidate already uploaded is not analysed again. Whatever is
refused leaves nothing on disk.
"""
from __future__ import annotations

import re

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool

from speechcase.analysis.frameworks import DEFAULT_FRAMEWORK, builtin_names
from speechcase.analysis.pipeline import AnalyzeOptions
from speechcase.core.errors import SpeechcaseError
from speechcase.interfaces.web.auth import Caller
from speechcase.interfaces.web.recordings import keep
from speechcase.interfaces.web.settings import WebSettings
from speechcase.interfaces.web.uploads import Upload, UploadRefused, receive_upload, safe_name
from speechcase.rehearsals.jobs import Job, already_done, enqueue_analysis, pending_job
from speechcase.rehearsals.store import Store
from speechcase.service import check_recording

MAX_TALK_NAME = 100


def talk_name(text: str) -> str:
    """A talk name as given, trimmed; refused when empty, too long or holding control characters."""
    name = " ".join((text or "").split())
    if not name:
        raise UploadRefused(400, "Name the talk (pick one of yours or type a new name).")
    if len(name) > MAX_TALK_NAME or re.search(r"[\x00-\x1f\x7f]", name):
        raise UploadRefused(400, f"A talk name has at most {MAX_TALK_NAME} characters and no control characters.")
    return name


def framework_name(text: str | None) -> str:
    name = (text or "").strip() or DEFAULT_FRAMEWORK
    if name not in builtin_names():
        raise UploadRefused(400, f"'{name[:40]}' is not a framework here; use one of {', '.join(builtin_names())}.")
    return name


def stored_run_of(db: Store, speaker: str, sha256: str) -> int | None:
    """A run of ``speaker`` that already analysed this recording (any of their talks)."""
    with db.reading() as conn:
        row = conn.execute("SELECT r.id FROM runs r JOIN talks t ON t.id = r.talk_id JOIN speakers s "
                           "ON s.id = t.speaker_id WHERE s.name = ? AND r.audio_sha256 = ? ORDER BY r.id LIMIT 1",
                           (speaker, sha256)).fetchone()
    return row[0] if row else None


async def accept_take(request: Request, db: Store, settings: WebSettings, who: Caller) -> Job:
    """Receive, check, keep and queue one take; raises :class:`UploadRefused` (nothing kept) or 404 for a
    user who does not upload."""
    if who.user.role != "candidate":
        raise HTTPException(404, "Not found.")
    upload = await receive_upload(request, settings.uploads, settings.max_upload)
    try:
        return await run_in_threadpool(_queue, upload, db, settings, who)
    finally:
        upload.discard()  # kept recordings were moved out of the upload's folder; the rest goes


def _queue(upload: Upload, db: Store, settings: WebSettings, who: Caller) -> Job:
    if upload.path is None:
        raise UploadRefused(400, "Choose a recording to upload (the form's 'file' field).")
    if upload.size == 0:
        raise UploadRefused(422, f"{safe_name(upload.name)} is empty (0 bytes); record or export the talk again.")
    speaker = (upload.fields.get("speaker") or "").strip() or who.user.name
    if speaker != who.user.name:
        raise UploadRefused(403, f"You can upload only your own takes (speaker '{who.user.name}').")
    talk = talk_name(upload.fields.get("talk") or upload.path.stem)
    framework = framework_name(upload.fields.get("framework"))
    name = upload.path.name
    if (run_id := stored_run_of(db, speaker, upload.sha256)) is not None:
        return already_done(db, talk, speaker, name, upload.sha256, run_id)
    if (pending := pending_job(db, speaker, upload.sha256)) is not None:
        return pending
    try:
        check_recording(upload.path, AnalyzeOptions(max_duration=settings.max_duration))
    except SpeechcaseError as exc:
        raise UploadRefused(422, str(exc)) from exc
    kept = keep(upload.path, settings.audio, upload.sha256)  # moved out of the upload's folder
    return enqueue_analysis(db, talk, speaker, framework, str(kept), name, upload.sha256, upload.size)
