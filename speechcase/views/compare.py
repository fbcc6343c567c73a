"""The comparison dashboard: how time allocation and delivery moved across rehearsals.

One self-contained HTML file (plotly.js embedded, no CDN, opens offline by
double-click) built from the store's rows, and the same numbers as a pandas
table for ``--csv``. Every number comes from the runs' analysis documents
(their ``summary``, ``balance`` and ``flags``); nothing is recomputed here.
"""
from __future__ import annotations

import html
import math
from datetime import datetime
from pathlib import Path

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from speechcase.core.document import summary_number
from speechcase.core.files import write_text_atomic
from speechcase.core.formatting import format_duration, local_time
from speechcase.core.types import SEVERITIES
from speechcase.core.version import __version__
from speechcase.rehearsals.goals import GoalCheck, GoalProgress, Metric, format_value
from speechcase.rehearsals.history import section_columns, what_changed
from speechcase.rehearsals.store import RunRow
from speechcase.views.dashboard.settings import SEVERITY_COLOURS
from speechcase.views.frames import runs_table, unassigned_share
from speechcase.views.page import figure_divs, plotly_page

UNASSIGNED = "not assigned"
#: Okabe-Ito: distinguishable with every common colour-vision deficiency.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
GREY = "#BBBBBB"


def write_csv(runs: list[RunRow], path: Path, goals: list[GoalProgress] | None = None) -> None:
    write_text_atomic(path, runs_table(runs, goals).to_csv(index=False))


def write_dashboard(runs: list[RunRow], path: Path, goals: list[GoalProgress] | None = None) -> None:
    write_text_atomic(path, render_dashboard(runs, goals))


# -- figures ------------------------------------------------------------------------------------------------

def _labels(runs: list[RunRow]) -> list[str]:
    return [f"#{r.id} · {local_time(r.recorded_at)[5:]}" for r in runs]


def _text(value: str) -> str:
    """User text for Plotly, which renders a subset of HTML in labels: show it literally."""
    return html.escape(value, quote=False)


def _section_colours(sections: list[str]) -> dict[str, str]:
    return {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(sections)}


def _targets(runs: list[RunRow]) -> dict[str, tuple[float, float]]:
    """Each section's target range, from the most recent run whose framework has it."""
    targets: dict[str, tuple[float, float]] = {}
    for run in runs:
        for s in run.sections:
            targets[s.section] = s.target
    return targets


_TARGET_HOVER = "%{fullData.name} target: %{customdata[0]:.0f}-%{customdata[1]:.0f} % of the talk<extra>%{x}</extra>"
_SHARE_HOVER = ("%{fullData.name}: %{y:.0f} % (%{customdata[2]:.0f} s)<br>"
                "target %{customdata[0]:.0f}-%{customdata[1]:.0f} %, %{customdata[3]}<extra>%{x}</extra>")


def allocation_figure(runs: list[RunRow]) -> go.Figure:
    """Stacked share of the talk per section, one bar per run, beside a bar of the target midpoints."""
    sections, labels = section_columns(runs), _labels(runs)
    colours, targets = _section_colours(sections), _targets(runs)
    target_label = f"target ({runs[-1].framework})"
    latest = {s.section for s in runs[-1].sections}
    fig = go.Figure()
    for section in sections:
        shares = {r.id: s for r in runs for s in r.sections if s.section == section}
        low, high = targets[section]
        fig.add_bar(
            name=_text(section), marker_color=colours[section], x=[target_label, *labels],
            y=[(low + high) / 2 * 100 if section in latest else None,
               *((shares[r.id].share * 100) if r.id in shares else None for r in runs)],
            customdata=[[low * 100, high * 100, 0.0, ""],
                        *([s.target[0] * 100, s.target[1] * 100, s.seconds, s.status] if (s := shares.get(r.id))
                          else [None, None, None, ""] for r in runs)],
            hovertemplate=[_TARGET_HOVER] + [_SHARE_HOVER] * len(runs))
    fig.add_bar(name=UNASSIGNED, marker_color=GREY, x=labels, y=[unassigned_share(r) * 100 for r in runs],
                hovertemplate="not assigned to a section: %{y:.0f} %<extra>%{x}</extra>")
    fig.update_layout(barmode="stack", height=420, margin={"t": 30, "b": 40, "l": 50, "r": 20},
                      yaxis={"title": "share of the talk (%)", "range": [0, 100]}, legend_title_text="section",
                      template="plotly_white")
    return fig


