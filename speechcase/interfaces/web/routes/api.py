"""The JSON API beside the pages, documented at ``/openapi.json`` and ``/docs``.

Authentication: ``Authorization: Bearer TOKEN`` (``speechcase users token NAME``) or the browser's session
cookie (then state-changing calls need the ``X-CSRF-Token`` header). Another user's talk, run or job answers
404, like one that does not exist.
"""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from speechcase.interfaces.web.access import not_found, own_job, talk_named, visible_run
from speechcase.interfaces.web.auth import Caller, caller, settings_of, store, writer
from speechcase.interfaces.web.recordings import discard_unused
from speechcase.interfaces.web.takes import accept_take
from speechcase.interfaces.web.uploads import UploadRefused
from speechcase.interfaces.web.views import render
from speechcase.rehearsals.jobs import cancel
from speechcase.rehearsals.reviews import run_review
from speechcase.rehearsals.sharing import revoke_share, share_talk, shares_of, visible_talks
from speechcase.rehearsals.store import RunRow, Store, Talk

router = APIRouter(prefix="/api", tags=["api"])
docs_router = APIRouter(include_in_schema=False)


class JobOut(BaseModel):
    job: int = Field(description="The job's id: follow it with GET /api/jobs/{id}.")


class JobState(BaseModel):
    id: int
    state: Literal["queued", "running", "done", "failed", "cancelled"]
    progress: float = Field(description="0..1 over the whole job.")
    stage: str = Field(description="queued, transcribing, analysing, recording, done, failed, cancelled, ...")
    run: int | None = Field(description="The run recorded, once done.")
    error: str | None = Field(description="The one-line reason, when failed.")
    talk: str
    file: str
    kind: str
    created_at: str


class ShareIn(BaseModel):
    coach: str = Field(description="The coach's user name.")


class Problem(BaseModel):
    detail: str


ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": Problem}, 404: {"model": Problem}}


def talk_json(talk: Talk, access: str) -> dict[str, Any]:
    return {"id": talk.id, "name": talk.name, "speaker": talk.speaker, "runs": talk.runs,
            "last_run": talk.last_run, "access": access}


def run_json(run: RunRow) -> dict[str, Any]:
    return {"id": run.id, "uid": run.uid, "talk": run.talk, "speaker": run.speaker, "recorded_at": run.recorded_at,
            "analysed_at": run.analysed_at, "framework": run.framework, "source": run.source_path,
            "metrics": run.metrics, "flag_types": run.flag_types,
            "sections": [{"section": s.section, "title": s.title, "seconds": s.seconds, "share": s.share,
                          "target": list(s.target), "status": s.status} for s in run.sections]}


@router.post("/takes", status_code=202, response_model=JobOut,
             responses={400: {"model": Problem}, 413: {"model": Problem}, 422: {"model": Problem}, **ERRORS},
             openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["file", "talk"], "properties": {
                     "file": {"type": "string", "format": "binary", "description": "The recording (any format the "
                              "CLI takes)."},
                     "talk": {"type": "string", "description": "The talk (an existing one of yours or a new name)."},
                     "speaker": {"type": "string", "description": "Must be your own user name (the default)."},
                     "framework": {"type": "string", "description": "case-study (default), deep-dive or live-case."},
                 }}}}}})
async def post_take(request: Request, who: Caller = Depends(writer), db: Store = Depends(store)) -> Response:
    """Upload a take: it is streamed to disk, checked, and queued for analysis (a recording you uploaded before
    is not analysed again: the job is done at once with that run)."""
    try:
        job = await accept_take(request, db, settings_of(request), who)
    except UploadRefused as exc:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)
    return JSONResponse({"job": job.id}, status_code=202, headers={"Location": f"/api/jobs/{job.id}"})


@router.get("/jobs/{job_id}", response_model=JobState, responses=ERRORS)
def get_job(job_id: int, who: Caller = Depends(caller), db: Store = Depends(store)) -> dict[str, Any]:
    """A job's state and progress."""
    return own_job(db, who, job_id).public()


