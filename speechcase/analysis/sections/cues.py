"""Section cues: how strongly each sentence speaks to each framework section.

Two kinds of evidence, both ``[n_sentences, n_sections]`` arrays:

- keyword: the framework's cue words and phrases, matched on lemmas, so
  "deployed" matches the cue "deploy" and "labels" matches "label";
- semantic: cosine similarity between the sentence embedding and the
  section's prototypes (its purpose and example sentences).

Both are cached or cheap, so re-analysing a saved transcript with another
framework never loads spaCy for the transcript and embeds it at most once.
"""
from __future__ import annotations

import base64
import bisect
import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path

import numpy as np

from speechcase.analysis.embeddings import SentenceEncoder
from speechcase.analysis.text import says_number
from speechcase.core.files import JsonCache, write_json_atomic
from speechcase.core.types import Framework, Parse, Sentence, Token

#: Bump when cue lemmatisation changes, so cached cue lemmas are recomputed.
CUE_VERSION = 1


#: Lemmas of the built-in frameworks' cues, shipped so that re-analysis never has to load spaCy for them
#: (regenerate with :func:`write_builtin_lemmas` after editing a built-in framework; a test checks it).
BUILTIN_LEMMAS = Path(__file__).resolve().parent.parent / "frameworks" / "cue_lemmas.json"


def lemmatise(texts: list[str]) -> dict[str, list[str]]:
    """Each text's lemmas, lower-cased, as spaCy sees them."""
    from speechcase.analysis.text import nlp

    return {text: [t.lemma_.lower() for t in doc if not t.is_space]
            for text, doc in zip(texts, nlp().pipe(text.lower() for text in texts))}


def cue_lemmas(framework: Framework, cache: JsonCache | None) -> list[list[tuple[str, ...]]]:
    """Per section, each cue as a tuple of lemmas.

    Built-in cues come from the shipped table; a user's own cues are lemmatised
    with spaCy once and cached by their texts.
    """
    cues = [list(spec.cues) for spec in framework.sections]
    table: dict[str, list[str]] = json.loads(BUILTIN_LEMMAS.read_text(encoding="utf-8"))
    unknown = sorted({c for section in cues for c in section} - set(table))
    if unknown:
        key = _digest("\n".join(unknown) + f"\ncues-v{CUE_VERSION}")
        found = cache.get(key, dict) if cache else None
        if found is None:
            found = lemmatise(unknown)
            if cache:
                cache.put(key, found)
        table.update(found)
    return [[tuple(table[c]) for c in section if table.get(c)] for section in cues]


def write_builtin_lemmas() -> None:
    """Regenerate the shipped lemma table from the built-in frameworks."""
    from speechcase.analysis.frameworks import builtin_names, load_framework

    texts = sorted({c for name in builtin_names() for spec in load_framework(name).sections for c in spec.cues})
    write_json_atomic(BUILTIN_LEMMAS, lemmatise(texts))


#: How many words after "against" / "versus" the number it compares with may come ("against the rule's 0.68").
COMPARED_WITHIN = 5
#: How many words after "from" its number, and then "to", may come ("from 0.58 with the baseline to 0.79").
RANGE_WITHIN = 3, 8
_YEAR = re.compile(r"^(19|20)\d\d$")


def comparison_scores(sentences: list[Sentence], parsed: Parse, framework: Framework, words: tuple[str, ...],
                      ranges: tuple[str, ...] = ()) -> np.ndarray:
    """1 for each sentence that sets numbers against each other, in the columns of the sections that declare
    ``compares_numbers`` (the case-study's evaluation); 0 elsewhere.

    A sentence compares numbers when it says two percentages ("74 % of the parcels, against 19 %"), one of
    ``words`` ("against", "versus", "compared with") with a number in the next :data:`COMPARED_WITHIN` words ("an
    AUC of 0.81 against 0.68 for the rule", not "clicks versus contacts ... we picked two to one"), or a range of
    ``ranges`` ("from to") between two amounts that are not years ("went from 0.58 with the baseline to 0.79",
    not "logs from 2018 to 2023"). Why: the section classifier reads sentence embeddings, which hardly see
    numbers, so "the model caught 74 % of damaged parcels, against 19 % for the weight rule" read as modeling.
    Of the 106 sentences of the 56 development talks (int8) that compare numbers this way, 89 are evaluation and
    11 headline results in the framing, where the place in the talk keeps them.
    """
    columns = [k for k, spec in enumerate(framework.sections) if spec.compares_numbers]
    scores = np.zeros((len(sentences), len(framework.sections)))
    if not columns:
        return scores
    phrases = [tuple(w.split()) for w in words]
    pairs = [tuple(r.split()) for r in ranges]
    for n, tokens in enumerate(_sentence_tokens(sentences, parsed)):
        lowers = [t.text.lower() for t in tokens]
        amounts = [says_number(w) and not _YEAR.match(w) for w in lowers]
        compares = (sum(w in ("%", "percent") for w in lowers) >= 2
                    or any(tuple(lowers[i:i + len(p)]) == p and any(amounts[i + len(p):i + len(p) + COMPARED_WITHIN])
                           for i in range(len(lowers)) for p in phrases)
                    or any(_ranges(lowers, amounts, first, second) for first, second in pairs))
        scores[n, columns] = float(compares)
    return scores


