"""Section stage: which framework section each part of the talk belongs to.

Segmentation is not implemented yet: the spoken part of the talk is one
``unsegmented`` span, and the balance rows report 0 s for every framework
section. The interface (sentences + framework in, spans out) is the one the
segmenter will keep.
"""
from __future__ import annotations

from dataclasses import replace

from .types import BalanceRow, Framework, Sentence, SectionSpan

UNSEGMENTED = "unsegmented"


def segment(sentences: list[Sentence], framework: Framework) -> tuple[list[Sentence], list[SectionSpan]]:
    """Label sentences and return contiguous section spans covering the talk."""
    if not sentences:
        return sentences, []
    labelled = [replace(s, section=UNSEGMENTED) for s in sentences]
    return labelled, [SectionSpan(UNSEGMENTED, sentences[0].start, sentences[-1].end, 0.0)]


def balance(spans: list[SectionSpan], framework: Framework) -> list[BalanceRow]:
    """Seconds and share of the talk per framework section, against its target range."""
    total = sum(s.end - s.start for s in spans) or 1.0
    rows = []
    for spec in framework.sections:
        seconds = sum(s.end - s.start for s in spans if s.id == spec.id)
        share = seconds / total
        low, high = spec.target_share
        status = "missing" if seconds == 0 else "under" if share < low else "over" if share > high else "ok"
        rows.append(BalanceRow(spec.id, round(seconds, 2), round(share, 4), spec.target_share, status))
    return rows
