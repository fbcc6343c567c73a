"""A coach's batches in the web app: many recordings analysed at once, and what became of each one.

A batch lives in the ``batches`` table and its recordings in ``batch_items``
(store schema 7), so that it outlives the processes that run it: the web process
adds a batch (``queued``) with one item per manifest row; the batch driver, a
process of its own, claims it (``running``), writes each item's progress and
result as the Dask workers send them back, and finishes it (``done``, or
``failed`` with a one-line error when the batch as a whole could not run). A
coach may cancel a batch (the driver stops at its next heartbeat) and run a
finished one again: what was recorded stays recorded, the rest goes back to
``waiting``. A batch still ``running`` when the server stops is queued again at
the next start; recording a take again is harmless (one run per talk and
recording), and a batch skips what is stored with the same analysis key.

Every change is one ``BEGIN IMMEDIATE`` transaction, so two drivers never
claim the same batch.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from speechcase.rehearsals.store import Store, claim_oldest, now

BatchState = Literal["queued", "running", "done", "failed", "cancelled"]
ItemStatus = Literal["waiting", "analysing", "recorded", "updated", "skipped", "failed", "cancelled"]
#: A batch whose driver died under it this many times is given up.
MAX_ATTEMPTS = 3
#: Statuses of an item that a run of its batch has settled for good (a rerun leaves them as they are).
DONE: tuple[ItemStatus, ...] = ("recorded", "updated", "skipped")

_BATCH_COLUMNS = ("id, coach_id, state, folder, manifest, framework, error, attempts, driver, created_at, started_at, "
                  "heartbeat_at, finished_at")
_ITEM_COLUMNS = ("origin, path, file_name, speaker, talk, framework, batch_id, position, status, stage, progress, "
                 "run_id, note, exit_code, duration, seconds")


@dataclass(frozen=True)
class Batch:
    """One batch of a coach: its recordings are in ``folder`` (under the web app's data folder); ``manifest`` is
    the name of the manifest it was made from; ``framework`` the framework of rows that name none."""

    id: int
    coach_id: int
    state: BatchState
    folder: str
    manifest: str
    framework: str
    error: str | None
    attempts: int
    driver: str | None
    created_at: str
    started_at: str | None
    heartbeat_at: str | None
    finished_at: str | None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled")


@dataclass(frozen=True)
class NewItem:
    """A recording of a batch being created: where the server keeps it and whose take it becomes.

    Attributes:
        origin: Where it came from, for messages (``cohort.csv row 3``).
        path: The recording on the server.
        file_name: Its own name, as the coach uploaded it (what the run's document names).
    """

    origin: str
    path: str
    file_name: str
    speaker: str
    talk: str
    framework: str


@dataclass(frozen=True)
class BatchItemRow(NewItem):
    """One recording of a batch and what became of it (``run_id``: the run recorded, updated, or skipped as
    already stored; ``note``: a failure's one-line error, or why it was skipped)."""

    batch_id: int
    position: int
    status: ItemStatus
    stage: str
    progress: float
    run_id: int | None
    note: str
    exit_code: int
    duration: float
    seconds: float

    @property
    def settled(self) -> bool:
        return self.status not in ("waiting", "analysing")


def create_batch(store: Store, coach_id: int, folder: str, manifest: str, framework: str,
                 items: list[NewItem]) -> Batch:
    """Queue a batch of ``items`` (in manifest order) for the coach ``coach_id``, in one transaction."""
    with store.transaction() as db:
        batch_id = int(db.execute(
            "INSERT INTO batches (coach_id, state, folder, manifest, framework, created_at) VALUES (?, 'queued', ?, ?, "
            "?, ?)", (coach_id, folder, manifest, framework, now())).lastrowid or 0)
        db.executemany("INSERT INTO batch_items (batch_id, position, origin, path, file_name, speaker, talk, framework, "
                       "status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'waiting')",
                       [(batch_id, k, i.origin, i.path, i.file_name, i.speaker, i.talk, i.framework)
                        for k, i in enumerate(items)])
    found = find_batch(store, batch_id)
    assert found is not None
    return found


def find_batch(store: Store, batch_id: int) -> Batch | None:
    with store.reading() as db:
        row = db.execute(f"SELECT {_BATCH_COLUMNS} FROM batches WHERE id = ?", (batch_id,)).fetchone()
    return Batch(*row) if row else None


def batches_of(store: Store, coach_id: int, limit: int = 50) -> list[Batch]:
    """A coach's batches, newest first."""
    with store.reading() as db:
        rows = db.execute(f"SELECT {_BATCH_COLUMNS} FROM batches WHERE coach_id = ? ORDER BY id DESC LIMIT ?",
                          (coach_id, limit)).fetchall()
    return [Batch(*row) for row in rows]


def batch_items(store: Store, batch_id: int) -> list[BatchItemRow]:
    """A batch's recordings in manifest order."""
    with store.reading() as db:
        rows = db.execute(f"SELECT {_ITEM_COLUMNS} FROM batch_items WHERE batch_id = ? ORDER BY position",
                          (batch_id,)).fetchall()
    return [BatchItemRow(*row) for row in rows]


def item_counts(store: Store, batch_ids: list[int]) -> dict[int, Counter[str]]:
    """Per batch, how many of its items have each status."""
    counts: dict[int, Counter[str]] = {batch_id: Counter() for batch_id in batch_ids}
    if not batch_ids:
        return counts
    with store.reading() as db:
        for batch_id, status, count in db.execute(
                f"SELECT batch_id, status, COUNT(*) FROM batch_items WHERE batch_id IN ({', '.join('?' * len(batch_ids))}) "
                "GROUP BY batch_id, status", batch_ids):
            counts[batch_id][status] = count
    return counts


def batch_folders(store: Store) -> set[str]:
    """The folders every stored batch keeps its recordings in."""
    with store.reading() as db:
        return {row[0] for row in db.execute("SELECT folder FROM batches")}


# -- the coach's actions -------------------------------------------------------------------------------------

def cancel_batch(store: Store, batch_id: int) -> Batch | None:
    """Cancel a queued or running batch: its recordings not settled yet are not analysed (a running batch's driver
    stops at its next heartbeat; what it recorded stays). A finished batch is left as it is."""
    with store.transaction() as db:
        changed = db.execute("UPDATE batches SET state = 'cancelled', finished_at = ? WHERE id = ? "
                             "AND state IN ('queued', 'running')", (now(), batch_id)).rowcount
        if changed:
            _cancel_items(db, batch_id)
    return find_batch(store, batch_id)


def rerun_batch(store: Store, batch_id: int) -> Batch | None:
    """Queue a finished batch again: its failed, cancelled and unfinished recordings go back to ``waiting`` (what
    was stored stays as it is; the batch skips what is stored with the same settings anyway)."""
    with store.transaction() as db:
        changed = db.execute("UPDATE batches SET state = 'queued', error = NULL, attempts = 0, driver = NULL, "
                             "finished_at = NULL WHERE id = ? AND state IN ('done', 'failed', 'cancelled')",
                             (batch_id,)).rowcount
        if changed:
            db.execute("UPDATE batch_items SET status = 'waiting', stage = '', progress = 0, note = '', exit_code = 0 "
                       f"WHERE batch_id = ? AND status NOT IN ({_done_list()})", (batch_id,))
    return find_batch(store, batch_id)


def delete_batch(store: Store, batch_id: int) -> bool:
    """Delete a finished batch's record (its runs stay); False when it is not finished or not there."""
    with store.transaction() as db:
        return bool(db.execute("DELETE FROM batches WHERE id = ? AND state IN ('done', 'failed', 'cancelled')",
                               (batch_id,)).rowcount)


# -- the driver's side ---------------------------------------------------------------------------------------

def claim_next_batch(store: Store, driver: str) -> Batch | None:
    """Take the oldest queued batch for ``driver`` (``running``), or None when none is queued."""
    with store.transaction() as db:
        claimed = claim_oldest(db, "batches", "driver", driver)
        if claimed is None:
            return None
        db.execute("UPDATE batch_items SET status = 'waiting', stage = '', progress = 0 WHERE batch_id = ? "
                   "AND status = 'analysing'", (claimed,))
    return find_batch(store, claimed)


def record_item(store: Store, batch_id: int, position: int, status: ItemStatus, run_id: int | None = None,
                note: str = "", exit_code: int = 0, duration: float = 0.0, seconds: float = 0.0) -> None:
    """What became of one recording (the driver writes it as each result is settled)."""
    with store.transaction() as db:
        db.execute("UPDATE batch_items SET status = ?, stage = '', progress = ?, run_id = ?, note = ?, exit_code = ?, "
                   "duration = ?, seconds = ? WHERE batch_id = ? AND position = ?",
                   (status, 1.0 if status in DONE else 0.0, run_id, note, exit_code, duration, seconds, batch_id,
                    position))


def report_batch_progress(store: Store, batch_id: int, driver: str,
                          progress: dict[int, tuple[str, float]]) -> BatchState | None:
    """The driver's heartbeat: each recording being analysed (position -> stage, 0..1), written in one
    transaction. Returns the batch's state as it is now (``cancelled`` tells the driver to stop), or None when
    the batch is no longer this driver's."""
    with store.transaction() as db:
        row = db.execute("SELECT state, driver FROM batches WHERE id = ?", (batch_id,)).fetchone()
        if row is None or row[1] != driver:
            return None
        if row[0] == "running":
            db.execute("UPDATE batches SET heartbeat_at = ? WHERE id = ?", (now(), batch_id))
            db.executemany("UPDATE batch_items SET status = 'analysing', stage = ?, progress = ? WHERE batch_id = ? "
                           "AND position = ? AND status IN ('waiting', 'analysing')",
                           [(stage, max(0.0, min(value, 1.0)), batch_id, position)
                            for position, (stage, value) in progress.items()])
        return row[0]


def finish_batch(store: Store, batch_id: int, driver: str, state: BatchState, error: str | None = None) -> bool:
    """End a running batch of ``driver``: ``done``, ``failed`` with the one-line ``error`` (its recordings not
    settled are failed with it), or ``queued`` again (interrupted: it goes on at the next start). A batch the coach
    cancelled meanwhile stays cancelled, its unsettled recordings cancelled. False when it was not this driver's."""
    with store.transaction() as db:
        row = db.execute("SELECT state FROM batches WHERE id = ? AND driver = ?", (batch_id, driver)).fetchone()
        if row is None:
            return False
        if row[0] == "cancelled":
            _cancel_items(db, batch_id)
            return True
        if row[0] != "running":
            return False
        if state == "queued":  # stopped with the server: not the batch's fault, so not counted as a try
            db.execute("UPDATE batches SET state = 'queued', driver = NULL, attempts = MAX(attempts - 1, 0) "
                       "WHERE id = ?", (batch_id,))
            db.execute("UPDATE batch_items SET status = 'waiting', stage = '', progress = 0 WHERE batch_id = ? "
                       "AND status = 'analysing'", (batch_id,))
            return True
        db.execute("UPDATE batches SET state = ?, error = ?, finished_at = ? WHERE id = ?",
                   (state, error, now(), batch_id))
        if state == "failed":
            db.execute("UPDATE batch_items SET status = 'failed', stage = '', progress = 0, note = ? WHERE batch_id = ? "
                       "AND status IN ('waiting', 'analysing')", (error or "", batch_id))
    return True


def requeue_interrupted_batches(store: Store, driver: str | None = None) -> list[Batch]:
    """Put running batches back in the queue (all of them at server start, or those of a driver that died); a
    batch that has been started :data:`MAX_ATTEMPTS` times is failed instead, so a batch that kills its driver
    cannot loop for ever."""
    who, args = ("AND driver = ?", [driver]) if driver else ("", [])
    with store.transaction() as db:
        rows = db.execute(f"SELECT id, attempts FROM batches WHERE state = 'running' {who}", args).fetchall()
        for batch_id, attempts in rows:
            if attempts >= MAX_ATTEMPTS:
                error = (f"The batch stopped {attempts} times without finishing (its driver process died); the "
                         "server's terminal says why. Run it again, or split it.")
                db.execute("UPDATE batches SET state = 'failed', error = ?, finished_at = ? WHERE id = ?",
                           (error, now(), batch_id))
                db.execute("UPDATE batch_items SET status = 'failed', stage = '', progress = 0, note = ? "
                           "WHERE batch_id = ? AND status IN ('waiting', 'analysing')", (error, batch_id))
            else:
                db.execute("UPDATE batches SET state = 'queued', driver = NULL WHERE id = ?", (batch_id,))
                db.execute("UPDATE batch_items SET status = 'waiting', stage = '', progress = 0 WHERE batch_id = ? "
                           "AND status = 'analysing'", (batch_id,))
    return [b for b in (find_batch(store, batch_id) for batch_id, _ in rows) if b is not None]


def existing_take(store: Store, speaker: str, talk: str, sha256: str) -> int | None:
    """The run of ``speaker``'s talk ``talk`` that already holds this recording, if any (a coach's batch adds
    takes; it never changes one that is there)."""
    with store.reading() as db:
        row = db.execute("SELECT r.id FROM runs r JOIN talks t ON t.id = r.talk_id JOIN speakers s ON s.id = "
                         "t.speaker_id WHERE s.name = ? AND t.name = ? AND r.audio_sha256 = ? ORDER BY r.id LIMIT 1",
                         (speaker, talk, sha256)).fetchone()
    return row[0] if row else None


def queued_batches(store: Store) -> int:
    with store.reading() as db:
        return db.execute("SELECT COUNT(*) FROM batches WHERE state = 'queued'").fetchone()[0]


def _cancel_items(db, batch_id: int) -> None:
    db.execute("UPDATE batch_items SET status = 'cancelled', stage = '', progress = 0, note = 'the batch was cancelled "
               "before this recording was analysed' WHERE batch_id = ? AND status IN ('waiting', 'analysing')",
               (batch_id,))


def _done_list() -> str:
    return ", ".join(f"'{status}'" for status in DONE)
