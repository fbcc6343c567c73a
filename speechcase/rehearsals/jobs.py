"""The analysis queue of ``speechcase serve``: jobs kept in the store, taken one at a time by worker processes.

A job lives in the ``jobs`` table (store schema 4) so that it outlives the
processes that handle it: the web process adds a job, a worker process claims
it (``queued`` -> ``running``), reports progress on it, and finishes it
(``done`` with the run it recorded, or ``failed`` with the one-line error). A job
still ``running`` when the server stops is put back in the queue at the next
start (:func:`requeue_interrupted`); recording it again is harmless because the
store keys a run by its talk and the recording's hash, so it is recorded once.

Every change is one ``BEGIN IMMEDIATE`` transaction, so two workers never
claim the same job.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from speechcase.core.errors import UnknownJob
from speechcase.rehearsals.store import Store, claim_oldest, now

JobState = Literal["queued", "running", "done", "failed", "cancelled"]
JobKind = Literal["analyze", "reanalyze"]
#: A job that failed this many times by a worker dying under it (not by a refusal) is given up.
MAX_ATTEMPTS = 3

_COLUMNS = ("id, kind, state, talk, speaker, framework, input_path, file_name, audio_sha256, size, target_run, "
            "run_id, stage, progress, error, attempts, worker, created_at, started_at, heartbeat_at, finished_at")


@dataclass(frozen=True)
class Job:
    """One queued, running or finished analysis.

    ``input_path`` is the stored recording (for ``analyze``); ``target_run`` the
    run analysed again (for ``reanalyze``); ``run_id`` the run recorded.
    """

    id: int
    kind: JobKind
    state: JobState
    talk: str
    speaker: str
    framework: str
    input_path: str | None
    file_name: str
    audio_sha256: str | None
    size: int
    target_run: int | None
    run_id: int | None
    stage: str
    progress: float
    error: str | None
    attempts: int
    worker: str | None
    created_at: str
    started_at: str | None
    heartbeat_at: str | None
    finished_at: str | None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled")

    def public(self) -> dict[str, object]:
        """The job as the JSON API shows it."""
        return {"id": self.id, "state": self.state, "progress": round(self.progress, 4), "stage": self.stage,
                "run": self.run_id, "error": self.error, "talk": self.talk, "file": self.file_name,
                "kind": self.kind, "created_at": self.created_at}


def _insert(store: Store, values: dict[str, object]) -> Job:
    names = ", ".join(values)
    with store.transaction() as db:
        job_id = db.execute(f"INSERT INTO jobs ({names}) VALUES ({', '.join('?' * len(values))})",
                            tuple(values.values())).lastrowid
    return get_job(store, int(job_id or 0))


def enqueue_analysis(store: Store, talk: str, speaker: str, framework: str, input_path: str, file_name: str,
                     sha256: str, size: int) -> Job:
    """Queue the analysis of a stored recording under ``talk`` of ``speaker``."""
    return _insert(store, {"kind": "analyze", "state": "queued", "talk": talk, "speaker": speaker,
                           "framework": framework, "input_path": input_path, "file_name": file_name,
                           "audio_sha256": sha256, "size": size, "stage": "queued", "progress": 0.0,
                           "created_at": now()})


def enqueue_reanalysis(store: Store, run_id: int, talk: str, speaker: str, framework: str) -> Job:
    """Queue a stored run's analysis again from its transcript, with ``framework``."""
    return _insert(store, {"kind": "reanalyze", "state": "queued", "talk": talk, "speaker": speaker,
                           "framework": framework, "file_name": f"run {run_id}", "target_run": run_id,
                           "stage": "queued", "progress": 0.0, "created_at": now()})


def already_done(store: Store, talk: str, speaker: str, file_name: str, sha256: str, run_id: int) -> Job:
    """A job born finished: the recording was uploaded before and is run ``run_id``; nothing is analysed."""
    stamp = now()
    return _insert(store, {"kind": "analyze", "state": "done", "talk": talk, "speaker": speaker, "framework": "",
                           "file_name": file_name, "audio_sha256": sha256, "run_id": run_id,
                           "stage": "already analysed", "progress": 1.0, "created_at": stamp,
                           "finished_at": stamp})


def get_job(store: Store, job_id: int) -> Job:
    with store.reading() as db:
        row = db.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
    if row is None:
        raise UnknownJob(f"No analysis job {job_id}; the Talks page lists your jobs.")
    return Job(*row)