@router.post("/jobs/{job_id}/cancel", response_model=JobState, responses=ERRORS)
def cancel_job(job_id: int, who: Caller = Depends(writer), db: Store = Depends(store),
               settings=Depends(settings_of)) -> dict[str, Any]:
    """Cancel a queued job (a running one finishes)."""
    job = cancel(db, own_job(db, who, job_id).id)
    if job.state == "cancelled" and job.audio_sha256:
        discard_unused(db, settings.audio, job.audio_sha256)
    return job.public()


@router.get("/talks", responses=ERRORS)
def list_talks(who: Caller = Depends(caller), db: Store = Depends(store)) -> list[dict[str, Any]]:
    """The talks you may see: your own, or (as a coach) those shared with you."""
    return [talk_json(t, a) for t, a in visible_talks(db, who.user)]


@router.get("/talks/{name:path}", responses=ERRORS)
def get_talk(name: str, speaker: str | None = None, who: Caller = Depends(caller),
             db: Store = Depends(store)) -> dict[str, Any]:
    """A talk with its runs, oldest first (a coach with two shared talks of one name adds ?speaker=NAME)."""
    talk, access = talk_named(db, who, name, speaker)
    body = talk_json(talk, access) | {"runs": [run_json(r) for r in db.runs(talk)]}
    if access == "owner":
        body["shared_with"] = [s.coach for s in shares_of(db, talk.id)]
    return body


@router.post("/talks/{name:path}/shares", status_code=201, responses={**ERRORS, 400: {"model": Problem}})
def post_share(name: str, share: ShareIn, who: Caller = Depends(writer), db: Store = Depends(store)) -> dict[str, Any]:
    """Share one of your talks with a coach, by their user name."""
    talk, _ = talk_named(db, who, name, owner_only=True)
    made = share_talk(db, who.user, talk, share.coach)
    return {"talk": talk.name, "coach": made.coach, "created_at": made.created_at}


@router.delete("/talks/{name:path}/shares/{coach}", status_code=204, responses=ERRORS)
def delete_share(name: str, coach: str, who: Caller = Depends(writer), db: Store = Depends(store)) -> Response:
    """Stop sharing a talk with a coach; it takes effect on their next request."""
    talk, _ = talk_named(db, who, name, owner_only=True)
    if not revoke_share(db, talk, coach):
        raise not_found()
    return Response(status_code=204)


@router.get("/runs/{run_id}", responses=ERRORS)
def get_run(run_id: int, who: Caller = Depends(caller), db: Store = Depends(store)) -> dict[str, Any]:
    """A run's summary numbers, sections and flag counts."""
    run, _, _ = visible_run(db, who, run_id)
    return run_json(run)


@router.get("/runs/{run_id}/analysis", responses=ERRORS)
def get_analysis(run_id: int, who: Caller = Depends(caller), db: Store = Depends(store)) -> dict[str, Any]:
    """The run's analysis-v1 document (the analysis.json the CLI writes)."""
    visible_run(db, who, run_id)
    return db.document(run_id).raw


@router.get("/runs/{run_id}/review", responses=ERRORS)
def get_review(run_id: int, who: Caller = Depends(caller), db: Store = Depends(store)) -> dict[str, Any]:
    """The coach review of a run: a decision and comment per flag, and notes on moments."""
    visible_run(db, who, run_id)
    review = run_review(db, run_id)
    return {"reviews": [{"flag": r.flag_id, "type": r.flag_type, "start": r.start, "end": r.end,
                         "decision": r.decision, "comment": r.comment, "reviewer": r.reviewer,
                         "reviewed_at": r.reviewed_at, "matched": r.matched} for r in review.reviews],
            "notes": [{"id": n.id, "start": n.start, "end": n.end, "text": n.text, "reviewer": n.reviewer,
                       "created_at": n.created_at} for n in review.notes]}


@docs_router.get("/openapi.json")
def openapi(request: Request, who: Caller = Depends(caller)) -> Response:
    return JSONResponse(request.app.openapi())


@docs_router.get("/docs")
def docs(request: Request, who: Caller = Depends(caller)) -> Response:
    """The API reference, rendered here from the OpenAPI document (no script or style from elsewhere)."""
    spec = request.app.openapi()
    routes = [(path, method.upper(), op) for path, ops in spec.get("paths", {}).items() for method, op in ops.items()]
    return render(request, "docs.html", who, routes=routes, spec=spec)
