"""The analysis document (a plain dict, as read from ``analysis.json``) as typed data for the dashboard.

The dashboard is rendered from the document, never from in-memory pipeline
objects, so any saved ``analysis.json`` can be rendered again later. Only the
fields the contract requires are required here; optional ones (``summary``,
``pacing.rolling``, ``sentences[].words``, ``hedges``) have fallbacks, and
unknown section ids and flag types are carried through unchanged.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BadAnalysis
from ..types import BalanceRow, Filler, Flag, PaceWindow, Pause, SectionSpan, SectionSpec, Sentence, Word

SCHEMA = "speechcase/analysis-v1"


@dataclass(frozen=True)
class Talk:
    """One analysed talk, read back from its analysis document."""

    source_path: str
    duration: float
    created_at: str
    model: str
    framework_id: str
    framework_title: str
    framework: list[SectionSpec]
    words: list[Word]
    sentences: list[Sentence]
    sections: list[SectionSpan]
    balance: list[BalanceRow]
    wpm: float
    articulation_wpm: float
    pace_line: list[PaceWindow]
    wpm_by_section: dict[str, float]
    pauses: list[Pause]
    fillers: list[Filler]
    flags: list[Flag]
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def talk_seconds(self) -> float:
        """First word to last: the base of every per-minute rate (as in ``summary``)."""
        return max(self.words[-1].end - self.words[0].start, 1e-6) if self.words else max(self.duration, 1e-6)

    def section_title(self, section_id: str) -> str:
        for spec in self.framework:
            if spec.id == section_id:
                return spec.title or section_id
        return section_id.replace("_", " ").capitalize()


def load_document(path: Path) -> dict[str, Any]:
    """Read an ``analysis.json``; :class:`BadAnalysis` when it is not one (checked in full by :func:`read_talk`)."""
    hint = "pass the analysis.json written by `speechcase analyze`."
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise BadAnalysis(f"{path.name} is not a text JSON file; {hint}") from exc
    except json.JSONDecodeError as exc:
        raise BadAnalysis(f"{path.name} is not valid JSON (line {exc.lineno}); {hint}") from exc
    read_talk(doc, Path(path).name)
    return doc


def read_talk(doc: Any, name: str = "the input") -> Talk:
    """Typed view of an analysis document; :class:`BadAnalysis` when it is not one."""
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise BadAnalysis(f"{name} is not a speechcase analysis document (no \"schema\": \"{SCHEMA}\"); pass the "
                          "analysis.json written by `speechcase analyze`.")
    try:
        return _read(doc)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise BadAnalysis(f"{name} is a damaged analysis document (bad or missing field {exc}); run "
                          "`speechcase analyze` again to rewrite it.") from exc


def _read(doc: dict[str, Any]) -> Talk:
    words = [Word.from_dict(w) for w in doc["words"]]
    sentences = []
    for s in doc["sentences"]:
        first, last = s.get("words", (0, 0))
        sentences.append(Sentence(int(first), int(last), float(s["start"]), float(s["end"]), str(s["text"]),
                                  str(s["section"])))
    framework = doc["framework"]
    pacing = doc["pacing"]
    line = pacing.get("rolling") or pacing["timeline"]
    return Talk(
        source_path=str(doc["source"]["path"]),
        duration=float(doc["source"]["duration"]),
        created_at=str(doc.get("created_at", "")),
        model=str(doc.get("transcription", {}).get("model", "")),
        framework_id=str(framework["id"]),
        framework_title=str(framework.get("title") or framework["id"]),
        framework=[SectionSpec(str(s["id"]), str(s.get("title", s["id"])), "", _pair(s["target_share"]))
                   for s in framework["sections"]],
        words=words,
        sentences=sentences,
        sections=[SectionSpan(str(s["id"]), float(s["start"]), float(s["end"]), float(s.get("confidence", 0)))
                  for s in doc["sections"]],
        balance=[BalanceRow(str(b["section"]), float(b["seconds"]), float(b["share"]), _pair(b["target_share"]),
                            str(b["status"]), float(b.get("wpm", 0.0)), float(b.get("fillers_per_minute", 0.0)))
                 for b in doc["balance"]],
        wpm=float(pacing["wpm"]),
        articulation_wpm=float(pacing["articulation_wpm"]),
        pace_line=[PaceWindow(float(w["start"]), float(w["end"]), float(w["wpm"])) for w in line],
        wpm_by_section={str(k): float(v) for k, v in pacing.get("by_section", {}).items()},
        pauses=[Pause(float(p["start"]), float(p["end"]), str(p["kind"])) for p in doc["pauses"]],
        fillers=[Filler(str(f["text"]), str(f["kind"]), float(f["start"]), float(f["end"]),
                        str(f.get("source", "asr"))) for f in doc["fillers"]],
        flags=[Flag(str(f["id"]), str(f["type"]), float(f["start"]), float(f["end"]), str(f["severity"]),
                    str(f["message"]), str(f.get("evidence", "")), str(f["suggestion"])) for f in doc["flags"]],
        summary=dict(doc.get("summary") or {}),
    )


def _pair(values: Any) -> tuple[float, float]:
    low, high = values
    return float(low), float(high)
