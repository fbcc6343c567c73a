"""Rehearsal history: the history table, "what changed since last run", export and import.

Everything here works on the store (:mod:`speechcase.rehearsals.store`); the comparison
page (:mod:`speechcase.views.compare`) builds on the same rows. Re-analysis of a stored
run is a service recipe (:func:`speechcase.service.reanalyze_run`).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from speechcase.core.document import read_document
from speechcase.core.errors import BadAnalysis, BadExport, UnknownTalk
from speechcase.core.files import data_file, read_json_file
from speechcase.core.formatting import format_duration, local_time, percent
from speechcase.core.types import SEVERITIES, Transcript
from speechcase.core.version import __version__
from speechcase.rehearsals.goals import GoalCheck, GoalProgress, format_value
from speechcase.rehearsals.store import RunRow, Store, Talk, now

EXPORT_SCHEMA = "speechcase/runs-export-v1"


# -- the history table --------------------------------------------------------------------------------------

def section_columns(runs: list[RunRow]) -> list[str]:
    """Every section id of the runs' frameworks, in framework order, first framework first."""
    seen: dict[str, None] = {}
    for run in runs:
        for s in run.sections:
            seen.setdefault(s.section, None)
    return list(seen)


def history_lines(runs: list[RunRow], goals: list[GoalProgress] | None = None) -> list[str]:
    """The runs of a talk as a plain-text table, oldest first; with ``goals``, one column per goal (``G1``,
    ``G2``, ...: met, no, or - where not measured)."""
    sections = section_columns(runs)
    goals = goals or []
    header = ["run", "date", "length", "wpm", "fillers/min", "pauses", *sections, "flags H/M/L", "framework",
              *(f"G{k}" for k in range(1, len(goals) + 1))]
    rows = []
    for n, run in enumerate(runs):
        m = run.metrics
        shares = {s.section: percent(s.share) for s in run.sections}
        rows.append([str(run.id), local_time(run.recorded_at), format_duration(m["duration"]), f"{m['wpm']:.0f}",
                     f"{m['fillers_per_minute']:.1f}", str(int(m["pauses"])),
                     *(shares.get(s, "-") for s in sections),
                     "/".join(str(int(m[f"flags_{level}"])) for level in SEVERITIES), run.framework,
                     *(met_word(g.checks[n]) for g in goals)])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    left = {1, len(header) - 1 - len(goals)}  # date and framework read better left-aligned
    return ["  ".join(cell.ljust(w) if i in left else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths)))
            .rstrip() for r in [header, *rows]]


def met_word(check: GoalCheck) -> str:
    """``met``, ``no``, or ``-`` where the run has no such number."""
    return "-" if check.met is None else "met" if check.met else "no"


def goal_lines(goals: list[GoalProgress]) -> list[str]:
    """Each goal with its first, best and latest value (and run) and the sentence on how it went."""
    if not goals:
        return []
    lines = ["Goals (first / best / latest take):"]
    for k, p in enumerate(goals, 1):
        def at(c: GoalCheck | None) -> str:
            return "-" if c is None or c.value is None else f"{format_value(p.goal.metric, c.value)} (run {c.run_id})"

        lines.append(f"  G{k}  {p.goal.metric.label} {p.goal.target}: first {at(p.first)}, best {at(p.best)}, "
                     f"latest {at(p.latest)}")
        lines.append(f"      {p.sentence}")
    return lines


def talk_lines(talks: list[Talk]) -> list[str]:
    header = ["talk", "speaker", "runs", "last run"]
    rows = [[t.name, t.speaker, str(t.runs), local_time(t.last_run) if t.last_run else "-"] for t in talks]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return ["  ".join(cell.rjust(w) if i == 2 else cell.ljust(w) for i, (cell, w) in enumerate(zip(r, widths)))
            .rstrip() for r in [header, *rows]]


def select_runs(store: Store, items: tuple[str, ...] | list[str], speaker: str | None = None) -> list[RunRow]:
    """Run ids and talk names (a number is a run id when such a run exists) -> runs, oldest first; no items: the
    runs of the latest talk (of ``speaker`` when given)."""
    if not items:
        talks = [t for t in store.talks() if (speaker is None or t.speaker == speaker) and t.runs]
        if not talks:
            raise UnknownTalk(f"No runs stored in {store.where} yet; `speechcase analyze INPUT --talk NAME` "
                              "records one.")
        return store.runs(talks[0])
    chosen = {}
    for item in items:
        found = store.runs(run_ids=[int(item)]) if item.isdigit() else []
        if not found:
            talk = store.find_talk(item, speaker)
            found = store.runs(talk)
            if not found:  # a talk with goals and no take yet
                raise UnknownTalk(f"Talk '{talk.name}' has no runs yet; `speechcase analyze INPUT --talk {talk.name}` "
                                  "records one.")
        for run in found:
            chosen[run.id] = run
    return sorted(chosen.values(), key=lambda r: (r.recorded_at, r.id))


# -- what changed since last run ----------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def notable_change() -> dict[str, float]:
    return {k: float(v) for k, v in data_file("compare.toml")["notable_change"].items()}


