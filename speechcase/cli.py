"""Command-line interface: ``speechcase analyze | transcribe | dashboard | frameworks | history | runs | compare | export
| import | review | review-stats | report``.

Errors print one line and exit with a documented code (``speechcase --help``);
``--debug`` shows the traceback instead.
"""
from __future__ import annotations

import functools
import logging
import os
import re
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import click

from . import __version__
from .audio import DEFAULT_MAX_DURATION, format_duration
from .embeddings import EMBEDDING_ENV, SentenceEncoder
from .errors import EXIT_CODES, EXIT_INTERRUPTED, SpeechcaseError
from .frameworks import DEFAULT_FRAMEWORK, builtin_names, load_framework
from .storage import CACHE_ENV, write_json_atomic
from .store import DEFAULT_SPEAKER, STORE_ENV
from .transcribe import DEFAULT_MODEL, DecodeOptions

EPILOG = "\b\nExit codes:\n" + "\n".join(f"  {code:<4}{text[0].lower()}{text[1:].rstrip('.')}"
                                         for code, text in EXIT_CODES.items())


class Duration(click.ParamType):
    """Accepts ``90``, ``90s``, ``45m``, ``3h`` or ``1h30m``."""

    name = "duration"
    _PART = re.compile(r"(\d+(?:\.\d+)?)([hms]?)")

    def convert(self, value, param, ctx):
        if isinstance(value, (int, float)):
            return float(value)
        text = str(value).strip().lower()
        parts = self._PART.findall(text)
        if not parts or "".join(n + u for n, u in parts) != text:
            self.fail(f"{value!r} is not a duration; use e.g. 90s, 45m, 3h or 1h30m.", param, ctx)
        return sum(float(n) * {"h": 3600, "m": 60, "s": 1, "": 1}[u] for n, u in parts)


def _run_safely(func):
    """Turn every failure into one line on stderr and a non-zero exit code."""

    @functools.wraps(func)
    def wrapper(*args, debug: bool = False, **kwargs):
        debug = debug or os.environ.get("SPEECHCASE_DEBUG") == "1"
        try:
            return func(*args, **kwargs)
        except SpeechcaseError as exc:
            if debug:
                raise
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except BrokenPipeError:  # the reader went away (``speechcase frameworks | head``): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except KeyboardInterrupt:
            click.echo("Interrupted; nothing half-written was left behind.", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise  # usage errors (exit 2) and Ctrl-D at a prompt: click reports them itself
        except Exception as exc:  # a bug: say so in one line, keep the traceback for --debug
            if debug:
                raise
            click.echo(f"Error: unexpected {type(exc).__name__}: {exc}; rerun with --debug and report the "
                       "traceback.", err=True)
            sys.exit(1)

    return wrapper


def transcription_options(func):
    """Options shared by every command that may run Whisper."""
    options = [
        click.option("--model", default=None, metavar="NAME|PATH",
                     help=f"Whisper model: a faster-whisper name (e.g. small.en, downloaded once when online) or a "
                          f"local CTranslate2 folder. Default: the embedded {DEFAULT_MODEL}, offline."),
        click.option("--compute-type", default="int8", show_default=True,
                     help="CTranslate2 compute type (int8, int8_float32, float32, ...)."),
        click.option("--threads", default=0, type=click.IntRange(min=0), show_default=True,
                     help="CPU threads for Whisper; 0 lets CTranslate2 decide."),
        click.option("--batch-size", default=DecodeOptions.batch_size, type=click.IntRange(min=0, max=64),
                     show_default=True,
                     help="Speech windows Whisper decodes at once; 0 decodes one sequential stream (slower, "
                          "keeps fewer fillers)."),
        click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), envvar=CACHE_ENV,
                     help=f"Transcript cache folder [env {CACHE_ENV}; default: the user cache folder]."),
        click.option("--no-cache", is_flag=True, help="Transcribe again even if a cached transcript exists."),
        click.option("--max-duration", type=Duration(), default=DEFAULT_MAX_DURATION, show_default="3h",
                     help="Refuse recordings longer than this."),
        click.option("-q", "--quiet", is_flag=True, help="No progress bar or status lines on stderr."),
        click.option("--debug", is_flag=True, help="Show tracebacks (also SPEECHCASE_DEBUG=1)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def store_option(func):
    """``--store PATH``: the rehearsal store every history command reads and writes."""
    return click.option("--store", "store_path", type=click.Path(dir_okay=False, path_type=Path), envvar=STORE_ENV,
                        help=f"Rehearsal store file [env {STORE_ENV}; default: history.sqlite3 in the user data "
                             "folder].")(func)


def _options(framework: str, model, compute_type, threads, batch_size, cache_dir, no_cache, max_duration):
    from .pipeline import AnalyzeOptions

    return AnalyzeOptions(framework=framework, model=model, compute_type=compute_type, threads=threads,
                          decode=replace(DecodeOptions(), batch_size=batch_size), cache_dir=cache_dir,
                          use_cache=not no_cache, max_duration=max_duration)


class _Progress:
    """A tqdm bar over audio seconds on stderr; silent when quiet or not a terminal."""

    def __init__(self, quiet: bool):
        self.enabled = not quiet and sys.stderr.isatty()
        self.bar = None

    def __call__(self, done: float, total: float) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=round(total, 1), unit="s", desc="Transcribing", file=sys.stderr,
                            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s audio "
                                       "[{elapsed}<{remaining}]")
        self.bar.n = round(min(done, total), 1)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _configure_logging(quiet: bool) -> None:
    logger = logging.getLogger("speechcase")
    logger.handlers.clear()
    if not quiet:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="speechcase")
