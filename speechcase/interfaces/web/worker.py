"""An analysis worker: a process of its own that loads the models once and takes queued jobs one at a time.

``speechcase serve`` starts ``--workers N`` of these (:mod:`.workers`) as
``python -m speechcase.interfaces.web.worker``; each one claims the oldest
queued job in the store, runs the service's recipe on it
(:func:`speechcase.service.analyze_input` then
:func:`~speechcase.service.record_take`, or
:func:`~speechcase.service.reanalyze_run`), and marks it done or failed with
the one-line error. Progress (stage and 0..1) is written to the job twice a
second by a heartbeat thread, so the page can show it and a reload finds it.

A worker exits by itself within a second of its server process going away
(even one killed with SIGKILL), so no orphan keeps analysing; the job it held
is put back in the queue when the server starts again.
"""
from __future__ import annotations

import logging
import os
import signal
import threading
import time
import traceback
from pathlib import Path

from speechcase.core.errors import SpeechcaseError
from speechcase.interfaces.web.children import child_args, when_parent_gone
from speechcase.interfaces.web.heartbeat import Heartbeat
from speechcase.interfaces.web.recordings import discard_unused
from speechcase.interfaces.web.settings import WebSettings
from speechcase.rehearsals.jobs import Job, claim_next, fail, finish, report_progress
from speechcase.rehearsals.store import Store, open_store
from speechcase.service import Progress, analyze_input, reanalyze_run, record_take, warm_up

log = logging.getLogger("speechcase.web.worker")
IDLE_POLL_SECONDS = 0.3

_STAGE_TEXT = {"checking": "checking", "transcribing": "transcribing", "analysing": "analysing",
               "writing": "writing", "recording": "recording", "done": "done"}


class Abandoned(Exception):
    """The job is no longer this worker's (the server re-queued it): stop without recording anything."""


class JobHeartbeat(Heartbeat):
    """Writes the latest progress of the running job to the store, from its own thread and connection."""

    def __init__(self, settings: WebSettings, job: Job, worker: str):
        super().__init__(settings.store)
        self.settings, self.job, self.worker = settings, job, worker
        self.stage, self.progress = "starting", 0.0
        self.lost = False

    def update(self, progress: Progress) -> None:
        """The service's progress callback."""
        if self.lost:
            raise Abandoned()
        self.stage, self.progress = _STAGE_TEXT.get(progress.stage, progress.stage), progress.overall

    def beat(self, store: Store) -> bool:
        if not report_progress(store, self.job.id, self.worker, self.stage, self.progress):
            self.lost = True
        return not self.lost


def run_job(settings: WebSettings, job: Job, worker: str) -> None:
    """Run one claimed job to its end: done with its run, or failed with the one-line error."""
    options = settings.analyze_options(job.framework)
    with open_store(settings.store) as store:
        try:
            with JobHeartbeat(settings, job, worker) as beat:
                if job.kind == "reanalyze":
                    assert job.target_run is not None
                    beat.update(Progress("analysing"))
                    run_id = reanalyze_run(store, job.target_run, job.framework, options).run.id
                else:
                    assert job.input_path is not None
                    _, document = analysis = analyze_input(Path(job.input_path), options, beat.update,
                                                           source_name=job.file_name)
                    beat.update(Progress("recording"))
                    if beat.lost:
                        raise Abandoned()
                    run_id = record_take(store, document, analysis[0].transcript, job.talk, job.speaker).id
            if not finish(store, job.id, worker, run_id):
                log.warning("Job %s was taken back from this worker; its run %s is stored once.", job.id, run_id)
        except Abandoned:
            log.warning("Job %s was taken back from this worker while it ran; stopped.", job.id)
        except SpeechcaseError as exc:
            fail(store, job.id, str(exc), worker)
            if job.audio_sha256:
                discard_unused(store, settings.audio, job.audio_sha256)  # a refused recording is not kept
        except Exception as exc:  # a bug: the job says so in one line, the server's terminal has the traceback
            traceback.print_exc()
            fail(store, job.id, f"Unexpected {type(exc).__name__} while analysing; the server's terminal shows "
                                "the details (please report them).", worker)


def serve_jobs(settings: WebSettings, worker: str, stop: threading.Event) -> None:
    """Take and run jobs until ``stop`` is set."""
    with open_store(settings.store) as store:
        while not stop.is_set():
            try:
                job = claim_next(store, worker)
            except SpeechcaseError:
                job = None
            if job is None:
                stop.wait(IDLE_POLL_SECONDS)
                continue
            run_job(settings, job, worker)


def main(argv: list[str] | None = None) -> None:
    args = child_args("speechcase serve's analysis worker (started by the server).", argv)
    when_parent_gone(args.parent, lambda: os._exit(0))  # its job is queued again when the server starts again
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))  # a job cut short is re-queued at the next start
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the server's terminal: the server stops us
    settings = WebSettings.from_env()
    began = time.perf_counter()
    warm_up(settings.analyze_options())
    log.info("Worker ready: models loaded in %.1f s.", time.perf_counter() - began)
    serve_jobs(settings, args.name, stop)


if __name__ == "__main__":  # pragma: no cover
    main()
