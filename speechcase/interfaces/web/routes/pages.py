"""The pages: Talks, Talk (history, goals and comparison), Run (goals, dashboard and actions), Job (live
progress), and the actions behind their buttons (cancel, re-analyse, delete, share, revoke, invite, dismiss a
notice). The goal forms are in :mod:`.goals`."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from speechcase.analysis.frameworks import DEFAULT_FRAMEWORK, builtin_names
from speechcase.core.errors import ShareRefused
from speechcase.interfaces.web.access import not_found, own_job, visible_run, visible_talk
from speechcase.interfaces.web.auth import Caller, caller, require_role, settings_of, store, writer
from speechcase.interfaces.web.figures import talk_figures
from speechcase.interfaces.web.goal_views import goal_choices
from speechcase.interfaces.web.recordings import discard_unused
from speechcase.interfaces.web.takes import framework_name
from speechcase.interfaces.web.uploads import UploadRefused, human_size
from speechcase.interfaces.web.views import render
from speechcase.rehearsals.goals import goal_progress, progress_until
from speechcase.rehearsals.history import section_columns, what_changed
from speechcase.rehearsals.jobs import Job, cancel, enqueue_reanalysis, jobs_of
from speechcase.rehearsals.notices import dismiss_notice, unread_notices
from speechcase.rehearsals.reviews import run_review
from speechcase.rehearsals.sharing import (
    create_invite,
    revoke_share,
    share_talk,
    shares_of,
    visible_talks,
)
from speechcase.rehearsals.store import Store

router = APIRouter(include_in_schema=False)


def sparkline(values: list[float], width: int = 90, height: int = 22) -> str:
    """SVG polyline points for a small trend (oldest left); empty for fewer than two values."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = width / (len(values) - 1)
    return " ".join(f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}" for i, v in enumerate(values))


@router.get("/")
def home(who: Caller = Depends(caller)) -> Response:
    return RedirectResponse("/admin/users" if who.user.role == "admin" else "/talks", status_code=303)


@router.get("/talks")
def talks_page(request: Request, who: Caller = Depends(caller), db: Store = Depends(store)) -> Response:
    if who.user.role == "admin":
        return RedirectResponse("/admin/users", status_code=303)
    rows: list[dict[str, Any]] = []
    for talk, access in visible_talks(db, who.user):
        runs = db.runs(talk)
        flags = [float(r.flag_count) for r in runs]
        rows.append({"talk": talk, "access": access, "runs": runs, "last": runs[-1] if runs else None,
                     "trend": sparkline(flags), "flags": [int(f) for f in flags],
                     "shared_with": [s.coach for s in shares_of(db, talk.id)] if access == "owner" else []})
    notices = unread_notices(db, who.user.id, {row["talk"].id for row in rows})
    jobs = jobs_of(db, who.user.name, limit=8) if who.user.role == "candidate" else []
    settings = settings_of(request)
    return render(request, "talks.html", who, rows=rows, notices=notices, jobs=jobs,
                  frameworks=builtin_names(), default_framework=DEFAULT_FRAMEWORK,
                  max_upload=settings.max_upload, max_upload_text=human_size(settings.max_upload))


@router.get("/talks/{talk_id}")
def talk_page(request: Request, talk_id: int, who: Caller = Depends(caller), db: Store = Depends(store)) -> Response:
    return talk_view(request, who, db, talk_id)


def talk_view(request: Request, who: Caller, db: Store, talk_id: int, invite_url: str | None = None,
              goal_form: dict[str, str] | None = None, status_code: int = 200) -> Response:
    """The Talk page; ``goal_form`` holds a refused goal form's fields and its ``error``, shown in the form."""
    talk, access = visible_talk(db, who, talk_id)
    runs = db.runs(talk)
    changes = []
    if len(runs) >= 2:
        changes.append((f"Since the previous take (#{runs[-2].id} \u2192 #{runs[-1].id})", what_changed(runs[-2], runs[-1])))
    if len(runs) > 2:
        changes.append((f"Since the first take (#{runs[0].id} \u2192 #{runs[-1].id})", what_changed(runs[0], runs[-1])))
    reviews = {r.id: run_review(db, r.id) for r in runs}
    reviewed = {run_id: len(v.reviews) + len(v.notes) for run_id, v in reviews.items()}
    return render(request, "talk.html", who, status_code=status_code, talk=talk, access=access, runs=runs,
                  sections=section_columns(runs), shares=shares_of(db, talk.id) if access == "owner" else [],
                  changes=changes, figures=talk_figures(runs) if runs else None, reviewed=reviewed,
                  invite_url=invite_url, goals=goal_progress(db, talk, runs),
                  goal_choices=goal_choices(runs) if access == "owner" else [], goal_form=goal_form or {})


@router.get("/runs/{run_id}")
def run_page(request: Request, run_id: int, who: Caller = Depends(caller), db: Store = Depends(store)) -> Response:
    run, talk, access = visible_run(db, who, run_id)
    document = db.document(run_id)
    review = run_review(db, run_id)
    flags = {f.id: f for f in document.flags}
    decided = [(r, flags.get(r.flag_id or "")) for r in review.reviews]
    return render(request, "run.html", who, run=run, talk=talk, access=access, review=review, decided=decided,
                  document=document, frameworks=builtin_names(), goals=progress_until(db, run))


