"""Stream of consciousness: answering by narrating every thought instead of making a point.

The pattern (see the domain notes): options listed without a choice ("or maybe",
"it depends"), paths abandoned ("or, no, wait"), run-on chains of "and / but /
so", dense fillers, sideways jumps, and no signposts, summaries or decisions.

How it is measured, in four steps:

1. **Cues per sentence** (:func:`sentence_cues`): fillers (from the filler
   stage), hedges and decisions (``data/hedges.toml``), option phrases,
   self-corrections and restarts ("we, we"), signposts at the start of the
   sentence and synthesis checkpoints (``data/rambling.toml``), and the clause
   breaks (commas and linking conjunctions).
2. **Chains** (:func:`chain_spans`): a sentence that opens with "and", "or",
   "because"..., follows one cut off ("..., or, no, wait."), or is a verbless
   fragment carries on the one before it. Whisper often puts a full stop inside a spoken run-on; the
   chain is the run-on as spoken.
3. **Features** (:func:`unit_features`) of a chain or a window of chains: rates
   per 100 words (fillers, hedges, options, corrections, signposts and
   synthesis, decisions), words and clause links per chain, and semantic drift
   (1 - cosine similarity of consecutive sentences, all-MiniLM-L6-v2).
4. **Score**: a logistic model over the standardised features, fitted on the
   project's own labelled passages (``tests/data/rambling_corpus.toml``, fitted
   by ``benchmarks/fit_rambling.py`` into ``data/rambling_model.toml``, weights
   constrained to the documented direction of each cue). A chain is flagged
   when it or a sliding 15-30 s window containing it reaches the threshold and
   neither scores as clearly structured: one "or maybe" in a crisp talk is no
   flag, diffuse rambling over short sentences is, and a flag does not spill
   onto the clean sentence next to a run-on.
"""
from __future__ import annotations

import bisect
import functools
import logging
import math
from dataclasses import dataclass

import numpy as np

from speechcase.analysis.signals.fillers import cue_lists
from speechcase.analysis.signals.hedges import hedge_lists
from speechcase.analysis.text import match_phrases
from speechcase.core.files import JsonCache, data_file
from speechcase.core.types import Filler, Flag, Parse, RamblingScore, Sentence, Word

log = logging.getLogger("speechcase")

#: Features in the order of the model file; the last two lower the score.
FEATURES = ("fillers", "hedges", "options", "corrections", "asides", "chain_words", "chain_links", "drift",
            "signposts", "decisions")


@functools.lru_cache(maxsize=1)
def rambling_cues() -> dict:
    return data_file("rambling.toml")


@functools.lru_cache(maxsize=1)
def rambling_model() -> dict:
    """The fitted model: intercept, and per feature its mean, scale and weight."""
    return data_file("rambling_model.toml")


@dataclass(frozen=True)
class SentenceCues:
    """What one sentence contains, as phrases found (for evidence) and counts."""

    words: int
    fillers: tuple[str, ...]
    hedges: tuple[str, ...]
    options: tuple[str, ...]
    corrections: tuple[str, ...]
    asides: tuple[str, ...]
    signposts: tuple[str, ...]
    synthesis: tuple[str, ...]
    decisions: tuple[str, ...]
    links: int
    continues: bool
    heading: bool  # a verbless signpost ("Next, the data."), which leads into the sentence after it
    dangling: bool  # ends cut off ("..., or, no, wait."), so the sentence after it carries it on


