"""Repeated phrases: the pet phrase said again and again ("let's say", "basically", "at the end of the day").

A phrase is a run of 1 to ``max_words`` words inside one sentence. It is a pet phrase when the speaker says
it far more often than the talk's length and ordinary English predict:

1. **Which phrases can count.** Never one holding a topic word: a noun or proper noun of the talk (any
   word the talk uses as a noun, so "model", "churn" and "the data" are never flagged, whatever part of
   speech spaCy gives them elsewhere), a word that is part of a term with one (the modifier in
   "potential energy", "logistic regression"; the verb in "predict churn", "the model ranks"; a word
   used so at least half the time is a topic word everywhere), a number, a word rarer in English than
   ``technical_zipf`` (jargon and names: "xgboost", "latency"), or a cue of the framework's sections
   ("train", "deploy", "real time"). Nouns that name nothing ("end", "day", "terms", "thing":
   ``generic_nouns`` in ``data/phrases.toml``) stay allowed, so "at the end of the day" can be found. A
   phrase needs a word that carries it (an adverb, adjective, verb, interjection or generic noun, not a
   linking word such as "then" or a signpost such as "first"), and a phrase of one word must be an
   adverb, adjective, interjection or generic noun, and a longer one may not end on a pronoun, article or
   conjunction, so "and the", "and then", "get" and the "let it" of "let it fall" never count.
   Words already counted as fillers or hedges break phrases: they are counted and flagged by their own
   stages.
2. **How often.** At least ``min_count`` times and ``min_per_10_minutes`` per 10 minutes of talk (first
   word to last), in a talk of at least ``min_talk_seconds``.
3. **Against ordinary English.** wordfreq's frequency of the phrase (the package's own estimate for a
   phrase, close to its rarest word's frequency, so it overstates how common a phrase is and the test
   errs towards no flag) times the words said gives the count ordinary English predicts; a flagged
   phrase is said at least ``min_ratio`` times that.
4. **One phrase, one flag.** A repeat is extended while every occurrence goes on with the same word (up
   to ``max_extended_words``), so "at the end of" becomes "at the end of the day"; of phrases said mostly
   at the same moments, only the most said (then the longest) is kept.

Frequencies come from ``wordfreq`` (its small English list, bundled with the package, read offline when a
talk is analysed; see :func:`english_frequencies`).
"""
from __future__ import annotations

import bisect
import functools
import math
from dataclasses import dataclass
from pathlib import Path

from speechcase.analysis.config import RepetitionSettings
from speechcase.analysis.signals.rambling import norm_word
from speechcase.analysis.signals.timeline import talk_minutes
from speechcase.core.files import data_file
from speechcase.core.types import Filler, Interval, Parse, Phrase, RepeatedPhrase, Sentence, Word

#: Share of a shorter phrase's occurrences inside a longer one's that makes the longer one say it.
INSIDE_SHARE = 0.75
#: Parts of speech that are always topic words: names, numbers, symbols and foreign words.
TOPIC_POS = frozenset({"PROPN", "NUM", "SYM", "X"})


@functools.lru_cache(maxsize=1)
def phrase_lists() -> dict:
    return data_file("phrases.toml")


@functools.lru_cache(maxsize=1)
def english_frequencies() -> dict[str, float]:
    """wordfreq's small English list: word -> frequency (share of all words), about 29,000 words down to
    Zipf 3 (once per million words); a word missing from it is rarer than that.

    The list is read straight from the package's data file when it is in the format this version knows
    (``cB`` version 1: buckets of words by centibel), the same table ``wordfreq.get_frequency_dict("en",
    "small")`` builds (a test checks it), in 10 ms instead of the 90 ms that importing wordfreq (ftfy,
    langcodes, regex) costs every re-analysis; any other format goes through wordfreq's own function.
    """
    import gzip
    import importlib.util

    import msgpack

    spec = importlib.util.find_spec("wordfreq")
    folders = list(spec.submodule_search_locations or []) if spec else []
    path = Path(folders[0]) / "data" / "small_en.msgpack.gz" if folders else None
    if path is not None and path.is_file():
        with gzip.open(path, "rb") as packed:
            data = msgpack.load(packed, raw=False)
        if data and data[0] == {"format": "cB", "version": 1}:
            return {word: 10 ** (-cb / 100) for cb, bucket in enumerate(data[1:]) for word in bucket}
    from wordfreq import get_frequency_dict

    return get_frequency_dict("en", wordlist="small")


