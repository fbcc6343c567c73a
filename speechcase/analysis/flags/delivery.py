"""Delivery flags: how the talk was said (pauses, pace, fillers, hedging, pitch).

Rules (thresholds in ``data/thresholds.toml``):

- ``long_pause``: a mid-sentence silence of at least ``long_mid_sentence`` s;
  high severity from twice that.
- ``pace_fast`` / ``pace_slow``: every rolling ``window``-second stretch (moved
  by ``step`` s) above ``fast_wpm`` or below ``slow_wpm``; overlapping stretches
  merge into one flag, high severity when it lasts twice the window or more.
- ``filler_cluster``: at least ``cluster_count`` fillers within
  ``cluster_window`` s; overlapping clusters merge; high from 5 fillers.
- ``hedging``: at least ``hedge_count`` hedges within ``hedge_window`` s with
  no decision phrase inside the span or ``decision_lookahead`` s after it;
  high from 5 hedges.
- ``monotone``: pitch spread under ``max_sd_semitones`` in consecutive
  windows lasting ``min_span`` s or more (see ``signals/vocal.py``); high from
  two minutes. Loudness is evidence too: word levels in the span varying by
  less than ``flat_db`` (flat in volume as well) raise the severity one level,
  ``lively_db`` or more (emphasis carried by volume) lower it one level. Never
  given for telephone-band audio.
- ``fading_energy``: the words of the final stretch ``drop_db`` or more quieter
  than the words before it (see ``signals/energy.py``); high from
  ``high_drop_db``.
"""
from __future__ import annotations

import bisect

from speechcase.analysis.config import Thresholds
from speechcase.analysis.signals.energy import level_spread
from speechcase.analysis.signals.pacing import rolling_wpm
from speechcase.analysis.signals.timeline import merge_overlapping
from speechcase.core.formatting import format_duration
from speechcase.core.types import SEVERITIES, Filler, Flag, Interval, Pause, Phrase, Severity, VocalEnergy, Word


def _excerpt(words: list[Word], start: float, end: float, context: int = 4) -> str:
    """The words just before ``start`` and just after ``end``, joined around a gap marker."""
    middles = [w.middle for w in words]
    before = words[max(0, bisect.bisect_left(middles, start) - context):bisect.bisect_left(middles, start)]
    after = words[bisect.bisect_right(middles, end):bisect.bisect_right(middles, end) + context]
    return f"\"...{' '.join(w.text for w in before)} [...] {' '.join(w.text for w in after)}...\""


def long_pause_flags(words: list[Word], pauses: list[Pause], t: Thresholds) -> list[Flag]:
    flags = []
    for p in pauses:
        if p.kind != "mid_sentence" or p.duration < t.long_mid_sentence:
            continue
        flags.append(Flag(
            "", "long_pause", p.start, p.end, "high" if p.duration >= 2 * t.long_mid_sentence else "medium",
            f"A {p.duration:.1f} s silence in the middle of a sentence.",
            f"{p.duration:.1f} s between {_excerpt(words, p.start, p.end)}",
            "Finish the sentence, then pause; if you need time to think, say so in a few words "
            "(\"let me think about the tradeoff\") instead of going silent mid-thought."))
    return flags


def pace_flags(words: list[Word], t: Thresholds) -> list[Flag]:
    windows = rolling_wpm(words, t.pace_window, t.pace_step)
    if not windows or windows[0][0].duration < t.pace_window:
        return []  # a talk shorter than one window has no sustained pace to judge
    flags = []
    for kind, test, limit in (("pace_fast", lambda v: v > t.fast_wpm, t.fast_wpm),
                              ("pace_slow", lambda v: v < t.slow_wpm, t.slow_wpm)):
        for span, values in merge_overlapping([(s, v) for s, v in windows if test(v)]):
            extreme = max(values) if kind == "pace_fast" else min(values)
            severity: Severity = "high" if span.duration >= 2 * t.pace_window else "medium"
            if kind == "pace_fast":
                message = f"Fast for {span.duration:.0f} s: up to {extreme:.0f} words per minute."
                suggestion = ("Slow down here: land each key number, then pause for a beat before the next point; "
                              "aim for 130-160 wpm.")
            else:
                message = f"Slow for {span.duration:.0f} s: down to {extreme:.0f} words per minute."
                suggestion = ("Tighten this part: say the point in one sentence first, then the detail; long "
                              "silences while thinking read as unprepared.")
            flags.append(Flag("", kind, span.start, span.end, severity, message,
                              f"{extreme:.0f} wpm in the {t.pace_window:.0f} s window; threshold {limit:.0f} wpm",
                              suggestion))
    return flags


def clusters(starts: list[float], count: int, window: float) -> list[tuple[int, int]]:
    """``[first, last)`` index ranges of sorted ``starts`` where ``count`` or more fall within ``window`` s;
    overlapping runs merge."""
    found: list[tuple[int, int]] = []
    for i, start in enumerate(starts):
        j = bisect.bisect_right(starts, start + window)
        if j - i >= count:
            if found and i < found[-1][1]:
                found[-1] = (found[-1][0], max(found[-1][1], j))
            else:
                found.append((i, j))
    return found