def sentence_cues(words: list[Word], parse: Parse, sentences: list[Sentence],
                  fillers: list[Filler]) -> list[SentenceCues]:
    """The cues of every sentence, in order."""
    cues = rambling_cues()
    filled = set(cue_lists()["filled_pause"]["words"])
    norm = [norm_word(w.text) for w in words]
    # A word Whisper wrote where the audio holds a filled pause it did not write ("The label, uh, was" written
    # "The label, was... was") is that filled pause misheard: no word of the sentence, nor half of a restart.
    heard = sorted((f.start, f.end) for f in fillers if f.source == "acoustic" and f.kind == "filled_pause")
    if heard:  # recovered filled pauses never overlap one another, so the last one starting before a word decides
        heard_starts = [a for a, _ in heard]
        for i, w in enumerate(words):
            k = bisect.bisect_right(heard_starts, w.middle) - 1
            if k >= 0 and w.middle <= heard[k][1]:
                norm[i] = ""
    has_verb = [False] * len(words)
    for token in parse.tokens:
        if 0 <= token.word < len(words) and token.pos in ("VERB", "AUX"):
            has_verb[token.word] = True
    ends = [w.end for w in words]
    filler_at: dict[int, list[str]] = {}
    for f in fillers:
        i = min(bisect.bisect_left(ends, f.end - 1e-6), len(words) - 1)
        filler_at.setdefault(i, []).append(f.text)
    out: list[SentenceCues] = []
    for k, s in enumerate(sentences):
        idx = range(s.first_word, s.last_word)
        lower = [norm[i] for i in idx if norm[i] and norm[i] not in filled]
        start, signposts = opening(lower)
        synthesis = tuple(p for _, _, p in match_phrases(lower, cues["synthesis"]["phrases"]))
        fragment = len(lower) < cues["chains"]["fragment_words"] or not any(has_verb[i] for i in idx)
        continues = k > 0 and not signposts and (
            fragment or out[-1].dangling or _starts_with(lower[start:], cues["chains"]["continuations"]))
        out.append(SentenceCues(
            words=len(lower),
            fillers=tuple(t for i in idx for t in filler_at.get(i, [])),
            hedges=_phrases(lower, hedge_lists()["hedges"]["phrases"]),
            options=_options(lower, cues["options"]),
            asides=_phrases(lower, cues["asides"]["phrases"]),
            corrections=_phrases(lower, cues["corrections"]["phrases"]) + _restarts(lower, filled),
            signposts=signposts,
            synthesis=synthesis,
            decisions=_phrases(lower, hedge_lists()["decisions"]["phrases"]),
            links=_links(words, norm, s, filled),
            continues=continues,
            heading=bool(signposts) and fragment,
            dangling=_ends_with(lower, cues["chains"]["dangling"])))
    return out


@functools.lru_cache(maxsize=16384)  # a talk says the same few hundred words thousands of times
def norm_word(text: str) -> str:
    """Lower-case word without punctuation, keeping digits ("500," -> "500"), unlike ``text.normalise``."""
    return "".join(ch for ch in text.lower() if ch.isalnum() or ch == "'")


def opening(lower: list[str]) -> tuple[int, tuple[str, ...]]:
    """Where a sentence's own words start (after any leading "oh", "well", "um") and the signposts it opens with
    ("Next, the data", "Which brings me to..."), from its words as :func:`norm_word` writes them. The section
    stage asks the same question, so a signpost means the same there."""
    cues = rambling_cues()
    start = _opening(lower, set(cues["chains"]["openers"]))
    signposts = tuple(p for i, _, p in match_phrases(lower[start:], cues["signposts"]["phrases"])
                      if i < cues["signposts"]["within"])
    return start, signposts


def _opening(lower: list[str], openers: set[str]) -> int:
    """Index of the first word after any leading "oh", "well", "um"."""
    i = 0
    while i < len(lower) - 1 and lower[i] in openers:
        i += 1
    return i


def _starts_with(lower: list[str], phrases: list[str]) -> bool:
    return any(lower[:len(p.split())] == p.split() for p in phrases)


def _ends_with(lower: list[str], phrases: list[str]) -> bool:
    return any(len(p.split()) <= len(lower) and lower[-len(p.split()):] == p.split() for p in phrases)


def _phrases(lower: list[str], phrases: list[str]) -> tuple[str, ...]:
    return tuple(p for _, _, p in match_phrases(lower, phrases))


def _options(lower: list[str], spec: dict) -> tuple[str, ...]:
    """Option phrases, leaving out the "or" of "whether or not", "or so", "more or less"."""
    excluded = set(spec["not_options"])
    return tuple(p for _, _, p in match_phrases(lower, spec["phrases"] + spec["not_options"]) if p not in excluded)


def _restarts(lower: list[str], filled: set[str]) -> tuple[str, ...]:
    """Words said twice in a row ("we, we built the, the first"): a start abandoned and made again."""
    ok = set(rambling_cues()["corrections"]["repeat_ok"]) | filled
    return tuple(f"{a}, {b}" for a, b in zip(lower, lower[1:]) if a == b and a not in ok and not a.isdigit())


def _is_break(words: list[Word], norm: list[str], i: int, end: int, conjunctions: set[str], filled: set[str]) -> bool:
    """Whether a clause ends after word ``i`` (before ``end``): a comma, semicolon or dash, or a linking
    conjunction next, past any filled pause ("slow, um, because" is one break, counted at "slow,")."""
    if norm[i] in filled:
        return False
    if words[i].text.endswith((",", ";", ":", "-")):
        return True
    j = i + 1
    while j < end and norm[j] in filled:
        j += 1
    return j < end and norm[j] in conjunctions


