"""The candidate's report of a reviewed run as a page: ``speechcase report RUN`` (HTML, or Markdown with
``--format md``); what it holds is :func:`speechcase.rehearsals.report.build_report`.

Every piece of text (transcript, flag text, comments, names) is escaped:
a comment holding ``<script>`` shows as those characters, in HTML and in Markdown.
The HTML page is self-contained, runs no script and loads nothing.
"""
from __future__ import annotations

import html
import re

from speechcase.core.formatting import capitalised, flag_title, format_duration, local_time, percent, span_label
from speechcase.rehearsals.goals import GoalCheck, GoalProgress, format_value
from speechcase.rehearsals.report import FlagItem, Report

esc = html.escape


def _numbers(report: Report) -> list[tuple[str, str]]:
    m = report.run.metrics
    return [
        ("Length", format_duration(m["duration"])),
        ("Pace", f"{m['wpm']:.0f} words per minute"),
        ("Fillers", f"{m['fillers_per_minute']:.1f} per minute"),
        ("Pauses of 1 s or more", f"{m['pauses']:.0f} ({m['mid_sentence_pauses']:.0f} mid-sentence)"),
        *((f"Time on {s.title}", f"{percent(s.share)} (target {s.target[0] * 100:.0f}-{s.target[1] * 100:.0f} %)")
          for s in report.run.sections),
        *_voice_and_wording(report),
    ]


def _voice_and_wording(report: Report) -> list[tuple[str, str]]:
    """Pitch and loudness variation, sentence length, vocabulary variety and repeated phrases, where measured."""
    summary = report.document.summary
    rows = []
    if summary.pitch.get("measured"):
        rows.append(("Pitch variation", f"{summary.pitch['sd_semitones']:.1f} semitones"))
    energy = summary.energy
    if energy.measured and energy.sd_db is not None:
        fade = f"; fades by {energy.fade_db:.0f} dB at the end" if energy.fade_db else ""
        rows.append(("Loudness variation", f"{energy.sd_db:.1f} dB between words{fade}"))
    if (lengths := summary.sentence_length) is not None:
        rows.append(("Sentence length", f"{lengths.mean_words:.0f} words on average, longest {lengths.longest_words}, "
                                        f"{lengths.long} long"))
    if (vocabulary := summary.vocabulary) is not None and vocabulary.mtld is not None:
        rows.append(("Vocabulary variety (MTLD)", f"{vocabulary.mtld:.0f}"))
    if (phrases := summary.repeated_phrases) is not None:
        rows.append(("Repeated phrases", ", ".join(f"\u201c{p.phrase}\u201d x{p.count}" for p in phrases) or "none"))
    return rows


def _goal_state(goal: GoalProgress) -> str:
    """``met``, ``missed`` or ``not measured`` in this take, with its value against the target."""
    latest = goal.latest
    if latest is None or latest.value is None:
        return "not measured"
    return (f"{'met' if latest.met else 'missed'}: {format_value(goal.goal.metric, latest.value)} "
            f"(goal {goal.goal.target})")


def _first_best(goal: GoalProgress) -> str:
    def at(check: GoalCheck | None) -> str:
        return "\u2013" if check is None or check.value is None else \
            f"{format_value(goal.goal.metric, check.value)} (run {check.run_id})"

    return f"first {at(goal.first)}, best {at(goal.best)}, this take {at(goal.latest)}"


def _byline(report: Report) -> str:
    run = report.run
    who = f" \u00b7 reviewed by {', '.join(report.reviewers)}" if report.reviewers else " \u00b7 not reviewed yet"
    return f"Run {run.id} of {run.speaker}, recorded {local_time(run.recorded_at)}{who}"


# -- HTML ---------------------------------------------------------------------------------------------------

