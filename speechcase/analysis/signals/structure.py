"""Structure signals: the habits that are the opposite of a stream of consciousness.

- **framing opener**: a sentence in the first minute that frames the talk: an
  agenda ("let me walk you through"), the problem or goal ("the goal was"), or
  the impact in numbers ("it cut churn by 12%");
- **quantified impact**: numbers (spaCy PERCENT, MONEY, QUANTITY and CARDINAL
  entities, digits, number words) in the opening and in each evaluation section;
- **signposts and synthesis checkpoints** ("Next, the data.", "to sum up"),
  the same cues the rambling detector uses;
- **ownership**: "I" against "we" per section;
- **reasoning markers** ("because", "instead of", "at the cost of").

Cue lists and limits are in ``data/structure.toml``; the flags for missing habits are in
:mod:`speechcase.analysis.flags.structure`.
"""
from __future__ import annotations

import functools
import itertools
import re

from speechcase.analysis.signals.rambling import SentenceCues, norm_word
from speechcase.analysis.text import match_phrases
from speechcase.core.files import data_file
from speechcase.core.types import Ownership, Parse, PartNumbers, Phrase, Sentence, Structure, Word

_DIGITS = re.compile(r"\d")


@functools.lru_cache(maxsize=1)
def structure_cues() -> dict:
    return data_file("structure.toml")


def _sentence_words(words: list[Word], s: Sentence) -> list[tuple[int, str]]:
    """``(word index, normalised word)`` of a sentence, without punctuation-only words."""
    return [(i, n) for i in range(s.first_word, s.last_word) if (n := norm_word(words[i].text))]


def find_phrases(words: list[Word], sentences: list[Sentence], phrases: list[str]) -> list[Phrase]:
    """Every cue phrase with its time span, matched within sentences."""
    found = []
    for s in sentences:
        indexed = _sentence_words(words, s)
        for a, b, phrase in match_phrases([n for _, n in indexed], phrases):
            found.append(Phrase(phrase, words[indexed[a][0]].start, words[indexed[b][0]].end))
    return found


def sentence_numbers(words: list[Word], parse: Parse, s: Sentence) -> list[str]:
    """The numbers said in a sentence: counting entities, then digits and number words outside them."""
    spec = structure_cues()["quantities"]
    labels, spoken = set(spec["entity_labels"]), set(spec["words"])
    inside: set[int] = set()
    found: list[str] = []
    for e in parse.entities:
        if e.first_word >= s.first_word and e.last_word <= s.last_word:
            inside.update(range(e.first_word, e.last_word))  # a DATE ("in 2019") hides its digits too
            if e.label in labels:
                found.append(e.text)
    for i, n in _sentence_words(words, s):
        if i not in inside and (n in spoken or _DIGITS.search(n)):
            found.append(words[i].text.strip(",.;:?!"))
    return found


def measure_structure(words: list[Word], parse: Parse, sentences: list[Sentence],
                      cues: list[SentenceCues]) -> Structure:
    """The structure signals of a talk; ``cues`` are the rambling detector's, one per sentence."""
    spec = structure_cues()
    if not sentences:
        return Structure(None, None, 0.0, [], [], [], [], [])
    opening = [s for s in sentences if s.start < sentences[0].start + spec["framing"]["opening_seconds"]]
    opener, kind = _framing(words, parse, opening)
    parts = [PartNumbers("opening", opening[0].start, opening[-1].end,
                         [n for s in opening for n in sentence_numbers(words, parse, s)],
                         [p.text for p in find_phrases(words, opening, spec["quantities"]["vague"])])]
    for section, run in section_runs(sentences):
        if section in spec["quantities"]["evaluation_sections"]:
            parts.append(PartNumbers(section, run[0].start, run[-1].end,
                                     [n for s in run for n in sentence_numbers(words, parse, s)],
                                     [p.text for p in find_phrases(words, run, spec["quantities"]["vague"])]))
    signposts = [Phrase(p, s.start, s.end) for s, c in zip(sentences, cues) for p in c.signposts]
    synthesis = [Phrase(p, s.start, s.end) for s, c in zip(sentences, cues) for p in c.synthesis]
    return Structure(opener, kind, opening[-1].end, parts, signposts, synthesis,
                     _ownership(words, sentences), find_phrases(words, sentences, spec["reasoning"]["markers"]))


def _framing(words: list[Word], parse: Parse, opening: list[Sentence]) -> tuple[Phrase | None, str | None]:
    """The first framing sentence of the opening, and what made it one."""
    spec = structure_cues()["framing"]
    impact = set(spec["impact_lemmas"])
    for s in opening:
        for kind in ("agenda", "problem"):
            if find_phrases(words, [s], spec[kind]):
                return Phrase(s.text, s.start, s.end), kind
        lemmas = {t.lemma for t in parse.tokens if s.first_word <= t.word < s.last_word}
        if lemmas & impact and sentence_numbers(words, parse, s):
            return Phrase(s.text, s.start, s.end), "impact"
    return None, None


def section_runs(sentences: list[Sentence]) -> list[tuple[str, list[Sentence]]]:
    """Consecutive sentences of one section, in talk order."""
    return [(section, list(run)) for section, run in itertools.groupby(sentences, key=lambda s: s.section)]


def _ownership(words: list[Word], sentences: list[Sentence]) -> list[Ownership]:
    spec = structure_cues()["ownership"]
    i_words, we_words = set(spec["i_words"]), set(spec["we_words"])
    counts: dict[str, list[int]] = {}
    for s in sentences:
        row = counts.setdefault(s.section, [0, 0])
        for _, n in _sentence_words(words, s):
            row[0] += n in i_words
            row[1] += n in we_words
    return [Ownership(section, i, we) for section, (i, we) in counts.items()]


def structure_summary(structure: Structure | None, minutes: float) -> dict:
    """The ``summary`` fields of analysis.json for the structure signals."""
    if structure is None:
        return {}
    i_all, we_all = sum(o.i for o in structure.ownership), sum(o.we for o in structure.ownership)
    marks = sorted(p.start for p in structure.signposts + structure.synthesis)
    opening: PartNumbers | None = structure.numbers[0] if structure.numbers else None
    evaluation = structure.numbers[1:]
    return {
        "framing_opener": {"found": structure.opener is not None, "kind": structure.opener_kind,
                           "at": float(structure.opener.start) if structure.opener else None,
                           "text": structure.opener.text if structure.opener else None},
        "quantified_impact": {
            "opening": _numbers_summary(opening),
            "evaluation": [_numbers_summary(p) for p in evaluation]},
        "signposting": {"signposts": len(structure.signposts), "synthesis": len(structure.synthesis),
                        "per_minute": round(float(len(structure.signposts) + len(structure.synthesis)) / minutes, 2),
                        "phrases": sorted({p.text for p in structure.signposts + structure.synthesis}),
                        "first_at": float(marks[0]) if marks else None},
        "ownership": {"i": i_all, "we": we_all,
                      "i_share": round(i_all / (i_all + we_all), 3) if i_all + we_all else None,
                      "by_section": {o.section: {"i": o.i, "we": o.we, "i_share": o.i_share}
                                     for o in structure.ownership}},
        "reasoning": {"markers": len(structure.reasoning),
                      "per_minute": round(float(len(structure.reasoning) / minutes), 2),
                      "phrases": sorted({p.text for p in structure.reasoning})},
    }


def _numbers_summary(part: PartNumbers | None) -> dict | None:
    if part is None:
        return None
    return {"part": part.part, "start": float(part.start), "end": float(part.end), "numbers": part.numbers,
            "vague": part.vague}
