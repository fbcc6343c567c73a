"""Analyses and the rehearsal store as pandas DataFrames, for notebooks and your own charts.

::

    from speechcase import frames, load_document, open_store, store_frames
    talk = frames(load_document("speechcase-out/take1/analysis.json"))
    talk.fillers.groupby("kind").size()
    with open_store() as store:
        takes = store_frames(store, talk="churn")
    takes.sections.pivot(index="run", columns="section", values="share")

Every table is built from the analysis document (or the store's rows), with
times in seconds from the start of the recording; nothing is recomputed.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from speechcase.core.document import AnalysisDocument, load_document, read_document
from speechcase.core.formatting import reading_text
from speechcase.core.types import Analysis
from speechcase.rehearsals.goals import GoalProgress
from speechcase.rehearsals.history import section_columns, select_runs
from speechcase.rehearsals.store import RunRow, Store

__all__ = ["AnalysisFrames", "StoreFrames", "frames", "runs_table", "store_frames", "unassigned_share"]


@dataclass(frozen=True)
class AnalysisFrames:
    """One analysed talk as tables.

    Attributes:
        words: one row per transcript word: ``text, start, end, probability, sentence, section``.
        sentences: ``start, end, duration, section, section_confidence, words, text`` (split tokens joined for
            reading; ``section_confidence`` is the probability of ``section``, NaN in documents written without it).
        fillers: ``text, kind, source, start, end``.
        pauses: ``start, end, duration, kind``.
        sections: the spans of the talk: ``section, title, start, end, duration, confidence``.
        balance: one row per framework section: ``section, title, seconds, share, target_low, target_high,
            status, wpm, fillers_per_minute``.
        flags: ``id, type, severity, start, end, message, evidence, suggestion``.
        pace: the rolling pace line: ``start, end, wpm``.
    """

    words: pd.DataFrame
    sentences: pd.DataFrame
    fillers: pd.DataFrame
    pauses: pd.DataFrame
    sections: pd.DataFrame
    balance: pd.DataFrame
    flags: pd.DataFrame
    pace: pd.DataFrame


def frames(analysis: AnalysisDocument | Analysis | str | Path) -> AnalysisFrames:
    """The tables of one analysed talk.

    Args:
        analysis: An analysis document (as read by :func:`~speechcase.core.document.load_document` or from the
            store), the :class:`~speechcase.core.types.Analysis` that :func:`speechcase.analyze` returns, or the
            path of an ``analysis.json``.

    Returns:
        An :class:`AnalysisFrames` of DataFrames.
    """
    doc = _document(analysis)
    sentence_of = [-1] * len(doc.words)
    for k, s in enumerate(doc.sentences):
        sentence_of[s.first_word:s.last_word] = [k] * (s.last_word - s.first_word)
    words = pd.DataFrame([asdict(w) for w in doc.words], columns=["text", "start", "end", "probability"])
    words["sentence"] = sentence_of
    words["section"] = [doc.sentences[k].section if k >= 0 else None for k in sentence_of]
    sentences = pd.DataFrame(
        [{"start": s.start, "end": s.end, "duration": round(s.end - s.start, 3), "section": s.section,
          "section_confidence": float("nan") if s.section_confidence is None else s.section_confidence,
          "words": s.last_word - s.first_word,
          "text": reading_text(w.text for w in doc.words[s.first_word:s.last_word]) or s.text}
         for s in doc.sentences],
        columns=["start", "end", "duration", "section", "section_confidence", "words", "text"])
    return AnalysisFrames(
        words=words,
        sentences=sentences,
        fillers=pd.DataFrame([{"text": f.text, "kind": f.kind, "source": f.source, "start": f.start, "end": f.end}
                              for f in doc.fillers], columns=["text", "kind", "source", "start", "end"]),
        pauses=pd.DataFrame([{"start": p.start, "end": p.end, "duration": round(p.duration, 3), "kind": p.kind}
                             for p in doc.pauses], columns=["start", "end", "duration", "kind"]),
        sections=pd.DataFrame([{"section": s.id, "title": doc.section_title(s.id), "start": s.start, "end": s.end,
                                "duration": round(s.end - s.start, 3), "confidence": s.confidence}
                               for s in doc.sections],
                              columns=["section", "title", "start", "end", "duration", "confidence"]),
        balance=pd.DataFrame([{"section": b.section, "title": doc.section_title(b.section), "seconds": b.seconds,
                               "share": b.share, "target_low": b.target_share[0], "target_high": b.target_share[1],
                               "status": b.status, "wpm": b.wpm, "fillers_per_minute": b.fillers_per_minute}
                              for b in doc.balance],
                             columns=["section", "title", "seconds", "share", "target_low", "target_high", "status",
                                      "wpm", "fillers_per_minute"]),
        flags=pd.DataFrame([asdict(f) for f in doc.flags],
                           columns=["id", "type", "start", "end", "severity", "message", "evidence", "suggestion"]),
        pace=pd.DataFrame([asdict(w) for w in doc.pace_line], columns=["start", "end", "wpm"]),
    )


def _document(analysis: AnalysisDocument | Analysis | str | Path) -> AnalysisDocument:
    if isinstance(analysis, AnalysisDocument):
        return analysis
    if isinstance(analysis, Analysis):
        from speechcase.analysis.document import analysis_document

        return read_document(analysis_document(analysis))
    return load_document(Path(analysis))


@dataclass(frozen=True)
class StoreFrames:
    """Stored takes as tables.

    Attributes:
        runs: one row per run, oldest first: identity, the summary numbers, per-section share, seconds and status
            (``share_<section>``, ...), and flag counts per type (``flag_type_<type>``); the table behind
            ``speechcase compare --csv``.
        sections: one row per run and framework section (long format, for plotting time allocation across
            takes): ``run, talk, speaker, recorded_at, section, title, seconds, share, target_low, target_high,
            status``.
    """

    runs: pd.DataFrame
    sections: pd.DataFrame


def store_frames(store: Store, talk: str | None = None, speaker: str | None = None,
                 run_ids: list[int] | None = None) -> StoreFrames:
    """Stored runs as tables: the runs of ``talk`` (of ``speaker`` when several share the name), the given
    ``run_ids``, or, with neither, every stored run."""
    if talk or run_ids:
        runs = select_runs(store, [*([talk] if talk else []), *(str(r) for r in run_ids or [])], speaker)
    else:
        runs = [r for r in store.runs() if speaker is None or r.speaker == speaker]
    sections = pd.DataFrame(
        [{"run": r.id, "talk": r.talk, "speaker": r.speaker, "recorded_at": r.recorded_at, "section": s.section,
          "title": s.title, "seconds": s.seconds, "share": s.share, "target_low": s.target[0],
          "target_high": s.target[1], "status": s.status} for r in runs for s in r.sections],
        columns=["run", "talk", "speaker", "recorded_at", "section", "title", "seconds", "share", "target_low",
                 "target_high", "status"])
    return StoreFrames(runs_table(runs), sections)


def runs_table(runs: list[RunRow], goals: list[GoalProgress] | None = None) -> pd.DataFrame:
    """One row per run, oldest first: identity, the summary numbers, per-section share and flag counts; with
    ``goals`` (evaluated over these runs), ``goal_<metric>`` (met: True, False, or empty where not measured)
    and ``goal_<metric>_value`` per goal."""
    if not runs:
        return pd.DataFrame(columns=["run", "uid", "talk", "speaker", "recorded_at"])
    rows = []
    for n, run in enumerate(runs):
        row = {"run": run.id, "uid": run.uid, "talk": run.talk, "speaker": run.speaker,
               "recorded_at": run.recorded_at, "analysed_at": run.analysed_at, "framework": run.framework,
               "tool_version": run.tool_version, "source_path": run.source_path, "audio_sha256": run.audio_sha256,
               **run.metrics, "flags_total": run.flag_count}
        for s in run.sections:
            row[f"share_{s.section}"] = s.share
            row[f"seconds_{s.section}"] = s.seconds
            row[f"status_{s.section}"] = s.status
        row["share_unassigned"] = unassigned_share(run)
        for flag_type, count in run.flag_types.items():
            row[f"flag_type_{flag_type}"] = count
        for goal in goals or []:
            check = goal.checks[n]
            row[f"goal_{goal.goal.metric.key}"] = check.met
            row[f"goal_{goal.goal.metric.key}_value"] = check.value
        rows.append(row)
    table = pd.DataFrame(rows)
    flag_columns = sorted(c for c in table.columns if c.startswith("flag_type_"))
    table[flag_columns] = table[flag_columns].fillna(0).astype(int)
    goal_columns = [c for c in table.columns if c.startswith("goal_")]
    fixed = [c for c in table.columns if not c.startswith(("share_", "seconds_", "status_", "flag_type_", "goal_"))]
    sections = section_columns(runs)
    ordered = fixed + [f"{kind}_{s}" for kind in ("share", "seconds", "status") for s in sections] \
        + ["share_unassigned"] + flag_columns + goal_columns
    return table[ordered]


def unassigned_share(run: RunRow) -> float:
    """The part of the talk no framework section holds (all of it until sections are segmented)."""
    return round(max(0.0, 1.0 - sum(s.share for s in run.sections)), 4)
