"""The dashboard: one self-contained HTML page per analysed talk, rendered from its analysis document.

``speechcase analyze`` writes it next to ``analysis.json``; ``speechcase
dashboard ANALYSIS.json`` renders it again from a saved document (with another
recording path, or the recording embedded).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..audio import check_input_file
from ..errors import InputMissing
from ..storage import write_text_atomic
from .audio import AudioLink, find_recording, link_recording
from .render import render_dashboard
from .review import ReviewView
from .talk import load_document

__all__ = ["AudioLink", "ReviewView", "load_document", "render_dashboard", "render_from_file", "write_dashboard"]


def write_dashboard(document: dict[str, Any], html_file: Path, recording: Path | None = None,
                    embed_audio: bool = False, near: list[Path] | None = None,
                    review: ReviewView | None = None) -> AudioLink:
    """Render ``document`` to ``html_file`` (atomically); returns how the recording was linked.

    Without ``recording``, the document's ``source.path`` is looked up as
    written, then under each folder of ``near``; a talk whose recording cannot
    be found still gets a dashboard, without audio.
    """
    html_file = Path(html_file)
    if recording is None:
        recording = find_recording(str(document.get("source", {}).get("path", "")), near or [])
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
        recording = find_recording(str(document["source"]["path"]), [analysis_file.parent])
        if recording is None:
            raise InputMissing(f"The recording {document['source']['path']} was not found, so it cannot be "
                               "embedded; pass it with --audio PATH.")
    return write_dashboard(document, html_file, recording, embed_audio, near=[analysis_file.parent])
