"""Discourse fillers ("like", "you know", "so", ...) decided in context.

Counting every "like" or "so" is what makes simple filler counters useless:
"models like XGBoost", "I like it", "so that we could" and "the right
threshold" carry meaning. Each phrase has one rule below, built on three kinds
of evidence: spaCy's part of speech, the words around it (lists in
``data/fillers.toml``), and whether it is set off from the sentence by a comma,
a pause or a filled pause, the way a filler is spoken.
"""
from __future__ import annotations

from speechcase.analysis.signals.fillers import cue_lists
from speechcase.analysis.text import match_phrases, normalise
from speechcase.core.types import Filler, Parse, Sentence, Word

#: A gap this long (seconds) around a word sets it off like a comma would.
SET_OFF_GAP = 0.3


class _Context:
    """Facts about the words of one transcript that the rules ask for."""

    def __init__(self, words: list[Word], parse: Parse, sentences: list[Sentence]):
        self.words = words
        self.norm = [normalise(w.text) for w in words]
        self.pos = [""] * len(words)
        for token in reversed(parse.tokens):  # first token of each word wins
            if 0 <= token.word < len(words):
                self.pos[token.word] = token.pos
        self.sentence_start = {s.first_word for s in sentences}
        self.sentence_end = {s.last_word - 1 for s in sentences}
        self.filled = set(cue_lists()["filled_pause"]["words"])
        self.lists = {k: set(v) for k, v in cue_lists()["discourse"]["words"].items()}

    def word(self, i: int) -> str:
        return self.norm[i] if 0 <= i < len(self.norm) else ""

    def break_before(self, i: int) -> bool:
        """Sentence start, a comma or pause before word ``i``, or a filled pause just before."""
        if i in self.sentence_start or i == 0:
            return True
        prev = self.words[i - 1]
        return (prev.text.endswith((",", ";", ":", "...", "-")) or self.word(i - 1) in self.filled
                or self.words[i].start - prev.end >= SET_OFF_GAP)

    def runs_on(self, i: int) -> bool:
        """True when word ``i`` starts a sentence of Whisper's but follows the word before within ``SET_OFF_GAP``.

        Whisper ends a sentence where the speaker only paused for a comma: "..., so we sampled" comes out as
        "... a day. So, we sampled". Said without a pause, the word goes on with the clause before it.
        """
        return i in self.sentence_start and i > 0 and self.words[i].start - self.words[i - 1].end < SET_OFF_GAP

    def literal_after(self, j: int, words: str) -> bool:
        """True when the word after ``j`` is in the list ``words`` and no comma after word ``j`` sets the phrase
        off from it: "so that", "I mean it", but not "I mean, it was"."""
        return not self.words[j].text.endswith(",") and self.word(j + 1) in self.lists[words]

    def set_off_after(self, j: int) -> bool:
        """A pause of ``SET_OFF_GAP`` or a filled pause right after word ``j``, or the transcript's end: what the
        speaker did, not the comma Whisper wrote."""
        if j + 1 >= len(self.words):
            return True
        return self.word(j + 1) in self.filled or self.words[j + 1].start - self.words[j].end >= SET_OFF_GAP

    def break_after(self, j: int) -> bool:
        """Sentence end, a comma or pause after word ``j``, or a filled pause just after."""
        return (j in self.sentence_end or self.words[j].text.endswith((",", ";", ":", "...", "-", ".", "?", "!"))
                or self.set_off_after(j))


def _like(c: _Context, i: int, j: int) -> bool:
    if c.pos[i] == "VERB" or c.word(i - 1) in c.lists["like_literal_before"]:
        return False  # "I like it", "looks like rain", "something like that"
    if c.word(i - 1) in c.lists["like_copula_before"] and not c.break_before(i):
        return False  # "MFA is like putty", "it was like a wall": a comparison (or a quote: "I was like")
    if c.break_after(j) or c.pos[i] == "INTJ":
        return True  # "it was, like, slow"
    return c.break_before(i) and c.pos[j + 1] in ("ADJ", "ADV", "VERB", "AUX", "PRON") if j + 1 < len(c.pos) else False


def _you_know(c: _Context, i: int, j: int) -> bool:
    if c.break_after(j):
        return True  # "the analysts, you know, who review"
    return c.break_before(i) and c.word(j + 1) not in c.lists["know_objects"]


def _i_mean(c: _Context, i: int, j: int) -> bool:
    if c.word(i - 1) in c.lists["mean_literal_before"]:
        return False  # "what I mean is"
    if c.literal_after(j, "mean_literal_after"):
        return False  # "I mean it", but not "I mean, it was one of those"
    return c.break_before(i) or c.break_after(j)


def _so(c: _Context, i: int, j: int) -> bool:
    if c.literal_after(j, "so_literal_after"):
        return False  # "so that", "so far"
    if c.word(i - 1) == "and" and c.word(j + 1) in ("and", "then"):
        return False  # "and so, and then": a run-on chain, measured as rambling, not as a filler
    if c.runs_on(i):
        return False  # "...a day. So, we sampled...": Whisper's full stop, the speaker's "..., so we sampled"
    if i in c.sentence_start and not (j in c.sentence_end or c.set_off_after(j)):
        return False  # "So, we served the model": Whisper's comma, a connective said straight into its clause
    return c.break_after(j) and (c.break_before(i) or c.word(i - 1) in ("and", "but"))


def _basically(c: _Context, i: int, j: int) -> bool:
    return True  # adds no meaning in a talk about what you did


def _actually(c: _Context, i: int, j: int) -> bool:
    if c.word(i - 1) in c.lists["actually_correction_before"] or c.word(j + 1) in c.lists["actually_correction_after"]:
        return False  # "or, no, actually, it was": a self-correction, counted by the rambling measures
    return c.break_before(i) and c.break_after(j) or (i in c.sentence_start and c.break_after(j))


def _kind_of(c: _Context, i: int, j: int) -> bool:
    return c.word(i - 1) not in c.lists["determiners"] and c.word(j + 1) != "thing"


def _right(c: _Context, i: int, j: int) -> bool:
    if c.word(j + 1) in c.lists["right_literal_after"] or c.word(i - 1) in c.lists["determiners"]:
        return False  # "right now", "the right threshold"
    # "..., right?" as a tag, "Right, so ..." as an opener, or ", right," set off mid-sentence
    return c.break_before(i) and (c.break_after(j) or c.words[j].text.endswith("?"))


def _sentence_opener(c: _Context, i: int, j: int) -> bool:
    return i in c.sentence_start and c.break_after(j)  # "Well, ...", "Okay, so ..."


RULES = {"like": _like, "you know": _you_know, "i mean": _i_mean, "so": _so, "basically": _basically,
         "actually": _actually, "kind of": _kind_of, "sort of": _kind_of, "right": _right,
         "well": _sentence_opener, "okay": _sentence_opener}


def discourse_fillers(words: list[Word], parse: Parse, sentences: list[Sentence]) -> list[Filler]:
    """Every discourse filler in the transcript, longest phrase first where phrases overlap."""
    c = _Context(words, parse, sentences)
    return [Filler(phrase, "discourse", words[i].start, words[j].end, "asr")
            for i, j, phrase in match_phrases(c.norm, cue_lists()["discourse"]["phrases"])
            if RULES[phrase](c, i, j)]