def main() -> None:
    """Analyse a recorded ML case-study practice talk: pacing, pauses, fillers and structure."""


@main.command(epilog=EPILOG)
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("-o", "--outdir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder [default: speechcase-out/<input name>/].")
@click.option("--framework", default=DEFAULT_FRAMEWORK, show_default=True, metavar="NAME|FILE",
              help=f"Interview framework: {', '.join(builtin_names())}, or a framework .toml file.")
@click.option("--embedding-model", type=click.Path(file_okay=False, path_type=Path), envvar=EMBEDDING_ENV,
              help=f"Sentence-embedding model folder (CTranslate2) for finding sections [env {EMBEDDING_ENV}; "
                   "default: the bundled all-MiniLM-L6-v2].")
@click.option("--timings", is_flag=True, help="Print the time each pipeline stage took (stderr).")
@click.option("--talk", metavar="NAME", help="Record the run under this talk [default: the recording's file name].")
@click.option("--speaker", default=DEFAULT_SPEAKER, show_default=True, help="Whose talk it is.")
@store_option
@click.option("--no-store", is_flag=True, help="Do not record this run in the rehearsal store.")
@transcription_options
@_run_safely
def analyze(input_path: Path, outdir: Path | None, framework: str, embedding_model: Path | None, timings: bool,
            quiet: bool, talk: str | None, speaker: str, store_path: Path | None, no_store: bool, **opts) -> None:
    """Analyse INPUT (an audio/video file, or a saved transcript.json).

    Writes OUTDIR/analysis.json, OUTDIR/transcript.json and OUTDIR/dashboard.html, records the run in the
    rehearsal store (see `speechcase history`) and prints a summary.
    """
    from .dashboard import write_dashboard
    from .document import analysis_document
    from .pipeline import analyze as run_analysis
    from .pipeline import is_transcript_file
    from .summary import summary_lines

    _configure_logging(quiet)
    options = replace(_options(framework, **opts), embedding_model=embedding_model)
    load_framework(framework)  # fail fast, before any audio work
    SentenceEncoder(embedding_model)  # a missing embedding model too
    if not no_store:
        _open_store(store_path).close()  # a bad store fails before the analysis, too
    outdir = outdir or Path("speechcase-out") / input_path.stem
    progress = _Progress(quiet)
    began = time.perf_counter()
    try:
        analysis = run_analysis(input_path, options, on_progress=progress)
    finally:
        progress.close()
    document = analysis_document(analysis, str(input_path))
    write_json_atomic(outdir / "transcript.json", analysis.transcript.to_dict())
    write_json_atomic(outdir / "analysis.json", document)
    write_dashboard(document, outdir / "dashboard.html", None if is_transcript_file(input_path) else input_path,
                    near=[input_path.parent])
    elapsed = time.perf_counter() - began
    for line in summary_lines(analysis, input_path, elapsed):
        click.echo(line)
    click.echo(f"Wrote {outdir / 'analysis.json'}, {outdir / 'transcript.json'} and {outdir / 'dashboard.html'}")
    if not no_store:
        _record_run(store_path, document, analysis, input_path, talk, speaker)
    if timings:
        for stage, seconds in analysis.timings.items():
            click.echo(f"  {stage:<16}{seconds:8.3f} s", err=True)


