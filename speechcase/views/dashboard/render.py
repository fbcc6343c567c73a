"""HTML for the dashboard: header, verdicts, flag list, section table, transcript, all escaped.

Every piece of text from the document (transcript, file name, flag messages)
passes through :func:`html.escape` here, and the data handed to the page's
script is JSON with ``<``, ``>`` and ``&`` written as ``\\u`` escapes, so no
text can close a tag or open one. The page loads nothing from outside: Plotly's
JavaScript, the styles and the script are inlined from package files.

A later coach review (agree/dismiss, comments) plugs in per flag: each flag is
rendered by :func:`flag_item` from its index and :class:`~speechcase.core.types.Flag`.
"""
from __future__ import annotations

import base64
import bisect
import functools
import html
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

from speechcase.core.document import AnalysisDocument as Talk
from speechcase.core.formatting import continues, format_duration, reading_text
from speechcase.core.types import SEVERITIES, Flag, Sentence
from speechcase.core.uncertain import is_unsure
from speechcase.core.version import __version__
from speechcase.views.dashboard.audio import AudioLink
from speechcase.views.dashboard.figures import allocation_figure, span_text, timeline_figure
from speechcase.views.dashboard.review import DISMISSED_COLOUR, FlagMark, ReviewView
from speechcase.views.dashboard.settings import (
    SEVERITY_COLOURS,
    STATUS_COLOURS,
    DashboardSettings,
    default_settings,
    section_colours,
)
from speechcase.views.dashboard.verdicts import Verdict, verdicts
from speechcase.views.transcript import transcript_advice

esc = functools.partial(html.escape, quote=True)
_SLOT = re.compile(r"\{\{(\w+)\}\}")


@functools.lru_cache(maxsize=None)
def _asset(name: str) -> str:
    return resources.files("speechcase.views.dashboard").joinpath(name).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def plotly_js() -> str:
    """Plotly's JavaScript bundle, as shipped in the ``plotly`` Python package (embedded, never fetched)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def script_json(data: Any) -> str:
    """JSON that is safe inside a <script> element whatever strings it holds."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                       ("\u2029", "\\u2029")):
        text = text.replace(char, code)
    return text


def render_dashboard(talk: Talk, audio: AudioLink | None = None,
                     settings: DashboardSettings | None = None, review: ReviewView | None = None) -> str:
    """The complete, self-contained dashboard page for one analysed talk (with its coach review, if given)."""
    settings = settings or default_settings()
    audio = audio or AudioLink()
    colours = section_colours([s.id for s in talk.framework.sections], [s.id for s in talk.sections])
    name = Path(talk.source.path).name or "talk"
    data = {
        "timeline": timeline_figure(talk, colours, settings, review),
        "allocation": allocation_figure(talk, colours),
        "flags": [{"id": f.id, "start": f.start, "end": f.end, "severity": f.severity,
                   "title": settings.flag_title(f.type),
                   "colour": DISMISSED_COLOUR if review and review.dismissed(f.id)
                   else SEVERITY_COLOURS.get(f.severity, "#999999")}
                  for f in talk.flags],
        "duration": talk.duration,
        "zoom": {"from": settings.zoom_from_talk_seconds, "context": settings.zoom_context_seconds},
        "download": re.sub(r"[^\w.-]+", "_", Path(name).stem)[:60] or "talk",
    }
    slots = {
        "title": esc(f"{name} \u00b7 speechcase dashboard"),
        "css": _asset("dashboard.css"),
        "plotly": plotly_js(),
        "js": _asset("dashboard.js"),
        "data": script_json(data),
        "audio_data": base64.b64encode(audio.embedded).decode("ascii") if audio.embedded else "",
        "header": header(talk, name, settings.transcript_unsure_below),
        "verdicts": "\n".join(verdict_item(v) for v in verdicts(talk, settings)),
        "flags": coach_notes(review) + flag_list(talk, settings, review),
        "sections": section_table(talk, colours),
        "allocation_note": "" if talk.is_segmented() else (
            '<p class="note">Sections were not detected in this talk, so the time per section is not measured '
            "yet; the boxes show each section's target range.</p>"),
        "transcript": transcript(talk, colours, settings.unsure_below),
        "player": player(audio),
        "version": esc(__version__),
    }
    return _SLOT.sub(lambda m: slots[m.group(1)], _asset("dashboard.html"))


