"""``speechcase batch``: a cohort's recordings analysed on Dask (this machine, or an existing cluster)."""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from speechcase.analysis.embeddings import EMBEDDING_ENV
from speechcase.analysis.frameworks import DEFAULT_FRAMEWORK
from speechcase.core.errors import BatchFailures, ClusterUnavailable, SpeechcaseError
from speechcase.interfaces.cli.app import (
    analyze_options,
    configure_logging,
    main,
    open_cli_store,
    plural,
    store_option,
    transcription_options,
)
from speechcase.rehearsals.store import DEFAULT_SPEAKER

SCHEDULER_ENV = "SPEECHCASE_DASK_SCHEDULER"  # the batch package's cluster.SCHEDULER_ENV, kept light for --help


@main.command()
@click.argument("paths", metavar="[PATHS]...", nargs=-1, type=click.Path(path_type=Path))
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path), metavar="CSV",
              help="A CSV with the columns path, speaker, talk and (optional) framework, one row per recording; "
                   "relative paths are relative to its folder.")
@click.option("--speaker", default=DEFAULT_SPEAKER, show_default=True,
              help="Whose recordings PATHS are (and the manifest rows that name nobody).")
@click.option("--framework", default=DEFAULT_FRAMEWORK, show_default=True, metavar="NAME|FILE",
              help="Interview framework of every recording a manifest row does not give one.")
@click.option("--embedding-model", type=click.Path(file_okay=False, path_type=Path), envvar=EMBEDDING_ENV,
              help=f"Sentence-embedding model folder [env {EMBEDDING_ENV}; default: the bundled one].")
@store_option
@click.option("--workers", type=click.IntRange(min=1), metavar="N",
              help="Local worker processes [default: as many as the cores allow and the memory holds].")
@click.option("--scheduler", metavar="tcp://HOST:8786", envvar=SCHEDULER_ENV,
              help=f"Run on the existing Dask cluster of this scheduler instead [env {SCHEDULER_ENV}]; its workers "
                   "must read the recordings at the same paths.")
@click.option("--results", "results_path", type=click.Path(dir_okay=False, path_type=Path), metavar="CSV",
              help="Also write every recording's result (status, run, error) to this CSV file.")
@click.option("--force", is_flag=True, help="Analyse every recording again, even those stored with the same "
                                            "settings (their runs are updated in place).")
@transcription_options
@click.pass_context
def batch(ctx: click.Context, paths: tuple[Path, ...], manifest: Path | None, speaker: str, framework: str,
          embedding_model: Path | None, store_path: Path | None, workers: int | None, scheduler: str | None,
          results_path: Path | None, force: bool, quiet: bool, **opts: Any) -> None:
    """Analyse many recordings at once, one Dask task each, and record every run in the store.

    Give the recordings as PATHS (files, or folders of recordings; each run's talk is the file's name and its
    speaker --speaker) or as --manifest CSV. Recordings already stored with the same settings are skipped, so
    the same command again goes on where an interrupted batch stopped. A recording that cannot be analysed is
    listed with its error and the batch goes on; the exit code is then 42.

    Examples:

    \b
      speechcase batch --manifest cohort.csv --store cohort.sqlite3
      speechcase batch recordings/ --speaker alice --workers 2
      speechcase batch --manifest cohort.csv --scheduler tcp://10.0.0.5:8786
    """
    _require_dask()
    from speechcase.interfaces.batch.manifest import items_from_paths, read_manifest

    configure_logging(quiet)
    if bool(paths) == bool(manifest):
        raise click.UsageError("Give the recordings as PATHS or as --manifest CSV (one of them).")
    if scheduler and workers:
        raise click.UsageError("--workers sizes a local cluster; on an existing cluster start the workers with "
                               "`dask worker ADDRESS --nthreads 1 --nworkers N`.")
    if manifest:
        read = read_manifest(manifest, speaker, framework)
        items = read.items
        if read.ignored_columns and not quiet:
            click.echo(f"Ignoring the manifest's column{'s' if len(read.ignored_columns) > 1 else ''} "
                       f"{', '.join(read.ignored_columns)} (speechcase reads path, speaker, talk, framework).",
                       err=True)
    else:
        items = items_from_paths(list(paths), speaker, framework)
        if not items:
            raise click.UsageError("The folders given hold no recordings (.wav, .flac, .mp3, .m4a, ...).")
    options = analyze_options(framework, embedding_model=embedding_model, **opts)
    debug = bool(ctx.meta.get("speechcase.debug"))
    began = time.perf_counter()
    with open_cli_store(store_path) as store:
        _Run(store, quiet, debug).go(items, options, scheduler, workers, force, results_path, began)


def _require_dask() -> None:
    """Dask comes with the ``cluster`` extra; without it, say how to install it."""
    try:
        import distributed  # noqa: F401
    except ImportError as exc:
        raise ClusterUnavailable("speechcase batch runs on Dask, which is not installed; install it with "
                                 "pip install 'speechcase[cluster]' (or pip install -e '.[cluster]').") from exc