def filler_cluster_flags(fillers: list[Filler], t: Thresholds) -> list[Flag]:
    ordered = sorted(fillers, key=lambda f: f.start)
    flags = []
    for i, j in clusters([f.start for f in ordered], t.cluster_count, t.cluster_window):
        group = ordered[i:j]
        start, end = group[0].start, group[-1].end
        flags.append(Flag(
            "", "filler_cluster", start, end, "high" if len(group) >= 5 else "medium",
            f"{len(group)} fillers in {max(end - start, 0.1):.0f} s.",
            ", ".join(f"\"{f.text}\"" + (" (audio only)" if f.source == "acoustic" else "") for f in group),
            "Replace the filler with a short silence: a one-second pause sounds confident, "
            "and gives you the time the filler was buying."))
    return flags


def hedging_flags(hedges: list[Phrase], decisions: list[Phrase], t: Thresholds) -> list[Flag]:
    """Hedges that cluster with no decision stated inside the span or soon after it."""
    ordered = sorted(hedges, key=lambda h: h.start)
    flags = []
    for i, j in clusters([h.start for h in ordered], t.hedge_count, t.hedge_window):
        group = ordered[i:j]
        start, end = group[0].start, group[-1].end
        if any(start <= d.start <= end + t.decision_lookahead for d in decisions):
            continue
        flags.append(Flag(
            "", "hedging", start, end, "high" if len(group) >= 5 else "medium",
            f"{len(group)} hedges in {max(end - start, 1):.0f} s with no decision after them.",
            ", ".join(f"\"{h.text}\"" for h in group),
            "Commit: state the choice first (\"I chose X\"), then the reason and what would change your mind."))
    return flags


def monotone_flags(spans: list[tuple[Interval, float]], t: Thresholds, words: list[Word] | None = None,
                   energy: VocalEnergy | None = None) -> list[Flag]:
    """Flat pitch over ``spans`` (from :func:`~speechcase.analysis.signals.vocal.monotone_spans`), with the
    loudness of the span's words as evidence where it was measured."""
    flags = []
    for span, sd in spans:
        severity: Severity = "high" if span.duration >= 120 else "medium"
        message = f"Flat pitch for {span.duration:.0f} s."
        evidence = (f"pitch varied by at most {sd:.1f} semitones (standard deviation per {t.vocal_window:.0f} s); "
                    f"below {t.monotone_sd:.1f} sounds flat")
        spread = level_spread(energy, words or [], span.start, span.end)
        if spread is not None and spread < t.energy.flat_db:
            severity = _shift(severity, -1)
            message = f"Flat pitch and loudness for {span.duration:.0f} s."
            evidence += (f"; loudness flat too: the words varied by {spread:.1f} dB (standard deviation), under "
                         f"{t.energy.flat_db:.1f}")
        elif spread is not None and spread >= t.energy.lively_db:
            severity = _shift(severity, +1)
            evidence += (f"; loudness varied by {spread:.1f} dB (standard deviation of the words), which carries "
                         "some of the emphasis")
        elif spread is not None:
            evidence += f"; loudness varied by {spread:.1f} dB (standard deviation of the words)"
        flags.append(Flag("", "monotone", span.start, span.end, severity, message, evidence,
                          "Lift your voice on the key number or the decision, and drop it at the end of a point; "
                          "reading a sentence aloud with one stressed word per line helps."))
    return flags


def _shift(severity: Severity, steps: int) -> Severity:
    """``severity`` moved ``steps`` levels down the list (negative: more severe), kept within it."""
    return SEVERITIES[min(max(SEVERITIES.index(severity) + steps, 0), len(SEVERITIES) - 1)]


def fading_energy_flags(energy: VocalEnergy | None, t: Thresholds) -> list[Flag]:
    """The voice fading away at the end of the talk (see :func:`~speechcase.analysis.signals.energy.find_fade`)."""
    fade = energy.fade if energy else None
    if fade is None:
        return []
    length = fade.end - fade.start
    return [Flag(
        "", "fading_energy", fade.start, fade.end, "high" if fade.drop >= t.energy.high_drop_db else "medium",
        f"Your voice fades at the end: the last {format_duration(length)} is {fade.drop:.0f} dB quieter than the "
        "rest of the talk.",
        f"median word loudness {fade.tail_db:.1f} dB from {format_duration(fade.start)} against {fade.reference_db:.1f} "
        f"dB before it; {t.energy.drop_db:.0f} dB is clearly audible, {t.energy.high_drop_db:.0f} dB close to half "
        "as loud",
        "Plan the close like the opening: take a breath before the conclusion and say its last sentence at full "
        "voice; the end is what the interviewer remembers.")]