def header(talk: Talk, name: str, transcript_unsure_below: float = 0.0) -> str:
    total, filled = talk.summary.fillers_per_minute.total, talk.summary.fillers_per_minute.filled_pause
    pauses = talk.pauses
    mid = sum(p.kind == "mid_sentence" for p in pauses)
    longest = max((p.end - p.start for p in pauses), default=0.0)
    severities = {level: sum(f.severity == level for f in talk.flags) for level in SEVERITIES}
    words = talk.summary.words
    tiles = [
        ("Length", format_duration(talk.duration), f"{words} words, {len(talk.sentences)} sentences"),
        ("Pace", f"{talk.pacing.wpm:.0f} wpm", f"{talk.pacing.articulation_wpm:.0f} wpm while speaking"),
        ("Fillers", f"{total:.1f} / min", f"{len(talk.fillers)} in all; {filled:.1f} / min um or uh"),
        ("Pauses", f"{len(pauses)}", (f"{mid} mid-sentence; longest {longest:.1f} s" if pauses else "none of 1 s or more")),
        ("Flags", f"{len(talk.flags)}", ", ".join(f"{n} {level}" for level, n in severities.items() if n) or "none"),
    ]
    meta = [f"framework: {talk.framework.title}"]
    if talk.created_at:
        meta.insert(0, f"analysed {talk.created_at.replace('T', ' ').rstrip('Z')} UTC")
    if talk.transcription.model:
        unsure = transcript_advice(talk, transcript_unsure_below)
        meta.append(f"transcribed with {talk.transcription.model}" + (f" ({unsure})" if unsure else ""))
    tiles_html = "".join(f'<div class="tile"><div class="tile-label">{esc(label)}</div>'
                         f'<div class="tile-value">{esc(value)}</div><div class="tile-note">{esc(note)}</div></div>'
                         for label, value, note in tiles)
    meta_html = esc(" \u00b7 ".join(meta))
    return (f'<h1><span class="file-name">{esc(name)}</span></h1>'
            f'<p class="meta">{meta_html}</p><div class="tiles">{tiles_html}</div>')


_LEVEL_MARKS = {"good": "\u2713", "watch": "!", "work": "\u25b2", "unmeasured": "\u2013"}


def verdict_item(v: Verdict) -> str:
    return (f'<li class="verdict level-{esc(v.level)}"><span class="level"><span aria-hidden="true">'
            f'{_LEVEL_MARKS[v.level]}</span> {esc(v.level_label)}</span><span class="area">{esc(v.title)}</span>'
            f'<span class="verdict-text">{esc(v.text)}</span></li>')


def flag_list(talk: Talk, settings: DashboardSettings, review: ReviewView | None = None) -> str:
    if not talk.flags:
        return '<p class="empty">No flags: nothing in this talk crossed a flag threshold.</p>'
    return '<ol class="flag-list">' + "".join(flag_item(k, f, settings, review.mark(f.id) if review else None)
                                              for k, f in enumerate(talk.flags)) + "</ol>"


_REVIEW_BADGES = {"agree": "\u2713 coach agrees", "dismiss": "dismissed by the coach", "unset": "coach comment"}


def coach_notes(review: ReviewView | None) -> str:
    """The coach's free notes (moments flagged or not), each a button that plays from its start."""
    if not review or not review.notes:
        return ""
    items = "".join(f'<li class="coach-note"><button type="button" class="ts" data-t="{n.start:.2f}">'
                    f'{span_text(n.start, n.end)}</button> <span class="coach-comment">{esc(n.text)}</span> '
                    f'<span class="reviewer">\u2014 {esc(n.reviewer)}</span></li>' for n in review.notes)
    return f'<div class="coach-notes"><h3>Coach notes</h3><ol>{items}</ol></div>'