@main.command(epilog=EPILOG)
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Transcript file [default: speechcase-out/<input name>/transcript.json].")
@transcription_options
@_run_safely
def transcribe(input_path: Path, output: Path | None, quiet: bool, **opts) -> None:
    """Transcribe INPUT and write only the transcript JSON (words with times)."""
    from .pipeline import is_transcript_file, transcribe_file

    _configure_logging(quiet)
    if is_transcript_file(input_path):
        raise click.UsageError("INPUT is already a transcript; pass an audio or video file.")
    output = output or Path("speechcase-out") / input_path.stem / "transcript.json"
    progress = _Progress(quiet)
    try:
        transcript, cached = transcribe_file(input_path, _options(DEFAULT_FRAMEWORK, **opts), progress)
    finally:
        progress.close()
    write_json_atomic(output, transcript.to_dict())
    how = "from cache" if cached else f"in {transcript.transcription.seconds:.1f} s"
    click.echo(f"{len(transcript.words)} words, {format_duration(transcript.source.duration)} of audio, "
               f"transcribed with {transcript.transcription.model} {how}.")
    click.echo(f"Wrote {output}")


@main.command(epilog=EPILOG)
@click.argument("analysis_path", metavar="[ANALYSIS.json]", type=click.Path(path_type=Path), required=False)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="HTML file to write [default: dashboard.html next to ANALYSIS.json].")
@click.option("--audio", type=click.Path(path_type=Path), metavar="PATH",
              help="The recording to play from the page [default: the analysed file, where it is found].")
@click.option("--embed-audio", is_flag=True,
              help="Carry the recording inside the page (MP3, about 14 MB per hour) so it plays wherever the "
                   "file goes.")
@click.option("--run", "run_id", type=int, metavar="RUN",
              help="Render stored run RUN instead, with its coach review (see `speechcase review`).")
@store_option
@click.option("--debug", is_flag=True, help="Show tracebacks (also SPEECHCASE_DEBUG=1).")
@_run_safely
def dashboard(analysis_path: Path | None, output: Path | None, audio: Path | None, embed_audio: bool,
              run_id: int | None, store_path: Path | None) -> None:
    """Render the dashboard (one self-contained HTML page) from a saved analysis.json, or a stored run."""
    from .dashboard import render_from_file

    if (analysis_path is None) == (run_id is None):
        raise click.UsageError("Pass ANALYSIS.json or --run RUN (one of them).")
    if run_id is not None:
        link = _run_dashboard(run_id, output, audio, embed_audio, store_path)
        output = output or Path(f"dashboard-run-{run_id}.html")
    else:
        output = output or analysis_path.parent / "dashboard.html"
        link = render_from_file(analysis_path, output, audio, embed_audio)
    how = ("with the recording embedded" if link.embedded else f"playing {link.src}" if link.src
           else "without audio (recording not found; pass --audio PATH)")
    click.echo(f"Wrote {output} ({output.stat().st_size / 1e6:.1f} MB, {how})")


def _run_dashboard(run_id: int, output: Path | None, audio: Path | None, embed_audio: bool, store_path: Path | None):
    """A stored run's dashboard, showing its coach review."""
    from .audio import check_input_file
    from .dashboard import ReviewView, write_dashboard
    from .reviews import run_review

    with _open_store(store_path, create=False) as store:
        document = store.document(run_id)
        review = ReviewView.from_run_review(run_review(store, run_id))
    if audio is not None:
        check_input_file(audio)
    return write_dashboard(document, output or Path(f"dashboard-run-{run_id}.html"), audio, embed_audio,
                           near=[Path.cwd()], review=review)


