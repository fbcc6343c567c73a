"""Section stage: which framework section each part of the talk belongs to, and the time balance.

1. Evidence (``cues.py``, ``classifier.py``): per sentence and section, cue-word
   matches on lemmas, embedding similarity to the section's purpose and examples
   and, for the built-in case-study framework, a classifier over the sentence
   embedding learned from labelled sentences of other projects, combined with
   the place in the talk into a probability over sections; and, per sentence, how
   much it sounds like a section's opening (the classifier's opener model).
2. Decoding (``decode.py``): the best sequence of contiguous sections, preferring
   the framework's order and each section's target share of the talk, allowing
   a return to an earlier section, starting sections where sentences sound like
   openings, and never shorter than a minimum duration;
   the talk is also read as one that skipped the framework's first section, and
   that reading wins when it scores clearly better (:func:`segment`).
3. Balance (:func:`balance`): seconds, share, status, pace and filler rate per
   framework section; its flags are in :mod:`speechcase.analysis.flags.sections`.

Weights and thresholds are in ``data/thresholds.toml`` (``[sections]``).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import NamedTuple

import numpy as np
from scipy.special import log_softmax, softmax

from speechcase.analysis.config import SectionSettings
from speechcase.analysis.embeddings import SentenceEncoder
from speechcase.analysis.sections.classifier import classifier_for
from speechcase.analysis.sections.cues import comparison_scores, keyword_scores, prototype_similarity, sentence_vectors
from speechcase.analysis.sections.decode import OrderPrior, PreviewPrior, best_segmentation, label_posteriors, runs
from speechcase.analysis.signals.rambling import norm_word, opening
from speechcase.analysis.text import match_phrases
from speechcase.core.files import JsonCache
from speechcase.core.types import BalanceRow, Filler, Framework, Pacing, Parse, SectionSpan, SectionStatus, Sentence

__all__ = ["announces_topic", "balance", "continues_thought", "duration_prior", "opening_evidence", "preview_evidence",
           "segment", "word_evidence"]


def word_evidence(sentences: list[Sentence], parsed: Parse, framework: Framework, settings: SectionSettings,
                  encoder: SentenceEncoder, cache: JsonCache | None, vectors: np.ndarray | None = None) -> np.ndarray:
    """What each sentence's words say about its section, as a log-score ``[n, k]``.

    Where the framework has a shipped section classifier (:mod:`~speechcase.analysis.sections.classifier`; the
    built-in case-study framework with the bundled embedding model), its log-probabilities lead, with the
    prototype similarities and the cue words beside them; otherwise the prototype similarities and the cue words
    alone. Either way a sentence that compares numbers adds ``comparison_weight`` to the sections that declare
    ``compares_numbers`` (:func:`~speechcase.analysis.sections.cues.comparison_scores`), and with
    ``comparison_mutes_cues`` the cue words of the other sections do not count in it: "0.88 macro F1 against
    0.82 for the gradient boosted trees baseline" names models because it compares them, and its three modeling
    cues had outweighed the comparison. Each path has its own weights (``[sections]`` in thresholds.toml), chosen on the training talks.
    ``vectors`` are the sentences' embeddings when the caller has them already.
    """
    keywords = keyword_scores(sentences, parsed, framework, cache)
    if vectors is None:  # read once, for both
        vectors = sentence_vectors([s.text for s in sentences], encoder, cache)
    similarity = prototype_similarity(vectors, framework, encoder, cache) / settings.semantic_temperature
    comparisons = settings.comparison_weight * comparison_scores(sentences, parsed, framework,
                                                                 settings.comparison_words, settings.comparison_ranges)
    if settings.comparison_mutes_cues:  # the models a comparison names are what it compares, not what is built
        others = np.array([not spec.compares_numbers for spec in framework.sections])
        compared = np.asarray(comparisons.any(axis=1), dtype=bool)
        keywords = np.where(np.outer(compared, others), 0.0, keywords)
    classifier = classifier_for(framework, encoder) if settings.classifier_weight else None
    if classifier is None:
        return similarity + settings.keyword_weight * keywords + comparisons
    return (settings.classifier_weight * classifier.log_probabilities(vectors)
            + settings.classifier_prototype_weight * similarity
            + settings.classifier_keyword_weight * keywords + comparisons)


def opening_evidence(sentences: list[Sentence], vectors: np.ndarray, framework: Framework,
                     settings: SectionSettings, encoder: SentenceEncoder) -> np.ndarray:
    """What each sentence's words say about a section starting there, as a log-score ``[n]`` added when one does:
    ``opener_weight`` times how much more the sentence sounds like a section's opening than the average sentence
    (the section classifier's opener model, :class:`~speechcase.analysis.sections.classifier.OpenerModel`), and at
    least ``opening_phrase_log_odds`` for a sentence that announces its topic (:func:`announces_topic`); zeros
    without an opener model (another framework or embedding model, or a classifiers file fitted without it).

    Why: the sentences on either side of a boundary often read alike ("Once the labels were clean, the first model
    was a logistic regression" names both sections), so the section evidence leaves the boundary one sentence
    early or late; the opening announces the new topic. Unlike the section evidence it is not weighted by the
    sentence's length: a boundary is one event. Measured on the evaluation talks in docs/accuracy.md.
    """
    classifier = classifier_for(framework, encoder) if settings.opener_weight else None
    if classifier is None or classifier.opener is None:
        return np.zeros(len(vectors))
    log_odds = classifier.opener.log_odds(np.asarray(vectors, dtype=np.float32))
    announced = np.array([announces_topic(s.text, settings.opening_phrases, int(settings.opening_heading_words))
                          for s in sentences], dtype=bool)
    return settings.opener_weight * np.where(announced, np.maximum(log_odds, settings.opening_phrase_log_odds),
                                             log_odds)


def announces_topic(text: str, phrases: tuple[str, ...], heading_words: int = 0) -> bool:
    """Whether a sentence opens with one of ``phrases`` ("let me start with", "moving on"), within its first two
    words after any leading "um", "okay" or "well" ("So, let me start with the model"), or is a heading: a
    signpost (the rambling stage's, :func:`~speechcase.analysis.signals.rambling.opening`) in a sentence of at
    most ``heading_words`` words after them ("Next, the modeling.", "Finally, what I learned.")."""
    lower = [w for w in map(norm_word, text.split()) if w]
    start, signposts = opening(lower)
    if signposts and len(lower) - start <= heading_words:
        return True
    return any(first < 2 for first, _, _ in match_phrases(lower[start:], list(phrases)))


def position_prior(sentences: list[Sentence], framework: Framework, spread: float, skipped: int = 0) -> np.ndarray:
    """How far each sentence sits from where each section is expected, as a log-score ``[n, k]``.

    A section is expected around the middle of its place in the talk when every
    section takes the middle of its target range, in framework order; the score
    falls off as a Gaussian of the distance in fractions of the talk (``spread``
    is its width). It breaks ties, such as a quantified opener that sounds like
    evaluation, without forbidding any order. With ``skipped`` opening sections absent from the talk, the
    others' places are those of a framework without them (the skipped sections keep their own places).
    """
    places = _section_places(framework)
    if skipped:
        places = np.concatenate([places[:skipped], _section_places(framework, skipped=skipped)[skipped:]])
    return _place_score(_places(sentences)[:, None], places[None, :], spread)


def preview_evidence(log_evidence: np.ndarray, sentences: list[Sentence], framework: Framework,
                     settings: SectionSettings, skipped: int = 0) -> np.ndarray:
    """Per sentence, the log-evidence of the framework's ``preview`` section said up front ``[n]``: what the
    words say for that section, with its expected place moved to the end of the first section.

    Why: a results-first talk states its results right after the framing and goes back to the data. Read at
    the evaluation's own place, those sentences lose the place score (about 2-3 each) and the order costs a
    return, so they were read as data; a preview is expected there instead (:func:`segment`). With ``skipped``
    opening sections absent, the preview is expected at the start of the talk.
    """
    k = [spec.id for spec in framework.sections].index(str(framework.preview))
    places = _places(sentences)
    first_end = _section_places(framework, centre=False)[0] if not skipped else 0.0
    moved = (_place_score(places, first_end, settings.position_spread)
             - _place_score(places, _section_places(framework, skipped=skipped)[k], settings.position_spread))
    return log_evidence[:, k] + settings.position_weight * moved


def _places(sentences: list[Sentence]) -> np.ndarray:
    """Where each sentence's middle falls, as a fraction of the talk."""
    first, last = sentences[0].start, sentences[-1].end
    return np.array([((s.start + s.end) / 2 - first) / max(last - first, 1e-9) for s in sentences])


def _section_places(framework: Framework, centre: bool = True, skipped: int = 0) -> np.ndarray:
    """Where each section's middle (``centre``) or end is expected, in fractions of the talk, when every section
    takes the middle of its target range in framework order (the first ``skipped`` sections taking none)."""
    mids = np.array([sum(spec.target_share) / 2 if i >= skipped else 0.0
                     for i, spec in enumerate(framework.sections)])
    mids /= mids.sum()
    return np.cumsum(mids) - (mids / 2 if centre else 0.0)


def _place_score(where: np.ndarray, expected: np.ndarray | float, spread: float) -> np.ndarray:
    return -0.5 * ((where - expected) / spread) ** 2


def duration_prior(framework: Framework, talk_seconds: float, weight: float,
                   overrun_weight: float | None = None) -> Callable[[np.ndarray], np.ndarray]:
    """A log-score for a segment of each length and section: 0 when its share of the talk is within the
    section's target range, ``-weight * log(share / bound) ** 2`` outside it.

    Why a prior on each segment's length as well as on each sentence's place: the place prior is added once per
    sentence, so over a long section it adds up and outweighs what the sentences say (a 70 % modeling section
    had its second half read as evaluation and deployment); a segment's length is scored once, so a talk that
    really is unbalanced keeps its long section when its sentences say so, while a boundary the evidence leaves
    open still moves toward the targets. A section that declares ``overrun_common`` (the case-study's modeling,
    the section candidates overrun most) scores its overrun with ``overrun_weight`` instead of ``weight`` (None:
    the same weight): pulled back as hard as the others, a 60 % modeling section had its tail read as evaluation,
    hiding the very imbalance the balance flags report. Measured with ``benchmarks/eval_kit.py``
    (docs/accuracy.md).
    """
    low = np.array([spec.target_share[0] for spec in framework.sections])
    high = np.array([spec.target_share[1] for spec in framework.sections])
    lenient = weight if overrun_weight is None else overrun_weight
    over_weight = np.array([lenient if spec.overrun_common else weight for spec in framework.sections])

    def score(seconds: np.ndarray) -> np.ndarray:
        share = np.maximum(np.asarray(seconds, dtype=float)[:, None] / max(talk_seconds, 1e-9), 1e-9)
        over = np.log(np.maximum(share / high, 1.0))
        under = np.log(np.minimum(share / low, 1.0))
        return -(over_weight * over ** 2 + weight * under ** 2)

    return score


def _no_duration_for_the_preview(duration: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    """The duration prior with a column of zeros for the preview state: a preview has no target share."""
    def score(seconds: np.ndarray) -> np.ndarray:
        scores = duration(seconds)
        return np.hstack([scores, np.zeros((scores.shape[0], 1))])
    return score


def continues_thought(text: str, gap: float, words: tuple[str, ...], max_gap: float) -> bool:
    """Whether a sentence goes on with the thought before it: it starts with one of ``words`` ("Which", "Because",
    "But"), or with a lower-case word said less than ``max_gap`` seconds after the sentence before (Whisper ended
    that sentence mid-clause: "...so we sampled 300." / "thousand calls from each region..."). A sentence that
    opens with a signpost ("Which brings me to the evaluation", "But first, the data"; the rambling stage's
    signposts, :func:`~speechcase.analysis.signals.rambling.opening`) announces a new part instead.

    Why: Whisper also ends sentences at pauses inside a spoken sentence, and a section boundary put there cuts a
    thought in two. After a real pause a lower-case start says little (Whisper also drops a sentence's first
    word), so only a run-on counts. "And", "So" and "Then" are left out of the default words because speakers
    do open sections with them ("So, the data...").
    """
    tokens = text.split()
    first = tokens[0].strip("-\"'“‘.,;:!?()[]") if tokens else ""
    if not first or not first[0].isalpha():  # "200." or "9,000 hours" says nothing
        return False
    if not (first.lower() in words or (first[0].islower() and gap < max_gap)):
        return False
    _, signposts = opening([w for w in map(norm_word, tokens) if w])
    return not signposts


class _Reading(NamedTuple):
    """One model of the talk, as :func:`~speechcase.analysis.sections.decode.decode` takes it."""

    evidence: np.ndarray
    starts: np.ndarray
    end: float
    min_seconds: float
    prior: OrderPrior | PreviewPrior
    duration: Callable[[np.ndarray], np.ndarray]
    start_cost: np.ndarray


def _readings(sentences: list[Sentence], words: np.ndarray, framework: Framework, settings: SectionSettings,
              openings: np.ndarray | None = None) -> tuple[list[_Reading], np.ndarray]:
    """The arguments of :func:`~speechcase.analysis.sections.decode.decode` for each model of the talk, given what
    each sentence's words say (:func:`word_evidence`) and what they say about a section opening there
    (:func:`opening_evidence`, lowering the cost of starting one): the framework in full, and (with a finite
    ``opening_skip_penalty`` and three sections or more) the framework without its first section. The two differ
    only in the place prior and the order prior; the rest is computed once. Also each sentence's weight (its
    share of ``evidence_seconds``), which the evidence is multiplied by."""
    starts = np.array([s.start for s in sentences])
    end = sentences[-1].end
    weights = np.diff(np.append(starts, end)) / settings.evidence_seconds
    closing = tuple(k for k, spec in enumerate(framework.sections) if spec.closes_talk)
    duration = duration_prior(framework, end - starts[0], settings.duration_weight, settings.overrun_weight)
    preview = _preview_index(framework, settings)
    if preview is not None:
        duration = _no_duration_for_the_preview(duration)
    gaps = [np.inf] + [s.start - before.end for before, s in zip(sentences, sentences[1:])]
    start_cost = settings.continuation_penalty * np.array(
        [continues_thought(s.text, gap, settings.continuation_words, settings.continuation_max_gap)
         for s, gap in zip(sentences, gaps)], dtype=float)
    if openings is not None:
        start_cost = start_cost - openings
    skips = [0, 1] if np.isfinite(settings.opening_skip_penalty) and len(framework.sections) > 2 else [0]
    readings = []
    for skipped in skips:
        logits = words + settings.position_weight * position_prior(sentences, framework, settings.position_spread,
                                                                    skipped)
        evidence = np.maximum(log_softmax(logits, axis=1), np.log(1e-12))
        order = OrderPrior(settings.skip_penalty, settings.back_penalty, settings.late_start_penalty, closing,
                           settings.close_exit_penalty, skipped)
        prior: OrderPrior | PreviewPrior = order
        if preview is not None:  # one more state: the preview section said up front (the decoder's last label)
            evidence = np.hstack([evidence,
                                  preview_evidence(evidence, sentences, framework, settings, skipped)[:, None]])
            prior = PreviewPrior(order, preview, settings.preview_penalty)
        readings.append(_Reading(evidence * weights[:, None], starts, end, settings.min_section(end - starts[0]),
                                 prior, duration, start_cost))
    return readings, weights


def _preview_index(framework: Framework, settings: SectionSettings) -> int | None:
    """The index of the framework's ``preview`` section (the case-study's evaluation), when it has one in use."""
    ids = [spec.id for spec in framework.sections]
    return ids.index(framework.preview) if framework.preview and np.isfinite(settings.preview_penalty) else None


def segment(sentences: list[Sentence], parsed: Parse, framework: Framework, settings: SectionSettings,
            encoder: SentenceEncoder, cache: JsonCache | None = None) -> tuple[list[Sentence], list[SectionSpan]]:
    """Label every sentence with a section and return contiguous spans covering the talk.

    A span runs from its first sentence's start to the next span's start (the
    last one to the last sentence's end), so pauses between sections belong to
    the section before them and the spans cover the spoken part of the talk.

    The talk is read twice: with the framework in full, and as a talk without the framework's first section
    (the framing), whose other sections then have their places from the start and whose results up front may
    open it. The second reading is taken when its best segmentation scores more than ``opening_skip_penalty``
    above the first's, and each sentence's probability weighs the two readings by their summed scores. Why: read
    only in full, a talk that skipped its framing had one made from its first sentences (the place prior expects
    the framing there, and starting later costs a late start), which hid the missing framing a coach wants
    shown; a penalty clear of what talks with a framing score under the second reading keeps them as they were.
    """
    if not sentences:
        return sentences, []
    ids = [spec.id for spec in framework.sections]
    vectors = sentence_vectors([s.text for s in sentences], encoder, cache)
    readings, weights = _readings(sentences, word_evidence(sentences, parsed, framework, settings, encoder, cache,
                                                           vectors),
                                  framework, settings, opening_evidence(sentences, vectors, framework, settings,
                                                                        encoder))
    found = [best_segmentation(*model) for model in readings]
    weighed = [label_posteriors(*model) for model in readings]
    cost = [0.0, settings.opening_skip_penalty]
    choice = int(np.argmax([score - c for (_, score), c in zip(found, cost)]))
    labels = found[choice][0]
    share = softmax([z - c for (_, z), c in zip(weighed, cost)])  # each reading's weight: its summed score
    sure = sum(w * p for w, (p, _) in zip(share, weighed))
    preview = _preview_index(framework, settings)
    if preview is not None:
        labels[labels == len(ids)] = preview
        sure[:, preview] += sure[:, len(ids)]
    sure = sure[np.arange(len(labels)), labels]  # the probability of each sentence's own label
    end = sentences[-1].end
    spans = []
    for first, stop, k in runs(labels):
        span_end = sentences[stop].start if stop < len(sentences) else end
        w = weights[first:stop]
        confidence = float((sure[first:stop] * w).sum() / max(w.sum(), 1e-9))
        spans.append(SectionSpan(ids[k], sentences[first].start, span_end, round(confidence, 3)))
    labelled = [replace(s, section=ids[k], section_confidence=round(float(p), 3))
                for s, k, p in zip(sentences, labels.tolist(), sure)]
    return labelled, spans


def balance(spans: list[SectionSpan], framework: Framework, pacing: Pacing, fillers: list[Filler]) -> list[BalanceRow]:
    """Seconds, share of the talk, target status, pace and filler rate per framework section."""
    total = sum(s.end - s.start for s in spans) or 1.0
    rows = []
    for spec in framework.sections:
        own = [s for s in spans if s.id == spec.id]
        seconds = sum(s.end - s.start for s in own)
        share = seconds / total
        low, high = spec.target_share
        status: SectionStatus = ("missing" if seconds == 0 else "under" if share < low else "over" if share > high
                                 else "ok")
        count = sum(any(s.start <= f.start < s.end for s in own) for f in fillers)
        rate = count / (seconds / 60) if seconds else 0.0
        rows.append(BalanceRow(spec.id, round(seconds, 2), round(share, 4), spec.target_share, status,
                               pacing.by_section.get(spec.id, 0.0), round(rate, 2)))
    return rows