_CSS = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2430;background:#f6f7f9;margin:0}
main{max-width:52rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d5d9e0}
.meta{color:#5a6473;margin-top:0}.time{font-variant-numeric:tabular-nums;color:#3d5a99;font-weight:600;
margin-right:.5rem}ol{padding-left:0;list-style:none}
li{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:.75rem 1rem;margin:.6rem 0}
.coach-comment{background:#fff8e1;border-left:4px solid #e0a800;padding:.4rem .7rem;margin:.5rem 0 0;
white-space:pre-wrap}.by{color:#5a6473;font-size:.9rem}.about{color:#5a6473;font-size:.9rem}
.flag.sev-high{border-left:4px solid #c0392b}.flag.sev-medium{border-left:4px solid #e67e22}
.flag.sev-low{border-left:4px solid #7f8c8d}.flag-title{font-weight:600}
.badge{font-size:.8rem;background:#e3f4e8;color:#1e6b36;border-radius:4px;padding:0 .4rem;margin-left:.5rem}
.badge.pending{background:#eef0f3;color:#5a6473}.said{color:#3b4250;font-style:italic}
.label{font-weight:600;margin-right:.3rem}table{border-collapse:collapse}
.goal.met{border-left:4px solid #1e6b36}.goal.missed{border-left:4px solid #c0392b}
.goal.unmeasured{border-left:4px solid #7f8c8d}.goal-state{font-weight:600}.progress{color:#5a6473;font-size:.9rem}
td{padding:.2rem 1rem .2rem 0;border-bottom:1px solid #e5e8ec}.empty{color:#5a6473}
"""


def render_html(report: Report) -> str:
    run = report.run
    title = f"Feedback on your talk: {run.talk}"
    coach = "".join(
        f'<li class="coach-note" data-start="{c.start:.2f}"><span class="time">{esc(span_label(c.start, c.end))}</span>'
        + (f'<span class="about">on: {esc(c.about)}</span>' if c.about else "")
        + f'<div class="coach-comment">{esc(c.text)}</div><span class="by">\u2014 {esc(c.reviewer)}</span></li>'
        for c in report.coach)
    flags = "".join(_flag_html(item) for item in report.flags)
    rows = "".join(f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in _numbers(report))
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{esc(title)}</title>'
        f"<style>{_CSS}</style></head><body><main>"
        f'<h1>{esc(title)}</h1><p class="meta">{esc(_byline(report))}</p>'
        '<section id="coach"><h2>From your coach</h2>'
        + (f'<ol class="coach-notes">{coach}</ol>' if coach else '<p class="empty">No comments from your coach yet.</p>')
        + '</section>' + _goals_html(report.goals) + '<section id="flags"><h2>Moments to work on</h2>'
        + (f'<ol class="flag-list">{flags}</ol>' if flags else '<p class="empty">No flagged moments.</p>')
        + f'</section><section id="numbers"><h2>The numbers</h2><table>{rows}</table></section>'
        "</main></body></html>\n")


def _goals_html(goals: list[GoalProgress]) -> str:
    """The talk's goals, met or not in this take, each with first / best / this take and the sentence."""
    if not goals:
        return ""
    items = []
    for g in goals:
        latest = g.latest
        kind = "unmeasured" if latest is None or latest.met is None else "met" if latest.met else "missed"
        items.append(f'<li class="goal {kind}" data-goal="{esc(g.goal.metric.key)}">'
                     f'<span class="label">{esc(capitalised(g.goal.metric.label))}</span>'
                     f'<span class="goal-state">{esc(_goal_state(g))}</span>'
                     f'<p class="progress">{esc(_first_best(g))}. {esc(g.sentence)}</p></li>')
    return f'<section id="goals"><h2>Your goals</h2><ol class="goals">{"".join(items)}</ol></section>'


def _flag_html(item: FlagItem) -> str:
    f = item.flag
    badge = ('<span class="badge">coach agrees</span>' if item.agreed
             else '<span class="badge pending">flagged by the tool</span>')
    parts = [f'<li class="flag sev-{esc(f.severity)}" id="flag-{esc(f.id)}" data-flag="{esc(f.id)}">',
             f'<div class="flag-head"><span class="time">{esc(span_label(f.start, f.end))}</span>'
             f'<span class="flag-title">{esc(flag_title(f.type))}</span>{badge}</div>',
             f'<p class="message">{esc(f.message)}</p>']
    if item.said:
        parts.append(f'<p class="said">\u201c{esc(item.said)}\u201d</p>')
    if f.suggestion:
        parts.append(f'<p class="suggestion"><span class="label">Try</span>{esc(f.suggestion)}</p>')
    if item.comment:
        parts.append(f'<div class="coach-comment"><span class="label">Coach</span>{esc(item.comment)}</div>')
    return "".join(parts) + "</li>"


# -- Markdown -----------------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md(text: str) -> str:
    """Text that Markdown shows as written: HTML characters as entities, markup characters escaped, one line."""
    text = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def render_markdown(report: Report) -> str:
    run = report.run
    lines = [f"# Feedback on your talk: {md(run.talk)}", "", md(_byline(report)), "", "## From your coach", ""]
    if not report.coach:
        lines.append("No comments from your coach yet.")
    for c in report.coach:
        about = f" (on: {md(c.about)})" if c.about else ""
        lines.append(f"- **{md(span_label(c.start, c.end))}**{about}: {md(c.text)} \u2014 *{md(c.reviewer)}*")
    if report.goals:
        lines += ["", "## Your goals", ""]
        for g in report.goals:
            lines.append(f"- **{md(capitalised(g.goal.metric.label))}** {md(_goal_state(g))}. {md(_first_best(g))}. "
                         f"{md(g.sentence)}")
    lines += ["", "## Moments to work on", ""]
    if not report.flags:
        lines.append("No flagged moments.")
    for number, item in enumerate(report.flags, 1):
        f = item.flag
        state = "coach agrees" if item.agreed else "flagged by the tool"
        lines.append(f"{number}. **{md(span_label(f.start, f.end))} \u00b7 {md(flag_title(f.type))}** "
                     f"({state}): {md(f.message)}")
        if item.said:
            lines.append(f"   - Said: \u201c{md(item.said)}\u201d")
        if f.suggestion:
            lines.append(f"   - Try: {md(f.suggestion)}")
        if item.comment:
            lines.append(f"   - **Coach:** {md(item.comment)}")
    lines += ["", "## The numbers", "", "| | |", "|---|---|"]
    lines += [f"| {md(k)} | {md(v)} |" for k, v in _numbers(report)]
    return "\n".join(lines) + "\n"