@main.command()
@click.argument("name", required=False)
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@_run_safely
def frameworks(name: str | None) -> None:
    """List the built-in frameworks, or show one (NAME or a .toml path)."""
    if name is None:
        for fid in builtin_names():
            fw = load_framework(fid)
            click.echo(f"{fid:<12} {fw.title}: {' -> '.join(s.id for s in fw.sections)}")
        return
    fw = load_framework(name)
    click.echo(f"{fw.id}: {fw.title} (sections in their expected order)")
    for s in fw.sections:
        low, high = s.target_share
        click.echo(f"\n  {s.id} - {s.title}, target {low:.0%}-{high:.0%} of the talk")
        click.echo(textwrap.fill(s.purpose, 100, initial_indent="    ", subsequent_indent="    "))
        if s.cues:
            click.echo(textwrap.fill("cues: " + ", ".join(s.cues), 100, initial_indent="    ",
                                     subsequent_indent="          "))
        for example in s.examples:
            click.echo(textwrap.fill(f'"{example}"', 100, initial_indent="    e.g. ", subsequent_indent="         "))


# -- rehearsal history: the store, history, runs, compare, export, import ----------------------------------

def _open_store(store_path: Path | None, create: bool = True):
    from .store import open_store

    return open_store(store_path, create=create)


def _record_run(store_path: Path | None, document: dict, analysis, input_path: Path, talk: str | None,
                speaker: str) -> None:
    from .history import default_talk_name

    talk = talk or default_talk_name(input_path, analysis.transcript.source.path)
    with _open_store(store_path) as store:
        run_id, replaced = store.record_run(document, analysis.transcript.to_dict(), talk, speaker)
        count = len(store.runs(store.find_talk(talk, speaker)))
        how = "Updated run" if replaced else "Recorded run"
        click.echo(f"{how} {run_id} of talk '{talk}' ({count} run{'s' if count != 1 else ''}; "
                   f"`speechcase history {talk}`).")
        if replaced:
            _report_unmatched(store, run_id)


def _report_unmatched(store, run_id: int) -> None:
    """After a new analysis of a reviewed run: say which coach reviews found no flag to stay on."""
    from .review_session import unmatched_lines
    from .reviews import run_review

    for line in unmatched_lines(run_review(store, run_id)):
        click.echo(line)


@main.command(epilog=EPILOG)
@click.argument("talk", required=False)
@click.option("--speaker", help="Only this speaker's talk (when several speakers share a talk name).")
@store_option
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@_run_safely
def history(talk: str | None, speaker: str | None, store_path: Path | None) -> None:
    """List the runs of TALK (oldest first), or every talk with its number of runs."""
    from .history import history_lines, talk_lines, what_changed

    with _open_store(store_path, create=False) as store:
        if talk is None:
            talks = store.talks()
            if not talks:
                click.echo(f"No runs stored in {store.where} yet; `speechcase analyze INPUT --talk NAME` records one.")
                return
            for line in talk_lines(talks):
                click.echo(line)
            return
        runs = store.runs(store.find_talk(talk, speaker))
    for line in history_lines(runs):
        click.echo(line)
    if len(runs) >= 2:
        click.echo(f"Since run {runs[-2].id}: " + "; ".join(what_changed(runs[-2], runs[-1])) + ".")


@main.group()
def runs() -> None:
    """Manage stored runs: delete one, or analyse it again."""


@runs.command("rm", epilog=EPILOG)
@click.argument("run_ids", metavar="ID...", nargs=-1, required=True, type=int)
@store_option
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@_run_safely
def runs_rm(run_ids: tuple[int, ...], store_path: Path | None) -> None:
    """Delete the runs with these ids (see `speechcase history TALK`)."""
    from .history import local_time

    with _open_store(store_path, create=False) as store:
        for run_id in run_ids:
            run = store.delete_run(run_id)
            click.echo(f"Deleted run {run.id} of talk '{run.talk}' ({local_time(run.recorded_at)}).")


@runs.command("reanalyze", epilog=EPILOG)
@click.argument("run_ids", metavar="ID...", nargs=-1, required=True, type=int)
@click.option("--framework", metavar="NAME|FILE", help="Use this framework [default: the run's own].")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), envvar=CACHE_ENV,
              help=f"Cache folder for the sentence parse [env {CACHE_ENV}].")
@store_option
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@_run_safely
def runs_reanalyze(run_ids: tuple[int, ...], framework: str | None, cache_dir: Path | None,
                   store_path: Path | None) -> None:
    """Analyse stored runs again from their stored transcripts, keeping each run's id.

    Use it after upgrading speechcase, or to judge a run against another framework.
    """
    from .history import reanalyze_run
    from .pipeline import AnalyzeOptions

    if framework:
        load_framework(framework)  # fail before touching any run
    with _open_store(store_path, create=False) as store:
        for run_id in run_ids:
            run = reanalyze_run(store, run_id, framework, AnalyzeOptions(cache_dir=cache_dir))
            click.echo(f"Re-analysed run {run.id} of talk '{run.talk}' with {run.framework} "
                       f"(speechcase {run.tool_version}).")
            _report_unmatched(store, run.id)


