"""``speechcase history | runs rm | runs reanalyze | compare | export | import``: the takes kept in the store (with
the talk's goals, see :mod:`.goals`)."""
from __future__ import annotations

from pathlib import Path

import click

from speechcase.core.files import CACHE_ENV
from speechcase.interfaces.cli.app import main, open_cli_store, plural, store_option


@main.command()
@click.argument("talk", required=False)
@click.option("--speaker", help="Only this speaker's talk (when several speakers share a talk name).")
@store_option
def history(talk: str | None, speaker: str | None, store_path: Path | None) -> None:
    """List the runs of TALK (oldest first) with its goals met or not, or every talk with its number of runs."""
    from speechcase.rehearsals.goals import goal_progress
    from speechcase.rehearsals.history import goal_lines, history_lines, talk_lines

    with open_cli_store(store_path, create=False) as store:
        if talk is None:
            talks = store.talks()
            if not talks:
                click.echo(f"No runs stored in {store.where} yet; `speechcase analyze INPUT --talk NAME` records one.")
                return
            for line in talk_lines(talks):
                click.echo(line)
            return
        found = store.find_talk(talk, speaker)
        runs = store.runs(found)
        progress = goal_progress(store, found, runs)
    for line in history_lines(runs, progress):
        click.echo(line)
    _since_last(runs)
    for line in goal_lines(progress):
        click.echo(line)


def _since_last(runs: list) -> None:
    """"Since run N: ..." when there are two runs or more."""
    from speechcase.rehearsals.history import what_changed

    if len(runs) >= 2:
        click.echo(f"Since run {runs[-2].id}: " + "; ".join(what_changed(runs[-2], runs[-1])) + ".")


@main.group()
def runs() -> None:
    """Manage stored runs: delete one, or analyse it again."""


@runs.command("rm")
@click.argument("run_ids", metavar="ID...", nargs=-1, required=True, type=int)
@store_option
def runs_rm(run_ids: tuple[int, ...], store_path: Path | None) -> None:
    """Delete the runs with these ids (see `speechcase history TALK`)."""
    from speechcase.core.formatting import local_time

    with open_cli_store(store_path, create=False) as store:
        for run_id in run_ids:
            run = store.delete_run(run_id)
            click.echo(f"Deleted run {run.id} of talk '{run.talk}' ({local_time(run.recorded_at)}).")


@runs.command("reanalyze")
@click.argument("run_ids", metavar="ID...", nargs=-1, required=True, type=int)
@click.option("--framework", metavar="NAME|FILE", help="Use this framework [default: the run's own].")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), envvar=CACHE_ENV,
              help=f"Cache folder for the sentence parse [env {CACHE_ENV}].")
@store_option
def runs_reanalyze(run_ids: tuple[int, ...], framework: str | None, cache_dir: Path | None,
                   store_path: Path | None) -> None:
    """Analyse stored runs again from their stored transcripts, keeping each run's id.

    Use it after upgrading speechcase, or to judge a run against another framework.
    """
    from speechcase.analysis.frameworks import load_framework
    from speechcase.analysis.pipeline import AnalyzeOptions
    from speechcase.interfaces.terminal.review import unmatched_lines
    from speechcase.service import reanalyze_run

    if framework:
        load_framework(framework)  # fail before touching any run
    with open_cli_store(store_path, create=False) as store:
        for run_id in run_ids:
            done = reanalyze_run(store, run_id, framework, AnalyzeOptions(cache_dir=cache_dir))
            run = done.run
            click.echo(f"Re-analysed run {run.id} of talk '{run.talk}' with {run.framework} "
                       f"(speechcase {run.tool_version}).")
            for line in unmatched_lines(done.unmatched):
                click.echo(line)


@main.command()
@click.argument("items", metavar="[TALK | RUN ...]", nargs=-1)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("compare.html"),
              show_default=True, help="The comparison dashboard (HTML).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the table behind the dashboard as CSV.")
@click.option("--speaker", help="Only this speaker's talks.")
@store_option
def compare(items: tuple[str, ...], output: Path, csv_path: Path | None, speaker: str | None,
            store_path: Path | None) -> None:
    """Compare rehearsals: the runs of a TALK, or the given RUN ids (default: the latest talk).

    Writes a self-contained HTML dashboard (time allocation per run against the
    targets, pace, fillers, pauses, rambling and flags across runs, and what changed
    since the last run).
    """
    from speechcase.rehearsals.goals import talk_progress
    from speechcase.rehearsals.history import select_runs
    from speechcase.views.compare import write_csv, write_dashboard

    with open_cli_store(store_path, create=False) as store:
        runs = select_runs(store, items, speaker)
        progress = talk_progress(store, runs)
    write_dashboard(runs, output, progress)
    click.echo(f"Wrote {output} ({plural(len(runs), 'run')}"
               + (f", {plural(len(progress), 'goal')}" if progress else "") + ").")
    if csv_path:
        write_csv(runs, csv_path, progress)
        click.echo(f"Wrote {csv_path}")
    _since_last(runs)


@main.command("export")
@click.argument("talk")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The JSON file to write.")
@click.option("--speaker", help="The speaker whose talk it is (when several share the name).")
@store_option
def export_cmd(talk: str, output: Path, speaker: str | None, store_path: Path | None) -> None:
    """Write every run of TALK (documents and transcripts) to one JSON file, e.g. for a coach."""
    from speechcase.core.files import write_json_atomic
    from speechcase.rehearsals.history import export_talk

    with open_cli_store(store_path, create=False) as store:
        data = export_talk(store, store.find_talk(talk, speaker))
    write_json_atomic(output, data)
    click.echo(f"Wrote {output} ({len(data['runs'])} runs of talk '{data['talk']}').")


@main.command("import")
@click.argument("input_path", metavar="FILE", type=click.Path(path_type=Path))
@click.option("--talk", metavar="NAME", help="Import under this talk name [default: the exported one].")
@click.option("--speaker", help="Import under this speaker [default: the exported one].")
@store_option
def import_cmd(input_path: Path, talk: str | None, speaker: str | None, store_path: Path | None) -> None:
    """Add the runs of an exported talk to the store; runs it already holds are skipped."""
    from speechcase.rehearsals.history import import_export, read_export

    data = read_export(input_path)
    with open_cli_store(store_path) as store:
        result = import_export(store, data, talk, speaker)
    click.echo(f"Imported {plural(result.imported, 'run')} into talk '{result.talk}' "
               f"of {result.speaker} ({result.already_present} already present).")
