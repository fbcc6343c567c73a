"""``speechcase cohort``: every speaker's latest take side by side, and who improved."""
from __future__ import annotations

from pathlib import Path

import click

from speechcase.interfaces.cli.app import main, open_cli_store, plural, store_option


@main.command()
@click.option("--talk", metavar="NAME", help="Only takes of this talk [default: every talk].")
@click.option("--speaker", "speakers", multiple=True, metavar="NAME",
              help="Only this speaker (repeat for several) [default: everyone in the store].")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("cohort.html"),
              show_default=True, help="The report page to write.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Also write one row per speaker (latest take, sections, flags, improvement) to this CSV.")
@store_option
def cohort(talk: str | None, speakers: tuple[str, ...], output: Path, csv_path: Path | None,
           store_path: Path | None) -> None:
    """Write the cohort report: per speaker the latest take (length, time per section against its target, pace,
    fillers, rambling, flags), the cohort's spread per section, and who improved since their first take.

    One self-contained HTML page that opens offline.
    """
    from speechcase.rehearsals.cohort import build_cohort
    from speechcase.views.cohort import write_cohort, write_csv

    with open_cli_store(store_path, create=False) as store:
        found = build_cohort(store, talk, list(speakers) or None)
    missing = sorted(set(speakers) - {m.speaker for m in found.members})
    if missing:
        click.echo(f"No runs{f' of talk {talk!r}' if talk else ''} by {', '.join(missing)}; the report leaves "
                   f"{'them' if len(missing) > 1 else 'this speaker'} out.", err=True)
    write_cohort(found, output)
    judged = [m for m in found.members if m.improvement]
    click.echo(f"Wrote {output} ({plural(len(found.members), 'speaker')}; {len(found.improved)} of "
               f"{plural(len(judged), 'speaker')} with two takes or more improved).")
    if csv_path is not None:
        write_csv(found, csv_path)
        click.echo(f"Wrote {csv_path}")
