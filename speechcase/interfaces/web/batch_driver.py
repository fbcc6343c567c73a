"""The batch driver of ``speechcase serve``: a process of its own that runs coaches' batches, one at a time, on
the machinery of ``speechcase batch``.

``speechcase serve`` starts it (:mod:`.batch_drivers`) when a batch is queued, as
``python -m speechcase.interfaces.web.batch_driver``; it claims the oldest
queued batch, plans it like ``speechcase batch`` (what is stored with the same
analysis key is skipped), runs the rest on Dask (a LocalCluster of
``--batch-workers`` processes on this machine, or the cluster at
``$SPEECHCASE_DASK_SCHEDULER``) and is the only process that writes the batch's
runs, one transaction each, as results come back. Each recording's progress
(stage and 0..1, sent by the workers as Dask events) and result go to the
batch's rows twice a second, where the batch page reads them. When no batch is
left, the driver exits and its workers with it, so their memory is free between
batches.

Stopping: a batch the coach cancels stops at the driver's next heartbeat (what
was recorded stays); when the server stops (SIGTERM, Ctrl-C in its terminal, or
the server process gone), the batch is put back in the queue and goes on at the
next start.
"""
from __future__ import annotations

import _thread
import logging
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from speechcase.analysis.pipeline import AnalyzeOptions
from speechcase.core.errors import SpeechcaseError
from speechcase.interfaces.batch.cluster import open_client, prepare_workers, scheduler_address
from speechcase.interfaces.batch.manifest import BatchItem
from speechcase.interfaces.batch.plan import Plan, Task, make_plan
from speechcase.interfaces.batch.results import ItemResult
from speechcase.interfaces.batch.runner import run_batch
from speechcase.interfaces.web.children import child_args, when_parent_gone
from speechcase.interfaces.web.heartbeat import Heartbeat
from speechcase.interfaces.web.recordings import keep_copy
from speechcase.interfaces.web.settings import WebSettings
from speechcase.rehearsals.accounts import User, list_users
from speechcase.rehearsals.batches import (
    DONE,
    Batch,
    batch_items,
    claim_next_batch,
    existing_take,
    finish_batch,
    record_item,
    report_batch_progress,
)
from speechcase.rehearsals.notices import notify_added_by_coach
from speechcase.rehearsals.sharing import coach_may_add
from speechcase.rehearsals.store import Store, open_store

log = logging.getLogger("speechcase.web.batches")
#: Seconds the driver may take to close its workers once the server is gone.
EXIT_GRACE_SECONDS = 20.0


class Stop:
    """Why the batch being run must stop: the coach cancelled it, or the server is stopping. The main thread is
    interrupted (KeyboardInterrupt) only while a batch runs; between batches the flag is enough."""

    def __init__(self) -> None:
        self.cancelled = False
        self.stopping = False
        self.running = False
        self.storing = False  # between the check before a run is stored and its batch row saying so
        self.pending = False  # a stop that came while storing

    def cancel(self) -> None:
        self.cancelled = True
        if self.running:
            _thread.interrupt_main()

    def stop(self) -> None:
        self.stopping = True
        if self.running:
            _thread.interrupt_main()

    def on_signal(self, signum: int, _frame: object) -> None:
        """SIGTERM from the server, Ctrl-C in its terminal (the same process group), or :meth:`cancel`.

        While a run is being stored the stop waits for :meth:`stored`: interrupted there, a take would be in the
        store with its batch row still saying "analysing" (then "cancelled"), or without its audio copy."""
        if not self.cancelled:
            self.stopping = True
        if self.running and self.storing:
            self.pending = True
            return
        if self.running:
            raise KeyboardInterrupt()
        if self.stopping:
            raise SystemExit(0)

    def stored(self) -> None:
        """A result is settled (stored and its row written, or refused): a stop that came meanwhile happens now."""
        self.storing = False
        if self.pending:
            self.pending = False
            raise KeyboardInterrupt()


class BatchHeartbeat(Heartbeat):
    """Writes the progress of the recordings being analysed to the batch's rows, from its own thread and store
    connection, and stops the batch when the coach cancels it."""

    def __init__(self, settings: WebSettings, batch: Batch, driver: str, positions: list[int], stop: Stop):
        super().__init__(settings.store, "batch-heartbeat")
        self.batch, self.driver, self.positions, self.stop = batch, driver, positions, stop
        self._progress: dict[int, tuple[str, float]] = {}
        self._settled: set[int] = set()
        self._lock = threading.Lock()

    def progress(self, index: int, stage: str, value: float) -> None:
        """A worker's progress event for the plan's recording ``index`` (called on Dask's event thread)."""
        position = self.positions[index]
        with self._lock:
            if position not in self._settled:
                self._progress[position] = (stage, value)

    def settled(self, position: int) -> None:
        with self._lock:
            self._settled.add(position)
            self._progress.pop(position, None)

    def beat(self, store: Store) -> bool:
        with self._lock:
            snapshot = dict(self._progress)
        if report_batch_progress(store, self.batch.id, self.driver, snapshot) == "running":
            return True
        self.stop.cancel()  # cancelled by the coach (or the batch is no longer this driver's)
        return False


