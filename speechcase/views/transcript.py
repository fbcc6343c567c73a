"""What a view says about the transcript itself: whether Whisper was sure of the words it wrote."""
from __future__ import annotations

from speechcase.core.document import AnalysisDocument


def transcript_advice(doc: AnalysisDocument, below: float) -> str | None:
    """What to say when tiny.en was unsure of the words (their mean probability under ``below``): sections, pace
    and fillers all read those words, and on such recordings Whisper base writes fewer wrong ones (measured in
    docs/accuracy.md). None for another model, or when tiny.en was sure enough."""
    sure = doc.mean_word_probability()
    if sure is None or sure >= below or not doc.transcription.model.startswith("tiny"):
        return None
    return (f"tiny.en was unsure of many words (mean word probability {sure:.2f}), so sections and pace may be off: "
            "Whisper base usually hears such recordings better (`--model base` for `speechcase analyze` or "
            "`speechcase serve`, after `pip install 'speechcase[whisper-base]'`)")