@main.command(epilog=EPILOG)
@click.argument("items", metavar="[TALK | RUN ...]", nargs=-1)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("compare.html"),
              show_default=True, help="The comparison dashboard (HTML).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the table behind the dashboard as CSV.")
@click.option("--speaker", help="Only this speaker's talks.")
@store_option
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@_run_safely
def compare(items: tuple[str, ...], output: Path, csv_path: Path | None, speaker: str | None,
            store_path: Path | None) -> None:
    """Compare rehearsals: the runs of a TALK, or the given RUN ids (default: the latest talk).

    Writes a self-contained HTML dashboard (time allocation per run against the
    targets, pace, fillers, pauses, rambling and flags across runs, and what changed
    since the last run).
    """
    from .history import what_changed

    with _open_store(store_path, create=False) as store:
        runs = _select_runs(store, items, speaker)
    from .compare import write_csv, write_dashboard

    write_dashboard(runs, output)
    click.echo(f"Wrote {output} ({len(runs)} run{'s' if len(runs) != 1 else ''}).")
    if csv_path:
        write_csv(runs, csv_path)
        click.echo(f"Wrote {csv_path}")
    if len(runs) >= 2:
        click.echo(f"Since run {runs[-2].id}: " + "; ".join(what_changed(runs[-2], runs[-1])) + ".")


def _select_runs(store, items: tuple[str, ...], speaker: str | None):
    """Run ids and talk names (a number is a run id when such a run exists) -> runs, oldest first."""
    from .errors import UnknownTalk

    if not items:
        talks = [t for t in store.talks() if speaker is None or t.speaker == speaker]
        if not talks:
            raise UnknownTalk(f"No runs stored in {store.where} yet; `speechcase analyze INPUT --talk NAME` "
                              "records one.")
        return store.runs(talks[0])
    chosen = {}
    for item in items:
        found = store.runs(run_ids=[int(item)]) if item.isdigit() else []
        for run in found or store.runs(store.find_talk(item, speaker)):
            chosen[run.id] = run
    return sorted(chosen.values(), key=lambda r: (r.recorded_at, r.id))


@main.command("export", epilog=EPILOG)
@click.argument("talk")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The JSON file to write.")
@click.option("--speaker", help="The speaker whose talk it is (when several share the name).")
@store_option
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@_run_safely
def export_cmd(talk: str, output: Path, speaker: str | None, store_path: Path | None) -> None:
    """Write every run of TALK (documents and transcripts) to one JSON file, e.g. for a coach."""
    from .history import export_talk

    with _open_store(store_path, create=False) as store:
        data = export_talk(store, store.find_talk(talk, speaker))
    write_json_atomic(output, data)
    click.echo(f"Wrote {output} ({len(data['runs'])} runs of talk '{data['talk']}').")


@main.command("import", epilog=EPILOG)
@click.argument("input_path", metavar="FILE", type=click.Path(path_type=Path))
@click.option("--talk", metavar="NAME", help="Import under this talk name [default: the exported one].")
@click.option("--speaker", help="Import under this speaker [default: the exported one].")
@store_option
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@_run_safely
def import_cmd(input_path: Path, talk: str | None, speaker: str | None, store_path: Path | None) -> None:
    """Add the runs of an exported talk to the store; runs it already holds are skipped."""
    from .history import import_export, read_export

    data = read_export(input_path)
    with _open_store(store_path) as store:
        result = import_export(store, data, talk, speaker)
    click.echo(f"Imported {result.imported} run{'s' if result.imported != 1 else ''} into talk '{result.talk}' "
               f"of {result.speaker} ({result.already_present} already present).")


# -- coach review: review, review-stats, report --------------------------------------------------------------