def jobs_of(store: Store, speaker: str, active_only: bool = False, limit: int = 50) -> list[Job]:
    """A speaker's jobs, newest first (only queued and running ones when ``active_only``)."""
    where = "AND state IN ('queued', 'running')" if active_only else ""
    with store.reading() as db:
        rows = db.execute(f"SELECT {_COLUMNS} FROM jobs WHERE speaker = ? {where} ORDER BY id DESC LIMIT ?",
                          (speaker, limit)).fetchall()
    return [Job(*row) for row in rows]


def pending_job(store: Store, speaker: str, sha256: str) -> Job | None:
    """A queued or running analysis of the same recording for the same speaker, if any."""
    with store.reading() as db:
        row = db.execute(f"SELECT {_COLUMNS} FROM jobs WHERE speaker = ? AND audio_sha256 = ? AND kind = 'analyze' "
                         "AND state IN ('queued', 'running') ORDER BY id LIMIT 1", (speaker, sha256)).fetchone()
    return Job(*row) if row else None


def jobs_using_file(store: Store, input_path: str) -> int:
    """How many queued or running jobs still need the stored recording ``input_path``."""
    with store.reading() as db:
        return db.execute("SELECT COUNT(*) FROM jobs WHERE input_path = ? AND state IN ('queued', 'running')",
                          (input_path,)).fetchone()[0]


# -- the worker's side ---------------------------------------------------------------------------------------

def claim_next(store: Store, worker: str) -> Job | None:
    """Take the oldest queued job for ``worker`` (``running``), or None when the queue is empty."""
    with store.transaction() as db:
        claimed = claim_oldest(db, "jobs", "worker", worker)
        if claimed is None:
            return None
        db.execute("UPDATE jobs SET stage = 'starting' WHERE id = ?", (claimed,))
    return get_job(store, claimed)


def report_progress(store: Store, job_id: int, worker: str, stage: str, progress: float) -> bool:
    """Record how far a running job has come; False when the job is no longer this worker's."""
    with store.transaction() as db:
        changed = db.execute("UPDATE jobs SET stage = ?, progress = ?, heartbeat_at = ? WHERE id = ? "
                             "AND state = 'running' AND worker = ?",
                             (stage, max(0.0, min(progress, 1.0)), now(), job_id, worker)).rowcount
    return bool(changed)


def finish(store: Store, job_id: int, worker: str, run_id: int) -> bool:
    """Mark a job done with the run it recorded; False when it was not this worker's any more."""
    with store.transaction() as db:
        changed = db.execute("UPDATE jobs SET state = 'done', stage = 'done', progress = 1, run_id = ?, error = NULL, "
                             "finished_at = ? WHERE id = ? AND state = 'running' AND worker = ?",
                             (run_id, now(), job_id, worker)).rowcount
    return bool(changed)


def fail(store: Store, job_id: int, error: str, worker: str | None = None) -> None:
    """Mark a job failed with a one-line error (by its worker, or by whoever gives it up)."""
    who, args = ("AND worker = ?", [worker]) if worker else ("", [])
    with store.transaction() as db:
        db.execute(f"UPDATE jobs SET state = 'failed', stage = 'failed', error = ?, finished_at = ? WHERE id = ? "
                   f"AND state IN ('queued', 'running') {who}", [error, now(), job_id, *args])


def cancel(store: Store, job_id: int) -> Job:
    """Cancel a queued job (a running one goes on: it is already being analysed). Returns the job as it is now."""
    with store.transaction() as db:
        db.execute("UPDATE jobs SET state = 'cancelled', stage = 'cancelled', finished_at = ? "
                   "WHERE id = ? AND state = 'queued'", (now(), job_id))
    return get_job(store, job_id)


def requeue_interrupted(store: Store, worker: str | None = None) -> list[Job]:
    """Put running jobs back in the queue (all of them at server start, or those of a worker that died).

    A job that has already been started :data:`MAX_ATTEMPTS` times is failed
    instead, so a recording that kills its worker cannot loop for ever.
    """
    who, args = ("AND worker = ?", [worker]) if worker else ("", [])
    with store.transaction() as db:
        rows = db.execute(f"SELECT id, attempts FROM jobs WHERE state = 'running' {who}", args).fetchall()
        for job_id, attempts in rows:
            if attempts >= MAX_ATTEMPTS:
                db.execute("UPDATE jobs SET state = 'failed', stage = 'failed', finished_at = ?, error = ? "
                           "WHERE id = ?", (now(), f"The analysis stopped {attempts} times without finishing "
                                            "(the worker process died); try a shorter or re-exported recording.",
                                            job_id))
            else:
                db.execute("UPDATE jobs SET state = 'queued', stage = 'queued', progress = 0, worker = NULL "
                           "WHERE id = ?", (job_id,))
    return [get_job(store, job_id) for job_id, _ in rows]
