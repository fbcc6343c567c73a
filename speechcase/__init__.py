"""speechcase: speech analysis for recorded ML case-study practice talks.

The public API (see ``docs/api.md``)::

    from speechcase import analyze, AnalyzeOptions
    analysis = analyze("talk.m4a")                 # audio or a saved transcript.json
    print(analysis.pacing.wpm)

    from speechcase import analyze_take, TakeRequest   # the whole recipe: analyse, write, record
    result = analyze_take(TakeRequest(Path("talk.m4a"), talk="churn", outdir=Path("out")))

    from speechcase import load_document, frames       # a saved analysis.json as pandas DataFrames
    tables = frames(load_document("out/analysis.json"))

Names are imported on first use, so ``import speechcase`` (and ``speechcase --help``) stays fast.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from speechcase.core.version import __version__

#: Public name -> the module that defines it.
_EXPORTS = {
    "analyze": "speechcase.analysis.pipeline",
    "AnalyzeOptions": "speechcase.analysis.pipeline",
    "transcribe_file": "speechcase.analysis.pipeline",
    "Analysis": "speechcase.core.types",
    "AnalysisDocument": "speechcase.core.document",
    "load_document": "speechcase.core.document",
    "read_document": "speechcase.core.document",
    "SpeechcaseError": "speechcase.core.errors",
    "analyze_take": "speechcase.service",
    "TakeRequest": "speechcase.service",
    "TakeResult": "speechcase.service",
    "reanalyze_run": "speechcase.service",
    "open_store": "speechcase.rehearsals.store",
    "frames": "speechcase.views.frames",
    "store_frames": "speechcase.views.frames",
}

__all__ = ["Analysis", "AnalysisDocument", "AnalyzeOptions", "SpeechcaseError", "TakeRequest", "TakeResult",
           "__version__", "analyze", "analyze_take", "frames", "load_document", "open_store", "read_document",
           "reanalyze_run", "store_frames", "transcribe_file"]

if TYPE_CHECKING:
    from speechcase.analysis.pipeline import AnalyzeOptions, analyze, transcribe_file
    from speechcase.core.document import AnalysisDocument, load_document, read_document
    from speechcase.core.errors import SpeechcaseError
    from speechcase.core.types import Analysis
    from speechcase.rehearsals.store import open_store
    from speechcase.service import TakeRequest, TakeResult, analyze_take, reanalyze_run
    from speechcase.views.frames import frames, store_frames


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'speechcase' has no attribute {name!r}")
