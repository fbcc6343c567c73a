"""The short human summary of an analysed talk that ``speechcase analyze`` prints."""
from __future__ import annotations

from collections import Counter
from typing import Any

from speechcase.analysis.config import default_thresholds
from speechcase.core.document import AnalysisDocument, EnergyNumbers, RamblingTotals, Summary
from speechcase.core.formatting import format_duration
from speechcase.core.types import SEVERITIES
from speechcase.views.transcript import transcript_advice


def summary_lines(doc: AnalysisDocument, input_name: str, elapsed: float, from_cache: bool = False) -> list[str]:
    """The summary of one analysed talk, one line per area; ``input_name`` is the file the user passed (a
    recording or a saved ``transcript.json``)."""
    info = doc.transcription
    if from_cache:
        origin = f"served from cache (transcribed earlier with {info.model} in {info.seconds:.1f} s)"
    elif input_name.lower().endswith(".json"):
        origin = f"loaded from {input_name} (transcribed with {info.model})"
    else:
        origin = f"transcribed with {info.model} in {info.seconds:.1f} s"
    if advice := transcript_advice(doc, default_thresholds().transcript_unsure_below):
        origin += f"; {advice}"
    pauses = doc.pauses
    mid = sum(p.kind == "mid_sentence" for p in pauses)
    pause_text = f"{len(pauses)} of 1 s or more ({len(pauses) - mid} between sentences, {mid} mid-sentence)"
    if pauses:
        longest = max(pauses, key=lambda p: p.duration)
        pause_text += f"; longest {longest.duration:.1f} s at {format_duration(longest.start)}"
    numbers = doc.summary
    counts = Counter(f.text for f in doc.fillers)
    filler_text = (f"{numbers.fillers_per_minute.total:.1f} per minute: "
                   + ", ".join(f"{w} x{n}" for w, n in counts.most_common()) if counts else "none heard")
    if recovered := sum(f.source == "acoustic" for f in doc.fillers):
        filler_text += f" ({recovered} heard in the audio where the transcript has none)"
    flags = doc.flags
    severities = Counter(f.severity for f in flags)
    flag_text = (f"{len(flags)} ({', '.join(f'{severities[k]} {k}' for k in SEVERITIES if severities[k])}): "
                 + ", ".join(f"{f.type} at {format_duration(f.start)}" for f in flags[:6])
                 + (", ..." if len(flags) > 6 else "")) if flags else "none"
    return [
        f"{input_name}",
        f"  Transcript  {origin}",
        f"  Duration    {format_duration(doc.duration)}, {len(doc.sentences)} sentences, {numbers.words} words",
        f"  Pace        {doc.pacing.wpm:.0f} wpm overall, {doc.pacing.articulation_wpm:.0f} wpm while speaking",
        f"  Pauses      {pause_text}",
        f"  Fillers     {filler_text}",
        f"  Hedges      {len(doc.hedges)}"
        + (f" ({', '.join(sorted({h.text for h in doc.hedges}))})" if doc.hedges else ""),
        f"  Pitch       {_pitch_text(numbers.pitch)}",
        f"  Loudness    {_energy_text(numbers.energy)}",
        f"  Wording     {_wording_text(numbers)}",
        f"  Sections    {_balance_text(doc)}",
        f"  Rambling    {_rambling_text(numbers.rambling)}",
        f"  Structure   {_structure_text(numbers.extra)}",
        f"  Flags       {flag_text}",
        f"  Analysis    {elapsed:.2f} s in total",
    ]


def _pitch_text(pitch: dict[str, Any]) -> str:
    if not pitch["measured"]:
        return f"not measured ({pitch['reason']})"
    return (f"median {pitch['median_hz']:.0f} Hz, varies {pitch['sd_semitones']:.1f} semitones "
            f"(range {pitch['range_semitones']:.1f})")


def _energy_text(energy: EnergyNumbers) -> str:
    if not energy.measured or energy.sd_db is None:
        return f"not measured ({energy.reason or 'no loudness track'})"
    fade = f"fades by {energy.fade_db:.0f} dB at the end" if energy.fade_db else "no fade at the end"
    return f"varies {energy.sd_db:.1f} dB between words (range {energy.range_db or 0:.1f}); {fade}"


def _wording_text(numbers: Summary) -> str:
    lengths, vocabulary, phrases = numbers.sentence_length, numbers.vocabulary, numbers.repeated_phrases
    if lengths is None:
        return "not measured"
    parts = [f"sentences of {lengths.mean_words:.0f} words on average (longest {lengths.longest_words}, "
             f"{lengths.long} long)"]
    if vocabulary is not None and vocabulary.mtld is not None:
        parts.append(f"vocabulary variety (MTLD) {vocabulary.mtld:.0f}")
    parts.append("repeated: " + ", ".join(f"“{p.phrase}” x{p.count}" for p in phrases) if phrases
                 else "no repeated phrase")
    return "; ".join(parts)


def _balance_text(doc: AnalysisDocument) -> str:
    """``framing 12% ok, data 31% over, ...`` in framework order, then where the section is uncertain."""
    marks = {"ok": "", "under": " (under)", "over": " (over)", "missing": " (missing)"}
    text = f"{doc.framework.id}: " + ", ".join(f"{r.section} {r.share:.0%}{marks[r.status]}" for r in doc.balance)
    unsure = doc.unsure_stretches(default_thresholds().sections.unsure_below)
    if unsure:
        text += "; uncertain at " + ", ".join(f"{format_duration(a)}-{format_duration(b)}" for a, b in unsure)
    return text


def _rambling_text(soc: RamblingTotals) -> str:
    if not soc.flags:
        return "no stream-of-consciousness passage"
    return (f"{soc.flags} stream-of-consciousness passage{'s' if soc.flags > 1 else ''}, "
            f"{soc.seconds:.0f} s ({soc.share:.0%} of the talk)")


def _structure_text(numbers: dict[str, Any]) -> str:
    if "framing_opener" not in numbers:
        return "not measured"
    opener = numbers["framing_opener"]["kind"] or "none"
    opening = numbers["quantified_impact"]["opening"]
    said = "yes" if opening and opening["numbers"] else "no"
    sign, own = numbers["signposting"], numbers["ownership"]
    return (f"framing opener {opener}; numbers in the opening {said}; {_count(sign['signposts'], 'signpost')}, "
            f"{_count(sign['synthesis'], 'summary', 'summaries')}; I x{own['i']}, we x{own['we']}; "
            f"{_count(numbers['reasoning']['markers'], 'reason')} given")


def _count(n: int, one: str, many: str | None = None) -> str:
    """``1 summary``, ``2 summaries``, ``0 signposts``."""
    return f"{n} {one if n == 1 else many or one + 's'}"
