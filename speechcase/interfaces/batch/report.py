"""A batch's results for people and for scripts: one line per recording as it is settled, the summary
table at the end, and ``--results FILE`` (CSV, one row per recording)."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from speechcase.core.files import write_text_atomic
from speechcase.core.formatting import format_duration
from speechcase.core.types import SEVERITIES
from speechcase.interfaces.batch.results import ItemResult, Totals

RESULT_COLUMNS = ("path", "speaker", "talk", "framework", "status", "run", "duration_s", "seconds",
                  "transcript_from_cache", "wpm", "flags_high", "flags_medium", "flags_low", "exit_code", "note")


def result_line(result: ItemResult) -> str:
    """One recording, as it is settled: ``recorded  alice / churn  take2.m4a  run 14, 5:01, 152 wpm, 3 flags``."""
    item = result.item
    head = f"{result.status:<8}  {item.speaker} / {item.talk}  {item.path.name}"
    if result.analysed:
        how = f"{result.seconds:.1f} s" if result.seconds < 10 else f"{result.seconds:.0f} s"
        return f"{head}  run {result.run_id}, {_numbers(result)} ({how}{', transcript from cache' * result.from_cache})"
    if result.status == "skipped":
        return f"{head}  {result.note}" + (f" (run {result.run_id})" if result.run_id else "")
    return f"{head}  {result.note}"


def _numbers(result: ItemResult) -> str:
    flags = sum((result.flags or {}).values())
    return f"{format_duration(result.duration)}, {result.wpm or 0:.0f} wpm, {flags} flag{'s' if flags != 1 else ''}"


def summary_table(results: list[ItemResult]) -> list[str]:
    """The recordings analysed or failed in this batch as a plain-text table (skips are only counted: on a
    resumed batch they are most of it)."""
    rows = [["status", "speaker", "talk", "recording", "run", "length", "wpm", "flags H/M/L", "error"]]
    for r in results:
        if r.status == "skipped":
            continue
        flags = "/".join(str((r.flags or {}).get(level, 0)) for level in SEVERITIES) if r.analysed else ""
        rows.append([r.status, r.item.speaker, r.item.talk, r.item.path.name, str(r.run_id or ""),
                     format_duration(r.duration) if r.analysed else "", f"{r.wpm:.0f}" if r.wpm is not None else "",
                     flags, r.note if r.status == "failed" else ""])
    if len(rows) == 1:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    right = {4, 5, 6}
    return ["  ".join(cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths)))
            .rstrip() for row in rows]


def totals_line(results: list[ItemResult], wall_seconds: float, workers: int | None) -> str:
    """``3 analysed (4:51 of audio) in 0:42 on 2 workers, 6.9 audio minutes per wall minute; 1 skipped; 1 failed.``"""
    totals = Totals.of(results)
    line = f"{totals.analysed} analysed"
    if totals.analysed:
        line += f" ({format_duration(totals.audio_seconds)} of audio)"
    line += f" in {format_duration(wall_seconds)}"
    if workers:
        line += f" on {workers} worker{'s' if workers != 1 else ''}"
    if totals.analysed and wall_seconds > 0:
        line += f", {totals.audio_seconds / wall_seconds:.1f} audio minutes per wall minute"
    return line + f"; {totals.skipped} skipped; {totals.failed} failed."


def write_results_csv(results: list[ItemResult], path: Path) -> None:
    """Every recording's result, one CSV row each, in batch order (written atomically)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(RESULT_COLUMNS)
    for r in results:
        flags = r.flags or {}
        writer.writerow([str(r.item.path), r.item.speaker, r.item.talk, r.item.framework, r.status,
                         r.run_id if r.run_id is not None else "", round(r.duration, 2) if r.analysed else "",
                         round(r.seconds, 2) if r.seconds else "", ("yes" if r.from_cache else "no") if r.analysed else "",
                         round(r.wpm, 1) if r.wpm is not None else "",
                         *(flags.get(level, "") for level in SEVERITIES), r.exit_code or "", r.note])
    write_text_atomic(path, buffer.getvalue())