def _links(words: list[Word], norm: list[str], s: Sentence, filled: set[str]) -> int:
    return len(clause_breaks(words, norm, s, filled))


def clause_breaks(words: list[Word], norm: list[str], s: Sentence, filled: set[str]) -> list[int]:
    """Indices of the words of sentence ``s`` after which a clause ends (a comma, semicolon or dash, or a
    linking conjunction next): where a run-on could be split into sentences.

    Args:
        norm: Every word of the transcript as :func:`norm_word` gives it.
        filled: The filled-pause words ("um", "uh"), which are no clause of their own.
    """
    conjunctions = set(rambling_cues()["chains"]["conjunctions"])
    return [i for i in range(s.first_word, s.last_word - 1)
            if _is_break(words, norm, i, s.last_word, conjunctions, filled)]


def chain_spans(cues: list[SentenceCues], sentences: list[Sentence]) -> list[tuple[int, int]]:
    """``[first, last)`` sentence ranges of the spoken run-ons: continuing sentences join the one before."""
    max_gap = rambling_cues()["chains"]["max_gap"]
    spans: list[tuple[int, int]] = []
    for k, c in enumerate(cues):
        joined = spans and (c.continues or cues[k - 1].heading) and sentences[k].start - sentences[k - 1].end <= max_gap
        if joined:
            spans[-1] = (spans[-1][0], k + 1)
        else:
            spans.append((k, k + 1))
    return spans


def default_encoder():
    """The project's sentence encoder, or ``None`` (drift then goes unmeasured) when its model is missing."""
    from speechcase.analysis.embeddings import SentenceEncoder

    try:
        return SentenceEncoder()
    except Exception as exc:
        log.warning("Semantic drift not measured (%s); the rambling score uses the other cues.", exc)
        return None


def sentence_drifts(sentences: list[Sentence], encoder, cache: JsonCache | None = None) -> list[float | None]:
    """``1 - cosine`` between each sentence and the one before it (``None`` for the first, or without a model).

    The vectors are the section stage's (same encoder, same cache), so nothing is embedded twice.
    """
    if not sentences or encoder is None:
        return [None] * len(sentences)
    from speechcase.analysis.sections.cues import sentence_vectors

    try:
        vectors = sentence_vectors([s.text for s in sentences], encoder, cache)
    except Exception as exc:  # a missing or broken model must not stop the analysis
        log.warning("Semantic drift not measured (%s); the rambling score uses the other cues.", exc)
        return [None] * len(sentences)
    return [None] + [round(float(1.0 - np.dot(vectors[k], vectors[k - 1])), 4) for k in range(1, len(sentences))]


def unit_features(cues: list[SentenceCues], chains: list[tuple[int, int]],
                  drifts: list[float | None]) -> dict[str, float]:
    """The feature values of a run of whole chains (``cues`` and ``drifts`` are exactly their sentences';
    the drift into the first sentence, from outside the run, is not counted)."""
    floor = rambling_cues()["window"]["min_words"]
    words = sum(c.words for c in cues)
    base = max(words, floor)

    def rate(*names: str) -> float:
        return round(100 * sum(len(getattr(c, name)) for c in cues for name in names) / base, 3)

    chain_words, chain_links = [], []
    offset = chains[0][0]
    for a, b in chains:
        part = cues[a - offset:b - offset]
        chain_words.append(sum(c.words for c in part))
        chain_links.append(sum(c.links for c in part) + (b - a - 1))
    measured = [d for d in drifts[1:] if d is not None]
    return {"fillers": rate("fillers"), "hedges": rate("hedges"), "options": rate("options"),
            "corrections": rate("corrections"), "asides": rate("asides"), "chain_words": float(np.mean(chain_words)),
            "chain_links": float(np.mean(chain_links)),
            "drift": round(float(np.mean(measured)), 4) if measured else math.nan,
            "signposts": rate("signposts", "synthesis"), "decisions": rate("decisions")}


def score(features: dict[str, float], model: dict | None = None) -> tuple[float, dict[str, float]]:
    """Probability of a stream of consciousness, and each feature's share of the log-odds.

    Each feature is capped, standardised with the training mean and scale, and
    weighted; a feature that could not be measured (drift without the model)
    counts as average and adds nothing.
    """
    model = model or rambling_model()
    caps = rambling_cues()["caps"]
    z, parts = float(model["intercept"]), {}
    for name in FEATURES:
        spec = model["features"][name]
        value = features[name]
        x = 0.0 if math.isnan(value) else (min(value, caps[name]) - spec["mean"]) / spec["scale"]
        parts[name] = round(spec["weight"] * x, 4)
        z += parts[name]
    return 1 / (1 + math.exp(-z)), parts