def _ranges(lowers: list[str], amounts: list[bool], first: str, second: str) -> bool:
    """Whether ``first`` and an amount are followed by ``second`` and another amount ("from 41 % ... to 74 %")."""
    near, far = RANGE_WITHIN
    for i, w in enumerate(lowers):
        if w == first and any(amounts[i + 1:i + 1 + near]):
            if any(lowers[j] == second and any(amounts[j + 1:j + 1 + near])
                   for j in range(i + 2, min(len(lowers), i + far + 2))):
                return True
    return False


def _sentence_tokens(sentences: list[Sentence], parsed: Parse) -> list[list[Token]]:
    """The parse's tokens of each sentence."""
    token_words = [t.word for t in parsed.tokens]
    return [parsed.tokens[bisect.bisect_left(token_words, s.first_word):bisect.bisect_left(token_words, s.last_word)]
            for s in sentences]


def keyword_scores(sentences: list[Sentence], parsed: Parse, framework: Framework,
                   cache: JsonCache | None) -> np.ndarray:
    """Weighted count of distinct cues of each section found in each sentence.

    A cue matches a run of tokens whose lemmas (or lower-cased texts) equal
    its lemmas; a phrase of several words counts more than a single word
    because it is rarer by chance. Each distinct cue counts once per sentence.
    """
    by_first: dict[str, list[tuple[tuple[str, ...], int]]] = defaultdict(list)
    for k, section in enumerate(cue_lemmas(framework, cache)):
        for cue in section:
            by_first[cue[0]].append((cue, k))
    scores = np.zeros((len(sentences), len(framework.sections)))
    for n, tokens in enumerate(_sentence_tokens(sentences, parsed)):
        lemmas = [t.lemma for t in tokens]
        lowers = [t.text.lower() for t in tokens]
        found: set[tuple[tuple[str, ...], int]] = set()
        for i in range(len(tokens)):
            for first in {lemmas[i], lowers[i]}:
                for cue, k in by_first.get(first, ()):
                    width = len(cue)
                    if tuple(lemmas[i:i + width]) == cue or tuple(lowers[i:i + width]) == cue:
                        found.add((cue, k))
        for cue, k in found:
            scores[n, k] += 1.0 + 0.5 * (len(cue) - 1)
    return scores


def prototype_similarity(vectors: np.ndarray, framework: Framework, encoder: SentenceEncoder,
                         cache: JsonCache | None) -> np.ndarray:
    """Mean of each sentence's two highest similarities to a section's prototypes, for sentences already embedded
    (``vectors``, one row each; :func:`sentence_vectors`)."""
    scores = np.zeros((len(vectors), len(framework.sections)))
    for k, prototypes in enumerate(prototype_vectors(framework, encoder, cache)):
        sims = vectors @ prototypes.T
        top = np.sort(sims, axis=1)[:, -2:]
        scores[:, k] = top.mean(axis=1)
    return scores


#: Prototype embeddings already made in this process, by model folder, compute type and texts: a framework's
#: prototypes are the same for every talk, so a warm worker (web, batch) embeds them once, cache or not.
_PROTOTYPES: dict[tuple[str, str, tuple[str, ...]], np.ndarray] = {}


def prototype_vectors(framework: Framework, encoder: SentenceEncoder, cache: JsonCache | None) -> list[np.ndarray]:
    """Per section of ``framework``, the embeddings of its purpose and examples (made once per process)."""
    out = []
    for spec in framework.sections:
        texts = tuple(text for text in (spec.purpose, *spec.examples) if text)
        key = (encoder.identity, encoder.compute_type, texts)
        if key not in _PROTOTYPES:
            if len(_PROTOTYPES) >= 256:  # frameworks given as files may change between runs: stay bounded
                _PROTOTYPES.clear()
            _PROTOTYPES[key] = sentence_vectors(list(texts), encoder, cache)
        out.append(_PROTOTYPES[key])
    return out


def sentence_vectors(texts: list[str], encoder: SentenceEncoder, cache: JsonCache | None) -> np.ndarray:
    """Embeddings of ``texts``, cached (float16) by model and texts."""
    key = _digest(f"{encoder.identity}\n{encoder.compute_type}\n" + "\n".join(texts))
    stored = cache.get(key, dict) if cache else None
    if stored is not None and stored.get("rows") == len(texts):
        flat = np.frombuffer(base64.b64decode(stored["float16"]), dtype=np.float16)
        return flat.reshape(len(texts), -1).astype(np.float32)
    vectors = encoder.encode(texts).astype(np.float16)  # as stored, so a cached run gives the same answer
    if cache:
        cache.put(key, {"rows": len(texts),
                        "float16": base64.b64encode(vectors.tobytes()).decode("ascii")})
    return vectors.astype(np.float32)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
