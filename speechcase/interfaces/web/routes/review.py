"""Coach review in the browser: a page per run with the flagged moments in time order, each with its span to
play, agree / dismiss and a comment, and notes at a moment or on a span. Every decision is saved at once, in
the same review tables as ``speechcase review`` (so the CLI and the web show the same reviews, and they
survive re-analysis). Only a coach the talk is shared with reviews; the owner reads the result on the run
page."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from speechcase.core.errors import BadTimeSpan, UnknownFlag
from speechcase.core.types import ReviewDecision
from speechcase.interfaces.web.access import not_found, visible_run
from speechcase.interfaces.web.auth import Caller, caller, store, writer
from speechcase.interfaces.web.views import render
from speechcase.rehearsals.notices import notify_reviewed
from speechcase.rehearsals.reviews import add_note, delete_note, find_flag, parse_span, record_decision, run_review
from speechcase.rehearsals.store import Store

router = APIRouter(include_in_schema=False)
DECISIONS: dict[str, ReviewDecision] = {"agree": "agree", "dismiss": "dismiss", "unset": "unset"}


def coach_run(db: Store, who: Caller, run_id: int):
    run, talk, access = visible_run(db, who, run_id)
    if access != "coach":
        raise not_found()
    return run, talk


@router.get("/runs/{run_id}/review")
def review_page(request: Request, run_id: int, who: Caller = Depends(caller), db: Store = Depends(store)) -> Response:
    run, talk, access = visible_run(db, who, run_id)
    if access == "owner":
        return RedirectResponse(f"/runs/{run_id}#coach-review", status_code=303)
    document = db.document(run_id)
    review = run_review(db, run_id)
    items = [(f, review.for_flag(f.id), document.excerpt(f.start, f.end)) for f in document.flags_in_time_order()]
    lanes = timeline_lanes([(f.start, max(f.end, f.start + 1.0)) for f, _, _ in items])
    return render(request, "review.html", who, run=run, talk=talk, document=document, items=items, lanes=lanes,
                  lane_count=max(lanes, default=0) + 1, notes=review.notes, unmatched=review.unmatched)


def timeline_lanes(spans: list[tuple[float, float]]) -> list[int]:
    """A lane for each span (in time order) so that no two spans in a lane overlap: the review timeline stacks
    a long flag (a rambling passage) above the short ones inside it instead of covering them."""
    ends: list[float] = []
    lanes = []
    for start, end in spans:
        lane = next((k for k, last in enumerate(ends) if last <= start), len(ends))
        if lane == len(ends):
            ends.append(end)
        else:
            ends[lane] = end
        lanes.append(lane)
    return lanes


@router.post("/runs/{run_id}/review/flags/{flag_id}")
def review_flag(request: Request, run_id: int, flag_id: str, decision: str = Form(""), comment: str | None = Form(None),
                who: Caller = Depends(writer), db: Store = Depends(store)) -> Response:
    run, _ = coach_run(db, who, run_id)
    document = db.document(run_id)
    try:
        flag = find_flag(document, flag_id)
    except UnknownFlag:
        raise not_found() from None
    if decision and decision not in DECISIONS:
        raise HTTPException(422, "decision must be agree, dismiss or unset.")
    saved = record_decision(db, run.id, flag, DECISIONS.get(decision), comment[:4000] if comment is not None else None,
                            who.user.name)
    notify_reviewed(db, run.id, who.user.name)
    excerpt = document.excerpt(flag.start, flag.end)
    return render(request, "_review_flag.html", who, run=run, item=(flag, saved, excerpt), saved_now=True)


@router.post("/runs/{run_id}/review/notes")
def review_note(request: Request, run_id: int, at: str = Form(...), text: str = Form(...),
                who: Caller = Depends(writer), db: Store = Depends(store)) -> Response:
    run, _ = coach_run(db, who, run_id)
    if not text.strip():
        raise HTTPException(422, "Write the note's text first.")
    try:
        start, end = parse_span(at, db.document(run_id).duration)
    except BadTimeSpan as exc:
        raise HTTPException(422, str(exc)) from exc
    add_note(db, run.id, start, end, text.strip()[:4000], who.user.name)
    notify_reviewed(db, run.id, who.user.name)
    return render(request, "_review_notes.html", who, run=run, notes=run_review(db, run.id).notes)


@router.post("/runs/{run_id}/review/notes/{note_id}/delete")
def review_note_delete(request: Request, run_id: int, note_id: int, who: Caller = Depends(writer),
                       db: Store = Depends(store)) -> Response:
    run, _ = coach_run(db, who, run_id)
    if not delete_note(db, run.id, note_id, who.user.name):
        raise not_found()
    return render(request, "_review_notes.html", who, run=run, notes=run_review(db, run.id).notes)