def share_figure(runs: list[RunRow]) -> go.Figure:
    """One small chart per section: its share across runs, with the target range shaded."""
    sections, labels = section_columns(runs), _labels(runs)
    colours, targets = _section_colours(sections), _targets(runs)
    cols = 3
    rows = math.ceil(len(sections) / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[_text(s) for s in sections], shared_xaxes=True,
                        vertical_spacing=0.12)
    top = 100 * max([0.3] + [s.share for r in runs for s in r.sections] + [t[1] for t in targets.values()])
    for i, section in enumerate(sections):
        row, col = i // cols + 1, i % cols + 1
        low, high = targets[section]
        fig.add_hrect(y0=low * 100, y1=high * 100, row=row, col=col, fillcolor=colours[section], opacity=0.15,
                      line_width=0)
        shares = {r.id: s.share for r in runs for s in r.sections if s.section == section}
        fig.add_scatter(x=labels, y=[shares[r.id] * 100 if r.id in shares else None for r in runs],
                        mode="lines+markers", name=_text(section), line_color=colours[section], showlegend=False,
                        hovertemplate=f"%{{y:.0f}} % (target {low * 100:.0f}-{high * 100:.0f} %)"
                                      "<extra>%{x}</extra>", row=row, col=col)
        fig.update_yaxes(range=[0, top * 1.05], ticksuffix=" %", row=row, col=col)
    fig.update_layout(height=260 * rows, margin={"t": 40, "b": 40, "l": 50, "r": 20}, template="plotly_white")
    return fig


def trend_figure(runs: list[RunRow]) -> go.Figure:
    """Pace, fillers, pauses, rambling, flags, length, voice variation, sentence length, vocabulary and
    repeated phrases across runs."""
    labels = _labels(runs)
    titles = ["Pace (words per minute)", "Fillers per minute", "Pauses of 1 s or more",
              "Rambling (seconds in stream-of-consciousness flags)", "Flags", "Length (minutes)",
              "Voice: variation of pitch and loudness", "Sentences (words)", "Vocabulary and repeated phrases"]
    fig = make_subplots(rows=3, cols=3, subplot_titles=titles, vertical_spacing=0.12, horizontal_spacing=0.07)

    def line(key: str, name: str, row: int, col: int, colour: str, scale: float = 1.0, fmt: str = ".1f") -> None:
        """An indexed column of the runs, or (a dotted path) any number of their summaries, which is missing in
        runs analysed before it was measured."""
        values = [r.metrics[key] * scale if key in r.metrics else summary_number(r.summary, key) for r in runs]
        fig.add_scatter(x=labels, y=values, mode="lines+markers", name=name, line_color=colour,
                        legendgroup=f"{row}{col}", row=row, col=col, connectgaps=False,
                        hovertemplate=f"{name}: %{{y:{fmt}}}<extra>%{{x}}</extra>")

    line("wpm", "overall wpm", 1, 1, PALETTE[0], fmt=".0f")
    line("articulation_wpm", "while speaking", 1, 1, PALETTE[4], fmt=".0f")
    line("fillers_per_minute", "all fillers", 1, 2, PALETTE[1])
    line("filled_pauses_per_minute", "um, uh ...", 1, 2, PALETTE[5])
    line("discourse_fillers_per_minute", "like, you know ...", 1, 2, PALETTE[3])
    line("pauses", "pauses", 1, 3, PALETTE[2], fmt=".0f")
    line("mid_sentence_pauses", "mid-sentence", 1, 3, PALETTE[6], fmt=".0f")
    line("rambling_seconds", "rambling s", 2, 1, PALETTE[5], fmt=".0f")
    for level in SEVERITIES:
        fig.add_bar(x=labels, y=[r.metrics[f"flags_{level}"] for r in runs], name=f"{level} flags",
                    marker_color=SEVERITY_COLOURS[level], row=2, col=2,
                    customdata=[[_flag_types_text(r)] for r in runs],
                    hovertemplate=f"{level}: %{{y}}<br>%{{customdata[0]}}<extra>%{{x}}</extra>")
    line("duration", "length (min)", 2, 3, PALETTE[7], scale=1 / 60)

    line("pitch.sd_semitones", "pitch (semitones)", 3, 1, PALETTE[0])
    line("energy.sd_db", "loudness (dB)", 3, 1, PALETTE[3])
    line("sentence_length.mean_words", "words per sentence", 3, 2, PALETTE[2])
    line("sentence_length.longest_words", "longest sentence", 3, 2, PALETTE[6], fmt=".0f")
    line("vocabulary.mtld", "vocabulary (MTLD)", 3, 3, PALETTE[4], fmt=".0f")
    line("repeated_phrases.flags", "repeated phrases", 3, 3, PALETTE[5], fmt=".0f")
    fig.update_yaxes(rangemode="tozero")
    fig.update_layout(barmode="stack", height=900, margin={"t": 40, "b": 40, "l": 50, "r": 20}, template="plotly_white",
                      legend={"orientation": "h", "y": -0.08})
    return fig


