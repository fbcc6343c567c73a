"""The cohort report: every speaker's latest take, the cohort's spread per section, who improved.

One self-contained HTML file (plotly.js embedded, no CDN; it opens offline by double-click) and the same
numbers as a CSV, one row per speaker. Every number comes from the runs' analysis documents as stored;
every name (speaker, talk, section) is escaped, in the page and in the charts.
"""
from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from speechcase.core.files import write_text_atomic
from speechcase.core.formatting import format_duration, local_time
from speechcase.core.types import SEVERITIES
from speechcase.core.version import __version__
from speechcase.rehearsals.cohort import Cohort, off_target
from speechcase.views.compare import PALETTE
from speechcase.views.dashboard.settings import STATUS_COLOURS
from speechcase.views.page import figure_divs, plotly_page

esc = html.escape


def _plot_text(value: str) -> str:
    """A name for Plotly, which renders a subset of HTML in labels: shown literally."""
    return html.escape(value, quote=False)


# -- the CSV ------------------------------------------------------------------------------------------------

def cohort_table(cohort: Cohort) -> pd.DataFrame:
    """One row per speaker: the latest take's numbers, each section's share against its target, the flags by
    severity, and the improvement since the first take."""
    rows = []
    for m in cohort.members:
        run, metrics = m.latest, m.latest.metrics
        row: dict[str, object] = {
            "speaker": m.speaker, "talk": run.talk, "run": run.id, "recorded_at": run.recorded_at, "takes": m.takes,
            "framework": run.framework, "duration_s": metrics["duration"], "wpm": metrics["wpm"],
            "fillers_per_minute": metrics["fillers_per_minute"], "rambling_seconds": metrics["rambling_seconds"],
            **{f"flags_{level}": int(metrics[f"flags_{level}"]) for level in SEVERITIES},
            "off_target_share": round(off_target(run), 4)}
        shares = {s.section: s for s in run.sections}
        for section in cohort.sections:
            s = shares.get(section)
            row[f"share_{section}"] = s.share if s else None
            row[f"target_{section}"] = f"{s.target[0]:.2f}-{s.target[1]:.2f}" if s else None
            row[f"status_{section}"] = s.status if s else None
        improvement = m.improvement
        row.update({"first_run": improvement.first.id if improvement else None,
                    "verdict": improvement.verdict if improvement else "one take",
                    "better": "; ".join(x.text() for x in improvement.better) if improvement else "",
                    "worse": "; ".join(x.text() for x in improvement.worse) if improvement else ""})
        rows.append(row)
    table = pd.DataFrame(rows)
    table["first_run"] = table["first_run"].astype("Int64")  # empty for one take, never "1.0"
    return table


def write_csv(cohort: Cohort, path: Path) -> None:
    write_text_atomic(path, cohort_table(cohort).to_csv(index=False))


# -- figures ------------------------------------------------------------------------------------------------

def spread_figure(cohort: Cohort) -> go.Figure:
    """Per section, a box of the latest takes' shares (every speaker a point), over the target range."""
    fig = go.Figure()
    labels = [_plot_text(cohort.titles[s]) for s in cohort.sections]
    lows = [cohort.targets[s][0] * 100 for s in cohort.sections]
    highs = [cohort.targets[s][1] * 100 for s in cohort.sections]
    fig.add_bar(x=labels, base=lows, y=[h - lo for lo, h in zip(lows, highs)], name="target range",
                marker_color="#BBBBBB", opacity=0.45, width=0.7, customdata=list(zip(lows, highs)),
                hovertemplate="target %{customdata[0]:.0f}-%{customdata[1]:.0f} %<extra>%{x}</extra>")
    for k, (section, label) in enumerate(zip(cohort.sections, labels)):
        members = [(m, s) for m in cohort.members for s in m.latest.sections if s.section == section]
        fig.add_box(x=[label] * len(members), y=[s.share * 100 for _, s in members], name=label,
                    text=[_plot_text(m.speaker) for m, _ in members], boxpoints="all", jitter=0.35, pointpos=0,
                    marker={"color": PALETTE[k % len(PALETTE)], "size": 7}, line={"color": PALETTE[k % len(PALETTE)]},
                    fillcolor="rgba(0,0,0,0)", showlegend=False,
                    hovertemplate="%{text}: %{y:.0f} % of the talk<extra>%{x}</extra>")
    top = max([*highs, *(s.share * 100 for m in cohort.members for s in m.latest.sections), 10.0])
    fig.update_layout(height=440, margin={"t": 20, "b": 40, "l": 60, "r": 20}, template="plotly_white",
                      barmode="overlay", yaxis={"title": "share of the talk (%)", "range": [0, top * 1.08]},
                      legend={"orientation": "h", "y": 1.08})
    return fig


