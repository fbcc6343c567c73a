"""The dashboard's two Plotly figures, as plain figure dicts (``{"data": [...], "layout": {...}}``).

Times go on a date axis in milliseconds from 0, so Plotly labels ticks as
m:ss at every zoom level. Every event lane draws a marker as well as a bar, so
a 2-second pause stays visible (and clickable) in a 60-minute talk. Hover text
is escaped here: Plotly renders a small HTML subset in hover boxes.
"""
from __future__ import annotations

import html
import math
import textwrap
from typing import Any, TypeVar

from speechcase.core.document import AnalysisDocument as Talk
from speechcase.core.formatting import format_duration, reading_text
from speechcase.core.types import Flag, LevelWindow, PaceWindow
from speechcase.core.uncertain import is_unsure
from speechcase.views.dashboard.review import COACH_COLOUR, COACH_LANE, DISMISSED_COLOUR, FlagMark, ReviewView
from speechcase.views.dashboard.settings import (
    FILLER_COLOURS,
    LOUDNESS_COLOUR,
    PACE_COLOUR,
    PAUSE_COLOURS,
    SEVERITY_COLOURS,
    DashboardSettings,
)

#: A point of a line over time (a pace window, a loudness window).
Window = TypeVar("Window", PaceWindow, LevelWindow)
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
LANE_PX, PACE_PX, LOUDNESS_PX, PANEL_GAP_PX, LEGEND_GAP_PX = 30, 230, 110, 24, 34
SECTIONS, SENTENCES, FILLED, DISCOURSE, PAUSES = "Sections", "Sentences", "Um / uh", "Discourse fillers", "Pauses"


def ms(seconds: float) -> float:
    """Milliseconds for the date axis, always with a half: Plotly reads a bare number of 2 or 4 digits on a
    date axis as a year (3680 ms would become the year 3680), never one with a fraction."""
    return round(seconds * 1000) + 0.5


def length_ms(start: float, end: float) -> float:
    """A bar's length in milliseconds (at least 1), with the same half for the same reason."""
    return max(round(end * 1000) - round(start * 1000), 1) + 0.5


def span_text(start: float, end: float) -> str:
    return f"{format_duration(start)}\u2013{format_duration(end)}"


def hover(text: str, limit: int, width: int = 64) -> str:
    """Escaped text wrapped into short lines for a hover box, cut at ``limit`` characters."""
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " \u2026"
    return "<br>".join(html.escape(line, quote=False) for line in textwrap.wrap(text, width) or [""])


def flag_lane(flag_type: str, settings: DashboardSettings) -> str:
    """The lane's label, escaped: Plotly renders tick labels as HTML."""
    return f"\u2691 {html.escape(settings.flag_title(flag_type), quote=False)}"


def flag_hover(flag: Flag, settings: DashboardSettings) -> str:
    limit = settings.max_hover_chars
    return (f"<b>{html.escape(settings.flag_title(flag.type))}</b> \u00b7 {html.escape(flag.severity)} \u00b7 "
            f"{span_text(flag.start, flag.end)}<br>{hover(flag.message, limit)}"
            f"<br><i>Try:</i> {hover(flag.suggestion, limit)}<br><i>Click to listen</i>")


def thin(line: list[Window], limit: int) -> list[Window]:
    """Every k-th window (and the last), so the line never has more than ``limit`` points."""
    if len(line) <= limit:
        return line
    step = math.ceil(len(line) / limit)
    kept: list[Window] = line[::step]
    if kept[-1] is not line[-1]:
        kept.append(line[-1])
    return kept


def timeline_lanes(talk: Talk, settings: DashboardSettings, review: ReviewView | None = None) -> list[str]:
    """Lane names from the top: sections, sentences, coach comments (when reviewed), one lane per flag type
    present, fillers, pauses."""
    flag_lanes = list(dict.fromkeys(flag_lane(f.type, settings) for f in talk.flags))
    coach = [COACH_LANE] if review and review.has_comments else []
    return [SECTIONS, SENTENCES, *coach, *flag_lanes, FILLED, DISCOURSE, PAUSES]