def _flag_types_text(run: RunRow) -> str:
    return ", ".join(f"{_text(t)} x{n}" for t, n in run.flag_types.items()) or "no flags"


# -- the page -----------------------------------------------------------------------------------------------

def render_dashboard(runs: list[RunRow], goals: list[GoalProgress] | None = None) -> str:
    """The whole comparison page as one HTML string; every piece of user text is escaped. With ``goals`` (of the
    runs' talk, evaluated over these runs), a goals section and one column per goal in the runs table."""
    if not runs:
        raise ValueError("render_dashboard needs at least one run")
    esc = html.escape
    talks = list(dict.fromkeys(r.talk for r in runs))
    speakers = list(dict.fromkeys(r.speaker for r in runs))
    title = "Rehearsals of " + ", ".join(f"“{t}”" for t in talks)
    figures = figure_divs({"allocation": allocation_figure(runs), "shares": share_figure(runs),
                           "trends": trend_figure(runs)})
    no_sections = all(unassigned_share(r) >= 0.999 for r in runs)
    note = ("<p class=\"note\">None of these runs has time assigned to framework sections yet, so every bar is "
            "“not assigned”; the targets are still shown.</p>") if no_sections else ""
    return plotly_page(title, _CSS, f"""<header>
<h1>{esc(title)}</h1>
<p class="meta">{len(runs)} run{'s' if len(runs) != 1 else ''} by {esc(', '.join(speakers))},
{esc(local_time(runs[0].recorded_at))} to {esc(local_time(runs[-1].recorded_at))}</p>
</header>
<main>
<section id="changes">
<h2>What changed</h2>
{_changes_html(runs)}
</section>
{_goals_html(goals or [])}
<section id="allocation">
<h2>Time allocation per run</h2>
<p class="hint">Share of each talk spent in each framework section, beside the middle of each section's target
range; the small charts below shade each target range.</p>
{note}
{figures['allocation']}
{figures['shares']}
</section>
<section id="trends">
<h2>Delivery across runs</h2>
{figures['trends']}
</section>
<section id="runs">
<h2>Runs</h2>
<div class="scroll">{_runs_table(runs, goals or [])}</div>
</section>
</main>
<footer>Made by speechcase {esc(__version__)} on {datetime.now().strftime('%Y-%m-%d %H:%M')}. Every number comes
from the runs' analysis documents.</footer>""")


def _changes_html(runs: list[RunRow]) -> str:
    if len(runs) < 2:
        return "<p>Only one run so far; rehearse again and compare to see what changed.</p>"
    parts = [(runs[-2], runs[-1], "Since the previous run")]
    if len(runs) > 2:
        parts.append((runs[0], runs[-1], "Since the first run"))
    out = []
    for before, after, heading in parts:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in what_changed(before, after))
        out.append(f"<h3>{heading} (#{before.id} → #{after.id})</h3>\n<ul class=\"changes\">{items}</ul>")
    return "\n".join(out)


def _runs_table(runs: list[RunRow], goals: list[GoalProgress]) -> str:
    esc = html.escape
    sections = section_columns(runs)
    head = ["run", "date", "talk", "framework", "length", "wpm", "fillers/min", "pauses", "rambling",
            *sections, "flags (high/medium/low)", "recording"]
    goal_heads = "".join(f'<th class="goal" title="{esc(g.goal.metric.label)} {esc(g.goal.target)}">G{k}</th>'
                         for k, g in enumerate(goals, 1))
    rows = []
    for n, r in enumerate(runs):
        m = r.metrics
        shares = {s.section: f"{s.share * 100:.0f} %" for s in r.sections}
        cells = [f"#{r.id}", local_time(r.recorded_at), r.talk, r.framework, format_duration(m["duration"]),
                 f"{m['wpm']:.0f}", f"{m['fillers_per_minute']:.1f}", f"{m['pauses']:.0f}",
                 f"{m['rambling_seconds']:.0f} s", *(shares.get(s, "–") for s in sections),
                 "/".join(f"{m[f'flags_{level}']:.0f}" for level in SEVERITIES), Path(r.source_path).name]
        rows.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells)
                    + "".join(_met_cell(g.goal.metric, g.checks[n]) for g in goals) + "</tr>")
    return ("<table><thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in head) + goal_heads
            + "</tr></thead><tbody>" + "\n".join(rows) + "</tbody></table>")