def zipf(word: str) -> float:
    """A word's Zipf frequency in English (log10 of its count per billion words; 0 when rarer than 3)."""
    freq = english_frequencies().get(word)
    return round(math.log10(freq) + 9, 2) if freq else 0.0


def phrase_frequency(words: tuple[str, ...]) -> float:
    """The share of English word positions where the phrase starts, as wordfreq estimates a phrase: the
    reciprocal of the summed reciprocals of its words' frequencies."""
    table = english_frequencies()
    return 1.0 / sum(1.0 / table.get(w, 1e-9) for w in words)


@dataclass
class _Occurrences:
    words: tuple[str, ...]
    spans: list[tuple[int, int]]  # [first, last) word ranges, time-ordered, not overlapping


def repeated_phrases(words: list[Word], parse: Parse, sentences: list[Sentence], fillers: list[Filler],
                     hedges: list[Phrase], topic_terms: list[tuple[str, ...]], settings: RepetitionSettings
                     ) -> list[RepeatedPhrase]:
    """The phrases said at least ``min_count`` times and ``min_per_10_minutes`` per 10 minutes, in the order of
    their first occurrence; ``flagged`` on those said far more often than ordinary English predicts.

    Args:
        words, parse, sentences: The transcript's words, spaCy's parse and the sentences.
        fillers, hedges: What the filler and hedge stages counted (their words break phrases).
        topic_terms: Terms that are the talk's topic beyond its nouns, as lemma tuples (the framework's cues).
        settings: ``[repeated_phrases]`` of the thresholds.
    """
    if not words or talk_minutes(words) * 60 < settings.min_talk_seconds:
        return []
    norm = [norm_word(w.text.replace("\u2019", "'")) for w in words]
    allowed, content, single, final = _word_classes(words, norm, parse, fillers, hedges, topic_terms, settings)
    said = sum(1 for n in norm if n)
    minutes = talk_minutes(words)
    found = _count(norm, allowed, content, single, final, sentences, settings.max_words)
    frequent = {g: occ for g, occ in found.items()
                if len(occ.spans) >= settings.min_count and _rate(len(occ.spans), minutes) >= settings.min_per_10_minutes}
    phrases = []
    for occ in _extend(frequent, norm, allowed, sentences, settings.max_extended_words):
        expected = said * phrase_frequency(occ.words)
        count = len(occ.spans)
        phrases.append(RepeatedPhrase(
            " ".join(occ.words), count, round(_rate(count, minutes), 1), round(expected, 3),
            [Interval(words[a].start, words[b - 1].end) for a, b in occ.spans],
            flagged=count >= settings.min_ratio * expected))
    return sorted(_one_per_habit(phrases), key=lambda p: p.occurrences[0].start)


def _rate(count: int, minutes: float) -> float:
    return 10 * count / minutes


def _word_classes(words: list[Word], norm: list[str], parse: Parse, fillers: list[Filler], hedges: list[Phrase],
                  topic_terms: list[tuple[str, ...]], settings: RepetitionSettings
                  ) -> tuple[list[bool], list[bool], list[bool], list[bool]]:
    """Per word: whether it may be part of a phrase at all (not a topic word, filler or hedge), whether it can
    carry a phrase (a content word), whether it can be a phrase on its own, and whether a phrase of several
    words can end on it."""
    lists = phrase_lists()["words"]
    generic, glue = set(lists["generic_nouns"]), set(lists["glue_words"])
    content_pos, single_pos = set(lists["content_pos"]), set(lists["single_word_pos"])
    no_final = set(lists["no_final_pos"])
    pos: list[set[str]] = [set() for _ in words]
    lemmas: list[set[str]] = [set() for _ in words]
    for token in parse.tokens:
        if 0 <= token.word < len(words):
            pos[token.word].add(token.pos)
            lemmas[token.word].add(token.lemma)
    term = _term_words(words, parse, generic, topic_terms)
    middles = [w.middle for w in words]
    already = [False] * len(words)
    for a, b in [(f.start, f.end) for f in fillers if f.source == "asr"] + [(h.start, h.end) for h in hedges]:
        for k in range(bisect.bisect_left(middles, a), bisect.bisect_right(middles, b)):
            already[k] = True
    allowed, content, single, final = [], [], [], []
    for k, n in enumerate(norm):
        topic = term[k] or any(ch.isdigit() for ch in n) or (bool(n) and zipf(n) < settings.technical_zipf)
        allowed.append(bool(n) and not topic and not already[k])
        noun = "NOUN" in pos[k] and bool(lemmas[k] & generic)
        content.append(n not in glue and (bool(pos[k] & (content_pos - {"NOUN"})) or noun))
        single.append(content[-1] and (bool(pos[k] & single_pos) or noun))
        final.append(not (pos[k] & no_final) or bool(pos[k] - no_final - {"PUNCT"}))  # "let's": VERB + PRON
    return allowed, content, single, final