def timeline_figure(talk: Talk, colours: dict[str, str], settings: DashboardSettings,
                    review: ReviewView | None = None) -> dict[str, Any]:
    lanes = timeline_lanes(talk, settings, review)
    end = ms(max(talk.duration, talk.words[-1].end if talk.words else 0))
    pace_range = _pace_range(talk, settings)
    loudness = _loudness_trace(talk, settings)
    traces = (_section_traces(talk, colours) + [_sentence_trace(talk, colours, settings)]
              + _coach_traces(talk, settings, review) + _flag_traces(talk, settings, review)
              + _filler_traces(talk) + _pause_traces(talk)
              + [_section_bands(talk, colours, pace_range), _target_band(end, settings),
                 _pace_trace(talk, settings)] + ([loudness] if loudness else []))
    lane_px = LANE_PX * len(lanes)
    loud_px = LOUDNESS_PX + PANEL_GAP_PX if loudness else 0
    plot_px = lane_px + PACE_PX + PANEL_GAP_PX + loud_px
    height = plot_px + 8 + 90
    bottom = LOUDNESS_PX / plot_px if loudness else 0.0  # the loudness panel, under the pace panel
    pace_from = bottom + PANEL_GAP_PX / plot_px if loudness else 0.0
    split = pace_from + PACE_PX / plot_px
    tick = "%-H:%M:%S" if end >= 3_600_000 else "%-M:%S"
    annotations = [{"xref": "x domain", "x": 1, "yref": "y", "y": settings.slow_wpm, "yshift": 2,
                    "xanchor": "right", "yanchor": "bottom", "showarrow": False,
                    "text": f"target {settings.slow_wpm:.0f}\u2013{settings.fast_wpm:.0f} wpm",
                    "font": {"size": 12, "color": "#1b6e53"}}]
    layout = {
        "height": height, "margin": {"l": 200, "r": 16, "t": 8, "b": 90},
        "font": {"family": FONT, "size": 13, "color": "#222222"},
        "paper_bgcolor": "white", "plot_bgcolor": "white", "barmode": "overlay", "bargap": 0.25,
        "uniformtext": {"mode": "hide", "minsize": 11},
        "hovermode": "closest", "dragmode": "zoom", "clickmode": "event",
        "hoverlabel": {"bgcolor": "white", "bordercolor": "#555555", "font": {"family": FONT, "size": 13},
                       "align": "left"},
        "showlegend": True,
        "legend": {"orientation": "h", "x": 0, "y": -LEGEND_GAP_PX / plot_px, "yanchor": "top", "font": {"size": 12},
                   "itemclick": False, "itemdoubleclick": False, "traceorder": "normal"},
        "xaxis": {"type": "date", "range": [0.5, end], "tickformat": tick, "hoverformat": tick,
                  "showgrid": True, "gridcolor": "#EEEEEE", "anchor": "y3" if loudness else "y", "ticks": "outside"},
        "yaxis": {"domain": [pace_from, split], "title": {"text": "words per minute"}, "fixedrange": True,
                  "range": pace_range, "gridcolor": "#EEEEEE", "zeroline": False},
        "yaxis2": {"domain": [split + PANEL_GAP_PX / plot_px, 1], "type": "category",
                   "categoryorder": "array", "categoryarray": lanes, "range": [len(lanes) - 0.5, -0.5],
                   "fixedrange": True, "showgrid": False, "ticks": "", "ticklabelstandoff": 6},
        "annotations": annotations,
        "meta": {"lanes": lanes},
    }
    if loudness:
        layout["yaxis3"] = {"domain": [0, bottom], "title": {"text": "loudness (dB)"}, "fixedrange": True,
                            "range": _loudness_range(talk), "gridcolor": "#EEEEEE", "zeroline": True,
                            "zerolinecolor": "#999999", "ticksuffix": ""}
    return {"data": traces + _legend_traces(talk), "layout": layout}