@router.get("/jobs/{job_id}")
def job_page(request: Request, job_id: int, who: Caller = Depends(caller), db: Store = Depends(store)) -> Response:
    """A job's progress; a job that has made its run sends the browser on to it (as the polling fragment does),
    so a reloaded or bookmarked job page never strands the candidate on a finished job."""
    job = own_job(db, who, job_id)
    if _made_run(job):
        return RedirectResponse(f"/runs/{job.run_id}", status_code=303)
    return render(request, "job.html", who, job=job)


@router.get("/jobs/{job_id}/progress")
def job_progress(request: Request, job_id: int, who: Caller = Depends(caller), db: Store = Depends(store)) -> Response:
    """The progress fragment htmx polls; when the job is done, htmx is sent on to the run."""
    job = own_job(db, who, job_id)
    page = render(request, "_job_progress.html", who, job=job)
    if _made_run(job):
        page.headers["HX-Redirect"] = f"/runs/{job.run_id}"
    return page


def _made_run(job: Job) -> bool:
    """Whether the job is done and made (or re-made) a run; "already analysed" jobs point at an older run and
    stay on their page, which says so."""
    return job.state == "done" and job.run_id is not None and job.stage != "already analysed"


@router.post("/jobs/{job_id}/cancel")
def job_cancel(job_id: int, who: Caller = Depends(writer), db: Store = Depends(store),
               settings=Depends(settings_of)) -> Response:
    job = own_job(db, who, job_id)
    job = cancel(db, job.id)
    if job.state == "cancelled" and job.audio_sha256:
        discard_unused(db, settings.audio, job.audio_sha256)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.post("/runs/{run_id}/reanalyze")
def run_reanalyze(run_id: int, framework: str = Form(...), who: Caller = Depends(writer),
                  db: Store = Depends(store)) -> Response:
    run, talk, _ = visible_run(db, who, run_id, owner_only=True)
    try:
        chosen = framework_name(framework)
    except UploadRefused as exc:
        raise ShareRefused(str(exc)) from exc
    job = enqueue_reanalysis(db, run.id, talk.name, talk.speaker, chosen)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.post("/runs/{run_id}/delete")
def run_delete(run_id: int, who: Caller = Depends(writer), db: Store = Depends(store),
               settings=Depends(settings_of)) -> Response:
    run, talk, _ = visible_run(db, who, run_id, owner_only=True)
    db.delete_run(run.id)
    discard_unused(db, settings.audio, run.audio_sha256)
    left = [t for t, _ in visible_talks(db, who.user) if t.id == talk.id]
    return RedirectResponse(f"/talks/{talk.id}" if left else "/talks", status_code=303)


@router.post("/talks/{talk_id}/shares")
def talk_share(talk_id: int, coach: str = Form(...), who: Caller = Depends(writer),
               db: Store = Depends(store)) -> Response:
    talk, _ = visible_talk(db, who, talk_id, owner_only=True)
    share_talk(db, who.user, talk, coach.strip())
    return RedirectResponse(f"/talks/{talk.id}#sharing", status_code=303)


@router.post("/talks/{talk_id}/shares/revoke")
def talk_revoke(talk_id: int, coach: str = Form(...), who: Caller = Depends(writer),
                db: Store = Depends(store)) -> Response:
    talk, _ = visible_talk(db, who, talk_id, owner_only=True)
    revoke_share(db, talk, coach)
    return RedirectResponse(f"/talks/{talk.id}#sharing", status_code=303)


@router.post("/talks/{talk_id}/invites")
def talk_invite(request: Request, talk_id: int, who: Caller = Depends(writer), db: Store = Depends(store)) -> Response:
    """A one-time invite link, shown once in the page that answers (it is not put in any URL the server logs)."""
    talk, _ = visible_talk(db, who, talk_id, owner_only=True)
    token = create_invite(db, who.user, talk)
    return talk_view(request, who, db, talk.id, invite_url=str(request.base_url).rstrip("/") + f"/invite/{token}")


@router.post("/notices/{notice_id}/dismiss")
def notice_dismiss(notice_id: int, who: Caller = Depends(writer), db: Store = Depends(store)) -> Response:
    if not dismiss_notice(db, who.user.id, notice_id):
        raise not_found()
    return HTMLResponse("")


@router.get("/coach/stats")
def coach_stats(request: Request, who: Caller = Depends(caller), db: Store = Depends(store)) -> Response:
    from speechcase.rehearsals.reviews import review_stats

    require_role(who, "coach")
    talks = [t for t, _ in visible_talks(db, who.user)]
    ids = [t.id for t in talks]
    overall = review_stats(db, talk_ids=ids) if ids else []
    mine = review_stats(db, talk_ids=ids, reviewer=who.user.name) if ids else []
    by_talk = review_stats(db, talk_ids=ids, by_talk=True) if ids else []
    return render(request, "stats.html", who, overall=overall, mine=mine, by_talk=by_talk, talks=talks)
