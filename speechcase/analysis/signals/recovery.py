"""Filled pauses Whisper dropped, recovered from the steady voiced stretches stored in the transcript.

A stretch (``voicing.py``) counts as a filled pause when all of these hold
(numbers in ``data/thresholds.toml``, ``[filler_recovery]``):

- it lasts like a filled pause (two stored stretches that touch inside one island
  of sound counting as one), is steady for most of that time, with a flat
  pitch and little spectral change, and is loud enough to be the speaker's voice;
- it lies in a gap of the transcript: almost none of it is inside a word Whisper
  wrote, so a held vowel of a written word ("sooo", "theee") never counts;
  and the sound it is part of is accounted for: a vowel of a word Whisper dropped
  comes with that word's consonants, sound no written word explains; and one
  that opens a run of sound going on into the next written word is taken for
  that word's late-placed beginning;
- or it stands alone: it is all of its island of sound, silence on both sides,
  so no consonant comes with it and it is no word, whatever Whisper wrote over it
  (tiny.en writes a set-off "uh" as "Oh,", "But" or "it,", or stretches the time
  of a word next to it across the hesitation); unless Whisper wrote a word that is
  one vowel ("or", "a") there or next to it, as "or" said between two commas is
  such an island;
- it is not a filled pause Whisper did write (those are placed late, so each
  written one claims the stretches around it), and not one already recovered.

It is named "um" when the vowel closes into a hum, "mm" when it is only a hum,
"uh" otherwise: the same words Whisper writes, so counts by word stay comparable.
"""
from __future__ import annotations

import bisect

from speechcase.analysis.config import FillerRecovery
from speechcase.analysis.text import normalise
from speechcase.core.spans import seconds_covered
from speechcase.core.types import Filler, Transcript, VoicedStretch, Word


def recovered_filled_pauses(transcript: Transcript, written: list[Filler], rules: FillerRecovery) -> list[Filler]:
    """Filled pauses heard in the audio but absent from the transcript, with ``source="acoustic"``."""
    if not rules.enabled or not transcript.voiced_stretches or not transcript.words:
        return []
    words = transcript.words
    starts = [w.start for w in words]
    claimed = [(f.start - rules.written_margin, f.end + rules.written_margin) for f in written
               if f.kind == "filled_pause"]
    found: list[Filler] = []
    for s in _joined(transcript.voiced_stretches, rules.join_gap):
        if not _sounds_like_filled_pause(s, rules):
            continue
        name = _name(s, rules)
        if name == "mm" and s.end - s.start < rules.min_hum_only:
            continue  # a nasal consonant ("m", "n") held at the end of a word, not a hum of its own
        if _in_a_gap(s, words, starts, rules):
            margin = 0.0
        elif _written_over(s, words, starts, rules):
            margin = rules.written_over_margin  # Whisper's times around it are off: a written one may be later still
        else:
            continue
        if any(a - margin < s.end and s.start < b + margin for a, b in claimed):
            continue
        if found and s.start - found[-1].end < rules.min_separation:
            continue  # the same hesitation, held on
        found.append(Filler(name, "filled_pause", s.start, s.end, "acoustic"))
    return found


def _sounds_like_filled_pause(s: VoicedStretch, rules: FillerRecovery) -> bool:
    duration = s.end - s.start
    return (rules.min_duration <= duration <= rules.max_duration and s.steady >= rules.min_steady
            and s.steady >= rules.min_steady_share * duration and s.pitch_spread <= rules.max_pitch_spread
            and s.flux <= rules.max_flux and s.level >= rules.min_level)


def _in_a_gap(s: VoicedStretch, words: list[Word], starts: list[float], rules: FillerRecovery) -> bool:
    """True when the stretch lies where Whisper wrote nothing, and no dropped or late-placed word explains it."""
    return (seconds_covered(words, starts, s.start, s.end) <= rules.max_word_overlap * (s.end - s.start)
            and _unwritten_sound(s, words, starts) <= rules.max_unwritten_sound
            and not _opens_a_word(s, words, starts, rules.onset_lead))


