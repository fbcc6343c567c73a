"""Flags for the structure habits a talk lacks (:mod:`speechcase.analysis.signals.structure` measures them).

Limits are in ``data/structure.toml``. The rules:

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

import itertools

from speechcase.analysis.signals.structure import section_runs, structure_cues
from speechcase.core.formatting import format_duration
from speechcase.core.types import Flag, Sentence, Structure


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
    for section, run in section_runs(sentences):
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
