"""Goals for the next take: a target per talk on any summary number or section share, and how the takes did.

A goal is a metric (a summary number of the analysis, or a section's share of the talk) and a range: ``<3``
fillers per minute, ``15-25%`` of the talk in modeling, ``<12m`` of length. Goals are human input kept in
the store (table ``talk_goals``, one row per talk and metric), so re-analysing a run re-evaluates them and
deleting the runs of a talk keeps them.

Every run of the talk is checked against each goal (met, missed, or not measured where the run's analysis
has no such number); across the runs, each goal gets its first, best and latest value and a plain sentence
("modeling share met its goal in the last 2 takes"). The CLI (``speechcase goals``, ``history``, ``compare``,
``report``) and any other interface show these; nothing here prints.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from speechcase.core.document import summary_number
from speechcase.core.errors import BadGoal, UnknownTalk
from speechcase.core.formatting import capitalised, format_duration
from speechcase.rehearsals.store import DEFAULT_SPEAKER, RunRow, Store, Talk, now

Unit = Literal["number", "seconds", "share", "count"]


@dataclass(frozen=True)
class Metric:
    """What a goal can be set on: its stored key, the name users type, a label, and where the number is.

    ``path`` is a dotted path into the analysis ``summary`` ("fillers_per_minute.total"); a section share has
    the path ``section:<id>`` and is read from the run's time balance.
    """

    key: str
    name: str
    label: str
    path: str
    unit: Unit
    suffix: str = ""
    #: Which way is better once the goal is met ("best" among takes inside the range); ``None``: only the range
    #: counts (a length, a pace, a share), and the latest take inside it is the best.
    better: Literal["lower", "higher"] | None = None


#: The metrics with their own ``goals set`` option, in the order they are listed.
METRICS: tuple[Metric, ...] = (
    Metric("length", "length", "length", "duration", "seconds"),
    Metric("wpm", "wpm", "pace", "wpm", "number", " wpm"),
    Metric("fillers_per_minute", "fillers-per-minute", "fillers per minute", "fillers_per_minute.total", "number",
           " per minute", "lower"),
    Metric("pauses", "pauses", "pauses of 1 s or more", "pauses.count", "count", "", "lower"),
    Metric("mid_sentence_pauses", "mid-sentence-pauses", "mid-sentence pauses", "pauses.mid_sentence", "count", "",
           "lower"),
    Metric("longest_pause", "longest-pause", "longest pause", "pauses.longest", "seconds", "", "lower"),
    Metric("hedges_per_minute", "hedges-per-minute", "hedges per minute", "hedges_per_minute", "number",
           " per minute", "lower"),
    Metric("rambling", "rambling", "rambling", "stream_of_consciousness.seconds", "seconds", "", "lower"),
    Metric("flags", "flags", "flags", "flags.total", "count", "", "lower"),
    Metric("high_flags", "high-flags", "high-severity flags", "flags.high", "count", "", "lower"),
    Metric("repeated_phrases", "repeated-phrases", "repeated phrases", "repeated_phrases.flags", "count", "", "lower"),
    Metric("long_sentences", "long-sentences", "long sentences", "sentence_length.long", "count", "", "lower"),
    Metric("vocabulary", "vocabulary", "vocabulary variety (MTLD)", "vocabulary.mtld", "number", "", "higher"),
    Metric("pitch_variation", "pitch-variation", "pitch variation", "pitch.sd_semitones", "number", " semitones",
           "higher"),
    Metric("energy_variation", "energy-variation", "loudness variation", "energy.sd_db", "number", " dB", "higher"),
)
SECTION_PREFIX, SUMMARY_PREFIX = "section:", "summary:"


def metric_named(name: str) -> Metric:
    """The metric a user names: a built-in's name ("fillers-per-minute", or its key), ``section:<id>`` or
    ``summary:<path>`` (any number in the analysis summary); :class:`BadGoal` otherwise."""
    for m in METRICS:
        if name in (m.name, m.key):
            return m
    if name.startswith(SECTION_PREFIX) and (section := name[len(SECTION_PREFIX):]):
        return Metric(name, name, f"{section} share", name, "share")
    if name.startswith(SUMMARY_PREFIX) and re.fullmatch(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*",
                                                        path := name[len(SUMMARY_PREFIX):]):
        return Metric(name, name, path.replace(".", " ").replace("_", " "), path, "number")
    known = ", ".join(m.name for m in METRICS)
    raise BadGoal(f"No goal metric called '{name}'; use one of {known}, section:ID or summary:PATH.")


@dataclass(frozen=True)
class Goal:
    """A target range on one metric: ``low``-``high`` (either may be open), each end included or not, as the user
    wrote it in ``text``."""

    metric: Metric
    low: float | None
    high: float | None
    low_inclusive: bool = True
    high_inclusive: bool = True
    text: str = ""
    set_at: str = ""

    def met_by(self, value: float) -> bool:
        if self.low is not None and (value < self.low or (value == self.low and not self.low_inclusive)):
            return False
        if self.high is not None and (value > self.high or (value == self.high and not self.high_inclusive)):
            return False
        return True

    def distance(self, value: float) -> float:
        """How far ``value`` lies outside the range (0 inside it): what "best" minimises."""
        below = self.low - value if self.low is not None else 0.0
        above = value - self.high if self.high is not None else 0.0
        return max(below, above, 0.0)

    @property
    def target(self) -> str:
        """The range in words: "under 3 per minute", "15-25 %", "at least 140 wpm"."""
        fmt = lambda v: format_value(self.metric, v, plain=True)  # noqa: E731
        if self.low is not None and self.high is not None:
            if self.metric.unit == "share":
                return f"{self.low * 100:.0f}-{self.high * 100:.0f} %"
            if self.metric.unit == "seconds":
                return f"{fmt(self.low)}-{fmt(self.high)}"
            return f"{_number(self.low, True)}-{_number(self.high, True)}{self.metric.suffix}"
        if self.high is not None:
            return f"{'at most' if self.high_inclusive else 'under'} {fmt(self.high)}"
        assert self.low is not None
        return f"{'at least' if self.low_inclusive else 'over'} {fmt(self.low)}"


def format_value(metric: Metric, value: float, plain: bool = False) -> str:
    """A metric's value as people read it: "11:40", "22 %", "2.8 per minute", "3", "142 wpm"; ``plain`` drops
    a trailing ".0" (a target as written: "under 3 per minute")."""
    if metric.unit == "seconds":
        return format_duration(value) if value >= 60 else f"{_number(value, plain)} s"
    if metric.unit == "share":
        return f"{value * 100:.0f} %"
    if metric.unit == "count":
        return f"{value:.0f}"
    if metric.key == "wpm":
        return f"{value:.0f}{metric.suffix}"
    return f"{_number(value, plain)}{metric.suffix}"


def _number(value: float, plain: bool) -> str:
    text = f"{value:.1f}"
    return text[:-2] if plain and text.endswith(".0") else text


# -- reading a target ------------------------------------------------------------------------------------------

_NUMBER = r"-?\d+(?:\.\d+)?"
_DURATION = re.compile(r"^(?:(\d+):(\d{1,2})|(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?)$")


def parse_goal(metric: Metric, text: str) -> Goal:
    """Read a target as users write it: ``<3``, ``<=3``, ``>140``, ``>=140``, ``130-160``; with ``%`` for a share
    (``15-25%``, ``<30%``; a bare number above 1 is read as percent) and ``m``/``s``/``h`` or ``m:ss`` for a
    time (``<12m``, ``10m-12m``, ``<11:30``).

    Raises:
        BadGoal: the text is not a target, or an empty range.
    """
    raw = " ".join(str(text).split())
    compact = raw.replace(" ", "").lower()
    low = high = None
    low_inc = high_inc = True
    if m := re.fullmatch(r"(<=|>=|<|>|=<|=>|≤|≥)(.+)", compact):
        op, rest = m.groups()
        value = _value(metric, rest, raw)
        if op in ("<", "<=", "=<", "≤"):
            high, high_inc = value, op != "<"
        else:
            low, low_inc = value, op != ">"
    elif m := re.fullmatch(r"(.+?)-(.+)", compact):
        first, second = m.groups()
        percent = metric.unit == "share" and second.endswith("%") and not first.endswith("%")
        low = _value(metric, first + ("%" if percent else ""), raw)
        high = _value(metric, second, raw)
        if low > high:
            raise BadGoal(f"The goal '{raw}' for {metric.label} is an empty range; write the lower end first.")
    else:
        raise BadGoal(f"Cannot read the goal '{raw}' for {metric.label}; write <N, <=N, >N, >=N or LOW-HIGH "
                      f"(e.g. {_example(metric)}).")
    return Goal(metric, low, high, low_inc, high_inc, raw)


def _value(metric: Metric, text: str, raw: str) -> float:
    hint = f"Cannot read '{raw}' as a goal for {metric.label}; e.g. {_example(metric)}."
    if metric.unit == "seconds":
        found = _DURATION.fullmatch(text)
        if not text or not found or not any(found.groups()):
            raise BadGoal(hint)
        minutes, seconds, h, m, s = found.groups()
        if minutes is not None:
            return int(minutes) * 60 + int(seconds)
        if h is None and m is None and s is not None and not text.endswith("s") and metric.key == "length":
            return float(s) * 60  # a bare number for a talk's length means minutes ("<12")
        return float(h or 0) * 3600 + float(m or 0) * 60 + float(s or 0)
    percent = text.endswith("%")
    number = text[:-1] if percent else text
    if not re.fullmatch(_NUMBER, number):
        raise BadGoal(hint)
    value = float(number)
    if metric.unit == "share":
        if percent or value > 1:
            value /= 100
        if value > 1:
            raise BadGoal(f"A share of the talk is at most 100 %; '{raw}' is more.")
    elif percent:
        raise BadGoal(hint)
    return value


def _example(metric: Metric) -> str:
    return {"seconds": "<12m or 10m-12m", "share": "15-25%", "count": "<=2"}.get(metric.unit, "<3 or 130-160")


# -- the store -------------------------------------------------------------------------------------------------

def save_goals(store: Store, talk: Talk, goals: list[Goal], replace: bool = False) -> None:
    """Check and set goals the way every interface does (``speechcase goals set``, the web app): refuse a section
    or summary path that none of the talk's runs has (:func:`check_measurable`), then :func:`set_goals`.

    Args:
        store: the rehearsal store.
        talk: the talk the goals are for.
        goals: the goals, read with :func:`parse_goal`; one already set on the same metric is replaced.
        replace: remove the talk's other goals, so that it has exactly ``goals`` afterwards.

    Raises:
        BadGoal: a goal none of the talk's runs could ever measure (then nothing is changed).
    """
    check_measurable(store, talk, goals)
    set_goals(store, talk, goals, replace)


def check_measurable(store: Store, talk: Talk, goals: list[Goal]) -> None:
    """Refuse a section or summary path none of the talk's runs has: a typo would never be measured. A talk with
    no run yet takes any (there is nothing to check against).

    Raises:
        BadGoal: naming the section (with the sections the runs have) or the path.
    """
    runs = store.runs(talk)
    if not runs:
        return
    for goal in goals:
        if not goal.metric.key.startswith((SECTION_PREFIX, SUMMARY_PREFIX)):
            continue
        if any(run_value(goal.metric, run) is not None for run in runs):
            continue
        if goal.metric.key.startswith(SECTION_PREFIX):
            known = sorted({s.section for run in runs for s in run.sections})
            raise BadGoal(f"No run of '{talk.name}' has a section '{goal.metric.key[len(SECTION_PREFIX):]}' "
                          f"(its sections: {', '.join(known)}); check the name.")
        raise BadGoal(f"No run of '{talk.name}' has a number at '{goal.metric.path}' in its summary; "
                      "check the path in analysis.json (e.g. signposting.per_minute).")


def set_goals(store: Store, talk: Talk, goals: list[Goal], replace: bool = False) -> None:
    """Set (or replace) these goals of ``talk``, all in one transaction; with ``replace``, the talk's other goals
    are removed in the same transaction."""
    stamp = now()
    with store.transaction() as db:
        if replace:
            keep = [g.metric.key for g in goals]
            db.execute(f"DELETE FROM talk_goals WHERE talk_id = ? AND metric NOT IN ({', '.join('?' * len(keep))})",
                       (talk.id, *keep))
        for g in goals:
            db.execute(
                "INSERT INTO talk_goals (talk_id, metric, low, high, low_inclusive, high_inclusive, text, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (talk_id, metric) DO UPDATE "
                "SET low = excluded.low, high = excluded.high, low_inclusive = excluded.low_inclusive, "
                "high_inclusive = excluded.high_inclusive, text = excluded.text, updated_at = excluded.updated_at",
                (talk.id, g.metric.key, g.low, g.high, int(g.low_inclusive), int(g.high_inclusive), g.text, stamp,
                 stamp))


def talk_goals(store: Store, talk: Talk) -> list[Goal]:
    """The goals of ``talk``, in the order they were first set."""
    with store.reading() as db:
        rows = db.execute("SELECT metric, low, high, low_inclusive, high_inclusive, text, updated_at FROM talk_goals "
                          "WHERE talk_id = ? ORDER BY id", (talk.id,)).fetchall()
    return [Goal(metric_named(key), low, high, bool(li), bool(hi), text, at)
            for key, low, high, li, hi, text, at in rows]


def remove_goals(store: Store, talk: Talk, names: list[str]) -> list[Goal]:
    """Remove the goals named (a metric name, or the goal's number in :func:`talk_goals` order, ``1`` or
    ``G1``); every goal when ``names`` is empty. Returns what was removed; :class:`BadGoal` for a name the
    talk has no goal for (then nothing is removed)."""
    goals = talk_goals(store, talk)
    chosen = goals if not names else list({g.metric.key: g for g in (_find(goals, n, talk) for n in names)}.values())
    with store.transaction() as db:
        db.executemany("DELETE FROM talk_goals WHERE talk_id = ? AND metric = ?",
                       [(talk.id, g.metric.key) for g in chosen])
    return chosen


def find_goal(goals: list[Goal], name: str) -> Goal | None:
    """The goal ``name`` names among ``goals`` (:func:`talk_goals` order): its metric's name or key
    (``fillers-per-minute``, ``section:modeling``) or its number (``1`` or ``G1``); None when there is none."""
    number = name[1:] if name[:1] in "gG" and name[1:].isdigit() else name
    if number.isdigit() and 1 <= int(number) <= len(goals):
        return goals[int(number) - 1]
    return next((g for g in goals if name in (g.metric.key, g.metric.name)), None)


def _find(goals: list[Goal], name: str, talk: Talk) -> Goal:
    if (found := find_goal(goals, name)) is not None:
        return found
    raise BadGoal(f"Talk '{talk.name}' has no goal '{name}'; `speechcase goals list {talk.name}` lists them.")


def goal_talk(store: Store, name: str, speaker: str | None, create: bool = False) -> Talk:
    """The talk to set goals on; with ``create``, a talk not recorded yet is made (of ``speaker`` or the default
    speaker)."""
    try:
        return store.find_talk(name, speaker)
    except UnknownTalk:
        if not create:
            raise UnknownTalk(f"No talk called '{name}' in {store.where}; record a take first (`speechcase analyze "
                              f"INPUT --talk {name}`), or pass --create to set goals for a new talk.") from None
    return store.create_talk(name, speaker or DEFAULT_SPEAKER)


# -- how the takes did -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GoalCheck:
    """One goal in one run: its value there (``None``: not measured) and whether it met the goal."""

    run_id: int
    recorded_at: str
    value: float | None
    met: bool | None


@dataclass(frozen=True)
class GoalProgress:
    """One goal across the runs of its talk (oldest first): every run's check, the first and best measured
    values, the latest run's check, and the sentence that says how it went."""

    goal: Goal
    checks: list[GoalCheck]
    first: GoalCheck | None
    best: GoalCheck | None
    latest: GoalCheck | None
    sentence: str

    @property
    def met_count(self) -> int:
        return sum(c.met is True for c in self.checks)