for _param in batch.params:  # the shared option's words, as they apply to a batch
    if _param.name == "threads":
        _param.help = ("CPU threads for Whisper per recording; 0 gives each worker its share of its machine's cores "
                       "(cores / Dask threads on that machine).")


class _Run:
    """One ``speechcase batch``: the plan, the cluster, the lines shown as results come, the summary."""

    def __init__(self, store: Any, quiet: bool, debug: bool):
        self.store, self.quiet, self.debug = store, quiet, debug
        self.results: dict[int, Any] = {}
        self.bar: Any = None
        self.workers: int | None = None

    def go(self, items: list, options: Any, scheduler: str | None, workers: int | None, force: bool,
           results_path: Path | None, began: float) -> None:
        from speechcase.interfaces.batch.cluster import scheduler_address
        from speechcase.interfaces.batch.plan import make_plan

        plan = make_plan(items, options, self.store, force)
        skipped = [r for _, r in plan.settled if r.status == "skipped"]
        if skipped and not self.quiet:
            click.echo(f"Skipping {plural(len(skipped), 'recording')}: already analysed with these settings, or "
                       "listed twice (--force analyses them again).", err=True)
        try:
            if plan.tasks:
                self._on_cluster(plan, options, scheduler_address(scheduler), workers)
            else:
                for index, result in plan.settled:
                    self.show(index, result)
        except KeyboardInterrupt:
            self._close_bar()
            done = sum(r.analysed for r in self.results.values())
            click.echo(f"Stopped: {plural(done, 'recording')} analysed and recorded in this batch are kept; the same "
                       "command again analyses the rest.", err=True)
            raise
        finally:
            self._close_bar()
            if results_path is not None and self.results:
                from speechcase.interfaces.batch.report import write_results_csv

                write_results_csv([self.results[i] for i in sorted(self.results)], results_path)
        self._summary(plan.total, time.perf_counter() - began, results_path)

    def _on_cluster(self, plan: Any, options: Any, scheduler: str | None, workers: int | None) -> None:
        from speechcase.interfaces.batch.cluster import open_client, prepare_workers
        from speechcase.interfaces.batch.runner import run_batch

        where = f"the Dask cluster at {scheduler}" if scheduler else "this machine"
        if not self.quiet:
            click.echo(f"Starting workers on {where} for {plural(len(plan.tasks), 'recording')}...", err=True)
        try:
            with open_client(scheduler, workers, len(plan.tasks), options.device) as client:
                threads = prepare_workers(client, options, plan.frameworks())
                self.workers = len(client.scheduler_info()["workers"])
                if not self.quiet:
                    each = ", ".join(sorted({str(n) for n in threads.values()}))
                    click.echo(f"{plural(self.workers, 'worker')} ready (Whisper threads per recording: {each}).",
                               err=True)
                self._open_bar(sum(r.status != "skipped" for _, r in plan.settled) + len(plan.tasks))
                run_batch(plan, client, self.store, on_result=self.show, debug=self.debug)
        except (KeyboardInterrupt, SpeechcaseError) as exc:
            # raised again without the frames that hold the closed cluster, so that its processes' semaphores
            # are released before exit instead of being reported as leaked (--debug keeps the traceback)
            error: BaseException | None = exc if self.debug else exc.with_traceback(None)
        else:
            error = None
        if error is not None:
            raise error

    def show(self, index: int, result: Any) -> None:
        """One settled recording: a line (skips only counted), and the bar moved."""
        from speechcase.interfaces.batch.report import result_line

        self.results[index] = result
        if result.status != "skipped" and (not self.quiet or result.status == "failed"):
            line = result_line(result)
            if self.bar is not None:
                self.bar.write(line, file=sys.stderr)
            else:
                click.echo(line, err=True)
        if self.bar is not None and result.status != "skipped":
            self.bar.update(1)
            failed = sum(r.status == "failed" for r in self.results.values())
            if failed:
                self.bar.set_postfix_str(f"{failed} failed")

    def _open_bar(self, total: int) -> None:
        if self.quiet or not sys.stderr.isatty():
            return
        from tqdm import tqdm

        self.bar = tqdm(total=total, unit="rec", desc="Analysing", file=sys.stderr, dynamic_ncols=True,
                        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n}/{total} recordings "
                                   "[{elapsed}<{remaining}{postfix}]")

    def _close_bar(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def _summary(self, total: int, seconds: float, results_path: Path | None) -> None:
        from speechcase.interfaces.batch.report import summary_table, totals_line

        results = [self.results[i] for i in sorted(self.results)]
        table = summary_table(results)
        if table:
            click.echo("")
        for line in table:
            click.echo(line)
        click.echo(totals_line(results, seconds, self.workers))
        if results_path is not None:
            click.echo(f"Wrote {results_path}")
        failed = [r for r in results if r.status == "failed"]
        if failed:
            raise BatchFailures(f"{plural(len(failed), 'recording')} of {total} failed (listed above); fix or remove "
                                f"{'it' if len(failed) == 1 else 'them'} and run the same command again: what is "
                                "stored is skipped.")
        if any(r.analysed for r in results):
            click.echo("`speechcase cohort -o cohort.html` shows the cohort's latest takes.")
