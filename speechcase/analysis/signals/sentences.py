"""Sentence length and vocabulary variety: how hard the talk is to follow by ear, and how varied its words are.

**Long sentences.** A listener holds about 20-25 words of a spoken sentence before losing its start; a
sentence of ``max_words`` words or more, or one lasting ``max_seconds`` with at least ``min_words`` words
(``[long_sentences]`` in ``data/thresholds.toml``), is long. Words are counted as spoken ("2.4" is three),
without filled pauses. Where it could be split comes from the clause breaks the rambling stage finds
(commas and linking conjunctions, :func:`~speechcase.analysis.signals.rambling.clause_breaks`): the breaks
nearest to equal pieces, each piece at least ``min_piece_words`` long.

**Vocabulary variety** is MTLD (McCarthy and Jarvis, 2010): the mean length of the runs of words over which
the type-token ratio stays above 0.72, read forwards and backwards through the talk and averaged. Unlike a
plain type-token ratio it does not fall as a talk gets longer; everyday speech measures about 50-80,
careful writing 80-120.
"""
from __future__ import annotations

import math

from speechcase.analysis.config import LongSentenceSettings, VocabularySettings
from speechcase.analysis.signals.fillers import cue_lists
from speechcase.analysis.signals.rambling import clause_breaks, norm_word, rambling_cues
from speechcase.analysis.text import spoken_lengths
from speechcase.core.types import LongSentence, Parse, Sentence, SentenceSplit, Vocabulary, Word

#: A split before one of these leaves a second half that cannot stand alone ("Because it had to..."), so such
#: a break counts as this many words further from the middle than it is.
SUBORDINATE = frozenset({"because", "which", "though", "although", "whereas", "cause"})
SUBORDINATE_COST = 6


def sentence_lengths(words: list[Word], sentences: list[Sentence]) -> list[int]:
    """Each sentence's words as spoken, filled pauses ("um", "uh") left out."""
    filled = set(cue_lists()["filled_pause"]["words"])
    counts = spoken_lengths(words)
    return [sum(counts[i] for i in range(s.first_word, s.last_word) if norm_word(words[i].text) not in filled)
            for s in sentences]


def long_sentences(words: list[Word], parse: Parse, sentences: list[Sentence],
                   settings: LongSentenceSettings) -> list[LongSentence]:
    """The sentences too long to follow by ear, each with where it could be split.

    Args:
        words: The transcript's words.
        parse: spaCy's parse of them (a split before "and" must start a clause, not join two nouns).
        sentences: Its sentences, in order.
        settings: ``[long_sentences]`` of the thresholds.

    Returns:
        One :class:`LongSentence` per long sentence, in time order; ``splits`` is empty when the sentence has
        no clause break that leaves two pieces of ``min_piece_words``.
    """
    filled = set(cue_lists()["filled_pause"]["words"])
    norm = [norm_word(w.text) for w in words]
    counts = spoken_lengths(words)
    clausal = _clause_links(words, parse)
    out = []
    for k, (s, n) in enumerate(zip(sentences, sentence_lengths(words, sentences))):
        seconds = s.end - s.start
        if n < settings.max_words and not (seconds >= settings.max_seconds and n >= settings.min_words):
            continue
        out.append(LongSentence(k, s.start, s.end, n, _splits(words, norm, counts, s, n, filled, clausal, settings)))
    return out


def _clause_links(words: list[Word], parse: Parse) -> set[int]:
    """Words whose linking conjunction joins clauses: "and" between two verbs ("we trained it and it
    worked"), "then", "so", "because"; not the "and" of "the history and the product"."""
    out = set()
    for t in parse.tokens:
        if not 0 <= t.word < len(words):
            continue
        head = parse.tokens[t.head] if 0 <= t.head < len(parse.tokens) else t
        if t.dep in ("mark", "advmod", "prep") or (t.dep == "cc" and head.pos in ("VERB", "AUX")):
            out.add(t.word)
    return out