def _term_words(words: list[Word], parse: Parse, generic: set[str], topic_terms: list[tuple[str, ...]]) -> list[bool]:
    """Per word: part of the talk's topic. A noun, proper noun, number, symbol or foreign word (generic nouns
    aside); a modifier of a topic noun ("potential" in "potential energy") or a verb whose object or subject
    is one ("predict churn"); a word of a framework cue as said ("real time"); and every occurrence of a
    lemma that is one of these at least half the time it is said."""
    tokens = parse.tokens
    topic_token = [t.pos in TOPIC_POS or (t.pos == "NOUN" and t.lemma not in generic) for t in tokens]
    marked = [False] * len(words)
    for k, t in enumerate(tokens):
        if not 0 <= t.word < len(words):
            continue
        if topic_token[k]:
            marked[t.word] = True
            head = t.head
            if 0 <= head < len(tokens) and head != k and t.dep in _GOVERNED and tokens[head].pos in ("VERB", "AUX"):
                marked[tokens[head].word] = True
        elif t.dep in _MODIFIERS and 0 <= t.head < len(tokens) and topic_token[t.head]:
            marked[t.word] = True
    lemma_seq = [t.lemma for t in tokens]
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for cue in topic_terms:
        if cue:
            by_first.setdefault(cue[0], []).append(cue)
    for k, lemma in enumerate(lemma_seq):
        for cue in by_first.get(lemma, ()):
            if tuple(lemma_seq[k:k + len(cue)]) == cue:
                for t in tokens[k:k + len(cue)]:
                    if 0 <= t.word < len(words):
                        marked[t.word] = True
    said: dict[str, list[int]] = {}
    for k, t in enumerate(tokens):
        if 0 <= t.word < len(words) and t.pos not in ("PUNCT", "SPACE"):
            said.setdefault(t.lemma, []).append(t.word)
    for lemma, where in said.items():
        if sum(marked[i] for i in where) * 2 >= len(where):
            for i in where:
                marked[i] = True
    return marked


#: Dependencies that make a topic noun the object or subject of its verb ("predict churn", "the model ranks").
_GOVERNED = frozenset({"dobj", "obj", "nsubj", "nsubjpass", "attr"})
#: Dependencies that make a word part of a term with the noun it modifies ("potential energy").
_MODIFIERS = frozenset({"amod", "compound", "nmod", "npadvmod"})


def _count(norm: list[str], allowed: list[bool], content: list[bool], single: list[bool], final: list[bool],
           sentences: list[Sentence], max_words: int) -> dict[tuple[str, ...], _Occurrences]:
    """Every phrase of 1 to ``max_words`` allowed words inside a sentence that has a content word and ends on a
    word that can end one (one word: one that can stand alone), with its non-overlapping occurrences."""
    found: dict[tuple[str, ...], _Occurrences] = {}
    for s in sentences:
        idx = [i for i in range(s.first_word, s.last_word) if norm[i]]  # punctuation-only tokens are no words
        for a in range(len(idx)):
            for n in range(1, max_words + 1):
                if a + n > len(idx) or not allowed[idx[a + n - 1]]:
                    break
                run = idx[a:a + n]
                if not (single[run[0]] if n == 1 else final[run[-1]] and any(content[i] for i in run)):
                    continue
                key = tuple(norm[i] for i in run)
                occ = found.setdefault(key, _Occurrences(key, []))
                if not occ.spans or occ.spans[-1][1] <= run[0]:
                    occ.spans.append((run[0], run[-1] + 1))
    return found


