"""Goals for the next take in the web app: the Talk page's forms (set or change a goal, remove one) and the JSON
API beside them (``/api/talks/{name}/goals``).

Only the candidate who owns a talk sets, changes and removes its goals; a coach the talk is shared with reads
them (on the Talk and Run pages and with ``GET``), and a coach's write answers 404 like any other owner-only
action; anyone else gets 404 for all of it. Targets are read, checked against the talk's runs and stored by
:mod:`speechcase.rehearsals.goals`, the same code as ``speechcase goals set``, so a refusal is the CLI's
sentence (in the page's goal form, or ``{"detail": ...}`` with 400 from the API) and stores nothing.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from speechcase.core.errors import BadGoal
from speechcase.interfaces.web.access import talk_named, visible_talk
from speechcase.interfaces.web.auth import Caller, caller, store, writer
from speechcase.interfaces.web.goal_views import MAX_FIELD, api_goals, form_goal, goal_json
from speechcase.interfaces.web.routes.api import ERRORS, Problem
from speechcase.interfaces.web.routes.pages import talk_view
from speechcase.rehearsals.goals import (
    find_goal,
    goal_progress,
    metric_named,
    parse_goal,
    remove_goals,
    save_goals,
    talk_goals,
)
from speechcase.rehearsals.sharing import Access
from speechcase.rehearsals.store import Store, Talk

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["api"])
REFUSED: dict[int | str, dict[str, Any]] = {**ERRORS, 400: {"model": Problem}, 422: {"model": Problem}}


# -- the Talk page's forms -------------------------------------------------------------------------------------

@router.post("/talks/{talk_id}/goals")
def goal_set(request: Request, talk_id: int, metric: str = Form(..., max_length=MAX_FIELD),
             target: str = Form("", max_length=MAX_FIELD), name: str = Form("", max_length=MAX_FIELD),
             who: Caller = Depends(writer), db: Store = Depends(store)) -> Response:
    """Set a goal, or change the one already on that number; a refused one shows its sentence in the form."""
    talk, _ = visible_talk(db, who, talk_id, owner_only=True)
    try:
        save_goals(db, talk, [form_goal(metric, name, target)])
    except BadGoal as exc:
        return talk_view(request, who, db, talk.id, status_code=400,
                         goal_form={"metric": metric, "name": name, "target": target, "error": str(exc)})
    return RedirectResponse(f"/talks/{talk.id}#goals", status_code=303)


@router.post("/talks/{talk_id}/goals/remove")
def goal_remove(talk_id: int, metric: str = Form(..., max_length=MAX_FIELD), who: Caller = Depends(writer),
                db: Store = Depends(store)) -> Response:
    """Remove a goal (a goal already removed, from another tab, is no error)."""
    talk, _ = visible_talk(db, who, talk_id, owner_only=True)
    if (goal := find_goal(talk_goals(db, talk), metric)) is not None:
        remove_goals(db, talk, [goal.metric.key])
    return RedirectResponse(f"/talks/{talk.id}#goals", status_code=303)


# -- the API ---------------------------------------------------------------------------------------------------

class GoalCheckOut(BaseModel):
    run: int
    recorded_at: str
    value: float | None = Field(description="The run's number (a share as 0..1, times in seconds); null: the "
                                            "run's analysis has no such number.")
    met: bool | None = Field(description="Whether the run met the goal; null where not measured.")


class GoalOut(BaseModel):
    metric: str = Field(description="The goal's key: fillers_per_minute, section:modeling, summary:PATH, ...")
    name: str = Field(description="The name `speechcase goals` takes (fillers-per-minute, section:modeling).")
    label: str
    text: str = Field(description="The target as it was typed (<3, 15-25%, <12m).")
    target: str = Field(description="The target in words (under 3 per minute, 15-25 %, under 12:00).")
    low: float | None
    high: float | None
    low_inclusive: bool
    high_inclusive: bool
    set_at: str
    first: GoalCheckOut | None = Field(description="The first take that measured it.")
    best: GoalCheckOut | None = Field(description="The take closest to the target (inside it: the best way).")
    latest: GoalCheckOut | None = Field(description="The latest take (value null where it was not measured).")
    met_count: int
    sentence: str = Field(description="How it went, in words: \"Modeling share met its goal (15-25 %) in the "
                                      "last 2 takes.\"")
    runs: list[GoalCheckOut] = Field(description="Every take of the talk, oldest first: met or not.")


class GoalsOut(BaseModel):
    talk: str
    speaker: str
    access: Literal["owner", "coach"]
    goals: list[GoalOut]


Target = Annotated[str, Field(max_length=MAX_FIELD)]


class GoalsIn(BaseModel):
    goals: dict[Annotated[str, Field(max_length=MAX_FIELD)], Target] = Field(
        description="Metric name -> target, as `speechcase goals set` reads them: <N, <=N, >N, >=N or LOW-HIGH; "
                    "a share takes % and a time m, s or m:ss.",
        examples=[{"fillers-per-minute": "<3", "section:modeling": "15-25%", "length": "<12m"}])


class GoalIn(BaseModel):
    target: Target = Field(description="<N, <=N, >N, >=N or LOW-HIGH (15-25% for a share, <12m for a time).",
                           examples=["<3"])


def _goals(db: Store, talk: Talk, access: Access) -> dict[str, Any]:
    return {"talk": talk.name, "speaker": talk.speaker, "access": access,
            "goals": [goal_json(p) for p in goal_progress(db, talk)]}


@api.get("/talks/{name:path}/goals", response_model=GoalsOut, responses=ERRORS)
def get_goals(name: str, speaker: str | None = None, who: Caller = Depends(caller),
              db: Store = Depends(store)) -> dict[str, Any]:
    """A talk's goals for the next take, each with every take met or not, the first, best and latest value, and
    the sentence on how it went (the owner and a coach the talk is shared with)."""
    talk, access = talk_named(db, who, name, speaker)
    return _goals(db, talk, access)


@api.put("/talks/{name:path}/goals", response_model=GoalsOut, responses=REFUSED)
def put_goals(name: str, body: GoalsIn, who: Caller = Depends(writer), db: Store = Depends(store)) -> dict[str, Any]:
    """Make these the talk's goals (its other goals are removed); all are checked first, and one refused
    changes nothing. Your own talks only."""
    talk, access = talk_named(db, who, name, owner_only=True)
    save_goals(db, talk, api_goals(body.goals), replace=True)
    return _goals(db, talk, access)


@api.put("/talks/{name:path}/goals/{metric}", response_model=GoalOut, responses=REFUSED)
def put_goal(name: str, metric: str, body: GoalIn, who: Caller = Depends(writer),
             db: Store = Depends(store)) -> dict[str, Any]:
    """Set one goal, or change the one already on that metric (fillers-per-minute, section:modeling,
    summary:PATH). Your own talks only."""
    talk, _ = talk_named(db, who, name, owner_only=True)
    goal = parse_goal(metric_named(metric), body.target)
    save_goals(db, talk, [goal])
    return next(goal_json(p) for p in goal_progress(db, talk) if p.goal.metric.key == goal.metric.key)


@api.delete("/talks/{name:path}/goals/{metric}", status_code=204, responses=ERRORS)
def delete_goal(name: str, metric: str, who: Caller = Depends(writer), db: Store = Depends(store)) -> Response:
    """Remove one goal, by its metric name (or G1, G2 as listed). Your own talks only."""
    talk, _ = talk_named(db, who, name, owner_only=True)
    goal = find_goal(talk_goals(db, talk), metric)
    if goal is None:
        raise HTTPException(404, f"The talk '{talk.name}' has no goal '{metric}'.")
    remove_goals(db, talk, [goal.metric.key])
    return Response(status_code=204)


@api.delete("/talks/{name:path}/goals", status_code=204, responses=ERRORS)
def delete_goals(name: str, who: Caller = Depends(writer), db: Store = Depends(store)) -> Response:
    """Remove every goal of the talk. Your own talks only."""
    talk, _ = talk_named(db, who, name, owner_only=True)
    remove_goals(db, talk, [])
    return Response(status_code=204)
