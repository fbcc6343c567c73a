"""One plain-language verdict line per area (pacing, fillers, voice, wording, structure, time balance).

A verdict has a level a reader can scan (good / watch / work on / not measured)
and a sentence that says why, with the numbers. Which flag types count for
which area is data (``data/dashboard.toml``); a flag type the table does not
know still shows in the flag list, it just leaves the verdicts alone.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from speechcase.core.document import AnalysisDocument as Talk
from speechcase.core.formatting import format_duration
from speechcase.core.types import Flag
from speechcase.views.dashboard.settings import DashboardSettings

#: The structure line names at most this many stretches of the talk, in the order spoken.
MAX_PATH = 8
LEVELS = {"good": "Good", "watch": "Watch", "work": "Work on", "unmeasured": "Not measured"}


@dataclass(frozen=True)
class Verdict:
    area: str
    title: str
    level: str  # a key of LEVELS
    text: str

    @property
    def level_label(self) -> str:
        return LEVELS[self.level]


def verdicts(talk: Talk, settings: DashboardSettings) -> list[Verdict]:
    return [_pacing(talk, settings), _fillers(talk, settings), _voice(talk, settings), _wording(talk, settings),
            _structure(talk, settings), _balance(talk, settings)]


def _flags_in(talk: Talk, settings: DashboardSettings, area: str) -> list[Flag]:
    return [f for f in talk.flags if settings.area_of(f.type) == area]


def _flag_note(flags: list[Flag], settings: DashboardSettings, limit: int = 3) -> str:
    """``"Flagged: Too fast at 1:10, Monotone at 0:40 (+2 more)."``"""
    if not flags:
        return ""
    shown = ", ".join(f"{settings.flag_title(f.type)} at {format_duration(f.start)}" for f in flags[:limit])
    more = f" (+{len(flags) - limit} more)" if len(flags) > limit else ""
    return f" Flagged: {shown}{more}."


def _worst(level: str, flags: list[Flag]) -> str:
    """Flags can only make a level worse: any flag means at least "watch", a high one "work on"."""
    order = ["unmeasured", "good", "watch", "work"]
    floor = "work" if any(f.severity == "high" for f in flags) else "watch" if flags else level
    return max(level, floor, key=order.index)


def _pacing(talk: Talk, s: DashboardSettings) -> Verdict:
    band = f"{s.slow_wpm:.0f}-{s.fast_wpm:.0f} wpm"
    wpm = talk.pacing.wpm
    if wpm > s.fast_wpm:
        level, text = "work", f"Rushed: {wpm:.0f} wpm overall, above the {band} listeners follow comfortably."
    elif wpm < s.slow_wpm:
        level, text = "work", f"Slow: {wpm:.0f} wpm overall, below the {band} that keeps listeners engaged."
    else:
        level, text = "good", f"Comfortable: {wpm:.0f} wpm overall, inside {band}."
    flags = _flags_in(talk, s, "pacing")
    return Verdict("pacing", "Pacing", _worst(level, flags), text + _flag_note(flags, s))


def _fillers(talk: Talk, s: DashboardSettings) -> Verdict:
    rate = talk.summary.fillers_per_minute.total
    flags = _flags_in(talk, s, "fillers")
    if not talk.fillers:
        return Verdict("fillers", "Fillers", _worst("good", flags), "None heard." + _flag_note(flags, s))
    common = ", ".join(f"\u201c{text}\u201d x{n}" for text, n in Counter(f.text for f in talk.fillers).most_common(3))
    if rate < s.fillers_rare:
        level, text = "good", f"Rare: {rate:.1f} per minute ({common})."
    elif rate < s.fillers_frequent:
        level, text = "watch", f"Noticeable: {rate:.1f} per minute, mostly {common}."
    else:
        level, text = "work", (f"Frequent: {rate:.1f} per minute, mostly {common}; listeners start counting "
                               f"them from about {s.fillers_frequent:.0f} per minute.")
    return Verdict("fillers", "Fillers", _worst(level, flags), text + _flag_note(flags, s))


def _voice(talk: Talk, s: DashboardSettings) -> Verdict:
    """Pitch and loudness: how much the voice moves, and whether it fades at the end."""
    flags = _flags_in(talk, s, "voice")
    pitch, energy = talk.summary.pitch, talk.summary.energy
    if not pitch.get("measured"):
        return Verdict("voice", "Voice", _worst("unmeasured", flags),
                       f"Not measured ({pitch.get('reason', 'no pitch track')})." + _flag_note(flags, s))
    sd = float(pitch["sd_semitones"])
    if sd < s.monotone_semitones:
        level, text = "watch", (f"Flat: pitch varies {sd:.2f} semitones, under the {s.monotone_semitones:.1f} "
                                "below which a voice sounds flat.")
    elif sd < s.lively_semitones:
        level, text = "good", f"Varied: pitch moves {sd:.1f} semitones."
    else:
        level, text = "good", f"Lively: pitch moves {sd:.1f} semitones."
    if energy.measured and energy.sd_db is not None:
        flat = " (flat)" if energy.sd_db < s.flat_db else ""
        text += f" Loudness varies {energy.sd_db:.1f} dB between words{flat}"
        text += f", and fades by {energy.fade_db:.0f} dB at the end." if energy.fade_db else "."
    else:
        text += f" Loudness not measured ({energy.reason or 'no loudness track'})."
    return Verdict("voice", "Voice", _worst(level, flags), text + _flag_note(flags, s))


def _wording(talk: Talk, s: DashboardSettings) -> Verdict:
    """Sentence length, vocabulary variety and repeated phrases."""
    flags = _flags_in(talk, s, "wording")
    lengths, vocabulary, phrases = (talk.summary.sentence_length, talk.summary.vocabulary,
                                    talk.summary.repeated_phrases)
    if lengths is None:
        return Verdict("wording", "Wording", _worst("unmeasured", flags),
                       "Not measured in this analysis (made by an older speechcase)." + _flag_note(flags, s))
    parts = [f"Sentences of {lengths.mean_words:.0f} words on average (longest {lengths.longest_words})"
             + (f", {lengths.long} over {s.long_sentence_words}" if lengths.long else "") + "."]
    if vocabulary is not None and vocabulary.mtld is not None:
        parts.append(f"Vocabulary variety (MTLD) {vocabulary.mtld:.0f}.")
    if phrases:
        parts.append("Said again and again: " + ", ".join(f"“{p.phrase}” x{p.count}" for p in phrases[:3])
                     + ".")
    return Verdict("wording", "Wording", _worst("good", flags), " ".join(parts) + _flag_note(flags, s))


def _structure(talk: Talk, s: DashboardSettings) -> Verdict:
    flags = _flags_in(talk, s, "structure")
    if not talk.is_segmented():
        return Verdict("structure", "Structure", _worst("unmeasured", flags),
                       "Sections were not detected, so order and coverage are not judged." + _flag_note(flags, s))
    order = [spec.id for spec in talk.framework.sections]
    preview = talk.framework.preview_span([span.id for span in talk.sections])
    spoken: list[str] = []
    for i, span in enumerate(talk.sections):
        if span.id in order and i != preview and (not spoken or spoken[-1] != span.id):
            spoken.append(span.id)
    missing = [sid for sid in order if sid not in spoken]
    firsts = list(dict.fromkeys(spoken))
    in_order = firsts == sorted(firsts, key=order.index) and len(firsts) == len(spoken)
    path = " \u2192 ".join(talk.section_title(sid) for sid in spoken[:MAX_PATH])
    if len(spoken) > MAX_PATH:
        path += f" \u2192 \u2026 ({len(spoken)} stretches in all)"
    text = f"{len(order) - len(missing)} of {len(order)} sections, {'in order' if in_order else 'out of order'}: {path}."
    if preview is not None:
        text += f" {talk.section_title(talk.sections[preview].id)} was also given in brief at the start."
    if missing:
        text += f" Missing: {', '.join(talk.section_title(sid) for sid in missing)}."
    level = "good" if in_order and not missing else "work" if len(missing) >= 2 else "watch"
    return Verdict("structure", "Structure", _worst(level, flags), text + _unsure_note(talk, s) + _flag_note(flags, s))


def _unsure_note(talk: Talk, s: DashboardSettings) -> str:
    """Where the section could not be told apart well: the sentences there may belong to the section next door.

    Why say so: a boundary drawn where the words do not decide it is a guess, and the balance and order lines
    rest on it. Most often the speaker moved on without naming the move, which a signpost fixes; sometimes the
    recording garbled the words. The level stays as it is: this is about the reading, not the talk.
    """
    stretches = talk.unsure_stretches(s.unsure_below) if s.unsure_below > 0 else []
    if not stretches:
        return ""
    named = ", ".join(f"{format_duration(a)}\u2013{format_duration(b)}" for a, b in stretches[:s.max_unsure_named])
    more = f" (+{len(stretches) - s.max_unsure_named} more)" if len(stretches) > s.max_unsure_named else ""
    return (f" The section is uncertain at {named}{more}: check the boundary there; naming the move "
            "(\u201cNext, the data\u201d) makes it clear.")


def _balance(talk: Talk, s: DashboardSettings) -> Verdict:
    flags = _flags_in(talk, s, "balance")
    if not talk.is_segmented():
        return Verdict("balance", "Time balance", _worst("unmeasured", flags),
                       "Not measured: the talk was not split into sections." + _flag_note(flags, s))
    off = [row for row in talk.balance if row.status != "ok"]
    if not off:
        return Verdict("balance", "Time balance", _worst("good", flags),
                       f"Every section within its target share ({len(talk.balance)} of {len(talk.balance)})."
                       + _flag_note(flags, s))
    parts = [f"{talk.section_title(row.section)} missing" if row.status == "missing" else
             f"{talk.section_title(row.section)} {row.status} ({row.share:.0%} vs "
             f"{row.target_share[0]:.0%}-{row.target_share[1]:.0%})" for row in off]
    ok = len(talk.balance) - len(off)
    level = "work" if any(r.status == "missing" for r in off) or len(off) > 2 else "watch"
    return Verdict("balance", "Time balance", _worst(level, flags),
                   f"{ok} of {len(talk.balance)} sections within target; {'; '.join(parts)}." + _flag_note(flags, s))
