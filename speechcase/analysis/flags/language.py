"""Language flags: how the talk is worded (pet phrases, sentences too long to follow).

Rules (thresholds in ``data/thresholds.toml``):

- ``repeated_phrase``: a phrase said far more often than ordinary English predicts (see
  ``signals/repetition.py``); the flag spans its first to its last occurrence and marks every occurrence;
  high from ``high_per_10_minutes`` and ``high_count``.
- ``long_sentence``: a sentence of ``max_words`` words or more, or lasting ``max_seconds`` with at least
  ``min_words`` (see ``signals/sentences.py``); it marks where a split would fall; high from ``high_words``
  words or ``high_seconds``. None inside a ``stream_of_consciousness`` flag, whose advice covers it.
"""
from __future__ import annotations

from speechcase.analysis.config import Thresholds
from speechcase.analysis.signals.fillers import cue_lists
from speechcase.analysis.signals.rambling import norm_word
from speechcase.analysis.signals.repetition import phrase_suggestion
from speechcase.analysis.signals.timeline import talk_minutes
from speechcase.core.formatting import format_duration, joined_words
from speechcase.core.types import Flag, Interval, LongSentence, RepeatedPhrase, SentenceSplit, Word

#: The evidence of a repeated phrase lists at most this many of its times.
MAX_TIMES = 8
#: Words quoted on either side of a split.
QUOTED_WORDS = 4
#: A conjunction that opens the second half of a split is dropped in the suggested rewrite ("and then we" ->
#: "Then we"; "and so we" -> "We").
OPENERS = ("and", "so", "and so")


def repeated_phrase_flags(phrases: list[RepeatedPhrase], words: list[Word], t: Thresholds) -> list[Flag]:
    """One flag per flagged phrase, from its first to its last occurrence, each occurrence a mark."""
    settings = t.repetition
    talk = format_duration(talk_minutes(words) * 60)
    flags = []
    for p in phrases:
        if not p.flagged:
            continue
        times = ", ".join(format_duration(o.start) for o in p.occurrences[:MAX_TIMES])
        more = f" and {len(p.occurrences) - MAX_TIMES} more" if len(p.occurrences) > MAX_TIMES else ""
        expected = f"about {p.expected:.1f}" if p.expected >= 0.1 else "fewer than 0.1"
        high = p.per_10_minutes >= settings.high_per_10_minutes and p.count >= settings.high_count
        flags.append(Flag(
            "", "repeated_phrase", p.occurrences[0].start, p.occurrences[-1].end, "high" if high else "medium",
            f"\u201c{p.text}\u201d {p.count} times in {talk} ({p.per_10_minutes:.0f} per 10 minutes).",
            f"said at {times}{more}; ordinary English predicts {expected} in a talk this long",
            phrase_suggestion(p.text), marks=list(p.occurrences)))
    return flags


def long_sentence_flags(long: list[LongSentence], words: list[Word], soc: list[Flag], t: Thresholds) -> list[Flag]:
    """One flag per long sentence outside the stream-of-consciousness flags, marking where to split it."""
    settings = t.long_sentences
    flags = []
    for s in long:
        if any(f.start <= s.start and s.end <= f.end for f in soc):
            continue
        seconds = s.end - s.start
        high = s.words >= settings.high_words or seconds >= settings.high_seconds
        evidence = (f"{s.words} words in {seconds:.0f} s; from {settings.max_words} words (or {settings.max_seconds:.0f} s) "
                    "a listener starts to lose the beginning")
        if s.splits:
            evidence += "; it could end after " + ", and after ".join(
                f"\u201c\u2026{_before(words, x)}\u201d ({format_duration(x.at)})" for x in s.splits)
        flags.append(Flag(
            "", "long_sentence", s.start, s.end, "high" if high else "medium",
            f"A {s.words}-word sentence ({seconds:.0f} s): long to follow by ear.", evidence,
            _suggestion(words, s), marks=[Interval(x.at, x.at) for x in s.splits]))
    return flags


def _before(words: list[Word], split: SentenceSplit) -> str:
    first = max(0, split.word - QUOTED_WORDS + 1)
    return " ".join(joined_words(w.text for w in words[first:split.word + 1]))


def _after(words: list[Word], split: SentenceSplit) -> str:
    """The words that would open the next sentence, without a filled pause or a leading "and" or "so",
    capitalised."""
    filled = set(cue_lists()["filled_pause"]["words"])
    following = [w.text for w in words[split.word + 1:split.word + 1 + QUOTED_WORDS + 6]
                 if norm_word(w.text) not in filled]
    norm = [norm_word(text) for text in following]
    for opener in sorted(OPENERS, key=lambda o: -len(o.split())):
        n = len(opener.split())
        if " ".join(norm[:n]) == opener and len(following) > n:
            following = following[n:]
            break
    text = " ".join(joined_words(following[:QUOTED_WORDS])).strip(",;:- ")
    return text[:1].upper() + text[1:]


def _suggestion(words: list[Word], s: LongSentence) -> str:
    if not s.splits:
        return ("Say the point in one short sentence first, then give the detail in a second one; a listener "
                "cannot reread.")
    first = s.splits[0]
    more = f" (and again at {', '.join(format_duration(x.at) for x in s.splits[1:])})" if len(s.splits) > 1 else ""
    return (f"Split it: end the sentence after \u201c\u2026{_before(words, first).rstrip(',;:-')}.\u201d and start "
            f"the next with \u201c{_after(words, first)}\u2026\u201d{more}. Short sentences land; the pause at the "
            "full stop gives the listener time to follow.")