def _written_over(s: VoicedStretch, words: list[Word], starts: list[float], rules: FillerRecovery) -> bool:
    """True when the stretch is a sound of its own that Whisper wrote as a word ("Oh," "But") or covered
    with a neighbour's time, and no word that is one vowel ("or", "a") was written near it."""
    return (_stands_alone(s, rules.alone_margin)
            and not _vowel_word_near(s, words, starts, rules.vowel_words, rules.vowel_word_reach))


def _stands_alone(s: VoicedStretch, margin: float) -> bool:
    """True when the stretch is all of its island of sound, give or take ``margin`` seconds at each end."""
    return margin > 0 and s.sound_start >= s.start - margin and s.sound_end <= s.end + margin


def _vowel_word_near(s: VoicedStretch, words: list[Word], starts: list[float], vowel_words: tuple[str, ...],
                     reach: float) -> bool:
    """True when Whisper wrote one of ``vowel_words`` (a word that is one vowel) within ``reach`` s of the sound."""
    lo, hi = s.sound_start - reach, s.sound_end + reach
    k = max(0, bisect.bisect_left(starts, lo) - 1)
    while k < len(words) and words[k].start < hi:
        if words[k].end > lo and normalise(words[k].text) in vowel_words:
            return True
        k += 1
    return False


def _unwritten_sound(s: VoicedStretch, words: list[Word], starts: list[float]) -> float:
    """Seconds of the sound around the stretch that no written word accounts for.

    A filled pause is its own bit of sound, or runs into words Whisper wrote;
    when a vowel of a word Whisper dropped looks like an "uh", the rest of that
    word (its consonants) is sound nobody wrote.
    """
    before = (s.start - s.sound_start) - seconds_covered(words, starts, s.sound_start, s.start)
    after = (s.sound_end - s.end) - seconds_covered(words, starts, s.end, s.sound_end)
    return max(0.0, before) + max(0.0, after)


def _opens_a_word(s: VoicedStretch, words: list[Word], starts: list[float], lead: float) -> bool:
    """True when the stretch begins a run of sound that goes on into the next written word.

    Whisper places word onsets late, most of all after a silence, so the held
    first vowel of "and" or "all" can look like a stretch just before the word.
    The sound may begin up to ``lead`` seconds before the stretch: the word's first
    consonant ("half", "channel", "card" after a comma's pause: 0.07-0.09 s of it),
    where a filled pause that opens a sound is voiced from its start.
    """
    k = bisect.bisect_left(starts, s.start)
    return s.sound_start >= s.start - lead and k < len(words) and words[k].start < s.sound_end


def _name(s: VoicedStretch, rules: FillerRecovery) -> str:
    if s.nasal >= rules.hum_only_share:
        return "mm"
    return "um" if s.hum >= rules.min_hum else "uh"


def _joined(stretches: list[VoicedStretch], gap: float) -> list[VoicedStretch]:
    """The stretches, with each two that touch (at most ``gap`` apart) inside one island of sound taken as one.

    One frame of spectral change in the middle of a held vowel splits it in two stored stretches, each too
    short for a filled pause on its own (seen: a sentence-initial "uh" of 0.22 s stored as 0.11 s + 0.10 s).
    The joined stretch keeps the larger pitch spread of the two, so a glide is never hidden by the join; its
    other measures are the two weighted by length (the nasal share by steady time), and its hum is the second
    one's, where a vowel closes into "m".
    """
    out: list[VoicedStretch] = []
    for s in stretches:
        p = out[-1] if out else None
        if p is None or s.start - p.end > gap or (p.sound_start, p.sound_end) != (s.sound_start, s.sound_end):
            out.append(s)
            continue
        a, b, steady = p.end - p.start, s.end - s.start, p.steady + s.steady
        out[-1] = VoicedStretch(
            start=p.start, end=s.end, steady=steady,
            nasal=(p.nasal * p.steady + s.nasal * s.steady) / max(steady, 1e-9), hum=s.hum,
            pitch_spread=max(p.pitch_spread, s.pitch_spread), flux=(p.flux * a + s.flux * b) / (a + b),
            periodicity=(p.periodicity * a + s.periodicity * b) / (a + b), level=(p.level * a + s.level * b) / (a + b),
            sound_start=p.sound_start, sound_end=p.sound_end)
    return out