def _pace_range(talk: Talk, settings: DashboardSettings) -> list[float]:
    """Around the target band and the line, so changes of pace are not flattened against zero."""
    values = [w.wpm for w in talk.pace_line] or [talk.pacing.wpm]
    low = min(settings.slow_wpm - 30, min(values) - 10)
    return [max(0.0, low), max(settings.fast_wpm + 25, max(values) + 10)]


def _bar(lane: str, starts: list[float], ends: list[float], **extra: Any) -> dict[str, Any]:
    """A horizontal bar per span in one lane of the top panel."""
    return {"type": "bar", "orientation": "h", "xaxis": "x", "yaxis": "y2", "y": [lane] * len(starts),
            "base": [ms(s) for s in starts], "x": [length_ms(s, e) for s, e in zip(starts, ends)],
            "width": 0.72, "hoverinfo": "text", "showlegend": False, **extra}


def _points(lane: str, times: list[float], **extra: Any) -> dict[str, Any]:
    return {"type": "scatter", "mode": "markers", "xaxis": "x", "yaxis": "y2", "y": [lane] * len(times),
            "x": [ms(t) for t in times], "hoverinfo": "text", **extra}


def _section_traces(talk: Talk, colours: dict[str, str]) -> list[dict[str, Any]]:
    traces = []
    for section_id in dict.fromkeys(s.id for s in talk.sections):
        spans = [s for s in talk.sections if s.id == section_id]
        title = html.escape(talk.section_title(section_id), quote=False)
        traces.append(_bar(
            SECTIONS, [s.start for s in spans], [s.end for s in spans], name=title,
            marker={"color": colours.get(section_id, "#DDDDDD"), "line": {"width": 1, "color": "white"}},
            text=[title] * len(spans), textposition="inside", insidetextanchor="middle",
            textfont={"color": "#222222", "size": 12},
            hovertext=[f"<b>{title}</b> \u00b7 {span_text(s.start, s.end)} "
                       f"({format_duration(s.end - s.start)})" for s in spans],
            customdata=[s.start for s in spans], meta="seek"))
    return traces


def _sentence_trace(talk: Talk, colours: dict[str, str], settings: DashboardSettings) -> dict[str, Any]:
    """One bar per sentence; a sentence whose section is uncertain (``unsure_below``) is hatched and says so."""
    sentences = talk.sentences
    unsure = [is_unsure(s, settings.unsure_below) for s in sentences]
    return _bar(
        SENTENCES, [s.start for s in sentences], [s.end for s in sentences], name="Sentences",
        marker={"color": ["#B8C2CC" if k % 2 else "#8D99A6" for k in range(len(sentences))], "line": {"width": 0},
                "pattern": {"shape": ["x" if u else "" for u in unsure], "fgcolor": "#3D4650", "size": 6,
                            "fillmode": "overlay"}},
        hovertext=[f"<b>{format_duration(s.start)}</b> \u00b7 {html.escape(talk.section_title(s.section))}"
                   + (f" <i>(uncertain: {s.section_confidence:.0%})</i>" if u and s.section_confidence is not None
                      else "") + "<br>"
                   f"{hover(reading_text(w.text for w in talk.words[s.first_word:s.last_word]) or s.text, settings.max_hover_chars)}"
                   for s, u in zip(sentences, unsure)],
        customdata=[s.start for s in sentences], meta="seek")