def flag_item(index: int, flag: Flag, settings: DashboardSettings, mark: FlagMark | None = None) -> str:
    evidence = (f'<p class="evidence"><span class="label">Evidence</span> {esc(flag.evidence)}</p>'
                if flag.evidence else "")
    reviewed = f" review-{esc(mark.decision)}" if mark else ""
    badge = (f'<span class="review-badge">{_REVIEW_BADGES[mark.decision]} ({esc(mark.reviewer)})</span>'
             if mark else "")
    comment = (f'<p class="coach-comment"><span class="label">Coach</span> {esc(mark.comment)}</p>'
               if mark and mark.comment else "")
    where = ""
    if flag.marks:
        label = "Split at" if flag.type == "long_sentence" else "Said at"
        where = (f'<p class="marks"><span class="label">{label}</span> '
                 + " ".join(f'<button type="button" class="ts" data-t="{max(0.0, m.start - 0.5):.2f}">'
                            f'{format_duration(m.start)}</button>' for m in flag.marks) + "</p>")
    return (f'<li class="flag sev-{esc(flag.severity)}{reviewed}" data-flag="{index}" id="flag-{index}" '
            f'data-flag-id="{esc(flag.id)}">'
            f'<button type="button" class="flag-play" data-flag="{index}" '
            f'aria-label="{esc(f"Listen from {format_duration(flag.start)}: {settings.flag_title(flag.type)}")}">'
            f'<span aria-hidden="true">\u25b6</span> {span_text(flag.start, flag.end)}</button>'
            f'<span class="sev">{esc(flag.severity)}</span><span class="flag-title">{esc(settings.flag_title(flag.type))}'
            f'</span><span class="flag-id">{esc(flag.id)}</span>{badge}'
            f'<p class="message">{esc(flag.message)}</p>{evidence}{where}'
            f'<p class="suggestion"><span class="label">Try</span> {esc(flag.suggestion)}</p>{comment}</li>')


def section_table(talk: Talk, colours: dict[str, str]) -> str:
    """Per section: time, share against target, pace and filler rate (framework order, then any other id)."""
    balance = {row.section: row for row in talk.balance}
    seconds: dict[str, float] = {}
    fillers: dict[str, int] = {}
    for span in talk.sections:
        seconds[span.id] = seconds.get(span.id, 0.0) + span.end - span.start
        fillers[span.id] = fillers.get(span.id, 0) + sum(span.start <= (f.start + f.end) / 2 < span.end
                                                         for f in talk.fillers)
    spoken = sum(seconds.values()) or 1.0
    ids = list(dict.fromkeys([*(s.id for s in talk.framework.sections), *seconds]))
    rows = []
    for sid in ids:
        row, secs = balance.get(sid), seconds.get(sid, 0.0)
        share = row.share if row else secs / spoken
        target = f"{row.target_share[0] * 100:.0f}\u2013{row.target_share[1]:.0%}" if row else "\u2013"
        status: str = row.status if row else ("\u2013" if secs else "missing")
        if not talk.is_segmented() and row:
            status = "not measured"
        wpm = talk.pacing.by_section.get(sid)
        wpm_text = "" if wpm is None else f"{wpm:.0f}"
        rate_text = f"{fillers.get(sid, 0) / (secs / 60):.1f}" if secs else ""
        rows.append(
            f'<tr><th scope="row"><span class="swatch" style="background:{esc(colours.get(sid, "#DDDDDD"))}"></span>'
            f'{esc(talk.section_title(sid))}</th><td>{format_duration(secs)}</td><td>{share:.0%}</td><td>{target}</td>'
            f'<td><span class="status" style="border-color:{STATUS_COLOURS.get(status, "#999999")}">{esc(status)}'
            f'</span></td><td>{wpm_text}</td><td>{rate_text}</td></tr>')
    return ('<table class="sections"><thead><tr><th scope="col">Section</th><th scope="col">Time</th>'
            '<th scope="col">Share</th><th scope="col">Target</th><th scope="col">Status</th>'
            '<th scope="col">wpm</th><th scope="col" title="fillers per minute">Fillers/min</th></tr></thead><tbody>'
            + "".join(rows) + "</tbody></table>")


