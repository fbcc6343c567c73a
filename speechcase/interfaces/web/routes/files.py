"""What a run or talk offers as files: the dashboard page, the recording (with HTTP Range, so seeking works in
an hour-long talk), analysis.json, transcript.json, the candidate's report, the comparison CSV, and Plotly's
JavaScript for the Talk page. Each needs a signed-in user who may see the talk."""
from __future__ import annotations

import functools
import mimetypes
import re

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from speechcase.interfaces.web.access import not_found, visible_run, visible_talk
from speechcase.interfaces.web.auth import Caller, caller, settings_of, store
from speechcase.interfaces.web.recordings import run_recording
from speechcase.rehearsals.reviews import run_review
from speechcase.rehearsals.store import Store

router = APIRouter(include_in_schema=False)

#: The dashboard and report pages inline their own script and styles (they are also files that open offline).
DASHBOARD_POLICY = ("default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
                    "img-src data: blob:; media-src 'self' blob: data:; font-src data:; frame-ancestors 'self'")
REPORT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"


def attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{re.sub(r"[^A-Za-z0-9._-]+", "_", name)}"'}


@router.get("/runs/{run_id}/dashboard")
def dashboard(run_id: int, who: Caller = Depends(caller), db: Store = Depends(store)) -> Response:
    from speechcase.views.dashboard import AudioLink, ReviewView, render_dashboard

    run, _, _ = visible_run(db, who, run_id)
    document = db.document(run_id)
    audio = AudioLink(src=f"/runs/{run_id}/audio", name=run.source_path.rsplit("/", 1)[-1])
    page = render_dashboard(document, audio, review=ReviewView.from_run_review(run_review(db, run_id)))
    return HTMLResponse(page, headers={"Content-Security-Policy": DASHBOARD_POLICY})


@router.get("/runs/{run_id}/audio")
def audio(run_id: int, who: Caller = Depends(caller), db: Store = Depends(store),
          settings=Depends(settings_of)) -> Response:
    run, _, _ = visible_run(db, who, run_id)
    path = run_recording(settings.audio, run)
    if path is None:
        raise not_found()
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media, headers={"Cache-Control": "private, max-age=3600"})


@router.get("/runs/{run_id}/analysis.json")
def analysis_file(run_id: int, who: Caller = Depends(caller), db: Store = Depends(store)) -> Response:
    visible_run(db, who, run_id)
    return JSONResponse(db.document(run_id).raw, headers=attachment(f"run-{run_id}-analysis.json"))


@router.get("/runs/{run_id}/transcript.json")
def transcript_file(run_id: int, who: Caller = Depends(caller), db: Store = Depends(store)) -> Response:
    visible_run(db, who, run_id)
    return JSONResponse(db.transcript(run_id).to_dict(), headers=attachment(f"run-{run_id}-transcript.json"))


@router.get("/runs/{run_id}/report")
def report(run_id: int, who: Caller = Depends(caller), db: Store = Depends(store)) -> Response:
    from speechcase.rehearsals.report import build_report
    from speechcase.views.report import render_html

    visible_run(db, who, run_id)
    return HTMLResponse(render_html(build_report(db, run_id)), headers={"Content-Security-Policy": REPORT_POLICY})


@router.get("/talks/{talk_id}/compare.csv")
def compare_csv(talk_id: int, who: Caller = Depends(caller), db: Store = Depends(store)) -> Response:
    from speechcase.rehearsals.goals import goal_progress
    from speechcase.views.frames import runs_table

    talk, _ = visible_talk(db, who, talk_id)
    runs = db.runs(talk)
    csv = runs_table(runs, goal_progress(db, talk, runs)).to_csv(index=False)  # as `speechcase compare --csv`
    return Response(csv, media_type="text/csv; charset=utf-8", headers=attachment(f"{talk.name}-compare.csv"))


@functools.lru_cache(maxsize=1)
def _plotly() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


@router.get("/assets/plotly.js")
def plotly_js(request: Request, who: Caller = Depends(caller)) -> Response:
    return Response(_plotly(), media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "private, max-age=86400"})
