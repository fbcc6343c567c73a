"""The dashboard: one self-contained HTML page per analysed talk, rendered from its analysis document.

``speechcase analyze`` writes it next to ``analysis.json``; ``speechcase
dashboard ANALYSIS.json`` renders it again from a saved document (with another
recording path, or the recording embedded).
"""
from __future__ import annotations

from pathlib import Path

from speechcase.analysis.audio import check_input_file
from speechcase.core.document import AnalysisDocument, load_document
from speechcase.core.errors import InputMissing
from speechcase.core.files import write_text_atomic
from speechcase.views.dashboard.audio import AudioLink, find_recording, link_recording
from speechcase.views.dashboard.render import render_dashboard
from speechcase.views.dashboard.review import ReviewView

__all__ = ["AudioLink", "ReviewView", "render_dashboard", "render_from_file", "write_dashboard"]


def write_dashboard(document: AnalysisDocument, html_file: Path, recording: Path | None = None,
                    embed_audio: bool = False, near: list[Path] | None = None,
                    review: ReviewView | None = None) -> AudioLink:
    """Render ``document`` to ``html_file`` (atomically); returns how the recording was linked.

    Without ``recording``, the document's ``source.path`` is looked up as
    written, then under each folder of ``near``; a talk whose recording cannot
    be found still gets a dashboard, without audio.
    """
    html_file = Path(html_file)
    if recording is None:
        recording = find_recording(document.source.path, near or [])
    audio = link_recording(recording, html_file, embed_audio)
    write_text_atomic(html_file, render_dashboard(document, audio, review=review))
    return audio


def render_from_file(analysis_file: Path, html_file: Path, recording: Path | None = None,
                     embed_audio: bool = False) -> AudioLink:
    """``speechcase dashboard``: check the inputs, then render a saved ``analysis.json``."""
    analysis_file = Path(analysis_file)
    check_input_file(analysis_file)
    document = load_document(analysis_file)
    if recording is not None:
        check_input_file(Path(recording))
    elif embed_audio:
        recording = find_recording(document.source.path, [analysis_file.parent])
        if recording is None:
            raise InputMissing(f"The recording {document.source.path} was not found, so it cannot be "
                               "embedded; pass it with --audio PATH.")
    return write_dashboard(document, html_file, recording, embed_audio, near=[analysis_file.parent])