def delivery_figure(cohort: Cohort) -> go.Figure:
    """The cohort's spread of pace, fillers and rambling in the latest takes."""
    panels = [("wpm", "Pace (words per minute)", ".0f"), ("fillers_per_minute", "Fillers per minute", ".1f"),
              ("rambling_seconds", "Rambling (seconds)", ".0f")]
    fig = make_subplots(rows=1, cols=3, subplot_titles=[title for _, title, _ in panels], horizontal_spacing=0.08)
    names = [_plot_text(m.speaker) for m in cohort.members]
    for col, (key, title, fmt) in enumerate(panels, start=1):
        fig.add_box(y=[m.latest.metrics[key] for m in cohort.members], text=names, name=title, boxpoints="all",
                    jitter=0.35, pointpos=0, marker={"color": PALETTE[col - 1], "size": 7},
                    line={"color": PALETTE[col - 1]}, fillcolor="rgba(0,0,0,0)", showlegend=False,
                    hovertemplate=f"%{{text}}: %{{y:{fmt}}}<extra></extra>", row=1, col=col)
        fig.update_xaxes(showticklabels=False, row=1, col=col)
    fig.update_yaxes(rangemode="tozero")
    fig.update_layout(height=360, margin={"t": 40, "b": 20, "l": 50, "r": 20}, template="plotly_white")
    return fig


# -- the page -----------------------------------------------------------------------------------------------

def render_cohort(cohort: Cohort) -> str:
    """The whole cohort page as one HTML string; every piece of user text is escaped."""
    latest = [m.latest for m in cohort.members]
    subject = f"“{cohort.talk}”" if cohort.talk else "all talks"
    title = f"Cohort report: {subject}"
    figures = figure_divs({"spread": spread_figure(cohort), "delivery": delivery_figure(cohort)})
    takes = sum(m.takes for m in cohort.members)
    dates = sorted(r.recorded_at for r in latest)
    frameworks = sorted({r.framework for r in latest})
    speakers = len(cohort.members)
    return plotly_page(title, _CSS, f"""<header>
<h1>{esc(title)}</h1>
<p class="meta">{speakers} speaker{'s' if speakers != 1 else ''}, {takes} take{'s' if takes != 1 else ''} stored;
latest takes from {esc(local_time(dates[0]))} to {esc(local_time(dates[-1]))}; framework{'s' if len(frameworks) > 1 else ''}
{esc(', '.join(frameworks))}.</p>
</header>
<main>
<section id="improved">
<h2>Who improved since their first take</h2>
{_improved_html(cohort)}
</section>
<section id="spread">
<h2>Time per section across the cohort</h2>
<p class="hint">Each speaker's latest take is one point; the box spans the middle half of the cohort and the
grey bar each section's target range.</p>
{figures['spread']}
{figures['delivery']}
</section>
<section id="latest">
<h2>Latest take per speaker</h2>
<div class="scroll">{_latest_table(cohort)}</div>
<p class="hint">Section cells: share of the talk (target range), coloured by status:
{_status_legend()}.</p>
</section>
</main>
<footer>Made by speechcase {esc(__version__)} on {datetime.now().strftime('%Y-%m-%d %H:%M')}. Every number comes
from the runs' analysis documents; a speaker's takes are in the order they were stored.</footer>""")


def write_cohort(cohort: Cohort, path: Path) -> None:
    write_text_atomic(path, render_cohort(cohort))