def _flag_traces(talk: Talk, settings: DashboardSettings, review: ReviewView | None = None) -> list[dict[str, Any]]:
    traces = []
    review = review or ReviewView()
    for flag_type in dict.fromkeys(f.type for f in talk.flags):
        indices = [k for k, f in enumerate(talk.flags) if f.type == flag_type]
        flags = [talk.flags[k] for k in indices]
        lane = flag_lane(flag_type, settings)
        colours = [DISMISSED_COLOUR if review.dismissed(f.id) else SEVERITY_COLOURS.get(f.severity, "#999999")
                   for f in flags]
        texts = [flag_hover(f, settings) + _review_hover(review.mark(f.id), settings) for f in flags]
        name = html.escape(settings.flag_title(flag_type), quote=False)
        marked = any(f.marks for f in flags)  # the marks tell where; the bar only spans them, faintly
        traces.append(_bar(lane, [f.start for f in flags], [f.end for f in flags], name=name,
                           marker={"color": colours, "opacity": 0.3 if marked else 0.85, "line": {"width": 0},
                                   "pattern": {"shape": ["/" if f.severity == "high" and not marked else ""
                                                         for f in flags],
                                               "fgcolor": "white", "size": 6, "solidity": 0.25}},
                           hovertext=texts, customdata=indices, meta="flag"))
        traces.append(_points(lane, [f.start for f in flags], name=name, showlegend=False,
                              marker={"symbol": "triangle-right", "size": 11, "color": colours,
                                      "line": {"width": 1, "color": "#222222"}},
                              hovertext=texts, customdata=indices, meta="flag"))
        if marked:
            traces.append(_mark_trace(lane, flags, colours, settings))
    return traces


def _mark_trace(lane: str, flags: list[Flag], colours: list[str], settings: DashboardSettings) -> dict[str, Any]:
    """The moments a flag is about (each time a phrase was said, where a sentence could end), each a point that
    plays from there."""
    points = [(m, f, colour) for f, colour in zip(flags, colours) for m in f.marks]
    what = {"long_sentence": "a full stop would fit here"}
    return _points(lane, [(m.start + m.end) / 2 for m, _, _ in points], name="where", showlegend=False,
                   marker={"symbol": "diamond", "size": 9, "color": [c for _, _, c in points],
                           "line": {"width": 1, "color": "#222222"}},
                   hovertext=[f"<b>{html.escape(settings.flag_title(f.type))}</b> · {format_duration(m.start)}"
                              f"<br>{hover(what.get(f.type, f.message), settings.max_hover_chars)}"
                              "<br><i>Click to listen</i>" for m, f, _ in points],
                   customdata=[max(0.0, m.start - 0.5) for m, _, _ in points], meta="seek")


def _review_hover(mark: FlagMark | None, settings: DashboardSettings) -> str:
    if mark is None:
        return ""
    said = {"agree": "Coach agrees", "dismiss": "Dismissed by the coach", "unset": "Coach"}[mark.decision]
    text = f"<br><b>{said}</b> ({html.escape(mark.reviewer)})"
    return text + (f": {hover(mark.comment, settings.max_hover_chars)}" if mark.comment else "")


def _coach_traces(talk: Talk, settings: DashboardSettings, review: ReviewView | None) -> list[dict[str, Any]]:
    """One lane with the coach's notes and comments on flags, each a bubble at its start; a click listens there."""
    if not review or not review.has_comments:
        return []
    items = [(n.start, n.reviewer, n.text, "note") for n in review.notes]
    items += [(f.start, mark.reviewer, mark.comment, settings.flag_title(f.type)) for f in talk.flags
              if (mark := review.mark(f.id)) and mark.comment and mark.decision != "dismiss"]
    items.sort(key=lambda item: item[0])
    return [_points(COACH_LANE, [t for t, *_ in items], name="Coach comment",
                    marker={"symbol": "square", "size": 12, "color": COACH_COLOUR,
                            "line": {"width": 1, "color": "#222222"}},
                    hovertext=[f"<b>Coach</b> ({html.escape(who)}) · {html.escape(about)} · "
                               f"{format_duration(t)}<br>{hover(text, settings.max_hover_chars)}"
                               for t, who, text, about in items],
                    customdata=[t for t, *_ in items], meta="seek")]


