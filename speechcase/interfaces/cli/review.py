"""``speechcase review | review-stats | report``: the coach's side."""
from __future__ import annotations

from pathlib import Path

import click

from speechcase.interfaces.cli.app import main, open_cli_store, store_option


@main.command()
@click.argument("run_id", metavar="RUN", type=int)
@click.option("--flag", "flag_ref", metavar="ID", help="The flag to decide on (e.g. f-003, or 3), without prompts.")
@click.option("--agree/--dismiss", "agree", default=None, help="With --flag: the coach agrees with the flag, or not.")
@click.option("--unset", is_flag=True, help="With --flag: take back the decision (the comment stays).")
@click.option("--comment", metavar="TEXT", help="With --flag: the coach's comment on it ('' clears it).")
@click.option("--note", metavar="TEXT", help="Add a free note on the span given by --at (flagged or not).")
@click.option("--at", "at", metavar="START[-END]", help="The note's span, e.g. 83, 1:23 or 1:23-1:40.")
@click.option("--reviewer", metavar="NAME", envvar="SPEECHCASE_REVIEWER",
              help="Who is reviewing [env SPEECHCASE_REVIEWER; default: the login name].")
@click.option("--list", "list_only", is_flag=True, help="Print the flags with their review and the notes, and stop.")
@click.option("--pending", is_flag=True, help="Go through only the flags without a decision.")
@store_option
def review(run_id: int, flag_ref: str | None, agree: bool | None, unset: bool, comment: str | None, note: str | None,
           at: str | None, reviewer: str | None, list_only: bool, pending: bool, store_path: Path | None) -> None:
    """Review the flags of stored run RUN as a coach: agree, dismiss, comment, add notes.

    Without options it goes through the flags in time order, showing the words said,
    the evidence and the suggestion, and can play each moment (with ffplay, paplay,
    aplay or afplay when one is installed). With --flag ID (and --agree, --dismiss,
    --unset or --comment) or --note TEXT --at START[-END] it records one decision or
    note without prompts.
    """
    from speechcase.core.formatting import span_label
    from speechcase.core.types import ReviewDecision
    from speechcase.interfaces.terminal.review import TerminalReview, review_listing
    from speechcase.rehearsals.reviews import add_note, default_reviewer, find_flag, parse_span, record_decision

    decision: ReviewDecision | None = "unset" if unset else "agree" if agree else "dismiss" if agree is False else None
    if unset and agree is not None:
        raise click.UsageError("Pass only one of --agree, --dismiss and --unset.")
    if (decision or comment is not None) and not flag_ref:
        raise click.UsageError("--agree, --dismiss, --unset and --comment need --flag ID.")
    if flag_ref and decision is None and comment is None:
        raise click.UsageError("With --flag, pass --agree, --dismiss, --unset or --comment.")
    if (note is None) != (at is None):
        raise click.UsageError("--note TEXT and --at START[-END] go together.")
    if note is not None and not note.strip():
        raise click.UsageError("--note needs some text.")
    reviewer = reviewer or default_reviewer()
    with open_cli_store(store_path, create=False) as store:
        run = store.run(run_id)
        if flag_ref or note is not None:
            document = store.document(run_id)
            if flag_ref:
                flag = find_flag(document, flag_ref)
                saved = record_decision(store, run_id, flag, decision, comment, reviewer)
                said = {"agree": "agreed with", "dismiss": "dismissed", "unset": "no decision on"}[saved.decision]
                click.echo(f"Run {run_id}: {reviewer} {said} {flag.id} ({flag.type})"
                           + (f' with the comment "{saved.comment}"' if saved.comment else "") + ".")
            if note is not None and at is not None:
                start, end = parse_span(at, document.duration)
                saved_note = add_note(store, run_id, start, end, note.strip(), reviewer)
                click.echo(f"Run {run_id}: note {saved_note.id} by {reviewer} at {span_label(start, end)}.")
            return
        if list_only:
            for line in review_listing(store, run):
                click.echo(line)
            return
        TerminalReview(store, run, reviewer, pending_only=pending).start()


@main.command("review-stats")
@click.option("--talk", metavar="NAME", help="Only the runs of this talk.")
@click.option("--by-talk", is_flag=True, help="One table row per talk and flag type.")
@click.option("--reviewer", metavar="NAME", help="Only this coach's decisions.")
@store_option
def review_stats_cmd(talk: str | None, by_talk: bool, reviewer: str | None, store_path: Path | None) -> None:
    """Per flag type, how often coaches agreed with the tool: the signal for tuning its thresholds."""
    from speechcase.rehearsals.reviews import review_stats

    with open_cli_store(store_path, create=False) as store:
        if talk:
            store.find_talk(talk)
        stats = review_stats(store, talk, by_talk, reviewer)
    if not stats:
        click.echo("No reviewed flags yet; `speechcase review RUN` reviews a run's flags.")
        return
    header = (["talk"] if by_talk else []) + ["flag type", "flags", "reviewed", "agreed", "dismissed", "agree share"]
    rows = [([s.talk or ""] if by_talk else []) + [
        s.flag_type, str(s.flags), str(s.decided + s.undecided), str(s.agreed), str(s.dismissed),
        f"{s.agree_share * 100:.0f} %" if s.agree_share is not None else "-"] for s in stats]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    first_numeric = 2 if by_talk else 1
    for r in [header, *rows]:
        click.echo("  ".join(c.ljust(w) if i < first_numeric else c.rjust(w)
                             for i, (c, w) in enumerate(zip(r, widths))).rstrip())
    agreed, decided = sum(s.agreed for s in stats), sum(s.decided for s in stats)
    if decided:
        click.echo(f"All types: coaches agreed with {agreed} of {decided} decided flags ({agreed / decided:.0%}).")


@main.command()
@click.argument("run_id", metavar="RUN", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write [default: report-RUN.html, or .md with --format md].")
@click.option("--format", "fmt", type=click.Choice(["html", "md"]),
              help="HTML page or Markdown summary [default: from the output's suffix, else html].")
@store_option
def report(run_id: int, output: Path | None, fmt: str | None, store_path: Path | None) -> None:
    """Write the candidate's report of reviewed run RUN: coach comments first, dismissed flags left out."""
    from speechcase.core.files import write_text_atomic
    from speechcase.rehearsals.report import build_report
    from speechcase.views.report import render_html, render_markdown

    fmt = fmt or ("md" if output and output.suffix.lower() in (".md", ".markdown") else "html")
    output = output or Path(f"report-{run_id}.{fmt}")
    with open_cli_store(store_path, create=False) as store:
        content = build_report(store, run_id)
    write_text_atomic(output, render_html(content) if fmt == "html" else render_markdown(content))
    click.echo(f"Wrote {output}: {len(content.coach)} coach comments, {len(content.flags)} flags "
               f"({content.hidden} dismissed by the coach left out).")
