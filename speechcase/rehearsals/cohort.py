"""A cohort: every speaker's latest take side by side, and who improved since their first take.

Built from the store's rows (:class:`~speechcase.rehearsals.store.RunRow`), like the history; the page and
the CSV are :mod:`speechcase.views.cohort`. A speaker's takes are ordered as stored (``speechcase batch``
stores each speaker's takes in manifest order).

"Improved" compares the first take with the latest on four measures, each counted only when it moved by at
least its notable change (``data/compare.toml``): the time outside the sections' target ranges, fillers per
minute, seconds of rambling, and high and medium flags. Lower is better on each; pace is shown but not
judged (a change of pace is neither good nor bad by itself).
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from speechcase.core.errors import UnknownTalk
from speechcase.rehearsals.history import notable_change, section_columns, what_changed
from speechcase.rehearsals.store import RunRow, Store, Talk

Verdict = Literal["improved", "worse", "mixed", "no notable change"]


@dataclass(frozen=True)
class Measure:
    """One judged measure of a take (lower is better)."""

    name: str
    before: float
    after: float
    notable: float
    unit: str

    @property
    def change(self) -> Literal["better", "worse", "same"]:
        delta = self.after - self.before
        if abs(delta) < self.notable:
            return "same"
        return "better" if delta < 0 else "worse"

    def text(self) -> str:
        return f"{self.name} {self.before:.{_digits(self.unit)}f} -> {self.after:.{_digits(self.unit)}f}{self.unit}"


def _digits(unit: str) -> int:
    return 1 if unit == "/min" else 0


@dataclass(frozen=True)
class Improvement:
    """A speaker's latest take against their first."""

    first: RunRow
    latest: RunRow
    measures: list[Measure]
    #: Plain-language changes (the history's "what changed" sentences).
    changes: list[str]

    @property
    def better(self) -> list[Measure]:
        return [m for m in self.measures if m.change == "better"]

    @property
    def worse(self) -> list[Measure]:
        return [m for m in self.measures if m.change == "worse"]

    @property
    def verdict(self) -> Verdict:
        better, worse = len(self.better), len(self.worse)
        if better == worse:
            return "mixed" if better else "no notable change"
        return "improved" if better > worse else "worse"


@dataclass(frozen=True)
class Member:
    """One speaker of the cohort: their latest take, how many takes, and (from two takes) their improvement."""

    speaker: str
    latest: RunRow
    takes: int
    improvement: Improvement | None


@dataclass(frozen=True)
class Cohort:
    """The cohort's members (by speaker name) and the framework sections their latest takes have."""

    talk: str | None
    members: list[Member]
    sections: list[str]
    titles: dict[str, str]
    targets: dict[str, tuple[float, float]]

    @property
    def improved(self) -> list[Member]:
        return [m for m in self.members if m.improvement and m.improvement.verdict == "improved"]


def off_target(run: RunRow) -> float:
    """Share of the talk outside the sections' target ranges: each section's distance below its lowest or
    above its highest share, added up (0 when every section is within its range)."""
    return sum(max(0.0, s.target[0] - s.share, s.share - s.target[1]) for s in run.sections)


def judged_measures(first: RunRow, latest: RunRow) -> list[Measure]:
    """The four measures "improved" is judged on, first take against latest."""
    limit = notable_change()
    a, b = first.metrics, latest.metrics
    return [
        Measure("time off target", off_target(first) * 100, off_target(latest) * 100, limit["share"] * 100, " %"),
        Measure("fillers", a["fillers_per_minute"], b["fillers_per_minute"], limit["fillers_per_minute"], "/min"),
        Measure("rambling", a["rambling_seconds"], b["rambling_seconds"], limit["rambling_seconds"], " s"),
        Measure("high and medium flags", a["flags_high"] + a["flags_medium"], b["flags_high"] + b["flags_medium"],
                1.0, ""),
    ]


def build_cohort(store: Store, talk: str | None = None, speakers: list[str] | None = None,
                 within: Collection[Talk] | None = None) -> Cohort:
    """Every speaker's latest take (of ``talk`` when given), with their improvement since their first take.

    Args:
        store: The rehearsal store.
        talk: Only takes of talks with this name; None takes every talk.
        speakers: Only these speakers; None takes everyone.
        within: Only runs of these talks (the web app passes the talks shared with a coach, so a cohort never
            holds anyone else's runs); None takes the whole store.

    Raises:
        UnknownTalk: no stored run matches (the message says what is stored).
    """
    pool = store.runs() if within is None else \
        sorted((r for t in within for r in store.runs(t)), key=lambda r: (r.recorded_at, r.id))
    runs = [r for r in pool if (talk is None or r.talk == talk) and (not speakers or r.speaker in speakers)]
    if not runs:
        raise UnknownTalk(_nothing_stored(store, talk, speakers))
    by_speaker: dict[str, list[RunRow]] = {}
    for run in runs:  # oldest first
        by_speaker.setdefault(run.speaker, []).append(run)
    members = []
    for speaker in sorted(by_speaker, key=str.casefold):
        takes = by_speaker[speaker]
        first, latest = takes[0], takes[-1]
        improvement = Improvement(first, latest, judged_measures(first, latest), what_changed(first, latest)) \
            if len(takes) > 1 else None
        members.append(Member(speaker, latest, len(takes), improvement))
    latest_runs = [m.latest for m in members]
    titles: dict[str, str] = {}
    targets: dict[str, tuple[float, float]] = {}
    for run in latest_runs:
        for s in run.sections:
            titles.setdefault(s.section, s.title)
            targets.setdefault(s.section, s.target)
    return Cohort(talk, members, section_columns(latest_runs), titles, targets)


def _nothing_stored(store: Store, talk: str | None, speakers: list[str] | None) -> str:
    whose = f" by {', '.join(speakers)}" if speakers else ""
    what = f"of talk '{talk}'" if talk else "at all"
    if not store.talks():
        return f"No runs stored in {store.where} yet; `speechcase batch` or `speechcase analyze` records them."
    return f"No runs {what}{whose} in {store.where}; `speechcase history` lists the talks and speakers."
