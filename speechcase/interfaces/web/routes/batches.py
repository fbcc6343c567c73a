"""A coach's batches in the browser: start one (recordings and their manifest uploaded together), follow each
recording's progress, cancel, run again, delete; and the same in the JSON API.

A batch is its coach's alone: anyone else (another coach, a candidate, an admin)
gets 404 for it, the same answer as for a batch that does not exist. The
numbers of a recorded take are on its run page, which checks the share on every
request; a batch page links a run only while its talk is still shared.
"""
from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from speechcase.analysis.frameworks import DEFAULT_FRAMEWORK, builtin_names
from speechcase.interfaces.web.access import not_found
from speechcase.interfaces.web.auth import Caller, caller, require_role, settings_of, store, writer
from speechcase.interfaces.web.batch_intake import FILE_FIELDS, NO_DASK, accept_batch, batches_available
from speechcase.interfaces.web.uploads import UploadRefused, human_size
from speechcase.interfaces.web.views import render
from speechcase.rehearsals.batches import (
    Batch,
    BatchItemRow,
    batch_items,
    batches_of,
    cancel_batch,
    delete_batch,
    find_batch,
    item_counts,
    rerun_batch,
)
from speechcase.rehearsals.sharing import run_talk_id, talk_access
from speechcase.rehearsals.store import Store

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["api"])


def own_batch(db: Store, who: Caller, batch_id: int) -> Batch:
    """A batch of the signed-in coach, else 404."""
    batch = find_batch(db, batch_id)
    if batch is None or who.user.role != "coach" or batch.coach_id != who.user.id:
        raise not_found()
    return batch


def visible_runs(db: Store, who: Caller, items: list[BatchItemRow]) -> set[int]:
    """The runs of these items the coach may open now (their talk still shared)."""
    return {i.run_id for i in items if i.run_id is not None and (talk_id := run_talk_id(db, i.run_id)) is not None
            and talk_access(db, who.user, talk_id) == "coach"}


def batch_view(db: Store, who: Caller, batch: Batch) -> dict[str, Any]:
    """What the batch page and its progress fragment show: the items, counts, overall progress and an estimate
    of the time left (from the recordings analysed so far in this run of the batch)."""
    items = batch_items(db, batch.id)
    counts = Counter(i.status for i in items)
    settled = sum(i.settled for i in items)
    running = [i for i in items if i.status == "analysing"]
    progress = (settled + sum(i.progress for i in running)) / len(items) if items else 1.0
    left = None
    analysed = [i for i in items if i.status in ("recorded", "updated") and i.seconds > 0]
    if batch.state == "running" and batch.started_at and analysed:
        elapsed = (datetime.now(UTC) - datetime.fromisoformat(batch.started_at)).total_seconds()
        todo = counts["waiting"] + sum(1 - i.progress for i in running)
        left = elapsed / (len(analysed) + sum(i.progress for i in running)) * todo if todo else 0.0
    return {"batch": batch, "items": items, "counts": counts, "progress": progress, "left": left,
            "runs": visible_runs(db, who, items)}


@router.get("/batches")
def batches_page(request: Request, who: Caller = Depends(caller), db: Store = Depends(store),
                 settings=Depends(settings_of)) -> Response:
    require_role(who, "coach")
    batches = batches_of(db, who.user.id)
    return render(request, "batches.html", who, batches=batches, counts=item_counts(db, [b.id for b in batches]),
                  frameworks=builtin_names(), default_framework=DEFAULT_FRAMEWORK, max_files=FILE_FIELDS["files"],
                  max_upload=settings.max_upload, max_upload_text=human_size(settings.max_upload),
                  available=batches_available(), no_dask=NO_DASK)


@router.get("/batches/{batch_id}")
def batch_page(request: Request, batch_id: int, who: Caller = Depends(caller), db: Store = Depends(store)) -> Response:
    return render(request, "batch.html", who, **batch_view(db, who, own_batch(db, who, batch_id)))


