"""Delivery flags: rules on hand-built inputs, and on the real sample talks."""
from __future__ import annotations

import pytest
from conftest import load_json

from speechcase.analysis.config import default_thresholds
from speechcase.analysis.flags import build_flags
from speechcase.analysis.flags.delivery import filler_cluster_flags, pace_flags
from speechcase.analysis.signals.pacing import rolling_wpm
from speechcase.core.types import Filler, Framework, Pause, Word

T = default_thresholds()


def _steady_words(start: float, end: float, wpm: float) -> list[Word]:
    step = 60 / wpm
    n = int((end - start) / step)
    return [Word("word", start + i * step, start + i * step + step * 0.8, 0.9) for i in range(n)]


def test_thresholds_come_from_the_data_file():
    assert (T.min_pause, T.long_mid_sentence, T.fast_wpm, T.slow_wpm) == (1.0, 2.5, 175.0, 110.0)


def test_rolling_wpm_is_steady_on_a_steady_talk():
    values = [v for _, v in rolling_wpm(_steady_words(0, 120, 150), 30, 5)]
    assert min(values) > 140 and max(values) < 160


def test_fast_then_slow_stretches_are_flagged_with_their_numbers():
    words = _steady_words(0, 60, 150) + _steady_words(60, 120, 200) + _steady_words(120, 180, 90)
    flags = {f.type: f for f in pace_flags(words, T)}
    assert set(flags) == {"pace_fast", "pace_slow"}
    assert 50 <= flags["pace_fast"].start <= 65 and 115 <= flags["pace_fast"].end <= 130
    assert "threshold 175 wpm" in flags["pace_fast"].evidence
    assert flags["pace_slow"].end == pytest.approx(words[-1].end, abs=0.01)
    assert pace_flags(_steady_words(0, 180, 150), T) == []


def test_short_talks_get_no_pace_flags():
    assert pace_flags(_steady_words(0, 20, 220), T) == []


def test_filler_cluster_needs_three_within_the_window():
    spaced = [Filler("um", "filled_pause", t, t + 0.3) for t in (0, 10, 20, 30)]
    assert filler_cluster_flags(spaced, T) == []
    dense = spaced + [Filler("uh", "filled_pause", 11, 11.3), Filler("um", "filled_pause", 12, 12.3)]
    (flag,) = filler_cluster_flags(dense, T)
    assert (flag.start, flag.end) == (0, 20.3) and flag.evidence.count('"') == 10


def test_filler_cluster_evidence_marks_fillers_heard_only_in_the_audio():
    fillers = [Filler("um", "filled_pause", 1, 1.3), Filler("uh", "filled_pause", 3, 3.4, "acoustic"),
               Filler("like", "discourse", 5, 5.2)]
    (flag,) = filler_cluster_flags(fillers, T)
    assert flag.evidence == '"um", "uh" (audio only), "like"'


def test_long_mid_sentence_pause_is_flagged_and_ids_are_in_time_order():
    words = [Word("we", 0, 0.3, 0.9), Word("chose", 0.3, 0.7, 0.9), Word("the", 4.0, 4.2, 0.9),
             Word("model.", 4.2, 4.6, 0.9)]
    pauses = [Pause(0.7, 4.0, "mid_sentence"), Pause(5.0, 8.0, "between_sentences")]
    fillers = [Filler("um", "filled_pause", t, t + 0.2) for t in (0.1, 0.5, 0.9)]
    flags = build_flags(words=words, sentences=[], pauses=pauses, fillers=fillers, hedges=[], decisions=[],
                        monotone=[], spans=[], balance=[], framework=Framework("none", "none", []), rambling=[],
                        cues=[], structure=None, thresholds=T)
    assert [(f.id, f.type) for f in flags] == [("f-001", "filler_cluster"), ("f-002", "long_pause")]
    assert "3.3 s" in flags[1].message and "chose [...] the" in flags[1].evidence


@pytest.mark.slow
def test_flags_on_the_samples(analysed):
    rambling = load_json(analysed("rambling_delivery") / "analysis.json")["flags"]
    structured = load_json(analysed("structured_churn") / "analysis.json")["flags"]
    assert any(f["type"] == "filler_cluster" for f in rambling)
    assert not any(f["type"] in ("filler_cluster", "long_pause") for f in structured)
    for flag in rambling + structured:
        assert flag["message"] and flag["evidence"] and flag["suggestion"]


def test_hedges_and_decisions_are_found_in_words():
    from speechcase.analysis.signals.hedges import find_decisions, find_hedges

    words = [Word(t, k * 0.3, k * 0.3 + 0.25, 0.9) for k, t in enumerate(
        "I think maybe we could use boosting, or maybe not. In the end we went with boosting.".split())]
    assert [h.text for h in find_hedges(words)] == ["i think maybe", "we could", "or maybe"]
    assert [d.text for d in find_decisions(words)] == ["we went with"]


def test_hedging_flag_only_without_a_decision():
    from speechcase.analysis.flags import hedging_flags
    from speechcase.core.types import Phrase

    hedges = [Phrase(p, s, s + 0.5) for p, s in (("maybe", 10), ("it depends", 14), ("probably", 20))]
    (flag,) = hedging_flags(hedges, [], T)
    assert flag.type == "hedging" and '"it depends"' in flag.evidence and "I chose" in flag.suggestion
    assert hedging_flags(hedges, [Phrase("we chose", 28, 29)], T) == []  # the speaker committed
    assert hedging_flags(hedges[:2], [], T) == []  # two hedges are not a pattern


@pytest.mark.slow
def test_hedging_on_the_samples(analysed):
    rambling = load_json(analysed("rambling_delivery") / "analysis.json")
    structured = load_json(analysed("structured_churn") / "analysis.json")
    assert any(f["type"] == "hedging" for f in rambling["flags"])
    assert not any(f["type"] == "hedging" for f in structured["flags"])
    assert rambling["summary"]["hedges_per_minute"] > 3 * structured["summary"]["hedges_per_minute"]