def _splits(words: list[Word], norm: list[str], counts: list[int], s: Sentence, total: int, filled: set[str],
            clausal: set[int], settings: LongSentenceSettings) -> list[SentenceSplit]:
    """The clause breaks nearest to cutting the sentence into equal pieces of under ``max_words`` * 0.7 words
    (two pieces for most long sentences), each piece at least ``min_piece_words`` long; a break before a
    subordinate clause ("because", "which") only where no other is near."""
    pieces = max(2, math.ceil(total / (0.7 * settings.max_words)))
    said, before = 0, {}
    for i in range(s.first_word, s.last_word):
        if norm[i] not in filled:
            said += counts[i]
        before[i] = said  # words said up to and including word i
    linking = set(rambling_cues()["chains"]["conjunctions"])
    breaks = [i for i in clause_breaks(words, norm, s, filled)
              if norm[i] not in linking  # not the "and" of "and then"
              and (_next_index(norm, i, s, filled) in clausal  # "..., um, because": a clause follows
                   or (words[i].text.endswith((",", ";", ":", "-"))
                       and norm[i + 1] not in filled))]  # not the comma of "have been, uh, staying"
    chosen: list[int] = []
    for p in range(1, pieces):
        target = total * p / pieces
        low = before[chosen[-1]] + settings.min_piece_words if chosen else settings.min_piece_words
        options = [i for i in breaks if before[i] >= low and total - before[i] >= settings.min_piece_words]
        if options:
            best = min(options, key=lambda i: abs(before[i] - target)
                       + SUBORDINATE_COST * (norm_word(_next_word(words, norm, i, s, filled)) in SUBORDINATE))
            if best not in chosen:
                chosen.append(best)
    return [SentenceSplit(i, words[i].end, words[i].text, _next_word(words, norm, i, s, filled)) for i in chosen]


def _next_index(norm: list[str], i: int, s: Sentence, filled: set[str]) -> int:
    """The word after ``i`` in sentence ``s``, past any filled pause."""
    j = i + 1
    while j < s.last_word - 1 and norm[j] in filled:
        j += 1
    return j


def _next_word(words: list[Word], norm: list[str], i: int, s: Sentence, filled: set[str]) -> str:
    j = _next_index(norm, i, s, filled)
    return words[j].text if j < s.last_word else ""


def mtld(tokens: list[str], threshold: float) -> float | None:
    """MTLD of ``tokens``: the mean of a forward and a backward pass; ``None`` where the text never falls to
    the threshold and has too few words for a partial run to say anything."""
    forward, backward = _mtld_pass(tokens, threshold), _mtld_pass(tokens[::-1], threshold)
    if forward is None or backward is None:
        return None
    return round((forward + backward) / 2, 1)


def _mtld_pass(tokens: list[str], threshold: float) -> float | None:
    factors, types, count = 0.0, set(), 0
    for token in tokens:
        count += 1
        types.add(token)
        if len(types) / count <= threshold:
            factors += 1
            types, count = set(), 0
    if count:
        factors += (1 - len(types) / count) / (1 - threshold)
    return len(tokens) / factors if factors > 0 else None


def vocabulary_tokens(words: list[Word]) -> list[str]:
    """The words said, lower-cased, without punctuation and filled pauses: what vocabulary variety counts."""
    filled = set(cue_lists()["filled_pause"]["words"])
    return [n for w in words if (n := norm_word(w.text)) and n not in filled]


def measure_vocabulary(words: list[Word], settings: VocabularySettings) -> Vocabulary:
    """The talk's vocabulary variety: MTLD (``None`` under ``min_words`` words), words and distinct words."""
    tokens = vocabulary_tokens(words)
    value = mtld(tokens, settings.mtld_threshold) if len(tokens) >= settings.min_words else None
    return Vocabulary(value, len(tokens), len(set(tokens)))


def sentence_summary(words: list[Word], sentences: list[Sentence], long: list[LongSentence]) -> dict:
    """The ``summary.sentence_length`` field: mean, median and longest sentence in words as spoken, and how
    many sentences were long."""
    lengths = sorted(sentence_lengths(words, sentences))
    if not lengths:
        return {"mean_words": 0.0, "median_words": 0.0, "longest_words": 0, "long": 0}
    middle = len(lengths) // 2
    median = lengths[middle] if len(lengths) % 2 else (lengths[middle - 1] + lengths[middle]) / 2
    return {"mean_words": round(sum(lengths) / len(lengths), 1), "median_words": float(median),
            "longest_words": lengths[-1], "long": len(long)}