def what_changed(before: RunRow, after: RunRow) -> list[str]:
    """Short plain-language sentences on what moved from one run to the next (thresholds in data/compare.toml)."""
    limit = notable_change()
    lines = []
    if before.framework != after.framework:
        lines.append(f"framework {before.framework} -> {after.framework} (sections compared by name)")
    lines += _section_changes(before, after, limit["share"])
    a, b = before.metrics, after.metrics

    def moved(key: str) -> bool:
        return abs(b[key] - a[key]) >= limit[key]

    if moved("duration"):
        lines.append(f"length {format_duration(a['duration'])} -> {format_duration(b['duration'])}")
    if moved("wpm"):
        lines.append(f"pace {a['wpm']:.0f} -> {b['wpm']:.0f} wpm")
    if moved("fillers_per_minute"):
        lines.append(f"fillers {a['fillers_per_minute']:.1f} -> {b['fillers_per_minute']:.1f} per minute")
    if moved("pauses"):
        lines.append(f"pauses of 1 s or more {a['pauses']:.0f} -> {b['pauses']:.0f}")
    if moved("hedges_per_minute"):
        lines.append(f"hedges {a['hedges_per_minute']:.1f} -> {b['hedges_per_minute']:.1f} per minute")
    if moved("rambling_seconds"):
        lines.append(f"rambling {a['rambling_seconds']:.0f} s -> {b['rambling_seconds']:.0f} s")
    lines += _flag_changes(before, after)
    return lines or ["no notable change in time allocation, pace, fillers, pauses or flags"]


def _section_changes(before: RunRow, after: RunRow, min_share: float) -> list[str]:
    old = {s.section: s for s in before.sections}
    lines = []
    for new in after.sections:
        prev = old.get(new.section)
        if prev is None:
            continue
        if prev.seconds == 0 and new.seconds > 0:
            line = f"{new.section} now present ({percent(new.share)})"
        elif prev.seconds > 0 and new.seconds == 0:
            line = f"{new.section} now missing (was {percent(prev.share)})"
        elif abs(new.share - prev.share) >= min_share:
            line = f"{new.section} share {percent(prev.share)} -> {percent(new.share)}"
            if new.status != prev.status:
                where = "within" if new.status == "ok" else new.status
                line += f", now {where} its {new.target[0] * 100:.0f}-{new.target[1] * 100:.0f} % target"
        else:
            continue
        if max(_unsure_share(before, new.section), _unsure_share(after, new.section)) >= abs(new.share - prev.share):
            line += " (its boundaries are uncertain in these takes: listen before counting on it)"
        lines.append(line)
    return lines


def _unsure_share(run: RunRow, section: str) -> float:
    """The share of the talk in uncertain stretches in or next to ``section`` (``summary.sections_unsure``; 0 for
    a run analysed before it was recorded): a share change no larger than that may be where the reading put a
    boundary the words do not decide, not a change in the talk."""
    seconds = (run.summary.get("sections_unsure") or {}).get(section, 0.0)
    total = sum(s.seconds for s in run.sections)
    return float(seconds) / total if total > 0 else 0.0


def _flag_changes(before: RunRow, after: RunRow) -> list[str]:
    lines = []
    a, b = before.metrics, after.metrics
    if before.flag_count != after.flag_count or a["flags_high"] != b["flags_high"]:
        lines.append(f"flags {before.flag_count} -> {after.flag_count} "
                     f"(high {a['flags_high']:.0f} -> {b['flags_high']:.0f})")
    gone = sorted(set(before.flag_types) - set(after.flag_types))
    new = sorted(set(after.flag_types) - set(before.flag_types))
    if gone:
        lines.append(f"no more {', '.join(gone)} flags")
    if new:
        lines.append(f"new flags: {', '.join(new)}")
    return lines


# -- export and import --------------------------------------------------------------------------------------

def export_talk(store: Store, talk: Talk) -> dict[str, Any]:
    """Every run of a talk, with its document and transcript, as one JSON-ready object."""
    return {
        "schema": EXPORT_SCHEMA,
        "tool_version": __version__,
        "exported_at": now(),
        "talk": talk.name,
        "speaker": talk.speaker,
        "runs": [{"uid": run.uid, "recorded_at": run.recorded_at, "document": store.document(run.id).raw,
                  "transcript": store.transcript(run.id).to_dict()} for run in store.runs(talk)],
    }


@dataclass(frozen=True)
class ImportResult:
    talk: str
    speaker: str
    imported: int
    already_present: int


def read_export(path: Path) -> dict[str, Any]:
    hint = "pass a file written by `speechcase export TALK -o FILE`."
    data = read_json_file(path, BadExport, hint)
    if not isinstance(data, dict) or data.get("schema") != EXPORT_SCHEMA:
        raise BadExport(f"{Path(path).name} is not a speechcase export (no \"schema\": \"{EXPORT_SCHEMA}\"); {hint}")
    return data


def import_export(store: Store, data: dict[str, Any], talk: str | None = None,
                  speaker: str | None = None) -> ImportResult:
    """Add an export's runs to the store, all in one transaction; runs already stored (same uid) are skipped."""
    talk = talk or data.get("talk")
    speaker = speaker or data.get("speaker")
    runs = data.get("runs")
    if not isinstance(talk, str) or not talk or not isinstance(speaker, str) or not speaker \
            or not isinstance(runs, list):
        raise BadExport("The export has no talk name, speaker or run list; export it again with "
                        "`speechcase export TALK -o FILE`.")
    imported = 0
    with store.transaction() as db:
        for i, run in enumerate(runs, 1):
            try:
                document = read_document(run["document"], f"run {i} of the export")
                transcript = Transcript.from_dict(run["transcript"])
                imported += store.import_run(db, talk, speaker, str(run["uid"]), str(run["recorded_at"]),
                                             document, transcript)
            except (KeyError, TypeError, ValueError, IndexError, BadAnalysis) as exc:
                raise BadExport(f"Run {i} of the export is damaged ({type(exc).__name__}: {exc}); nothing was "
                                "imported. Export the talk again.") from exc
    return ImportResult(talk, speaker, imported, len(runs) - imported)
