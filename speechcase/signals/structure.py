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

Cue lists and limits are in ``data/structure.toml``. Flags (ids are given later,
with every other flag) and their rules:

- ``no_framing_opener``: no framing sentence starts in the first
  ``opening_seconds``; high when a stream-of-consciousness flag overlaps the
  opening, else medium. Talks shorter than ``opening_seconds`` have no
  opening to judge and get neither this flag nor the opening's number flag.
- ``no_quantified_impact``: no number in the opening (medium) or in an
  evaluation section (high).
- ``no_signposting``: a talk of ``min_talk_seconds`` or more with no signpost
  or synthesis checkpoint at all (medium), or a stretch of more than
  ``max_gap_seconds`` without one (low).
- ``ownership_unclear``: at least ``min_pronouns`` of "I"/"we" with under
  ``min_i_share`` of them "I": medium for the whole talk, low for one section.
- ``no_reasoning``: a section where choices are made (``choice_sections``:
  data, modeling, ...) or an unsegmented talk, lasting ``min_section_seconds``
  or more with no reasoning marker (medium).
"""
from __future__ import annotations

import functools
import itertools
import re
import tomllib
from importlib import resources

from ..audio import format_duration
from ..text import match_phrases
from ..types import Flag, Ownership, Parse, PartNumbers, Phrase, Sentence, Structure, Word
from .rambling import SentenceCues, norm_word

_DIGITS = re.compile(r"\d")


@functools.lru_cache(maxsize=1)
def structure_cues() -> dict:
    return tomllib.loads(resources.files("speechcase.data").joinpath("structure.toml").read_text(encoding="utf-8"))


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
    inside, found = set(), []
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
    for section, run in _section_runs(sentences):
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


def _section_runs(sentences: list[Sentence]) -> list[tuple[str, list[Sentence]]]:
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


def structure_flags(structure: Structure, sentences: list[Sentence], soc_flags: list[Flag]) -> list[Flag]:
    """Flags for the structure habits a talk lacks (see the module docstring for the rules)."""
    if not sentences:
        return []
    whole = sentences[-1].end - sentences[0].start >= structure_cues()["framing"]["opening_seconds"]
    return ((_opener_flags(structure, sentences, soc_flags) if whole else [])
            + _number_flags(structure, whole) + _signpost_flags(structure, sentences)
            + _ownership_flags(structure, sentences) + _reasoning_flags(structure, sentences))


def _opener_flags(structure: Structure, sentences: list[Sentence], soc_flags: list[Flag]) -> list[Flag]:
    if structure.opener is not None:
        return []
    seconds = structure_cues()["framing"]["opening_seconds"]
    start, end = sentences[0].start, structure.opening_end
    rambling = any(f.start < end and f.end > start for f in soc_flags)
    first = " ".join(sentences[0].text.split()[:20])
    return [Flag("", "no_framing_opener", start, end, "high" if rambling else "medium",
                 f"No framing sentence in the first {seconds:.0f} s: the talk goes into details before saying "
                 "what the problem was, what you achieved or how the talk will go"
                 + (", and the opening runs on." if rambling else "."),
                 f"opened with: \"{first}\"",
                 "Open with one sentence that frames the talk: the problem, your result in numbers and the plan, "
                 "e.g. \"I cut support wait times by a third for a help desk; I'll cover the data, the model and "
                 "the rollout.\"")]


def _number_flags(structure: Structure, whole: bool) -> list[Flag]:
    flags = []
    for part in structure.numbers:
        if part.numbers or (part.part == "opening" and not whole):
            continue
        said = f"vague claims instead: {', '.join(repr(v) for v in part.vague)}" if part.vague else \
            "no percent, money or count"
        if part.part == "opening":
            message = "No number in the opening: the listener does not hear how much the project mattered."
        else:
            message = (f"No number in the {part.part} part ({format_duration(part.start)}-"
                       f"{format_duration(part.end)}): results are described, not measured.")
        flags.append(Flag("", "no_quantified_impact", part.start, part.end,
                          "medium" if part.part == "opening" else "high", message, said,
                          "Put a number on it: the metric against the baseline and what it was worth, e.g. "
                          "\"recall went from 61% to 78%, about $2 million a year in avoided losses\"."))
    return flags


def _signpost_flags(structure: Structure, sentences: list[Sentence]) -> list[Flag]:
    spec = structure_cues()["signposting"]
    start, end = sentences[0].start, sentences[-1].end
    if end - start < spec["min_talk_seconds"]:
        return []
    marks = sorted(p.start for p in structure.signposts + structure.synthesis)
    suggestion = ("Say where you are going at each turn (\"Next, the data.\") and sum up every few minutes "
                  "(\"So far: clean labels, a simple model, a 9% lift. Now, deployment.\").")
    if not marks:
        return [Flag("", "no_signposting", start, end, "medium",
                     f"No signpost or summary in {format_duration(end - start)}: the listener has to guess where "
                     "the talk is going.", "no \"first\", \"next\", \"finally\", \"to sum up\" or \"so far\"",
                     suggestion)]
    flags = []
    for a, b in itertools.pairwise([start, *marks, end]):
        if b - a > spec["max_gap_seconds"]:
            flags.append(Flag("", "no_signposting", a, b, "low",
                              f"{format_duration(b - a)} without a signpost or summary.",
                              f"from {format_duration(a)} to {format_duration(b)}", suggestion))
    return flags


def _ownership_flags(structure: Structure, sentences: list[Sentence]) -> list[Flag]:
    spec = structure_cues()["ownership"]
    suggestion = ("Say what you did yourself with \"I\" (\"I chose the features and ran the tests; the team built "
                  "the pipeline\") and keep \"we\" for the team's work.")

    def hides(i: int, we: int) -> bool:
        return i + we >= spec["min_pronouns"] and i / (i + we) < spec["min_i_share"]

    i_all, we_all = sum(o.i for o in structure.ownership), sum(o.we for o in structure.ownership)
    if hides(i_all, we_all):
        return [Flag("", "ownership_unclear", sentences[0].start, sentences[-1].end, "medium",
                     f"\"We\" {we_all} times and \"I\" {i_all} times: it is not clear what you did yourself.",
                     f"I: {i_all}, we: {we_all} over the whole talk", suggestion)]
    flags = []
    for o in structure.ownership:
        if o.section == "unsegmented" or not hides(o.i, o.we):
            continue
        own = [s for s in sentences if s.section == o.section]
        flags.append(Flag("", "ownership_unclear", own[0].start, own[-1].end, "low",
                          f"\"We\" {o.we} times and \"I\" {o.i} times in the {o.section} part.",
                          f"{o.section}: I {o.i}, we {o.we}", suggestion))
    return flags


def _reasoning_flags(structure: Structure, sentences: list[Sentence]) -> list[Flag]:
    spec = structure_cues()["reasoning"]
    flags = []
    for section, run in _section_runs(sentences):
        start, end = run[0].start, run[-1].end
        if end - start < spec["min_section_seconds"] or any(start <= m.start <= end for m in structure.reasoning):
            continue
        if section not in spec["choice_sections"] and section != "unsegmented":
            continue
        name = "the talk" if section == "unsegmented" else f"the {section} part"
        flags.append(Flag("", "no_reasoning", start, end, "medium",
                          f"{end - start:.0f} s of {name} with no reason given for any choice.",
                          "no \"because\", \"instead of\", \"we rejected\" or \"at the cost of\"",
                          "Give the reason with each choice, and what it cost: \"I chose X because Y; I rejected Z "
                          "because it was twice as slow.\""))
    return flags


def structure_summary(structure: Structure | None, minutes: float) -> dict:
    """The ``summary`` fields of analysis.json for the structure signals."""
    if structure is None:
        return {}
    i_all, we_all = sum(o.i for o in structure.ownership), sum(o.we for o in structure.ownership)
    marks = sorted(p.start for p in structure.signposts + structure.synthesis)
    opening, *evaluation = structure.numbers or [None]
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
