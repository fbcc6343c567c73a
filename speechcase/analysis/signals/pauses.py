"""Pauses: silences of a second or more, placed between or inside sentences."""
from __future__ import annotations

import bisect

from speechcase.analysis.signals.timeline import silent_intervals
from speechcase.core.types import Pause, PauseKind, Sentence, Transcript


def detect_pauses(transcript: Transcript, sentences: list[Sentence], min_pause: float = 1.0) -> list[Pause]:
    """List silences of at least ``min_pause`` seconds inside the talk.

    A pause is ``between_sentences`` when the words on either side of it belong
    to different sentences, otherwise ``mid_sentence`` (often searching for words).
    """
    words = transcript.words
    if not words:
        return []
    middles = [w.middle for w in words]
    sentence_of = [0] * len(words)
    for k, s in enumerate(sentences):
        sentence_of[s.first_word:s.last_word] = [k] * s.word_count
    pauses = []
    for gap in silent_intervals(transcript, min_pause):
        # No word's middle lies inside a pause, so its midpoint splits the words cleanly.
        after = min(bisect.bisect_left(middles, (gap.start + gap.end) / 2), len(words) - 1)
        before = max(after - 1, 0)
        kind: PauseKind = "between_sentences" if sentence_of[before] != sentence_of[after] else "mid_sentence"
        pauses.append(Pause(round(gap.start, 3), round(gap.end, 3), kind))
    return pauses