def run_one(settings: WebSettings, store: Store, batch: Batch, driver: str, stop: Stop) -> None:
    """Run one claimed batch to its end (done, failed with one line, cancelled, or queued again when stopped)."""
    coach = next((u for u in list_users(store) if u.id == batch.coach_id), None)
    rows = [r for r in batch_items(store, batch.id) if r.status not in DONE]
    if coach is None or not rows:
        finish_batch(store, batch.id, driver, "done")
        return
    items = [BatchItem(Path(r.path), r.speaker, r.talk, r.framework, r.origin, r.file_name) for r in rows]
    positions = [r.position for r in rows]
    options = settings.analyze_options()
    beat = BatchHeartbeat(settings, batch, driver, positions, stop)
    began = time.perf_counter()
    try:
        stop.running = True
        with beat:
            plan = keep_takes(make_plan(items, options, store), store)
            hashes = {task.index: task.sha256 for task in plan.tasks}

            def settle(index: int, result: ItemResult) -> None:
                position, path = positions[index], items[index].path
                note = result.note.replace(str(path), path.name)  # the file's name, never where the server keeps it
                try:
                    record_item(store, batch.id, position, result.status, result.run_id, note, result.exit_code,
                                result.duration, result.seconds)
                    beat.settled(position)
                    if result.analysed and result.run_id is not None:
                        keep_copy(items[index].path, settings.audio, hashes[index])
                        if result.status == "recorded":
                            notify_added_by_coach(store, result.run_id, coach.id, coach.name, batch.id)
                except BaseException:
                    stop.storing = False
                    raise
                stop.stored()  # a cancel that came while this result was stored stops the batch now

            if plan.tasks:
                log.info("Batch %s: %d recording%s to analyse; starting the Dask workers.", batch.id,
                         len(plan.tasks), "s" if len(plan.tasks) != 1 else "")
                _on_dask(plan, options, settings, store, coach, beat, settle)
            else:
                for index, result in plan.settled:
                    settle(index, result)
        stop.running = False
        finish_batch(store, batch.id, driver, "done")
        log.info("Batch %s finished in %.0f s.", batch.id, time.perf_counter() - began)
    except KeyboardInterrupt:
        stop.running = False
        finish_batch(store, batch.id, driver, "queued")  # a cancelled batch stays cancelled
        log.warning("Batch %s %s.", batch.id, "cancelled" if stop.cancelled else "stopped; it goes on at the next "
                                                                               "start")
    except SpeechcaseError as exc:
        stop.running = False
        finish_batch(store, batch.id, driver, "failed", " ".join(str(exc).split()))
    except Exception as exc:  # a bug: the batch says so in one line, the server's terminal has the traceback
        stop.running = False
        traceback.print_exc()
        finish_batch(store, batch.id, driver, "failed", f"Unexpected {type(exc).__name__} while running the batch; "
                                                        "the server's terminal shows the details (please report them).")
    finally:
        stop.running = stop.storing = stop.pending = False
        stop.cancelled = False


def keep_takes(plan: Plan, store: Store) -> Plan:
    """The plan without the recordings that are already a take of their talk, analysed with other settings
    (``speechcase batch`` would analyse them again in place): a coach's batch adds takes, it never changes a
    candidate's. They are skipped, with the run they are."""
    tasks, settled = [], list(plan.settled)
    for task in plan.tasks:
        run_id = existing_take(store, task.item.speaker, task.item.talk, task.sha256)
        if run_id is None:
            tasks.append(task)
        else:
            settled.append((task.index, ItemResult(task.item, "skipped", run_id=run_id, note=(
                "already a take of this talk, analysed with other settings; a batch does not change a take"))))
    return Plan(tasks, sorted(settled, key=lambda pair: pair[0]))


def _on_dask(plan: Plan, options: AnalyzeOptions, settings: WebSettings, store: Store, coach: User, beat: BatchHeartbeat,
             settle: Callable[[int, ItemResult], None]) -> None:
    def may_record(task: Task) -> str | None:
        """Asked again just before each run is stored: the share may have been revoked, or the candidate may have
        uploaded the same recording, since the batch began."""
        beat.stop.storing = True  # from here until settle() has written the batch row (Stop.on_signal)
        item = task.item
        if not coach_may_add(store, coach, item.speaker, item.talk):
            return (f"{item.speaker} no longer shares the talk '{item.talk}' with you, so this take was not "
                    "stored.")
        if existing_take(store, item.speaker, item.talk, task.sha256) is not None:
            return f"This recording became a take of '{item.talk}' while the batch ran; it was not stored again."
        return None

    with open_client(scheduler_address(None), settings.batch_workers, len(plan.tasks), options.device) as client:
        prepare_workers(client, options, plan.frameworks())
        run_batch(plan, client, store, on_result=settle, on_progress=beat.progress, may_record=may_record)


def serve_batches(settings: WebSettings, driver: str, stop: Stop) -> None:
    """Run queued batches one after another until none is left (or the server stops)."""
    with open_store(settings.store) as store:
        while not stop.stopping:
            batch = claim_next_batch(store, driver)
            if batch is None:
                return
            log.info("Batch %s started (driver %s).", batch.id, driver)
            run_one(settings, store, batch, driver, stop)


def _leave(stop: Stop) -> None:
    """The server is gone: stop the batch (it is queued again), and leave for sure a little later (the workers
    of a LocalCluster end with this process)."""
    stop.stop()
    time.sleep(EXIT_GRACE_SECONDS)
    os._exit(0)


def main(argv: list[str] | None = None) -> None:
    args = child_args("speechcase serve's batch driver (started by the server).", argv)
    stop = Stop()
    signal.signal(signal.SIGTERM, stop.on_signal)
    signal.signal(signal.SIGINT, stop.on_signal)
    when_parent_gone(args.parent, lambda: _leave(stop))
    try:
        serve_batches(WebSettings.from_env(), args.name, stop)
    except (KeyboardInterrupt, SystemExit):
        pass


if __name__ == "__main__":  # pragma: no cover
    main()
