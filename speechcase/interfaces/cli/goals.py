"""``speechcase goals set | list | rm``: goals for the next take of a talk, and how the takes did."""
from __future__ import annotations

from pathlib import Path

import click

from speechcase.interfaces.cli.app import main, open_cli_store, plural, store_option

_HELP = {
    "length": "Length of the talk, e.g. '<12m', '10m-12m' or '<11:30' (a bare number is minutes).",
    "wpm": "Pace in words per minute, e.g. '130-160'.",
    "fillers-per-minute": "Fillers per minute, e.g. '<3'.",
    "pauses": "Pauses of 1 s or more, e.g. '<=4'.",
    "mid-sentence-pauses": "Pauses in the middle of a sentence, e.g. '<=1'.",
    "longest-pause": "The longest pause, e.g. '<3s'.",
    "hedges-per-minute": "Hedges per minute, e.g. '<1'.",
    "rambling": "Seconds in stream-of-consciousness flags, e.g. '<10s'.",
    "flags": "Flags of any severity, e.g. '<=5'.",
    "high-flags": "High-severity flags, e.g. '0-0' or '<1'.",
    "repeated-phrases": "Repeated-phrase flags, e.g. '<1'.",
    "long-sentences": "Long sentences, e.g. '<=1'.",
    "vocabulary": "Vocabulary variety (MTLD), e.g. '>70'.",
    "pitch-variation": "Pitch variation in semitones, e.g. '>2.5'.",
    "energy-variation": "Loudness variation between words in dB, e.g. '>3'.",
}


def _metric_options(func):
    from speechcase.rehearsals.goals import METRICS

    for metric in reversed(METRICS):
        func = click.option(f"--{metric.name}", metric.key, metavar="TARGET", help=_HELP[metric.name])(func)
    return func


@main.group()
def goals() -> None:
    """Goals for the next take of a talk: set them, list them with how the takes did, remove them.

    \b
    A target is <N, <=N, >N, >=N or LOW-HIGH; shares take %, times take m, s or m:ss:
      speechcase goals set churn --fillers-per-minute '<3' --section modeling=15-25% --length '<12m'
    """


@goals.command("set")
@click.argument("talk")
@_metric_options
@click.option("--section", "sections", metavar="ID=TARGET", multiple=True,
              help="A section's share of the talk, e.g. modeling=15-25% (repeatable).")
@click.option("--metric", "others", metavar="PATH=TARGET", multiple=True,
              help="Any number of the analysis summary by its path, e.g. signposting.per_minute=>1 (repeatable).")
@click.option("--speaker", help="The speaker whose talk it is (when several share the name).")
@click.option("--create", is_flag=True, help="Set goals for a talk with no take recorded yet.")
@store_option
def goals_set(talk: str, sections: tuple[str, ...], others: tuple[str, ...], speaker: str | None, create: bool,
              store_path: Path | None, **targets: str | None) -> None:
    """Set goals for the next take of TALK (a goal already set on the same number is replaced)."""
    from speechcase.rehearsals.goals import METRICS, goal_talk, metric_named, parse_goal, save_goals

    chosen = [parse_goal(metric, text) for metric in METRICS if (text := targets.get(metric.key)) is not None]
    for option, prefix, items in (("--section", "section:", sections), ("--metric", "summary:", others)):
        for item in items:
            name, sep, text = item.partition("=")
            if not sep or not name.strip() or not text.strip():
                raise click.UsageError(f"{option} takes NAME=TARGET, e.g. {option} "
                                       + ("modeling=15-25%" if prefix == "section:" else "signposting.per_minute=>1")
                                       + f"; got '{item}'.")
            chosen.append(parse_goal(metric_named(prefix + name.strip()), text))
    if not chosen:
        raise click.UsageError("Name at least one goal, e.g. --fillers-per-minute '<3' or --section modeling=15-25%.")
    with open_cli_store(store_path) as store:
        found = goal_talk(store, talk, speaker, create)
        save_goals(store, found, chosen)
    for goal in chosen:
        click.echo(f"Goal for '{found.name}': {goal.metric.label} {goal.target}.")
    click.echo(f"`speechcase goals list {found.name}` shows how the takes did.")


@goals.command("list")
@click.argument("talk")
@click.option("--speaker", help="The speaker whose talk it is (when several share the name).")
@store_option
def goals_list(talk: str, speaker: str | None, store_path: Path | None) -> None:
    """List the goals of TALK with their first, best and latest value and how the takes did."""
    from speechcase.rehearsals.goals import goal_progress
    from speechcase.rehearsals.history import goal_lines, met_word

    with open_cli_store(store_path, create=False) as store:
        found = store.find_talk(talk, speaker)
        progress = goal_progress(store, found)
        runs = store.runs(found)
    if not progress:
        click.echo(f"No goals for '{found.name}' yet; `speechcase goals set {found.name} --fillers-per-minute '<3'` "
                   "sets one.")
        return
    for line in goal_lines(progress):
        click.echo(line)
    if runs:
        latest = [met_word(p.checks[-1]) for p in progress]
        click.echo(f"Latest take (run {runs[-1].id}): {latest.count('met')} of {plural(len(progress), 'goal')} met.")


@goals.command("rm")
@click.argument("talk")
@click.argument("names", metavar="[GOAL...]", nargs=-1)
@click.option("--all", "remove_all", is_flag=True, help="Remove every goal of TALK.")
@click.option("--speaker", help="The speaker whose talk it is (when several share the name).")
@store_option
def goals_rm(talk: str, names: tuple[str, ...], remove_all: bool, speaker: str | None, store_path: Path | None) -> None:
    """Remove goals of TALK: by number (G1, or 1, as `goals list` shows) or by name (fillers-per-minute,
    section:modeling), or all of them with --all."""
    from speechcase.rehearsals.goals import remove_goals

    if bool(names) == remove_all:
        raise click.UsageError("Name the goals to remove (e.g. G1 or fillers-per-minute), or pass --all.")
    with open_cli_store(store_path, create=False) as store:
        found = store.find_talk(talk, speaker)
        removed = remove_goals(store, found, list(names))
    if not removed:
        click.echo(f"'{found.name}' had no goals.")
    for goal in removed:
        click.echo(f"Removed the goal for '{found.name}': {goal.metric.label} {goal.target}.")
