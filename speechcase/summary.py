"""The short human summary ``speechcase analyze`` prints."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from .audio import format_duration
from .document import summary
from .types import Analysis


def summary_lines(analysis: Analysis, input_path: Path, elapsed: float) -> list[str]:
    t = analysis.transcript
    info = t.transcription
    if analysis.from_cache:
        origin = f"served from cache (transcribed earlier with {info.model} in {info.seconds:.1f} s)"
    elif input_path.suffix.lower() == ".json":
        origin = f"loaded from {input_path.name} (transcribed with {info.model})"
    else:
        origin = f"transcribed with {info.model} in {info.seconds:.1f} s"
    pauses = analysis.pauses
    mid = sum(p.kind == "mid_sentence" for p in pauses)
    pause_text = f"{len(pauses)} of 1 s or more ({len(pauses) - mid} between sentences, {mid} mid-sentence)"
    if pauses:
        longest = max(pauses, key=lambda p: p.duration)
        pause_text += f"; longest {longest.duration:.1f} s at {format_duration(longest.start)}"
    numbers = summary(analysis)
    counts = Counter(f.text for f in analysis.fillers)
    filler_text = (f"{numbers['fillers_per_minute']['total']:.1f} per minute: "
                   + ", ".join(f"{w} x{n}" for w, n in counts.most_common()) if counts else "none heard")
    if recovered := sum(f.source == "acoustic" for f in analysis.fillers):
        filler_text += f" ({recovered} heard in the audio where the transcript has none)"
    p = analysis.pacing
    flags = analysis.flags
    severities = Counter(f.severity for f in flags)
    flag_text = (f"{len(flags)} ({', '.join(f'{severities[k]} {k}' for k in ('high', 'medium', 'low') if severities[k])}): "
                 + ", ".join(f"{f.type} at {format_duration(f.start)}" for f in flags[:6])
                 + (", ..." if len(flags) > 6 else "")) if flags else "none"
    return [
        f"{input_path.name}",
        f"  Transcript  {origin}",
        f"  Duration    {format_duration(t.source.duration)}, {len(analysis.sentences)} sentences, "
        f"{numbers['words']} words",
        f"  Pace        {p.wpm:.0f} wpm overall, {p.articulation_wpm:.0f} wpm while speaking",
        f"  Pauses      {pause_text}",
        f"  Fillers     {filler_text}",
        f"  Hedges      {len(analysis.hedges)}"
        + (f" ({', '.join(sorted({h.text for h in analysis.hedges}))})" if analysis.hedges else ""),
        f"  Pitch       {_pitch_text(numbers['pitch'])}",
        f"  Sections    {_balance_text(analysis)}",
        f"  Rambling    {_rambling_text(numbers['stream_of_consciousness'])}",
        f"  Structure   {_structure_text(numbers)}",
        f"  Flags       {flag_text}",
        f"  Analysis    {elapsed:.2f} s in total",
    ]


def _pitch_text(pitch: dict) -> str:
    if not pitch["measured"]:
        return f"not measured ({pitch['reason']})"
    return (f"median {pitch['median_hz']:.0f} Hz, varies {pitch['sd_semitones']:.1f} semitones "
            f"(range {pitch['range_semitones']:.1f})")


def _balance_text(analysis: Analysis) -> str:
    """``framing 12% ok, data 31% over, ...`` in framework order."""
    marks = {"ok": "", "under": " (under)", "over": " (over)", "missing": " (missing)"}
    return f"{analysis.framework.id}: " + ", ".join(f"{r.section} {r.share:.0%}{marks[r.status]}"
                                                    for r in analysis.balance)


def _rambling_text(soc: dict) -> str:
    if not soc["flags"]:
        return "no stream-of-consciousness passage"
    return (f"{soc['flags']} stream-of-consciousness passage{'s' if soc['flags'] > 1 else ''}, "
            f"{soc['seconds']:.0f} s ({soc['share']:.0%} of the talk)")


def _structure_text(numbers: dict) -> str:
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
