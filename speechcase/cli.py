"""Command-line interface: ``speechcase analyze | transcribe | dashboard | frameworks``.

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
from .transcribe import DEFAULT_MODEL

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


def _options(framework: str, model, compute_type, threads, cache_dir, no_cache, max_duration):
    from .pipeline import AnalyzeOptions

    return AnalyzeOptions(framework=framework, model=model, compute_type=compute_type, threads=threads,
                          cache_dir=cache_dir, use_cache=not no_cache, max_duration=max_duration)


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
@transcription_options
@_run_safely
def analyze(input_path: Path, outdir: Path | None, framework: str, embedding_model: Path | None, timings: bool,
            quiet: bool, **opts) -> None:
    """Analyse INPUT (an audio/video file, or a saved transcript.json).

    Writes OUTDIR/analysis.json, OUTDIR/transcript.json and OUTDIR/dashboard.html and prints a summary.
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
    outdir = outdir or Path("speechcase-out") / input_path.stem
    progress = _Progress(quiet)
    began = time.perf_counter()
    try:
        analysis = run_analysis(input_path, options, on_progress=progress)
    finally:
        progress.close()
    write_json_atomic(outdir / "transcript.json", analysis.transcript.to_dict())
    document = analysis_document(analysis, str(input_path))
    write_json_atomic(outdir / "analysis.json", document)
    write_dashboard(document, outdir / "dashboard.html", None if is_transcript_file(input_path) else input_path,
                    near=[input_path.parent])
    elapsed = time.perf_counter() - began
    for line in summary_lines(analysis, input_path, elapsed):
        click.echo(line)
    click.echo(f"Wrote {outdir / 'analysis.json'}, {outdir / 'transcript.json'} and {outdir / 'dashboard.html'}")
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
@click.argument("analysis_path", metavar="ANALYSIS.json", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="HTML file to write [default: dashboard.html next to ANALYSIS.json].")
@click.option("--audio", type=click.Path(path_type=Path), metavar="PATH",
              help="The recording to play from the page [default: the analysed file, where it is found].")
@click.option("--embed-audio", is_flag=True,
              help="Carry the recording inside the page (MP3, about 14 MB per hour) so it plays wherever the "
                   "file goes.")
@click.option("--debug", is_flag=True, help="Show tracebacks (also SPEECHCASE_DEBUG=1).")
@_run_safely
def dashboard(analysis_path: Path, output: Path | None, audio: Path | None, embed_audio: bool) -> None:
    """Render the dashboard (one self-contained HTML page) from a saved analysis.json."""
    from .dashboard import render_from_file

    output = output or analysis_path.parent / "dashboard.html"
    link = render_from_file(analysis_path, output, audio, embed_audio)
    how = ("with the recording embedded" if link.embedded else f"playing {link.src}" if link.src
           else "without audio (recording not found; pass --audio PATH)")
    click.echo(f"Wrote {output} ({output.stat().st_size / 1e6:.1f} MB, {how})")


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


if __name__ == "__main__":  # pragma: no cover
    main()
