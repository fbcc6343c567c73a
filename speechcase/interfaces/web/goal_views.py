"""Goals for the next take as the web app reads and shows them: the Talk page's form (which numbers a goal can be
set on, and the form's fields read into a :class:`~speechcase.rehearsals.goals.Goal`) and the JSON of the API.

Reading a target, checking that a talk's runs can measure it, storing it and judging the takes are
:mod:`speechcase.rehearsals.goals`, exactly as for ``speechcase goals``; this module only maps the form's fields
and the API's names onto it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from speechcase.core.errors import BadGoal
from speechcase.rehearsals.goals import (
    METRICS,
    SECTION_PREFIX,
    SUMMARY_PREFIX,
    Goal,
    GoalCheck,
    GoalProgress,
    metric_named,
    parse_goal,
)
from speechcase.rehearsals.store import RunRow

#: Longest target or metric name a form or the API takes (the longest real one is a few dozen characters).
MAX_FIELD = 200


@dataclass(frozen=True)
class Choice:
    """One entry of the form's metric list: what the form sends and what it shows."""

    value: str
    label: str


def goal_choices(runs: list[RunRow]) -> list[Choice]:
    """What a goal can be set on, in the order the form lists it: every built-in metric, each section the talk's
    runs have (its share of the talk), then a section or a summary number named in the form's second field."""
    titles: dict[str, str] = {}
    for run in runs:
        for s in run.sections:
            titles.setdefault(s.section, s.title or s.section)
    return [*(Choice(m.key, m.label) for m in METRICS),
            *(Choice(SECTION_PREFIX + section, f"{title} share of the talk") for section, title in titles.items()),
            Choice(SECTION_PREFIX, "another section's share (its id)"),
            Choice(SUMMARY_PREFIX, "another summary number (its path in analysis.json)")]


def form_goal(metric: str, name: str, target: str) -> Goal:
    """The goal the Talk page's form describes: ``metric`` is a :func:`goal_choices` value; for the last two, the
    section id or summary path is ``name``.

    Raises:
        BadGoal: the same sentences as ``speechcase goals set`` for an unknown metric or an unreadable target,
            or a missing section id or path.
    """
    if metric in (SECTION_PREFIX, SUMMARY_PREFIX):
        if not name.strip():
            raise BadGoal("Write the section's id (e.g. modeling) beside the goal." if metric == SECTION_PREFIX
                          else "Write the summary number's path (e.g. signposting.per_minute) beside the goal.")
        metric += name.strip()
    return parse_goal(metric_named(metric), target)


def api_goals(targets: dict[str, str]) -> list[Goal]:
    """Goals from the API's ``{"metric name": "target"}`` (names as ``speechcase goals rm`` takes them:
    ``fillers-per-minute``, ``section:modeling``, ``summary:signposting.per_minute``).

    Raises:
        BadGoal: the first name or target that cannot be read (then none is used).
    """
    return [parse_goal(metric_named(name), text) for name, text in targets.items()]


def _check_json(check: GoalCheck | None) -> dict[str, Any] | None:
    if check is None:
        return None
    return {"run": check.run_id, "recorded_at": check.recorded_at, "value": check.value, "met": check.met}


def goal_json(progress: GoalProgress) -> dict[str, Any]:
    """A goal and how the takes did, as the API answers it (the fields of ``GoalOut`` in the API's schema)."""
    goal = progress.goal
    return {"metric": goal.metric.key, "name": goal.metric.name, "label": goal.metric.label, "text": goal.text,
            "target": goal.target, "low": goal.low, "high": goal.high, "low_inclusive": goal.low_inclusive,
            "high_inclusive": goal.high_inclusive, "set_at": goal.set_at,
            "first": _check_json(progress.first), "best": _check_json(progress.best),
            "latest": _check_json(progress.latest), "met_count": progress.met_count, "sentence": progress.sentence,
            "runs": [_check_json(c) for c in progress.checks]}
