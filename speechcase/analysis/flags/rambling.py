"""The ``stream_of_consciousness`` flag: one per run of adjacent chains the rambling model flagged
(:mod:`speechcase.analysis.signals.rambling`), spanning whole sentences, with the features that scored
highest as its evidence and advice. Limits are in ``[flag]`` of ``data/rambling.toml``.
"""
from __future__ import annotations

import math

from speechcase.analysis.signals.rambling import FEATURES, SentenceCues, rambling_cues
from speechcase.core.types import Flag, RamblingScore, Severity

#: What to try instead, by the feature that contributed most, each with a concrete rewrite.
_ADVICE = {
    "options": "State your choice first, then the reason: \"I chose X because Y; I ruled out Z because W.\"",
    "hedges": "State your choice first, then the reason: \"I chose X because Y; I ruled out Z because W.\"",
    "decisions": "End the thought on the decision you made: \"In the end I chose X, because Y.\"",
    "corrections": "Settle the point before you start the sentence; correct yourself once "
                   "(\"to be precise: six months\") and carry on.",
    "chain_words": "Say it as short sentences, one point each, and pause where you would say \"and then\": "
                   "\"We had two data sources. Joining them took two weeks. Only then did we train.\"",
    "chain_links": "Say it as short sentences, one point each, and pause where you would say \"and then\": "
                   "\"We had two data sources. Joining them took two weeks. Only then did we train.\"",
    "fillers": "Let a one-second pause do the work of the fillers.",
    "asides": "Leave out the side remarks: say what you did and why; the listener will ask for the story.",
    "signposts": "Open the passage with a signpost (\"Next, the data.\") and close it with a one-line summary.",
    "drift": "Finish one topic before you open the next: sum it up in a sentence, then move on.",
}


def rambling_flags(scores: list[RamblingScore], cues: list[SentenceCues]) -> list[Flag]:
    """One ``stream_of_consciousness`` flag per run of adjacent flagged chains, spanning whole sentences."""
    spec = rambling_cues()["flag"]
    runs: list[list[RamblingScore]] = []
    for s in scores:
        if s.flagged and runs and runs[-1][-1].last_sentence == s.first_sentence:
            runs[-1].append(s)
        elif s.flagged:
            runs.append([s])
    flags = []
    for run in runs:
        start, end = run[0].start, run[-1].end
        span = cues[run[0].first_sentence:run[-1].last_sentence]
        if sum(c.words for c in span) < spec["min_words"]:
            continue
        weight = [s.end - s.start for s in run]
        share = {f: sum(w * s.contributions[f] for w, s in zip(weight, run)) / sum(weight) for f in FEATURES}
        top = [f for f in sorted(share, key=lambda f: share[f], reverse=True) if share[f] > 0][:3]
        peak = max(s.probability for s in run)
        long = end - start >= spec["high_seconds"]
        severity: Severity = ("high" if peak >= spec["high_score"] or (long and peak >= spec["medium_score"])
                    else "medium" if peak >= spec["medium_score"] else "low")
        evidence = "; ".join(_evidence(f, span, run) for f in top)
        advice = list(dict.fromkeys(_ADVICE[f] for f in top[:2]))
        flags.append(Flag(
            "", "stream_of_consciousness", start, end, severity,
            f"{end - start:.0f} s that run on like thinking aloud: {_summary(span, run)}.",
            f"{evidence} (score {peak:.2f})", " ".join(advice)))
    return flags


def _quoted(items: list[str], limit: int = 5) -> str:
    shown = ", ".join(f"\"{x}\"" for x in items[:limit])
    return shown + (", ..." if len(items) > limit else "")


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _summary(span: list[SentenceCues], run: list[RamblingScore]) -> str:
    words = sum(c.words for c in span)
    parts = [_count(words, "word") + " in " + _count(len(span), "sentence")]
    fillers = sum(len(c.fillers) for c in span)
    open_ = sum(len(c.options) + len(c.hedges) for c in span)
    if open_:
        parts.append(_count(open_, "hedge or alternative", "hedges or alternatives"))
    if fillers:
        parts.append(_count(fillers, "filler"))
    if not any(c.decisions for c in span):
        parts.append("no decision stated")
    return ", ".join(parts)


def _evidence(feature: str, span: list[SentenceCues], run: list[RamblingScore]) -> str:
    def found(name: str) -> list[str]:
        return [p for c in span for p in getattr(c, name)]

    words = sum(c.words for c in span)
    if feature in ("fillers", "hedges", "options", "corrections", "asides"):
        one, many = {"fillers": ("filler", "fillers"), "hedges": ("hedge", "hedges"),
                     "options": ("alternative left open", "alternatives left open"),
                     "corrections": ("self-correction or restart", "self-corrections or restarts"),
                     "asides": ("side remark", "side remarks")}[feature]
        items = found(feature)
        return f"{_count(len(items), one, many)} in {words} words: {_quoted(items)}"
    if feature == "chain_words":
        longest = max(run, key=lambda s: s.features["chain_words"])
        return f"a run-on of {longest.features['chain_words']:.0f} words before a real stop"
    if feature == "chain_links":
        longest = max(run, key=lambda s: s.features["chain_links"])
        return f"{longest.features['chain_links']:.0f} clauses chained with commas, \"and\", \"but\", \"so\""
    if feature == "drift":
        values = [s.features["drift"] for s in run if not math.isnan(s.features["drift"])]
        return f"sentences jump between topics (drift {max(values):.2f})" if values else "topic jumps"
    if feature == "signposts":
        return "no signpost or summary (\"first\", \"next\", \"to sum up\")"
    return "no decision stated (\"I chose\", \"we went with\")"
