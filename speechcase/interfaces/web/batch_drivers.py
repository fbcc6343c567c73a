"""The web process's side of coaches' batches: start the batch driver when a batch is queued, start another
when it dies while batches wait, stop it with the server.

At start every batch left ``running`` by an earlier server is queued again
(:func:`~speechcase.rehearsals.batches.requeue_interrupted_batches`), and batch
folders no batch refers to any more are removed. The driver
(:mod:`.batch_driver`) runs while batches are queued and exits when none is left.
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid

from speechcase.interfaces.web.batch_intake import batches_available
from speechcase.interfaces.web.settings import SETTINGS_ENV, WebSettings
from speechcase.rehearsals.batches import batch_folders, queued_batches, requeue_interrupted_batches
from speechcase.rehearsals.store import open_store

log = logging.getLogger("speechcase.web")
RESTART_PAUSE_SECONDS = 2.0
#: Seconds the driver has to close its Dask workers when the server stops.
STOP_SECONDS = 20.0


class BatchDriver:
    """The batch driver process of one server (at most one at a time)."""

    def __init__(self, settings: WebSettings):
        self.settings = settings
        self.proc: subprocess.Popen | None = None
        self.name = ""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._monitor = threading.Thread(target=self._watch, name="batch-driver", daemon=True)

    def start(self) -> None:
        self.settings.batches.mkdir(parents=True, exist_ok=True)
        with open_store(self.settings.store) as store:
            for batch in requeue_interrupted_batches(store):
                log.warning("Batch %s was interrupted when the server stopped; %s.", batch.id,
                            "queued again" if batch.state == "queued" else "given up")
            kept = batch_folders(store)
        for folder in self.settings.batches.iterdir():  # a batch deleted, or an account removed with its batches
            if str(folder) not in kept:
                shutil.rmtree(folder, ignore_errors=True)
        self.wake()
        self._monitor.start()

    def wake(self) -> None:
        """Start the driver if batches are queued and none is running."""
        with self._lock:
            if self._stop.is_set() or (self.proc is not None and self.proc.poll() is None) or not batches_available():
                return
            with open_store(self.settings.store) as store:
                if not queued_batches(store):
                    return
            self.name = f"batch-driver-{uuid.uuid4().hex[:8]}"
            env = {**os.environ, SETTINGS_ENV: self.settings.to_env()}
            self.proc = subprocess.Popen([sys.executable, "-m", "speechcase.interfaces.web.batch_driver", "--name",
                                          self.name, "--parent", str(os.getpid())], env=env, stdin=subprocess.DEVNULL)

    def _watch(self) -> None:
        while not self._stop.wait(1.0):
            with self._lock:
                proc, name = self.proc, self.name
                if proc is None or proc.poll() is None:
                    continue
                self.proc = None
            if proc.returncode not in (0, None):
                log.warning("The batch driver stopped (exit code %s); its batch is queued again.", proc.returncode)
                time.sleep(RESTART_PAUSE_SECONDS)
            with open_store(self.settings.store) as store:
                requeue_interrupted_batches(store, driver=name)
            self.wake()

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._monitor.is_alive():
            self._monitor.join(timeout=2)