def _extend(frequent: dict[tuple[str, ...], _Occurrences], norm: list[str], allowed: list[bool],
            sentences: list[Sentence], max_words: int) -> list[_Occurrences]:
    """Each frequent phrase grown word by word, right then left, while every occurrence goes on with the same
    allowed word inside its sentence."""
    sentence_of = {}
    for k, s in enumerate(sentences):
        for i in range(s.first_word, s.last_word):
            sentence_of[i] = k
    out: dict[tuple[str, ...], _Occurrences] = {}
    for occ in frequent.values():
        spans, key = list(occ.spans), occ.words
        for step in (1, -1):
            while len(key) < max_words:
                nexts = [_neighbour(a, b, step, norm, sentence_of) for a, b in spans]
                if None in nexts or len({norm[i] for i in nexts if i is not None}) != 1 \
                        or not all(allowed[i] for i in nexts if i is not None):
                    break
                spans = [(a, i + 1) if step > 0 else (i, b) for (a, b), i in zip(spans, nexts) if i is not None]
                word = norm[spans[0][1] - 1] if step > 0 else norm[spans[0][0]]
                key = key + (word,) if step > 0 else (word,) + key
        if key not in out or len(out[key].spans) < len(spans):
            out[key] = _Occurrences(key, spans)
    return list(out.values())


def _neighbour(a: int, b: int, step: int, norm: list[str], sentence_of: dict[int, int]) -> int | None:
    """The next word (not punctuation) after ``[a, b)`` (``step`` 1) or before it (-1) in the same sentence."""
    i = b if step > 0 else a - 1
    while 0 <= i < len(norm) and not norm[i]:
        i += step
    if not 0 <= i < len(norm) or sentence_of.get(i) != sentence_of.get(a):
        return None
    return i


def _one_per_habit(phrases: list[RepeatedPhrase]) -> list[RepeatedPhrase]:
    """One phrase per habit: flagged phrases first, then the most said, then the longest, each kept unless at
    least ``INSIDE_SHARE`` of its occurrences overlap those of a phrase already kept ("let's say" x8 keeps
    it, not "let's say for example" x4; "at the end of the day" x4 keeps it, not "end of the day" x4)."""
    kept: list[RepeatedPhrase] = []
    taken: list[tuple[float, float]] = []  # the kept phrases' occurrences, by start
    longest = max((o.end - o.start for p in phrases for o in p.occurrences), default=0.0)
    for phrase in sorted(phrases, key=lambda p: (not p.flagged, -p.count, -len(p.text.split()), p.text)):
        overlapping = 0
        for o in phrase.occurrences:
            k = bisect.bisect_left(taken, (o.end, o.end)) - 1
            while k >= 0 and taken[k][0] > o.start - longest:
                if taken[k][1] > o.start:
                    overlapping += 1
                    break
                k -= 1
        if overlapping < INSIDE_SHARE * phrase.count:
            kept.append(phrase)
            for o in phrase.occurrences:
                bisect.insort(taken, (o.start, o.end))
    return kept


def phrase_suggestion(phrase: str) -> str:
    """A concrete alternative for a common pet phrase (``[suggestions]`` of ``data/phrases.toml``), or the
    general advice."""
    specific = phrase_lists()["suggestions"].get(phrase)
    general = (f"Vary it or drop it: most of the time \u201c{phrase}\u201d can go without changing the sentence; "
               "a short pause does the same job.")
    return specific or general


def repetition_document(phrases: list[RepeatedPhrase]) -> list[dict]:
    """The ``repeated_phrases`` array of analysis.json: every phrase said often, flagged or not."""
    return [{"phrase": p.text, "count": p.count, "per_10_minutes": p.per_10_minutes, "expected": p.expected,
             "flagged": p.flagged, "occurrences": [{"start": o.start, "end": o.end} for o in p.occurrences]}
            for p in phrases]


def repetition_summary(phrases: list[RepeatedPhrase]) -> dict:
    """The ``summary.repeated_phrases`` field: how many phrases were flagged, and which, most said first."""
    flagged = sorted((p for p in phrases if p.flagged), key=lambda p: (-p.count, p.text))
    return {"flags": len(flagged),
            "phrases": [{"phrase": p.text, "count": p.count, "per_10_minutes": p.per_10_minutes} for p in flagged]}
