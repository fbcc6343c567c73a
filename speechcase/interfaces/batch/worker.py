"""What runs on a Dask worker: the models loaded once per worker process, and one task per recording.

A worker never touches the rehearsal store: :func:`analyze_recording` returns the analysis document and
the transcript (or the recording's one-line error), and the driver records them. Workers do use the
transcript cache, in their own cache folder.

Threads: a worker runs one recording at a time per Dask thread, and each recording's Whisper gets
:data:`threads` CPU threads, chosen by the driver so that on every machine the Dask threads times the
Whisper threads stay within the machine's cores (see :func:`speechcase.interfaces.batch.cluster.whisper_threads`).
"""
from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from distributed import WorkerPlugin

from speechcase.analysis.pipeline import AnalyzeOptions, warm_models
from speechcase.core.errors import SpeechcaseError
from speechcase.core.machine import usable_cores
from speechcase.core.types import Transcript
from speechcase.core.version import __version__
from speechcase.service import Progress, analyze_input

log = logging.getLogger("speechcase.batch")
PLUGIN_NAME = "speechcase-warm-models"
#: Seconds between two progress events of one task within a stage.
PROGRESS_SECONDS = 0.5
#: Whisper threads for each recording in this worker process; set by :class:`WarmModels` when the worker starts.
threads = 0


@dataclass(frozen=True)
class Outcome:
    """What a worker sends back for one recording: the analysis document (its JSON) and transcript, or the
    error that refused the recording."""

    document: dict[str, Any] | None = None
    transcript: Transcript | None = None
    error: str = ""
    exit_code: int = 0
    seconds: float = 0.0
    from_cache: bool = False
    #: Seconds per pipeline stage (as ``speechcase analyze --timings`` shows them).
    timings: dict[str, float] | None = None


def analyze_recording(path: str, options: AnalyzeOptions, source_name: str | None = None,
                      progress_topic: str | None = None) -> Outcome:
    """The task: analyse one recording with the worker's warm models.

    Args:
        path: The recording, as this worker opens it.
        options: The analysis options; ``threads=0`` takes the worker's share of its machine's cores.
        source_name: What the document calls the recording; None for ``path``.
        progress_topic: A Dask event topic to send this task's progress to (``{"key", "stage", "progress"}``,
            at most twice a second and at every new stage); None sends none.

    Returns:
        The :class:`Outcome`. Input problems (corrupt, silent, too short, ...) are outcomes, not exceptions,
        so Dask does not retry them; a worker that dies mid-task is retried by Dask on another worker.
    """
    options = replace(options, threads=options.threads or threads)
    began = time.perf_counter()
    report = _progress_sender(progress_topic) if progress_topic else None
    try:
        analysis, document = analyze_input(Path(path), options, report, source_name=source_name)
    except SpeechcaseError as exc:
        return Outcome(error=str(exc), exit_code=exc.exit_code, seconds=time.perf_counter() - began)
    return Outcome(document=document.raw, transcript=analysis.transcript, seconds=time.perf_counter() - began,
                   from_cache=analysis.from_cache, timings=dict(analysis.timings))


def _progress_sender(topic: str) -> Callable[[Progress], None]:
    """The service's progress callback, sending this task's progress as Dask events the driver subscribes to."""
    from distributed import get_worker

    worker = get_worker()
    key = str(worker.get_current_task())
    last: list[tuple[float, str]] = [(0.0, "")]

    def send(progress: Progress) -> None:
        at = time.monotonic()
        if progress.stage == last[0][1] and at - last[0][0] < PROGRESS_SECONDS:
            return
        last[0] = (at, progress.stage)
        try:  # progress is for people watching; it never fails the analysis
            worker.log_event(topic, {"key": key, "stage": str(progress.stage), "progress": float(progress.overall)})
        except Exception:  # noqa: BLE001
            log.debug("A progress event of %s could not be sent.", key, exc_info=True)

    return send


def dask_setup(worker: Any) -> None:
    """Dask's preload hook, for the workers of a LocalCluster (``preload=[this module]``): Ctrl-C in the
    terminal reaches every process of the foreground group, and it is the driver's to handle (it cancels the
    batch and closes the workers); a worker that took it too would die printing a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def worker_identity() -> dict[str, Any]:
    """Run on each worker by the driver before a batch: its machine, cores and speechcase version."""
    import socket

    return {"host": socket.gethostname(), "cores": usable_cores(), "version": __version__}


class WarmModels(WorkerPlugin):
    """Loads Whisper, spaCy and the sentence-embedding model when a worker starts (again after a restart), and
    sets the worker's Whisper threads; the models then stay loaded for every recording it analyses.

    Args:
        options: The batch's analysis options (model, compute type, device, embedding model).
        threads_by_host: Whisper threads per recording on each machine (host name -> threads).
        frameworks: The built-in frameworks whose prototype sentences are embedded at the start; None: all.
    """

    def __init__(self, options: AnalyzeOptions, threads_by_host: dict[str, int],
                 frameworks: list[str] | None = None):
        self.options = options
        self.threads_by_host = threads_by_host
        self.frameworks = frameworks

    def setup(self, worker: Any) -> None:
        import socket

        global threads
        host = socket.gethostname()
        threads = self.threads_by_host.get(host) or max(1, usable_cores() // max(1, worker.state.nthreads))
        # numpy/BLAS and spaCy's thread pools follow the same share (Whisper's threads are set explicitly)
        for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(variable, str(threads))
        logging.getLogger("speechcase").setLevel(logging.WARNING)
        warm_models(replace(self.options, threads=self.options.threads or threads), self.frameworks)
