"""Output stage: the analysis document (``analysis.json``, schema ``speechcase/analysis-v1``).

The layout is a public contract (see ``speechcase/schemas/analysis-v1.schema.json``);
fields may be added, never changed in meaning.
"""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timezone
from typing import Any

from . import __version__
from .types import Analysis

SCHEMA = "speechcase/analysis-v1"


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
                       "words": [s.first_word, s.last_word]} for s in analysis.sentences],
        "framework": {"id": analysis.framework.id, "title": analysis.framework.title,
                      "sections": [{"id": s.id, "title": s.title, "target_share": list(s.target_share)}
                                   for s in analysis.framework.sections]},
        "sections": [asdict(s) for s in analysis.sections],
        "balance": [{**asdict(b), "target_share": list(b.target_share)} for b in analysis.balance],
        "pacing": asdict(analysis.pacing),
        "pauses": [asdict(p) for p in analysis.pauses],
        "fillers": [asdict(f) for f in analysis.fillers],
        "flags": [asdict(f) for f in analysis.flags],
    }
