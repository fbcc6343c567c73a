"""The ``speechcase`` command group and what every command shares: one error handler, ``--debug``, the
options that map onto :class:`~speechcase.analysis.pipeline.AnalyzeOptions` and ``--store``.

Errors print one line and exit with a documented code (``speechcase --help``);
``--debug`` (or ``SPEECHCASE_DEBUG=1``) shows the traceback instead. Both are
handled here, in :class:`SpeechcaseCommand`, for every command at once.

Imports stay light (click and the package's small core): ``speechcase --help`` must not load numpy, Whisper
or spaCy; each command imports what it runs.
"""
from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from speechcase.analysis.audio import DEFAULT_MAX_DURATION
from speechcase.analysis.transcribe import DEFAULT_MODEL, DEVICES, DecodeOptions, default_compute_type
from speechcase.core.errors import EXIT_CODES, EXIT_INTERRUPTED, SpeechcaseError
from speechcase.core.files import CACHE_ENV
from speechcase.core.version import __version__
from speechcase.rehearsals.store import STORE_ENV

EPILOG = "\b\nExit codes:\n" + "\n".join(f"  {code:<4}{text[0].lower()}{text[1:].rstrip('.')}"
                                         for code, text in EXIT_CODES.items())
DEBUG_ENV = "SPEECHCASE_DEBUG"

if TYPE_CHECKING:
    from speechcase.service import Progress


def _remember_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    ctx.meta["speechcase.debug"] = value or os.environ.get(DEBUG_ENV) == "1"


class SpeechcaseCommand(click.Command):
    """A command with ``--debug``, the exit-code epilog, and every failure turned into one line on stderr and
    its exit code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("epilog", EPILOG)
        super().__init__(*args, **kwargs)
        self.params.append(click.Option(["--debug"], is_flag=True, expose_value=False, callback=_remember_debug,
                                        help=f"Show tracebacks (also {DEBUG_ENV}=1)."))

    def invoke(self, ctx: click.Context) -> Any:
        debug = ctx.meta.get("speechcase.debug", os.environ.get(DEBUG_ENV) == "1")
        try:
            return super().invoke(ctx)
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


class SpeechcaseGroup(click.Group):
    """A group whose commands (and sub-groups' commands) are :class:`SpeechcaseCommand`."""

    command_class = SpeechcaseCommand
    group_class = type  # sub-groups are SpeechcaseGroups too


@click.group(cls=SpeechcaseGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="speechcase")
def main() -> None:
    """Analyse a recorded ML case-study practice talk: pacing, pauses, fillers and structure."""


#: Set by :func:`skip_teardown`: the command asks :func:`run` to end the process without Python's teardown.
_skip_teardown = False


def skip_teardown() -> None:
    """Ask :func:`run` to end this process as soon as the command has returned, without Python's teardown.

    Tearing down a process that loaded spaCy and Whisper frees hundreds of thousands of objects one by one: 0.3 s
    after a 5-minute analysis (7 % of faster-whisper's own time on it), for nothing, since the process ends. A
    command calls this only when all it writes goes through ``with`` blocks and atomic writes (they are closed
    before it returns) and it starts no child process that an exit handler would have to stop.
    """
    global _skip_teardown
    _skip_teardown = True


def run() -> None:
    """The ``speechcase`` program: :func:`main` with the process ended at once where the command allowed it
    (:func:`skip_teardown`), after its output is flushed; the exit code is the command's own either way."""
    try:
        main.main()  # standalone: ends in SystemExit
    except SystemExit as done:
        if not _skip_teardown:
            raise
        code = done.code
    else:
        return
    if code is not None and not isinstance(code, int):  # sys.exit("message"): printed, exit 1, as Python does
        print(code, file=sys.stderr)
        code = 1
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can reach the reader
            pass
    os._exit(code or 0)


class Duration(click.ParamType):
    """Accepts ``90``, ``90s``, ``45m``, ``3h`` or ``1h30m``."""

    name = "duration"
    _PART = re.compile(r"(\d+(?:\.\d+)?)([hms]?)")

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, (int, float)):
            return float(value)
        text = str(value).strip().lower()
        parts = self._PART.findall(text)
        if not parts or "".join(n + u for n, u in parts) != text:
            self.fail(f"{value!r} is not a duration; use e.g. 90s, 45m, 3h or 1h30m.", param, ctx)
        return sum(float(n) * {"h": 3600, "m": 60, "s": 1, "": 1}[u] for n, u in parts)


def transcription_options(func: Any) -> Any:
    """Options shared by every command that may run Whisper."""
    options = [
        click.option("--model", default=None, metavar="NAME|PATH",
                     help=f"Whisper model: a faster-whisper name (e.g. small.en, downloaded once when online) or a "
                          f"local CTranslate2 folder. Default: the embedded {DEFAULT_MODEL}, offline."),
        click.option("--device", type=click.Choice(DEVICES), default="cpu", show_default=True,
                     help="Where Whisper runs: the CPU, or an NVIDIA GPU (cuda: CUDA 12 and cuDNN 9)."),
        click.option("--compute-type", default=None, show_default="int8 on cpu, float16 on cuda",
                     help="CTranslate2 compute type (int8, int8_float32, float16, float32, ...)."),
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
    ]
    for option in reversed(options):
        func = option(func)
    return func


def store_option(func: Any) -> Any:
    """``--store PATH``: the rehearsal store every history command reads and writes."""
    return click.option("--store", "store_path", type=click.Path(dir_okay=False, path_type=Path), envvar=STORE_ENV,
                        help=f"Rehearsal store file [env {STORE_ENV}; default: history.sqlite3 in the user data "
                             "folder].")(func)


def analyze_options(framework: str, model: str | None, compute_type: str | None, threads: int, batch_size: int,
                    cache_dir: Path | None, no_cache: bool, max_duration: float, embedding_model: Path | None = None,
                    device: str = "cpu"):
    """The command-line options as :class:`~speechcase.analysis.pipeline.AnalyzeOptions`."""
    from dataclasses import replace

    from speechcase.analysis.pipeline import AnalyzeOptions

    return AnalyzeOptions(framework=framework, model=model, compute_type=compute_type or default_compute_type(device),
                          threads=threads, decode=replace(DecodeOptions(), batch_size=batch_size), cache_dir=cache_dir,
                          use_cache=not no_cache, max_duration=max_duration, embedding_model=embedding_model,
                          device=device)


def open_cli_store(store_path: Path | None, create: bool = True):
    """The store at ``--store`` (default: the user's); reading commands pass ``create=False``."""
    from speechcase.rehearsals.store import open_store

    return open_store(store_path, create=create)


def configure_logging(quiet: bool) -> None:
    """Status lines of the library (``speechcase`` logger) on stderr, unless quiet."""
    logger = logging.getLogger("speechcase")
    logger.handlers.clear()
    if not quiet:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


class ProgressBar:
    """A tqdm bar over the audio seconds transcribed, on stderr; silent when quiet or not a terminal."""

    def __init__(self, quiet: bool):
        self.enabled = not quiet and sys.stderr.isatty()
        self.bar: Any = None

    def __call__(self, progress: Progress) -> None:
        """Takes :class:`speechcase.service.Progress` events; only transcription moves the bar."""
        if not self.enabled or progress.stage != "transcribing" or progress.total <= 0:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=round(progress.total, 1), unit="s", desc="Transcribing", file=sys.stderr,
                            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s audio "
                                       "[{elapsed}<{remaining}]")
        self.bar.n = round(min(progress.done, progress.total), 1)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 run``, ``2 runs``."""
    return f"{n} {one if n == 1 else many or one + 's'}"