_MET = {True: ("met", "\u2713 met"), False: ("missed", "\u2717 missed"), None: ("unmeasured", "\u2013")}


def goal_mark(metric: Metric, check: GoalCheck | None) -> tuple[str, str]:
    """A goal in one run as (kind, text): ``("met", "\u2713 met (2.1 per minute)")``, ``("missed", ...)``, or
    ``("unmeasured", "\u2013")`` where the run has no such number; the web app's Talk and Run pages show the same."""
    if check is None:
        return _MET[None]
    kind, word = _MET[check.met]
    return kind, word + ("" if check.value is None else f" ({format_value(metric, check.value)})")


def goal_at(metric: Metric, check: GoalCheck | None) -> str:
    """A goal's first, best or latest value with its run (``"2.1 per minute (#3)"``), or a dash."""
    if check is None or check.value is None:
        return "\u2013"
    return f"{format_value(metric, check.value)} (#{check.run_id})"


def _met_cell(metric: Metric, check: GoalCheck | None) -> str:
    """A goal's cell for one run: met or missed (with its value), or a dash where the run has no such number."""
    kind, text = goal_mark(metric, check)
    return f'<td class="goal {kind}">{html.escape(text)}</td>'


def _goals_html(goals: list[GoalProgress]) -> str:
    """Each goal with its target, first, best and latest value, the latest take met or not, and the sentence."""
    if not goals:
        return ""
    esc = html.escape
    rows = "".join(
        f'<tr data-goal="{esc(g.goal.metric.key)}"><td>G{k}</td><td>{esc(g.goal.metric.label)}</td>'
        f"<td>{esc(g.goal.target)}</td><td>{esc(goal_at(g.goal.metric, g.first))}</td>"
        f"<td>{esc(goal_at(g.goal.metric, g.best))}</td>"
        f"<td>{esc(goal_at(g.goal.metric, g.latest))}</td>{_met_cell(g.goal.metric, g.latest)}</tr>"
        for k, g in enumerate(goals, 1))
    sentences = "".join(f"<li>{esc(g.sentence)}</li>" for g in goals)
    return (f'<section id="goals">\n<h2>Goals for the next take</h2>\n<div class="scroll"><table class="goals">'
            "<thead><tr><th></th><th>goal</th><th>target</th><th>first</th><th>best</th><th>latest</th>"
            f"<th>latest take</th></tr></thead><tbody>{rows}</tbody></table></div>\n"
            f'<ul class="goal-sentences">{sentences}</ul>\n</section>')


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #222; background: #fafafa; }
header, main, footer { max-width: 1200px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 20px; }
h1 { font-size: 1.6rem; margin: 0.3em 0; }
h2 { font-size: 1.2rem; margin-top: 1.6em; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 1rem; margin: 1em 0 0.3em; }
.meta, .hint, footer { color: #555; }
.note { background: #fff6dc; border-left: 4px solid #E69F00; padding: 6px 10px; }
ul.changes { margin: 0.2em 0 0.8em; padding-left: 1.4em; line-height: 1.5; }
section { background: #fff; padding: 4px 16px 12px; margin: 14px 0; border-radius: 6px;
          box-shadow: 0 1px 2px rgba(0,0,0,0.08); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { padding: 4px 8px; border-bottom: 1px solid #eee; text-align: right; white-space: nowrap; }
th:nth-child(-n+4), td:nth-child(-n+4), td:last-child, th:last-child { text-align: left; }
footer { font-size: 0.85rem; padding-bottom: 24px; }
td.goal.met { color: #00643f; font-weight: 600; }
td.goal.missed { color: #a33a00; font-weight: 600; }
td.goal.unmeasured { color: #777; }
table.goals td:nth-child(2), table.goals th:nth-child(2) { text-align: left; }
ul.goal-sentences { margin: 0.6em 0 0.4em; padding-left: 1.4em; line-height: 1.5; }
"""