@main.command(epilog=EPILOG)
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
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@_run_safely
def review(run_id: int, flag_ref: str | None, agree: bool | None, unset: bool, comment: str | None, note: str | None,
           at: str | None, reviewer: str | None, list_only: bool, pending: bool, store_path: Path | None) -> None:
    """Review the flags of stored run RUN as a coach: agree, dismiss, comment, add notes.

    Without options it goes through the flags in time order, showing the words said,
    the evidence and the suggestion, and can play each moment (with ffplay, paplay,
    aplay or afplay when one is installed). With --flag ID (and --agree, --dismiss,
    --unset or --comment) or --note TEXT --at START[-END] it records one decision or
    note without prompts.
    """
    from .reviews import add_note, default_reviewer, find_flag, parse_span, record_decision

    decision = "unset" if unset else {True: "agree", False: "dismiss", None: None}[agree]
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
    with _open_store(store_path, create=False) as store:
        run = store.run(run_id)
        if flag_ref or note is not None:
            document = store.document(run_id)
            if flag_ref:
                flag = find_flag(document, flag_ref)
                saved = record_decision(store, run_id, flag, decision, comment, reviewer)
                said = {"agree": "agreed with", "dismiss": "dismissed", "unset": "no decision on"}[saved.decision]
                click.echo(f"Run {run_id}: {reviewer} {said} {flag['id']} ({flag['type']})"
                           + (f' with the comment "{saved.comment}"' if saved.comment else "") + ".")
            if note is not None:
                start, end = parse_span(at, float(document["source"]["duration"]))
                saved_note = add_note(store, run_id, start, end, note.strip(), reviewer)
                from .review_session import span_label

                click.echo(f"Run {run_id}: note {saved_note.id} by {reviewer} at {span_label(start, end)}.")
            return
        if list_only:
            for line in _review_listing(store, run):
                click.echo(line)
            return
        from .review_session import TerminalReview

        TerminalReview(store, run, reviewer, pending_only=pending).start()


def _review_listing(store, run) -> list[str]:
    from .review_session import review_label, span_label, unmatched_lines
    from .reviews import flags_in_time_order, run_review

    document = store.document(run.id)
    state = run_review(store, run.id)
    lines = [f"Run {run.id} of talk '{run.talk}' ({run.speaker}): {len(document['flags'])} flags, "
             f"{len(state.notes)} notes."]
    for flag in flags_in_time_order(document):
        found = state.for_flag(flag["id"])
        lines.append(f"  {flag['id']}  {span_label(flag['start'], flag['end']):<11} {flag['type']} "
                     f"({flag['severity']}): " + (review_label(found) if found else "not reviewed"))
    for n in state.notes:
        lines.append(f"  note {n.id} at {span_label(n.start, n.end)} by {n.reviewer}: {n.text}")
    return lines + unmatched_lines(state)


@main.command("review-stats", epilog=EPILOG)
@click.option("--talk", metavar="NAME", help="Only the runs of this talk.")
@click.option("--by-talk", is_flag=True, help="One table row per talk and flag type.")
@click.option("--reviewer", metavar="NAME", help="Only this coach's decisions.")
@store_option
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@_run_safely
def review_stats_cmd(talk: str | None, by_talk: bool, reviewer: str | None, store_path: Path | None) -> None:
    """Per flag type, how often coaches agreed with the tool: the signal for tuning its thresholds."""
    from .reviews import review_stats

    with _open_store(store_path, create=False) as store:
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


@main.command(epilog=EPILOG)
@click.argument("run_id", metavar="RUN", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write [default: report-RUN.html, or .md with --format md].")
@click.option("--format", "fmt", type=click.Choice(["html", "md"]),
              help="HTML page or Markdown summary [default: from the output's suffix, else html].")
@store_option
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@_run_safely
def report(run_id: int, output: Path | None, fmt: str | None, store_path: Path | None) -> None:
    """Write the candidate's report of reviewed run RUN: coach comments first, dismissed flags left out."""
    from .report import build_report, render_html, render_markdown
    from .storage import write_text_atomic

    fmt = fmt or ("md" if output and output.suffix.lower() in (".md", ".markdown") else "html")
    output = output or Path(f"report-{run_id}.{fmt}")
    with _open_store(store_path, create=False) as store:
        content = build_report(store, run_id)
    write_text_atomic(output, render_html(content) if fmt == "html" else render_markdown(content))
    click.echo(f"Wrote {output}: {len(content.coach)} coach comments, {len(content.flags)} flags "
               f"({content.hidden} dismissed by the coach left out).")


if __name__ == "__main__":  # pragma: no cover
    main()