def _filler_traces(talk: Talk) -> list[dict[str, Any]]:
    traces = []
    for kind, lane, symbol, label in (("filled_pause", FILLED, "circle", "Um / uh"),
                                      ("discourse", DISCOURSE, "diamond", "Discourse filler")):
        for source, suffix, fill in (("asr", "in the transcript", ""), ("acoustic", "heard in the audio only", "-open")):
            found = [f for f in talk.fillers if f.kind == kind and f.source == source]
            if not found:
                continue
            traces.append(_points(
                lane, [(f.start + f.end) / 2 for f in found], name=f"{label} ({suffix})",
                marker={"symbol": symbol + fill, "size": 11, "color": FILLER_COLOURS[kind],
                        "line": {"width": 2 if fill else 1, "color": FILLER_COLOURS[kind] if fill else "#222222"}},
                hovertext=[f"\u201c{html.escape(f.text)}\u201d at {format_duration(f.start)} \u00b7 {label.lower()} "
                           f"\u00b7 {suffix}" for f in found],
                customdata=[f.start for f in found], meta="seek"))
    return traces


def _pause_traces(talk: Talk) -> list[dict[str, Any]]:
    traces = []
    for kind, label in (("between_sentences", "Pause between sentences"), ("mid_sentence", "Pause mid-sentence")):
        found = [p for p in talk.pauses if p.kind == kind]
        if not found:
            continue
        texts = [f"{label} \u00b7 {p.end - p.start:.1f} s at {format_duration(p.start)}" for p in found]
        colour = PAUSE_COLOURS.get(kind, "#999999")
        traces.append(_bar(PAUSES, [p.start for p in found], [p.end for p in found], name=label,
                           marker={"color": colour, "line": {"width": 0}}, hovertext=texts,
                           customdata=[p.start for p in found], meta="seek"))
        traces.append(_points(PAUSES, [(p.start + p.end) / 2 for p in found], name=label,
                              marker={"symbol": "square", "size": 8, "color": colour}, hovertext=texts,
                              customdata=[p.start for p in found], meta="seek"))
    return traces


def _section_bands(talk: Talk, colours: dict[str, str], pace_range: list[float]) -> dict[str, Any]:
    """Sections as coloured bands behind the pace line (one bar trace: far cheaper to redraw than shapes)."""
    low, high = pace_range
    return {"type": "bar", "xaxis": "x", "yaxis": "y", "name": "sections", "showlegend": False,
            "x": [ms((s.start + s.end) / 2) for s in talk.sections],
            "width": [length_ms(s.start, s.end) for s in talk.sections],
            "base": [low] * len(talk.sections), "y": [high - low] * len(talk.sections),
            "marker": {"color": [colours.get(s.id, "#DDDDDD") for s in talk.sections], "opacity": 0.45,
                       "line": {"width": 0}}, "hoverinfo": "skip"}


def _target_band(end: float, settings: DashboardSettings) -> dict[str, Any]:
    """The comfortable pace range, shaded across the whole talk."""
    slow, fast = settings.slow_wpm, settings.fast_wpm
    return {"type": "scatter", "mode": "lines", "xaxis": "x", "yaxis": "y", "name": "target pace",
            "x": [0.5, end, end, 0.5, 0.5], "y": [slow, slow, fast, fast, slow], "fill": "toself",
            "fillcolor": "rgba(255,255,255,0.6)", "line": {"color": "#1b6e53", "width": 1.5, "dash": "dash"},
            "hoverinfo": "skip"}


def _pace_trace(talk: Talk, settings: DashboardSettings) -> dict[str, Any]:
    line = thin(talk.pace_line, settings.max_line_points)
    return {"type": "scatter", "mode": "lines", "xaxis": "x", "yaxis": "y", "name": "Pace (30 s rolling)",
            "x": [ms((w.start + w.end) / 2) for w in line], "y": [round(w.wpm) for w in line],
            "line": {"color": PACE_COLOUR, "width": 2.5, "shape": "spline", "smoothing": 0.6},
            "hoverinfo": "text", "hovertext": [f"{span_text(w.start, w.end)}: <b>{w.wpm:.0f} wpm</b>" for w in line],
            "customdata": [w.start for w in line], "meta": "seek"}