def run_value(metric: Metric, run: RunRow) -> float | None:
    """The metric's value in one run, from its stored summary (a section share from its time balance)."""
    if metric.path.startswith(SECTION_PREFIX):
        section = metric.path[len(SECTION_PREFIX):]
        return next((s.share for s in run.sections if s.section == section), None)
    return summary_number(run.summary, metric.path)


def check(goal: Goal, run: RunRow) -> GoalCheck:
    value = run_value(goal.metric, run)
    return GoalCheck(run.id, run.recorded_at, value, None if value is None else goal.met_by(value))


def progress(goal: Goal, runs: list[RunRow]) -> GoalProgress:
    """How the takes (oldest first) did against ``goal``."""
    checks = [check(goal, run) for run in runs]
    measured = [c for c in checks if c.value is not None]
    first = measured[0] if measured else None
    best = None
    for c in measured:  # the closest to the range; of equals, the better way (see _better), then the latest
        if c.value is None:
            continue
        if best is None or best.value is None or goal.distance(c.value) < goal.distance(best.value) - 1e-12 or (
                goal.distance(c.value) <= goal.distance(best.value) + 1e-12 and _better(goal, c.value, best.value)):
            best = c
    latest = checks[-1] if checks else None
    return GoalProgress(goal, checks, first, best, latest, _sentence(goal, checks, best))


