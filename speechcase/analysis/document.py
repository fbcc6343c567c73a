"""Output stage: the analysis document (``analysis.json``, schema ``speechcase/analysis-v1``).

The layout is a public contract (see ``speechcase/schemas/analysis-v1.schema.json``);
fields may be added, never changed in meaning. :func:`analysis_document` builds the
JSON-ready object; every reader goes through :mod:`speechcase.core.document`.
"""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timezone
from typing import Any

from speechcase.analysis.signals.energy import energy_document, energy_summary
from speechcase.analysis.signals.rambling import rambling_document, rambling_summary
from speechcase.analysis.signals.repetition import repetition_document, repetition_summary
from speechcase.analysis.signals.sentences import sentence_summary
from speechcase.analysis.signals.structure import structure_summary
from speechcase.analysis.signals.timeline import talk_minutes
from speechcase.analysis.signals.vocal import vocal_summary
from speechcase.analysis.text import spoken_word_count
from speechcase.core.document import SCHEMA
from speechcase.core.types import SEVERITIES, Analysis, Flag
from speechcase.core.version import __version__


def analysis_document(analysis: Analysis, source_path: str | None = None) -> dict[str, Any]:
    """Build the JSON-ready analysis document from an :class:`Analysis`."""
    t = analysis.transcript
    words = t.words
    return {
        "schema": SCHEMA,
        "tool_version": __version__,
        "created_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": {"path": source_path or t.source.path, "sha256": t.source.sha256,
                   "duration": t.source.duration},
        "transcription": {"model": t.transcription.model, "language": t.transcription.language,
                          "seconds": t.transcription.seconds},
        "words": [asdict(w) for w in words],
        "sentences": [{"start": s.start, "end": s.end, "text": s.text, "section": s.section,
                       **({} if s.section_confidence is None else {"section_confidence": s.section_confidence}),
                       "words": [s.first_word, s.last_word]} for s in analysis.sentences],
        "framework": {"id": analysis.framework.id, "title": analysis.framework.title,
                      "sections": [{"id": s.id, "title": s.title, "target_share": list(s.target_share)}
                                   for s in analysis.framework.sections],
                      **({"preview": analysis.framework.preview} if analysis.framework.preview else {})},
        "sections": [asdict(s) for s in analysis.sections],
        "balance": [{**asdict(b), "target_share": list(b.target_share)} for b in analysis.balance],
        "pacing": asdict(analysis.pacing),
        "pauses": [asdict(p) for p in analysis.pauses],
        "fillers": [asdict(f) for f in analysis.fillers],
        "flags": [flag_dict(f) for f in analysis.flags],
        "hedges": [asdict(h) for h in analysis.hedges],
        "rambling": rambling_document(analysis.rambling),
        "repeated_phrases": repetition_document(analysis.repeated),
        **({"energy": timeline} if (timeline := energy_document(analysis.energy)) else {}),
        "summary": summary(analysis),
    }


def flag_dict(flag: Flag) -> dict[str, Any]:
    """A flag as analysis.json holds it; ``marks`` only where the flag has some."""
    out = asdict(flag)
    if not flag.marks:
        del out["marks"]
    return out


def summary(analysis: Analysis) -> dict[str, Any]:
    """Headline numbers, so a reader (or the rehearsal history) needs no recomputation."""
    words = analysis.transcript.words
    minutes = talk_minutes(words)

    def per_minute(n: int) -> float:
        return round(n / minutes, 2)

    fillers, pauses = analysis.fillers, analysis.pauses
    return {
        "duration": analysis.transcript.source.duration,
        "words": spoken_word_count(words),
        "sentences": len(analysis.sentences),
        "wpm": analysis.pacing.wpm,
        "articulation_wpm": analysis.pacing.articulation_wpm,
        "fillers_per_minute": {"total": per_minute(len(fillers)),
                               "filled_pause": per_minute(sum(f.kind == "filled_pause" for f in fillers)),
                               "discourse": per_minute(sum(f.kind == "discourse" for f in fillers)),
                               "acoustic": per_minute(sum(f.source == "acoustic" for f in fillers))},
        "pauses": {"count": len(pauses),
                   "between_sentences": sum(p.kind == "between_sentences" for p in pauses),
                   "mid_sentence": sum(p.kind == "mid_sentence" for p in pauses),
                   "longest": round(max((p.duration for p in pauses), default=0.0), 2)},
        "hedges_per_minute": per_minute(len(analysis.hedges)),
        "pitch": vocal_summary(analysis.transcript.prosody),
        "energy": energy_summary(analysis.energy),
        **({"vocabulary": asdict(analysis.vocabulary)} if analysis.vocabulary else {}),
        "sentence_length": sentence_summary(words, analysis.sentences, analysis.long_sentences),
        "repeated_phrases": repetition_summary(analysis.repeated),
        "flags": {level: sum(f.severity == level for f in analysis.flags) for level in SEVERITIES},
        "sections_unsure": dict(analysis.sections_unsure),
        "stream_of_consciousness": rambling_summary(analysis.rambling, analysis.flags, minutes),
        **structure_summary(analysis.structure, minutes),
    }