def detect_rambling(words: list[Word], parse: Parse, sentences: list[Sentence], fillers: list[Filler],
                    encoder=None, cache: JsonCache | None = None) -> tuple[list[RamblingScore], list[SentenceCues]]:
    """Score every chain of sentences, and mark the chains that make up a stream of consciousness."""
    if not sentences:
        return [], []
    cues = sentence_cues(words, parse, sentences, fillers)
    chains = chain_spans(cues, sentences)
    drifts = sentence_drifts(sentences, encoder or default_encoder(), cache)

    def features(c0: int, c1: int) -> dict[str, float]:
        a, b = chains[c0][0], chains[c1 - 1][1]
        return unit_features(cues[a:b], chains[c0:c1], drifts[a:b])

    own = [score(features(c, c + 1)) + (features(c, c + 1),) for c in range(len(chains))]
    window_best = [0.0] * len(chains)
    for c0, c1 in windows(chains, sentences):
        p, _ = score(features(c0, c1))
        for c in range(c0, c1):
            window_best[c] = max(window_best[c], p)
    spec = rambling_cues()["flag"]
    scores = []
    for c, ((a, b), (p, parts, feats)) in enumerate(zip(chains, own)):
        scores.append(RamblingScore(a, b, sentences[a].start, sentences[b - 1].end, round(p, 4),
                                    round(window_best[c], 4), feats, parts,
                                    flagged=_flagged(p, window_best[c], spec)))
    return scores, cues


def _flagged(own: float, window: float, spec: dict) -> bool:
    """The chain or a window around it scores as rambling, and neither looks clearly structured."""
    return max(own, window) >= spec["threshold"] and min(own, window) >= spec["member_threshold"]


def windows(chains: list[tuple[int, int]], sentences: list[Sentence]) -> list[tuple[int, int]]:
    """``[first, last)`` chain ranges of the sliding windows: one starting at each chain, grown by whole
    chains until it lasts ``min_seconds``, never past ``max_seconds`` unless a single chain does."""
    spec = rambling_cues()["window"]
    out = []
    for c0 in range(len(chains)):
        start, c1 = sentences[chains[c0][0]].start, c0 + 1
        while (c1 < len(chains) and sentences[chains[c1 - 1][1] - 1].end - start < spec["min_seconds"]
               and sentences[chains[c1][1] - 1].end - start <= spec["max_seconds"]):
            c1 += 1
        out.append((c0, c1))
    return out


def text_features(text: str, encoder=None) -> dict[str, float]:
    """Features of a written passage taken as one unit: how the labelled corpus is measured."""
    from speechcase.analysis.plaintext import transcript_from_text
    from speechcase.analysis.signals.discourse import discourse_fillers
    from speechcase.analysis.signals.fillers import filled_pauses
    from speechcase.analysis.text import build_sentences, parse

    words = transcript_from_text(text).words
    parsed = parse(words)
    sentences = build_sentences(words, parsed.sentence_starts)
    fillers = filled_pauses(words) + discourse_fillers(words, parsed, sentences)
    cues = sentence_cues(words, parsed, sentences, fillers)
    chains = chain_spans(cues, sentences)
    return unit_features(cues, chains, sentence_drifts(sentences, encoder or default_encoder()))


def rambling_summary(scores: list[RamblingScore], flags: list[Flag], minutes: float) -> dict:
    """The ``summary.stream_of_consciousness`` field of analysis.json."""
    soc = [f for f in flags if f.type == "stream_of_consciousness"]
    seconds = sum(f.end - f.start for f in soc)
    return {"flags": len(soc), "seconds": round(float(seconds), 2),
            "share": round(min(float(seconds) / (60 * minutes), 1.0), 4),
            "max_score": round(max((s.probability for s in scores), default=0.0), 4)}


def rambling_document(scores: list[RamblingScore]) -> list[dict]:
    """The ``rambling`` array of analysis.json: every chain's scores, for a timeline of the talk."""
    return [{"start": s.start, "end": s.end, "sentences": [s.first_sentence, s.last_sentence],
             "score": s.probability, "window_score": s.window_probability, "flagged": s.flagged,
             "features": {k: (None if math.isnan(v) else v) for k, v in s.features.items()}}
            for s in scores]
