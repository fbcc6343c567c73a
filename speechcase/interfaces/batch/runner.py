"""The driver's loop: one Dask task per recording, each result recorded in the store as it comes back.

Only the driver writes the store, one transaction per run (:func:`speechcase.service.record_take`). Each
speaker's takes are stored in batch order whatever order the workers finish them in, so "first take" and
"latest take" mean what the manifest says. A worker that dies mid-task (killed, out of memory) is
replaced and its task run again by Dask; the driver receives each task's result once and records it once
(and the store itself keeps one run per recording and talk). A task whose workers keep dying
(``distributed.scheduler.allowed-failures``, 3 by default) fails alone. Interrupting the driver cancels what
has not finished; what was recorded stays, and the same command again goes on from there.
"""
from __future__ import annotations

import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from distributed import Client, as_completed
from distributed.scheduler import KilledWorker

from speechcase.core.document import read_document
from speechcase.interfaces.batch.plan import Plan, Task
from speechcase.interfaces.batch.results import ItemResult
from speechcase.interfaces.batch.worker import Outcome, analyze_recording
from speechcase.rehearsals.store import Store
from speechcase.service import record_take


@dataclass
class _Groups:
    """Holds finished tasks until every earlier task of the same speaker is settled."""

    order: dict[str, list[int]] = field(default_factory=dict)
    ready: dict[int, tuple[Task, Outcome | BaseException]] = field(default_factory=dict)

    def add(self, task: Task) -> None:
        self.order.setdefault(task.item.speaker, []).append(task.index)

    def settle(self, task: Task, outcome: Outcome | BaseException) -> list[tuple[Task, Outcome | BaseException]]:
        """Mark one task finished; returns the tasks of its group that may now be recorded, in order."""
        self.ready[task.index] = (task, outcome)
        queue = self.order[task.item.speaker]
        out = []
        while queue and queue[0] in self.ready:
            out.append(self.ready.pop(queue.pop(0)))
        return out


def run_batch(plan: Plan, client: Client, store: Store, on_result: Callable[[int, ItemResult], None] | None = None,
              debug: bool = False, on_progress: Callable[[int, str, float], None] | None = None,
              may_record: Callable[[Task], str | None] | None = None) -> list[ItemResult]:
    """Analyse the plan's tasks on the cluster and record each result.

    Args:
        plan: What to analyse (:func:`~speechcase.interfaces.batch.plan.make_plan`).
        client: A client of a cluster whose workers are prepared
            (:func:`~speechcase.interfaces.batch.cluster.prepare_workers`).
        store: The store to record in.
        on_result: Called with each recording's batch index and result as it is settled (the plan's skips and
            refusals first).
        debug: Put an unexpected error's traceback in its result's note.
        on_progress: Called (on the client's event thread) with a recording's batch index, stage and 0..1 as a
            worker analyses it; None asks the workers for no progress.
        may_record: Asked just before each analysed recording is stored: None lets it be recorded, a sentence
            fails it with that error instead (the web app checks that the talk is still shared with the coach).

    Returns:
        Every item's result, in batch order.

    Raises:
        SpeechcaseError: the store cannot be written (what was recorded before stays); KeyboardInterrupt
        cancels the tasks not finished.
    """
    report = on_result or (lambda _index, _result: None)
    results: dict[int, ItemResult] = {}
    for index, result in plan.settled:
        results[index] = result
        report(index, result)
    groups = _Groups()
    futures: dict[Any, Task] = {}
    topic = f"speechcase-progress-{uuid.uuid4().hex}" if on_progress else None
    if topic and on_progress:
        indexes = {_task_key(task): task.index for task in plan.tasks}
        tell = on_progress
        client.subscribe_topic(topic, lambda event: _progress(event, indexes, tell))
    for task in plan.tasks:  # the longest first (_size); each speaker's are still stored in batch order
        groups.add(task)
        future = client.submit(analyze_recording, str(task.item.path), task.options, task.item.name or None, topic,
                               pure=False, key=_task_key(task), priority=_size(task))
        futures[future] = task
    try:
        for future in as_completed(list(futures), loop=client.loop):
            task = futures[future]
            outcome: Outcome | BaseException
            try:
                outcome = future.result()
            except KilledWorker as exc:
                outcome = exc
            except Exception as exc:  # a bug on the worker: this recording fails, the batch goes on
                outcome = exc
            future.release()
            for settled_task, settled in groups.settle(task, outcome):
                refusal = may_record(settled_task) if may_record and isinstance(settled, Outcome) \
                    and settled.document is not None else None
                result = ItemResult.failure(settled_task.item, refusal) if refusal else \
                    _record(store, settled_task, settled, debug)
                results[settled_task.index] = result
                report(settled_task.index, result)
    finally:
        unfinished = [f for f in futures if not f.done()]
        if unfinished:
            client.cancel(unfinished)
        if topic:
            client.unsubscribe_topic(topic)
    return [results[i] for i in sorted(results)]


def _task_key(task: Task) -> str:
    return f"speechcase-analyze-{task.index}-{task.key[:16]}"


def _progress(event: tuple[float, Any], indexes: dict[str, int], report: Callable[[int, str, float], None]) -> None:
    """One progress event of a worker, for the recording it is about."""
    message = event[1] if isinstance(event, tuple) and len(event) == 2 else {}
    index = indexes.get(str(message.get("key", ""))) if isinstance(message, dict) else None
    if index is not None:
        report(index, str(message.get("stage", "")), float(message.get("progress", 0.0)))


def _record(store: Store, task: Task, outcome: Outcome | BaseException, debug: bool) -> ItemResult:
    """One task's result into the store (a success) or into a failure result."""
    item = task.item
    if isinstance(outcome, KilledWorker):
        return ItemResult.failure(item, f"The workers analysing {item.path.name} kept stopping (killed, or out of "
                                        "memory); check the recording, or give each worker more memory.")
    if isinstance(outcome, BaseException):
        note = f"unexpected {type(outcome).__name__}: {outcome}; rerun with --debug and report the traceback."
        if debug:
            note += " " + "".join(traceback.format_exception(outcome)).replace("\n", " | ")
        return ItemResult.failure(item, note)
    if outcome.document is None or outcome.transcript is None:
        return ItemResult.failure(item, outcome.error, outcome.exit_code, outcome.seconds)
    document = read_document(outcome.document, f"the analysis of {item.path.name}")
    run = record_take(store, document, outcome.transcript, item.talk, item.speaker, task.key)
    summary = document.summary
    return ItemResult(item, "updated" if run.replaced else "recorded", run_id=run.id, duration=summary.duration,
                      seconds=outcome.seconds, wpm=summary.wpm, flags={str(k): v for k, v in summary.flags.items()},
                      timings=outcome.timings, from_cache=outcome.from_cache)


def _size(task: Task) -> int:
    """The task's Dask priority: its recording's size in bytes. The longest recordings start first, so the
    batch does not end with one worker finishing a long talk while the others wait (the order they are stored
    in is still the batch's)."""
    try:
        return task.item.path.stat().st_size
    except OSError:  # gone since the plan was made: the worker says so
        return 0
