"""speechcase: speech analysis for recorded ML case-study practice talks.

The small public API::

    from speechcase import analyze, transcribe_file
    analysis = analyze("talk.m4a")              # audio or a saved transcript.json
    print(analysis.pacing.wpm)
"""
__version__ = "0.1.0"

from .pipeline import AnalyzeOptions, analyze, transcribe_file  # noqa: E402

__all__ = ["AnalyzeOptions", "analyze", "transcribe_file", "__version__"]