def _improved_html(cohort: Cohort) -> str:
    judged = [m for m in cohort.members if m.improvement]
    if not judged:
        return ("<p>Every speaker has one take so far; once they rehearse again this lists who improved on time "
                "balance, fillers, rambling and flags.</p>")
    improved = cohort.improved
    intro = (f"<p><strong>{len(improved)} of {len(judged)}</strong> speakers with two takes or more improved "
             "(better on more of time off target, fillers, rambling and high or medium flags than worse, each by "
             "at least a notable change).</p>")
    head = ["speaker", "takes", "first → latest", "verdict", "better", "worse", "what changed"]
    rows = []
    order = {"improved": 0, "mixed": 1, "no notable change": 2, "worse": 3}
    for m in sorted(judged, key=lambda m: (order[m.improvement.verdict] if m.improvement else 9, m.speaker.casefold())):
        imp = m.improvement
        assert imp is not None
        cells = [esc(m.speaker), str(m.takes),
                 f"#{imp.first.id} {esc(local_time(imp.first.recorded_at))} → #{imp.latest.id} "
                 f"{esc(local_time(imp.latest.recorded_at))}",
                 f'<span class="verdict {esc(imp.verdict.replace(" ", "-"))}">{esc(imp.verdict)}</span>',
                 esc("; ".join(x.text() for x in imp.better)) or "–", esc("; ".join(x.text() for x in imp.worse)) or "–",
                 "<br>".join(esc(line) for line in imp.changes)]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return intro + _table(head, rows, "improvement")


def _latest_table(cohort: Cohort) -> str:
    head = ["speaker", "talk", "run", "date", "takes", "length", "wpm", "fillers/min", "rambling",
            *(cohort.titles[s] for s in cohort.sections), "flags high/medium/low"]
    rows = []
    for m in cohort.members:
        run, metrics = m.latest, m.latest.metrics
        shares = {s.section: s for s in run.sections}
        cells = [esc(m.speaker), esc(run.talk), f"#{run.id}", esc(local_time(run.recorded_at)), str(m.takes),
                 format_duration(metrics["duration"]), f"{metrics['wpm']:.0f}", f"{metrics['fillers_per_minute']:.1f}",
                 f"{metrics['rambling_seconds']:.0f} s"]
        for section in cohort.sections:
            s = shares.get(section)
            cells.append(f'<span class="status {esc(s.status)}" title="{esc(s.status)}">{s.share * 100:.0f} %</span> '
                         f'<span class="target">({s.target[0] * 100:.0f}-{s.target[1] * 100:.0f})</span>'
                         if s else "–")
        cells.append("/".join(f"{metrics[f'flags_{level}']:.0f}" for level in SEVERITIES))
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return _table(head, rows, "latest")


def _table(head: list[str], rows: list[str], css_class: str) -> str:
    return (f'<table class="{css_class}"><thead><tr>' + "".join(f"<th>{esc(h)}</th>" for h in head)
            + "</tr></thead><tbody>" + "\n".join(rows) + "</tbody></table>")


def _status_legend() -> str:
    return ", ".join(f'<span class="status {status}">{status}</span>' for status in STATUS_COLOURS)


_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header,main,footer{max-width:1240px;margin:0 auto;padding:0 24px}header{padding-top:18px}
h1{font-size:1.6rem;margin:.3em 0}h2{font-size:1.2rem;margin-top:1.4em;border-bottom:1px solid #d5d9e0;padding-bottom:4px}
.meta,.hint,footer{color:#5a6473}section{background:#fff;padding:4px 16px 14px;margin:14px 0;border-radius:6px;
box-shadow:0 1px 2px rgba(0,0,0,.08)}.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{padding:4px 8px;border-bottom:1px solid #eceef2;
text-align:left;vertical-align:top}table.latest td{white-space:nowrap}.target{color:#7a8391;font-size:.85em}
.status{font-weight:600;padding:0 4px;border-radius:3px}""" + "".join(
    f".status.{status}{{color:{colour}}}" for status, colour in STATUS_COLOURS.items()) + """
.verdict{font-weight:600}.verdict.improved{color:#00795a}.verdict.worse{color:#b34700}
footer{font-size:.85rem;padding-bottom:24px}
"""
