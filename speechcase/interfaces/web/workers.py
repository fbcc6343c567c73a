"""The web process's side of the workers: start ``--workers N`` worker processes, restart one that dies, stop
them with the server.

At start every job left ``running`` by an earlier server is put back in the
queue (:func:`~speechcase.rehearsals.jobs.requeue_interrupted`); when a worker
dies under a job, that job is re-queued (or failed after three tries) and a new
worker takes its place.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
import uuid

from speechcase.core.memory import allocator_environment
from speechcase.interfaces.web.settings import SETTINGS_ENV, WebSettings
from speechcase.rehearsals.jobs import requeue_interrupted
from speechcase.rehearsals.store import open_store

log = logging.getLogger("speechcase.web")
RESTART_PAUSE_SECONDS = 2.0


class Workers:
    """The worker processes of one server."""

    def __init__(self, settings: WebSettings):
        self.settings = settings
        self.procs: dict[str, subprocess.Popen] = {}
        self._stop = threading.Event()
        self._monitor = threading.Thread(target=self._watch, name="workers", daemon=True)

    def start(self) -> None:
        with open_store(self.settings.store) as store:
            for job in requeue_interrupted(store):
                log.warning("Job %s (%s) was interrupted when the server stopped; %s.", job.id, job.file_name,
                         "queued again" if job.state == "queued" else "given up")
        for _ in range(self.settings.workers):
            self._spawn()
        self._monitor.start()

    def _spawn(self) -> None:
        name = f"worker-{uuid.uuid4().hex[:8]}"
        # the allocator set up for Whisper from the process's start (speechcase/core/memory.py), unless the
        # person starting the server set those variables themselves
        env = {**allocator_environment(), **os.environ, SETTINGS_ENV: self.settings.to_env()}
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "speechcase.interfaces.web.worker", "--name", name, "--parent", str(os.getpid())],
            env=env, stdin=subprocess.DEVNULL)

    def _watch(self) -> None:
        while not self._stop.wait(1.0):
            for name, proc in list(self.procs.items()):
                if proc.poll() is None or self._stop.is_set():
                    continue
                log.warning("Analysis worker %s stopped (exit code %s); starting another.", name, proc.returncode)
                del self.procs[name]
                with open_store(self.settings.store) as store:
                    requeue_interrupted(store, worker=name)
                time.sleep(RESTART_PAUSE_SECONDS)
                if not self._stop.is_set():
                    self._spawn()

    def stop(self) -> None:
        self._stop.set()
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 5
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._monitor.is_alive():
            self._monitor.join(timeout=2)

    @property
    def alive(self) -> int:
        return sum(proc.poll() is None for proc in self.procs.values())