def _loudness_trace(talk: Talk, settings: DashboardSettings) -> dict[str, Any] | None:
    """Loudness over time: the words' median level in rolling windows, dB against the talk's own (0 = as
    loud as usual); ``None`` where loudness was not measured."""
    line = thin(talk.loudness, settings.max_line_points)
    if not line:
        return None
    return {"type": "scatter", "mode": "lines", "xaxis": "x", "yaxis": "y3", "name": "Loudness (10 s rolling)",
            "x": [ms((w.start + w.end) / 2) for w in line], "y": [w.db for w in line],
            "line": {"color": LOUDNESS_COLOUR, "width": 2, "shape": "spline", "smoothing": 0.6},
            "hoverinfo": "text",
            "hovertext": [f"{span_text(w.start, w.end)}: <b>{w.db:+.1f} dB</b> against the talk's usual level"
                          for w in line],
            "customdata": [w.start for w in line], "meta": "seek"}


def _loudness_range(talk: Talk) -> list[float]:
    """At least +-6 dB, so a steady voice draws as the flat line it is."""
    values = [w.db for w in talk.loudness]
    return [min(-6.0, min(values) - 1), max(6.0, max(values) + 1)]


def _legend_traces(talk: Talk) -> list[dict[str, Any]]:
    """Legend-only entries for encodings a reader cannot guess: severity colours and the pace band."""
    entries = [{"type": "bar", "x": [None], "y": [None], "xaxis": "x", "yaxis": "y2", "orientation": "h",
                "name": f"{level} severity", "marker": {"color": SEVERITY_COLOURS[level]}, "hoverinfo": "skip"}
               for level in ("high", "medium", "low") if any(f.severity == level for f in talk.flags)]
    return entries


def allocation_figure(talk: Talk, colours: dict[str, str]) -> dict[str, Any]:
    """Actual share of time per framework section (bars) against its target range (grey band with ends)."""
    rows = talk.balance
    titles = [html.escape(talk.section_title(r.section), quote=False) for r in rows]
    segmented = talk.is_segmented()
    traces = [
        {"type": "bar", "orientation": "h", "y": titles, "base": [r.target_share[0] * 100 for r in rows],
         "x": [(r.target_share[1] - r.target_share[0]) * 100 for r in rows], "width": 0.8,
         "name": "target range", "marker": {"color": "rgba(0,0,0,0.07)", "line": {"width": 1.5, "color": "#444444"}},
         "hoverinfo": "text", "hovertext": [f"{t}: target {r.target_share[0]:.0%}\u2013{r.target_share[1]:.0%}"
                                            for t, r in zip(titles, rows)]},
        {"type": "bar", "orientation": "h", "y": titles, "x": [r.share * 100 for r in rows], "width": 0.42,
         "name": "actual share", "marker": {"color": [colours.get(r.section, "#999999") for r in rows],
                                            "line": {"width": 1, "color": "#222222"}},
         "text": [_status_label(r.share, r.status) if segmented else "" for r in rows],
         "textposition": "outside", "cliponaxis": False, "textfont": {"size": 12},
         "hoverinfo": "text", "hovertext": [f"{t}: {r.share:.0%} of the talk ({format_duration(r.seconds)}), "
                                            f"{r.status}" for t, r in zip(titles, rows)]},
    ]
    top = max([r.target_share[1] for r in rows] + [r.share for r in rows] + [0.3]) * 100
    layout = {
        "height": 60 + 42 * len(rows), "margin": {"l": 140, "r": 80, "t": 8, "b": 44},
        "font": {"family": FONT, "size": 13, "color": "#222222"}, "barmode": "overlay", "showlegend": False,
        "paper_bgcolor": "white", "plot_bgcolor": "white", "hovermode": "closest",
        "xaxis": {"range": [0, top * 1.1], "ticksuffix": " %", "title": {"text": "share of the talk", "font": {"size": 12}},
                  "gridcolor": "#EEEEEE", "fixedrange": True, "zeroline": True, "zerolinecolor": "#999999"},
        "yaxis": {"autorange": "reversed", "fixedrange": True},
    }
    return {"data": traces, "layout": layout}


def _status_label(share: float, status: str) -> str:
    return "missing" if status == "missing" else f"{share:.0%} \u00b7 {status}"


