"""Transcripts from plain text, for labelled corpora and tests of the text signals.

A passage written in the style of a Whisper transcript ("So, um, the model...")
becomes a :class:`Transcript` with evenly timed words, so it runs through the
same stages as a recording: spaCy sentences, fillers, hedges, rambling cues.
"""
from __future__ import annotations

import hashlib

from speechcase.core.types import Source, Transcript, TranscriptionInfo, Word

#: 160 words per minute, the middle of a comfortable presenting pace.
WORD_SECONDS = 60 / 160
#: Silence after a full stop, like the gap between two spoken sentences.
SENTENCE_GAP = 0.5


def transcript_from_text(text: str, name: str = "passage") -> Transcript:
    """Evenly timed words of ``text`` (one every 0.375 s, 0.5 s more after a full stop)."""
    words, t = [], 0.0
    for token in text.split():
        words.append(Word(token, round(t, 3), round(t + WORD_SECONDS * 0.85, 3), 1.0))
        t += WORD_SECONDS + (SENTENCE_GAP if token.endswith((".", "?", "!")) else 0.0)
    digest = hashlib.sha256(text.encode()).hexdigest()
    return Transcript(Source(f"{name}.txt", digest, round(t, 3)), TranscriptionInfo("text", "en", 0.0), words)