@router.get("/batches/{batch_id}/progress")
def batch_progress(request: Request, batch_id: int, who: Caller = Depends(caller),
                   db: Store = Depends(store)) -> Response:
    """The fragment htmx polls while the batch is queued or running."""
    return render(request, "_batch_progress.html", who, **batch_view(db, who, own_batch(db, who, batch_id)))


@router.post("/batches/{batch_id}/cancel")
def batch_cancel(batch_id: int, who: Caller = Depends(writer), db: Store = Depends(store)) -> Response:
    cancel_batch(db, own_batch(db, who, batch_id).id)
    return RedirectResponse(f"/batches/{batch_id}", status_code=303)


@router.post("/batches/{batch_id}/rerun")
def batch_rerun(request: Request, batch_id: int, who: Caller = Depends(writer), db: Store = Depends(store)) -> Response:
    rerun_batch(db, own_batch(db, who, batch_id).id)
    request.app.state.batch_driver.wake()
    return RedirectResponse(f"/batches/{batch_id}", status_code=303)


@router.post("/batches/{batch_id}/delete")
def batch_delete(batch_id: int, who: Caller = Depends(writer), db: Store = Depends(store)) -> Response:
    """Forget a finished batch and its uploaded recordings; the runs it recorded stay (their recordings too)."""
    import shutil

    batch = own_batch(db, who, batch_id)
    if delete_batch(db, batch.id):
        shutil.rmtree(batch.folder, ignore_errors=True)
        return RedirectResponse("/batches", status_code=303)
    return RedirectResponse(f"/batches/{batch_id}", status_code=303)


# -- the JSON API --------------------------------------------------------------------------------------------

class BatchOut(BaseModel):
    batch: int = Field(description="The batch's id: follow it with GET /api/batches/{id}.")


class Problem(BaseModel):
    detail: str


def batch_json(db: Store, who: Caller, batch: Batch) -> dict[str, Any]:
    view = batch_view(db, who, batch)
    return {"id": batch.id, "state": batch.state, "error": batch.error, "progress": round(view["progress"], 4),
            "seconds_left": round(view["left"]) if view["left"] is not None else None,
            "counts": dict(view["counts"]), "created_at": batch.created_at, "started_at": batch.started_at,
            "finished_at": batch.finished_at,
            "items": [{"row": i.origin, "file": i.file_name, "speaker": i.speaker, "talk": i.talk,
                       "framework": i.framework, "status": i.status, "stage": i.stage, "progress": round(i.progress, 4),
                       "run": i.run_id if i.run_id in view["runs"] else None,
                       "error": i.note if i.status == "failed" else None} for i in view["items"]]}


@api.post("/batches", status_code=202, response_model=BatchOut,
          responses={400: {"model": Problem}, 401: {"model": Problem}, 404: {"model": Problem},
                     413: {"model": Problem}, 503: {"model": Problem}},
          openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
              "type": "object", "required": ["files", "manifest"], "properties": {
                  "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                            "description": "The recordings (any format the CLI takes), each under its own name."},
                  "manifest": {"type": "string", "format": "binary", "description": "CSV: path (an uploaded "
                               "file's name), speaker, talk, optional framework; one row per recording."},
                  "framework": {"type": "string", "description": "Framework of rows without one: case-study "
                                "(default), deep-dive or live-case."},
              }}}}}})
async def post_batch(request: Request, who: Caller = Depends(writer), db: Store = Depends(store)) -> Response:
    """Start a batch (coaches): the recordings and the manifest are streamed to disk and every row is checked
    (its file uploaded, its talk shared with you, its framework built in) before anything is queued."""
    try:
        batch = await accept_batch(request, db, settings_of(request), who)
    except UploadRefused as exc:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)
    request.app.state.batch_driver.wake()
    return JSONResponse({"batch": batch.id}, status_code=202, headers={"Location": f"/api/batches/{batch.id}"})


@api.get("/batches/{batch_id}", responses={401: {"model": Problem}, 404: {"model": Problem}})
def get_batch(batch_id: int, who: Caller = Depends(caller), db: Store = Depends(store)) -> dict[str, Any]:
    """A batch's state, overall progress and estimate, and each recording's status, stage, run and error."""
    return batch_json(db, who, own_batch(db, who, batch_id))