def _better(goal: Goal, value: float, than: float) -> bool:
    """Between two values equally far from the range: the lower or higher where the metric has a better
    direction (fewer fillers, more varied vocabulary); else, in a range, the nearer its middle; else the later."""
    if goal.metric.better == "lower":
        return value <= than
    if goal.metric.better == "higher":
        return value >= than
    if goal.low is not None and goal.high is not None:
        middle = (goal.low + goal.high) / 2
        return abs(value - middle) <= abs(than - middle)
    return True


def _sentence(goal: Goal, checks: list[GoalCheck], best: GoalCheck | None) -> str:
    name = goal.metric.label
    if not checks:
        return f"{capitalised(name)}: no take of this talk yet."
    latest = checks[-1]
    if latest.value is None:
        return (f"{capitalised(name)} was not measured in the latest take (its analysis has no such number; "
                "`speechcase runs reanalyze` updates an older one).")
    n, met = len(checks), sum(c.met is True for c in checks)
    value = format_value(goal.metric, latest.value)
    if latest.met:
        streak = 0
        for c in reversed(checks):
            if c.met is not True:
                break
            streak += 1
        if n == 1:
            return f"{capitalised(name)} met its goal ({goal.target}) in the only take so far: {value}."
        if streak == n:
            return f"{capitalised(name)} met its goal ({goal.target}) in {'both' if n == 2 else f'all {n}'} takes."
        if streak >= 2:
            return f"{capitalised(name)} met its goal ({goal.target}) in the last {streak} takes."
        if met == 1:
            return f"{capitalised(name)} met its goal ({goal.target}) for the first time in the latest take: {value}."
        return (f"{capitalised(name)} met its goal ({goal.target}) in the latest take ({value}), as in "
                f"{_takes(met - 1)} before it.")
    if met == 0:
        best_text = f"; best {format_value(goal.metric, best.value)} (run {best.run_id})" \
            if best is not None and best.value is not None and n > 1 else ""
        return f"{capitalised(name)} has not met its goal ({goal.target}) yet: {value} in the latest take{best_text}."
    return (f"{capitalised(name)} missed its goal ({goal.target}) in the latest take ({value}); it was met in "
            f"{met} of {n} takes.")


def _takes(n: int) -> str:
    return f"{n} take" if n == 1 else f"{n} takes"


def goal_progress(store: Store, talk: Talk, runs: list[RunRow] | None = None) -> list[GoalProgress]:
    """Each goal of ``talk`` across ``runs`` (default: all the talk's runs), oldest first."""
    runs = store.runs(talk) if runs is None else runs
    return [progress(goal, runs) for goal in talk_goals(store, talk)]


def progress_until(store: Store, run: RunRow) -> list[GoalProgress]:
    """Each goal of the run's talk across the talk's runs up to and including ``run``: how the goals stood when it
    was the latest take (what its report shows)."""
    talk = store.find_talk(run.talk, run.speaker)
    runs = [r for r in store.runs(talk) if (r.recorded_at, r.id) <= (run.recorded_at, run.id)]
    return goal_progress(store, talk, runs)


def talk_progress(store: Store, runs: list[RunRow]) -> list[GoalProgress]:
    """The goals of the one talk ``runs`` belong to, across those runs; none when they span several talks."""
    talks = {(r.talk, r.speaker) for r in runs}
    if len(talks) != 1:
        return []
    (name, speaker), = talks
    return goal_progress(store, store.find_talk(name, speaker), runs)