def transcript(talk: Talk, colours: dict[str, str], unsure_below: float = 0.0) -> str:
    """Sentences with a section label where the section changes, fillers and long silences marked in place; a
    sentence whose section is uncertain (probability under ``unsure_below``) has a dashed edge and says so."""
    items, previous = [], None
    for k, sentence in enumerate(talk.sentences):
        colour = esc(colours.get(sentence.section, "#DDDDDD"))
        name = talk.section_title(sentence.section)
        sure = sentence.section_confidence
        unsure = is_unsure(sentence, unsure_below)
        title = name + (f" (uncertain: {sure:.0%})" if unsure else "")
        label = ""
        if sentence.section != previous:
            label = f'<span class="sec-label" style="background:{colour}">{esc(name)}</span>'
            previous = sentence.section
        items.append(
            f'<li class="sentence{" unsure" if unsure else ""}" data-start="{sentence.start:.2f}" '
            f'data-end="{sentence.end:.2f}" style="border-left-color:{colour}" title="{esc(title)}">{label}'
            f'<button type="button" class="ts" data-t="{sentence.start:.2f}">{format_duration(sentence.start)}</button>'
            f'<span class="text">{_sentence_html(talk, sentence)}</span></li>')
    return '<ol class="transcript">' + "".join(items) + "</ol>"


def _sentence_html(talk: Talk, sentence: Sentence) -> str:
    words = talk.words[sentence.first_word:sentence.last_word]
    if not words:
        return esc(reading_text(sentence.text.split()))
    events: list[tuple[float, str]] = []
    for f in talk.fillers:
        if f.source == "acoustic" and sentence.start <= f.start < sentence.end:
            events.append((f.start, f'<mark class="filler {esc(f.kind)} acoustic" title="heard in the audio only">'
                                    f'({esc(f.text)})</mark>'))
    for p in talk.pauses:
        if p.kind == "mid_sentence" and sentence.start <= p.start < sentence.end:
            events.append((p.start, f'<span class="pause-mark" title="silence">\u23f8 {p.end - p.start:.1f} s</span>'))
    for flag in talk.flags:
        if flag.type == "long_sentence":
            events += [(m.start + 1e-3, '<span class="split-mark" title="a full stop would fit here">/</span>')
                       for m in flag.marks if sentence.start <= m.start < sentence.end]
    events.sort(key=lambda e: e[0])
    repeats = sorted((o.start, o.end, phrase.text) for phrase in talk.repeated_phrases if phrase.flagged
                     for o in phrase.occurrences if o.end > sentence.start and o.start < sentence.end)
    asr = [f for f in talk.fillers if f.source != "acoustic" and f.end >= sentence.start and f.start <= sentence.end]
    starts = [f.start for f in asr]
    parts: list[str] = []
    e, before = 0, ""
    for word in words:
        glue = continues(before, word.text)  # a token Whisper split off ("$400" ",000") reads as one word
        while e < len(events) and events[e][0] <= word.start:
            parts.append(events[e][1])
            e, glue = e + 1, False
        before = word.text
        middle = word.middle
        k = bisect.bisect_right(starts, middle) - 1
        bare = _bare(word.text)
        hit = next((f for f in asr[max(0, k - 2):k + 1]
                    if f.start <= middle <= f.end and bare in _bare(f.text).split()), None)
        text = esc(word.text)
        marked = (f'<mark class="filler {esc(hit.kind)}" title="{esc(hit.kind.replace("_", " "))}">{text}</mark>'
                  if hit else text)
        repeat = next((phrase for start, end, phrase in repeats if start <= middle <= end), None)
        if repeat is not None and not hit:
            marked = f'<mark class="repeat" title="{esc("repeated phrase: " + repeat)}">{text}</mark>'
        if glue and parts:
            parts[-1] += marked
        else:
            parts.append(marked)
    parts.extend(event for _, event in events[e:])
    return " ".join(parts)


def _bare(text: str) -> str:
    """Lower case without punctuation, to tell a filler's own words from a neighbour with overlapping times."""
    return re.sub(r"[^\w' ]+", "", text.lower()).strip()


def player(audio: AudioLink) -> str:
    if audio.embedded:
        source = 'data-embedded="1"'
    elif audio.src:
        source = f'src="{esc(audio.src)}"'
    else:
        return ('<p class="no-audio" id="no-audio">No recording linked: run <code>speechcase dashboard analysis.json '
                '--audio TALK</code> to listen to flagged moments from here.</p><audio id="player" preload="none">'
                '</audio>')
    return (f'<audio id="player" controls preload="metadata" {source}></audio>'
            f'<span class="now" id="now-playing">{esc(audio.name)}</span>'
            '<p class="no-audio" id="no-audio" hidden>The recording could not be opened from here (was the page or '
            'the recording moved?); run <code>speechcase dashboard analysis.json --audio TALK</code>, or add '
            '<code>--embed-audio</code> to carry it inside the page.</p>')
