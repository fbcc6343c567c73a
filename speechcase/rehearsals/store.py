"""The rehearsal store: one SQLite file holding every analysed run of every talk.

Layout (schema version 7, ``PRAGMA user_version``):

- ``speakers`` -> ``talks`` (a named series of rehearsals, unique per speaker) -> ``runs``.
- A run keeps its whole analysis document and transcript as JSON text (the store
  is self-contained: a run can be re-analysed or exported without any other
  file), plus the document's summary numbers as indexed columns for queries.
- ``run_sections`` (one row per framework section: seconds, share, target) and
  ``run_flags`` (one row per flag) are *derived* from the document and rebuilt
  whenever a run is re-analysed.
- ``runs.analysis_key`` (schema version 3): the recording and the settings of the run's analysis, which
  ``speechcase batch`` looks up to skip what is already done.

Human input (the coach review: ``flag_reviews`` and ``coach_notes``, schema
version 2, see :mod:`speechcase.rehearsals.reviews`) references ``runs(id)`` only and keeps
its own copy of a flag's type and span, never a foreign key into ``run_flags``,
so re-analysing a run re-attaches it (:mod:`speechcase.rehearsals.matching`) instead of deleting it. Goals
for the next take (``talk_goals``, schema version 6, see :mod:`speechcase.rehearsals.goals`) are human input
on a talk; a talk that has goals is kept when its last run is deleted.

The web app's tables (schema versions 4 and 5): ``jobs`` (the analysis queue), ``users``, ``sessions``,
``api_tokens``, ``shares``, ``invites`` and ``notices``; see :mod:`speechcase.rehearsals.jobs`,
:mod:`speechcase.rehearsals.accounts`, :mod:`speechcase.rehearsals.sharing` and
:mod:`speechcase.rehearsals.notices`. A coach's batches started in the web app (schema version 7):
``batches`` and ``batch_items``, see :mod:`speechcase.rehearsals.batches`.

Add new tables as a new entry in :data:`MIGRATIONS`; never edit an existing entry.

Safety: WAL journal, ``synchronous=FULL``, one ``BEGIN IMMEDIATE`` transaction
per write (a process killed mid-write leaves the previous state, never a partial
run), and a busy timeout so concurrent writers queue instead of failing.
"""
from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from speechcase.core.document import AnalysisDocument, read_document
from speechcase.core.errors import (
    BadAnalysis,
    NotAStore,
    StoreBusy,
    StoreNotWritable,
    StoreTooNew,
    UnknownRun,
    UnknownTalk,
)
from speechcase.core.types import SEVERITIES, Flag, SectionStatus, Transcript
from speechcase.rehearsals.matching import StoredReview, match_reviews

STORE_ENV = "SPEECHCASE_STORE"
DEFAULT_SPEAKER = "me"
APPLICATION_ID = 0x53504353  # "SPCS": marks an SQLite file as a speechcase store
BUSY_TIMEOUT_MS = 30_000

#: One list of statements per schema version; entry N migrates version N to N + 1.
MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE speakers (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL)""",
        """CREATE TABLE talks (
            id INTEGER PRIMARY KEY,
            speaker_id INTEGER NOT NULL REFERENCES speakers(id),
            name TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (speaker_id, name))""",
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            talk_id INTEGER NOT NULL REFERENCES talks(id),
            recorded_at TEXT NOT NULL,
            analysed_at TEXT NOT NULL,
            tool_version TEXT NOT NULL,
            framework TEXT NOT NULL,
            source_path TEXT NOT NULL,
            audio_sha256 TEXT NOT NULL,
            duration REAL NOT NULL,
            words INTEGER NOT NULL,
            wpm REAL NOT NULL,
            articulation_wpm REAL NOT NULL,
            fillers_per_minute REAL NOT NULL,
            filled_pauses_per_minute REAL NOT NULL,
            discourse_fillers_per_minute REAL NOT NULL,
            pauses INTEGER NOT NULL,
            mid_sentence_pauses INTEGER NOT NULL,
            longest_pause REAL NOT NULL,
            hedges_per_minute REAL NOT NULL,
            rambling_seconds REAL NOT NULL,
            flags_high INTEGER NOT NULL,
            flags_medium INTEGER NOT NULL,
            flags_low INTEGER NOT NULL,
            summary TEXT NOT NULL,
            document TEXT NOT NULL,
            transcript TEXT NOT NULL)""",
        "CREATE INDEX runs_by_talk ON runs (talk_id, recorded_at)",
        "CREATE INDEX runs_by_audio ON runs (audio_sha256)",
        "CREATE INDEX runs_by_wpm ON runs (wpm)",
        "CREATE INDEX runs_by_fillers ON runs (fillers_per_minute)",
        """CREATE TABLE run_sections (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            section TEXT NOT NULL,
            title TEXT NOT NULL,
            seconds REAL NOT NULL,
            share REAL NOT NULL,
            target_low REAL NOT NULL,
            target_high REAL NOT NULL,
            status TEXT NOT NULL,
            PRIMARY KEY (run_id, section))""",
        "CREATE INDEX run_sections_by_share ON run_sections (section, share)",
        """CREATE TABLE run_flags (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            flag_id TEXT NOT NULL,
            type TEXT NOT NULL,
            severity TEXT NOT NULL,
            start_s REAL NOT NULL,
            end_s REAL NOT NULL,
            PRIMARY KEY (run_id, flag_id))""",
        "CREATE INDEX run_flags_by_type ON run_flags (type, severity)",
    ],
    # 1 -> 2: the coach review (speechcase.rehearsals.reviews). Human input: it references runs(id) only and keeps its
    # own copy of each flag's type and span, so re-analysis re-attaches it instead of deleting it.
    [
        """CREATE TABLE flag_reviews (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            flag_id TEXT,
            last_flag_id TEXT NOT NULL,
            flag_type TEXT NOT NULL,
            start_s REAL NOT NULL,
            end_s REAL NOT NULL,
            decision TEXT NOT NULL CHECK (decision IN ('agree', 'dismiss', 'unset')),
            comment TEXT NOT NULL,
            reviewer TEXT NOT NULL,
            reviewed_at TEXT NOT NULL,
            unmatched_at TEXT,
            UNIQUE (run_id, flag_id))""",
        "CREATE INDEX flag_reviews_by_type ON flag_reviews (flag_type, decision)",
        """CREATE TABLE coach_notes (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            start_s REAL NOT NULL,
            end_s REAL NOT NULL,
            text TEXT NOT NULL,
            reviewer TEXT NOT NULL,
            created_at TEXT NOT NULL)""",
        "CREATE INDEX coach_notes_by_run ON coach_notes (run_id, start_s)",
    ],
    # 2 -> 3: each run's analysis key (the recording's content and the settings that change its analysis,
    # speechcase.analysis.pipeline.analysis_key), so a batch skips what is already analysed the same way. NULL
    # where the settings are not known (runs stored before, imported, re-analysed or analysed from a transcript).
    [
        "ALTER TABLE runs ADD COLUMN analysis_key TEXT",
        "CREATE INDEX runs_by_analysis_key ON runs (analysis_key)",
    ],
    # 3 -> 4: the analysis queue of ``speechcase serve`` (speechcase.rehearsals.jobs). A job names its talk and
    # speaker as text (the talk exists only once its first run is recorded) and points at the run it produced.
    [
        """CREATE TABLE jobs (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('analyze', 'reanalyze')),
            state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
            talk TEXT NOT NULL,
            speaker TEXT NOT NULL,
            framework TEXT NOT NULL,
            input_path TEXT,
            file_name TEXT NOT NULL,
            audio_sha256 TEXT,
            size INTEGER NOT NULL DEFAULT 0,
            target_run INTEGER,
            run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
            stage TEXT NOT NULL,
            progress REAL NOT NULL,
            error TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            worker TEXT,
            created_at TEXT NOT NULL,
            started_at TEXT,
            heartbeat_at TEXT,
            finished_at TEXT)""",
        "CREATE INDEX jobs_by_state ON jobs (state, id)",
        "CREATE INDEX jobs_by_speaker ON jobs (speaker, created_at)",
    ],
    # 4 -> 5: accounts of the web app (speechcase.rehearsals.accounts, .sharing, .notices). A user owns the talks
    # of the speaker with the same name; secrets (session ids, API tokens, invite tokens) are stored as SHA-256
    # hashes only, passwords as scrypt hashes.
    [
        """CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL CHECK (role IN ('candidate', 'coach', 'admin')),
            password_hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            last_login_at TEXT)""",
        """CREATE TABLE sessions (
            id_hash TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            csrf TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL)""",
        "CREATE INDEX sessions_by_user ON sessions (user_id)",
        """CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            token_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            last_used_at TEXT,
            revoked_at TEXT)""",
        """CREATE TABLE shares (
            talk_id INTEGER NOT NULL REFERENCES talks(id) ON DELETE CASCADE,
            coach_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            PRIMARY KEY (talk_id, coach_id))""",
        "CREATE INDEX shares_by_coach ON shares (coach_id)",
        """CREATE TABLE invites (
            token_hash TEXT PRIMARY KEY,
            talk_id INTEGER NOT NULL REFERENCES talks(id) ON DELETE CASCADE,
            created_by INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT,
            used_by INTEGER REFERENCES users(id) ON DELETE SET NULL)""",
        """CREATE TABLE notices (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('shared', 'new_take', 'reviewed')),
            talk_id INTEGER NOT NULL REFERENCES talks(id) ON DELETE CASCADE,
            run_id INTEGER REFERENCES runs(id) ON DELETE CASCADE,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL,
            read_at TEXT)""",
        "CREATE INDEX notices_by_user ON notices (user_id, read_at)",
    ],
    # 5 -> 6: goals for the next take (speechcase.rehearsals.goals). Human input on a talk: one target range per
    # talk and metric (a summary number or "section:<id>"); either end may be open.
    [
        """CREATE TABLE talk_goals (
            id INTEGER PRIMARY KEY,
            talk_id INTEGER NOT NULL REFERENCES talks(id) ON DELETE CASCADE,
            metric TEXT NOT NULL,
            low REAL,
            high REAL,
            low_inclusive INTEGER NOT NULL CHECK (low_inclusive IN (0, 1)),
            high_inclusive INTEGER NOT NULL CHECK (high_inclusive IN (0, 1)),
            text TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK (low IS NOT NULL OR high IS NOT NULL),
            UNIQUE (talk_id, metric))""",
        "CREATE INDEX talk_goals_by_talk ON talk_goals (talk_id, id)",
    ],
    # 6 -> 7: a coach's batches started in the web app (speechcase.rehearsals.batches): the batch, and one row per
    # recording with what became of it. An item names its talk and speaker as text, like a job, and points at the
    # run it recorded (a deleted run leaves the item without one).
    [
        """CREATE TABLE batches (
            id INTEGER PRIMARY KEY,
            coach_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
            folder TEXT NOT NULL,
            manifest TEXT NOT NULL,
            framework TEXT NOT NULL,
            error TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            driver TEXT,
            created_at TEXT NOT NULL,
            started_at TEXT,
            heartbeat_at TEXT,
            finished_at TEXT)""",
        "CREATE INDEX batches_by_state ON batches (state, id)",
        "CREATE INDEX batches_by_coach ON batches (coach_id, id)",
        """CREATE TABLE batch_items (
            batch_id INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            origin TEXT NOT NULL,
            path TEXT NOT NULL,
            file_name TEXT NOT NULL,
            speaker TEXT NOT NULL,
            talk TEXT NOT NULL,
            framework TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('waiting', 'analysing', 'recorded', 'updated', 'skipped', 'failed',
                                                   'cancelled')),
            stage TEXT NOT NULL DEFAULT '',
            progress REAL NOT NULL DEFAULT 0,
            run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
            note TEXT NOT NULL DEFAULT '',
            exit_code INTEGER NOT NULL DEFAULT 0,
            duration REAL NOT NULL DEFAULT 0,
            seconds REAL NOT NULL DEFAULT 0,
            PRIMARY KEY (batch_id, position))""",
    ],
]
SCHEMA_VERSION = len(MIGRATIONS)

#: Summary columns of ``runs``, read from an analysis document by :func:`document_metrics`.
METRIC_COLUMNS = ("duration", "words", "wpm", "articulation_wpm", "fillers_per_minute", "filled_pauses_per_minute",
                  "discourse_fillers_per_minute", "pauses", "mid_sentence_pauses", "longest_pause",
                  "hedges_per_minute", "rambling_seconds", "flags_high", "flags_medium", "flags_low")


@dataclass(frozen=True)
class Talk:
    id: int
    name: str
    speaker: str
    runs: int
    last_run: str | None


@dataclass(frozen=True)
class SectionShare:
    """One framework section of a run, as its document's ``balance`` row."""

    section: str
    title: str
    seconds: float
    share: float
    target: tuple[float, float]
    status: SectionStatus


@dataclass(frozen=True)
class RunRow:
    """A run's identity and summary numbers: everything history and compare need, without the document."""

    id: int
    uid: str
    talk: str
    speaker: str
    recorded_at: str
    analysed_at: str
    tool_version: str
    framework: str
    source_path: str
    audio_sha256: str
    metrics: dict[str, float]
    sections: list[SectionShare]
    flag_types: dict[str, int]
    #: The document's whole ``summary`` object as stored (every number a goal can be set on).
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def flag_count(self) -> int:
        return int(self.metrics["flags_high"] + self.metrics["flags_medium"] + self.metrics["flags_low"])


def now() -> str:
    """UTC time with microseconds, so runs stored in the same second still sort in order."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def claim_oldest(db: sqlite3.Connection, table: str, owner_column: str, owner: str) -> int | None:
    """Inside the caller's transaction: mark the oldest ``queued`` row of a queue table (``jobs``, ``batches``)
    ``running`` for ``owner`` (one more attempt, started and heard from now); returns its id, or None when
    nothing is queued. Two processes never claim the same row: the caller's transaction is ``BEGIN IMMEDIATE``."""
    row = db.execute(f"SELECT id FROM {table} WHERE state = 'queued' ORDER BY id LIMIT 1").fetchone()
    if row is None:
        return None
    stamp = now()
    db.execute(f"UPDATE {table} SET state = 'running', {owner_column} = ?, attempts = attempts + 1, started_at = ?, "
               "heartbeat_at = ? WHERE id = ?", (owner, stamp, stamp, row[0]))
    return int(row[0])


def default_store_path() -> Path:
    """``$SPEECHCASE_STORE``, else ``history.sqlite3`` in the platform's user data folder."""
    if os.environ.get(STORE_ENV):
        return Path(os.environ[STORE_ENV]).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("speechcase")) / "history.sqlite3"


def document_metrics(doc: AnalysisDocument) -> dict[str, float]:
    """The indexed summary numbers of one analysis document (its ``summary`` object)."""
    s = doc.summary
    return {
        "duration": s.duration, "words": s.words, "wpm": s.wpm, "articulation_wpm": s.articulation_wpm,
        "fillers_per_minute": s.fillers_per_minute.total, "filled_pauses_per_minute": s.fillers_per_minute.filled_pause,
        "discourse_fillers_per_minute": s.fillers_per_minute.discourse,
        "pauses": s.pauses.count, "mid_sentence_pauses": s.pauses.mid_sentence, "longest_pause": s.pauses.longest,
        "hedges_per_minute": s.hedges_per_minute, "rambling_seconds": s.rambling.seconds,
        **{f"flags_{level}": s.flags[level] for level in SEVERITIES},
    }


class Store:
    """An open rehearsal store. Create with :func:`open_store`; use as a context manager to close it."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None):
        self.conn = conn
        self.path = path

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    @property
    def where(self) -> str:
        return str(self.path) if self.path else "the store"

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it lands, or (on any error or a killed process) none of it."""
        with self.reading() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.rollback()
                raise
            db.commit()

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection, with SQLite's failures turned into one-line speechcase errors."""
        with sqlite_errors(self.path):
            yield self.conn

    def require_run(self, db: sqlite3.Connection, run_id: int) -> None:
        """Inside a transaction: :class:`UnknownRun` unless the run exists."""
        if not db.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone():
            raise self.unknown_run(run_id)

    # -- writing -------------------------------------------------------------------------------------------

    def record_run(self, document: AnalysisDocument, transcript: Transcript, talk: str,
                   speaker: str = DEFAULT_SPEAKER, analysis_key: str | None = None) -> tuple[int, bool]:
        """Store one analysed run under ``talk``; returns ``(run id, replaced)``.

        The same recording (audio hash) recorded again under the same talk is the
        same rehearsal: its document is replaced in place and it keeps its id.
        ``analysis_key`` (see :meth:`analysed_runs`) is kept with the run.
        """
        with self.transaction() as db:
            talk_id = self._talk_id(db, talk, speaker)
            row = db.execute("SELECT id FROM runs WHERE talk_id = ? AND audio_sha256 = ? ORDER BY id LIMIT 1",
                             (talk_id, document.source.sha256)).fetchone()
            if row:
                run_id, replaced = row[0], True
                self._write_document(db, run_id, document, transcript)
            else:
                run_id, replaced = self._insert_run(db, talk_id, uuid.uuid4().hex, now(), document, transcript), False
            db.execute("UPDATE runs SET analysis_key = ? WHERE id = ?", (analysis_key, run_id))
            return run_id, replaced

    def replace_document(self, run_id: int, document: AnalysisDocument, transcript: Transcript) -> None:
        """Put a new analysis of the same run in place; its id, uid and date stay. Its analysis key is cleared:
        the settings of a re-analysis (another framework, newer thresholds) are not those it was made with."""
        with self.transaction() as db:
            self.require_run(db, run_id)
            self._write_document(db, run_id, document, transcript)
            db.execute("UPDATE runs SET analysis_key = NULL WHERE id = ?", (run_id,))

    def delete_run(self, run_id: int) -> RunRow:
        """Delete one run (and its talk when no run is left); returns what was deleted."""
        run = self.run(run_id)
        with self.transaction() as db:
            db.execute("DELETE FROM runs WHERE id = ?", (run_id,))
            db.execute("DELETE FROM talks WHERE id NOT IN (SELECT talk_id FROM runs) "
                       "AND id NOT IN (SELECT talk_id FROM talk_goals)")  # goals are human input: kept
        return run

    def import_run(self, db: sqlite3.Connection, talk: str, speaker: str, uid: str, recorded_at: str,
                   document: AnalysisDocument, transcript: Transcript) -> bool:
        """Inside a caller's transaction: add a run with a known uid; False when that uid is already stored."""
        if db.execute("SELECT 1 FROM runs WHERE uid = ?", (uid,)).fetchone():
            return False
        self._insert_run(db, self._talk_id(db, talk, speaker), uid, recorded_at, document, transcript)
        return True

    def create_talk(self, talk: str, speaker: str = DEFAULT_SPEAKER) -> Talk:
        """The speaker's talk called ``talk``, created (with the speaker) when new, before any run of it."""
        with self.transaction() as db:
            self._talk_id(db, talk, speaker)
        return self.find_talk(talk, speaker)

    @staticmethod
    def _talk_id(db: sqlite3.Connection, talk: str, speaker: str) -> int:
        """The id of a speaker's talk, created (with the speaker) when new."""
        db.execute("INSERT OR IGNORE INTO speakers (name, created_at) VALUES (?, ?)", (speaker, now()))
        speaker_id = db.execute("SELECT id FROM speakers WHERE name = ?", (speaker,)).fetchone()[0]
        db.execute("INSERT OR IGNORE INTO talks (speaker_id, name, created_at) VALUES (?, ?, ?)",
                   (speaker_id, talk, now()))
        return db.execute("SELECT id FROM talks WHERE speaker_id = ? AND name = ?", (speaker_id, talk)).fetchone()[0]

    def _insert_run(self, db: sqlite3.Connection, talk_id: int, uid: str, recorded_at: str,
                    document: AnalysisDocument, transcript: Transcript) -> int:
        cursor = db.execute(
            f"INSERT INTO runs (uid, talk_id, recorded_at, {', '.join(_DOCUMENT_COLUMNS)}) "
            f"VALUES (?, ?, ?, {', '.join('?' * len(_DOCUMENT_COLUMNS))})",
            (uid, talk_id, recorded_at, *_document_values(document, transcript)))
        run_id = int(cursor.lastrowid or 0)
        self._write_derived(db, run_id, document)
        return run_id

    def _write_document(self, db: sqlite3.Connection, run_id: int, document: AnalysisDocument,
                        transcript: Transcript) -> None:
        db.execute(f"UPDATE runs SET {', '.join(f'{c} = ?' for c in _DOCUMENT_COLUMNS)} WHERE id = ?",
                   (*_document_values(document, transcript), run_id))
        db.execute("DELETE FROM run_sections WHERE run_id = ?", (run_id,))
        db.execute("DELETE FROM run_flags WHERE run_id = ?", (run_id,))
        self._write_derived(db, run_id, document)
        self._reattach_reviews(db, run_id, document.flags)  # the coach review follows the new flags

    @staticmethod
    def _write_derived(db: sqlite3.Connection, run_id: int, document: AnalysisDocument) -> None:
        db.executemany(
            "INSERT INTO run_sections VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(run_id, i, b.section, document.section_title(b.section), b.seconds, b.share, b.target_share[0],
              b.target_share[1], b.status) for i, b in enumerate(document.balance)])
        db.executemany("INSERT INTO run_flags VALUES (?, ?, ?, ?, ?, ?)",
                       [(run_id, f.id, f.type, f.severity, f.start, f.end) for f in document.flags])

    @staticmethod
    def _reattach_reviews(db: sqlite3.Connection, run_id: int, flags: list[Flag]) -> None:
        """Inside the caller's transaction: attach each coach review of the run to its flag in the new analysis
        (see :func:`~speechcase.rehearsals.matching.match_reviews`); a review left without one keeps its last span
        and is marked unmatched."""
        reviews = [StoredReview(*row) for row in db.execute(
            "SELECT id, flag_type, start_s, end_s, last_flag_id FROM flag_reviews WHERE run_id = ?", (run_id,))]
        if not reviews:
            return
        db.execute("UPDATE flag_reviews SET flag_id = NULL WHERE run_id = ?", (run_id,))
        for review_id, flag in match_reviews(reviews, flags).items():
            db.execute("UPDATE flag_reviews SET flag_id = ?, last_flag_id = ?, start_s = ?, end_s = ?, "
                       "unmatched_at = NULL WHERE id = ?", (flag.id, flag.id, flag.start, flag.end, review_id))
        db.execute("UPDATE flag_reviews SET unmatched_at = COALESCE(unmatched_at, ?) WHERE run_id = ? AND flag_id IS NULL",
                   (now(), run_id))

    # -- reading -------------------------------------------------------------------------------------------

    def talks(self) -> list[Talk]:
        with self.reading() as db:
            rows = db.execute(
                "SELECT t.id, t.name, s.name, COUNT(r.id), MAX(r.recorded_at) FROM talks t "
                "JOIN speakers s ON s.id = t.speaker_id LEFT JOIN runs r ON r.talk_id = t.id "
                "GROUP BY t.id ORDER BY MAX(r.recorded_at) DESC, t.name").fetchall()
        return [Talk(*row) for row in rows]

    def find_talk(self, name: str, speaker: str | None = None) -> Talk:
        """The talk called ``name`` (of ``speaker`` when given); a clear error when none or several match."""
        matches = [t for t in self.talks() if t.name == name and (speaker is None or t.speaker == speaker)]
        if not matches:
            raise UnknownTalk(self._unknown_talk(name, speaker))
        if len(matches) > 1:
            raise UnknownTalk(f"Several speakers have a talk called '{name}' "
                              f"({', '.join(t.speaker for t in matches)}); pass --speaker NAME.")
        return matches[0]

    def runs(self, talk: Talk | None = None, run_ids: list[int] | None = None) -> list[RunRow]:
        """Runs of a talk (or the given ids), oldest first."""
        where, args = ("r.talk_id = ?", [talk.id]) if talk else ("1", [])
        if run_ids is not None:
            where += f" AND r.id IN ({', '.join('?' * len(run_ids))})"
            args += list(run_ids)
        with self.reading() as db:
            rows = db.execute(
                f"SELECT r.id, r.uid, t.name, s.name, r.recorded_at, r.analysed_at, r.tool_version, r.framework, "
                f"r.source_path, r.audio_sha256, r.summary, {', '.join('r.' + c for c in METRIC_COLUMNS)} FROM runs r "
                f"JOIN talks t ON t.id = r.talk_id JOIN speakers s ON s.id = t.speaker_id "
                f"WHERE {where} ORDER BY r.recorded_at, r.id", args).fetchall()
            sections, flags = self._sections_and_flags([r[0] for r in rows])
        return [RunRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], dict(zip(METRIC_COLUMNS, r[11:])),
                       sections.get(r[0], []), flags.get(r[0], {}), json.loads(r[10])) for r in rows]

    def analysed_runs(self, keys: list[str]) -> dict[tuple[str, str, str], int]:
        """The runs stored with these analysis keys, as ``(speaker, talk, key) -> run id``: what a batch may skip.

        Args:
            keys: :func:`~speechcase.analysis.pipeline.analysis_key` values (any number; looked up in chunks).
        """
        found: dict[tuple[str, str, str], int] = {}
        unique = sorted(set(keys))
        with self.reading() as db:
            for first in range(0, len(unique), 500):  # SQLite's limit on bound parameters is 999 in old builds
                chunk = unique[first:first + 500]
                for speaker, talk, key, run_id in db.execute(
                        "SELECT s.name, t.name, r.analysis_key, MIN(r.id) FROM runs r JOIN talks t ON t.id = r.talk_id "
                        f"JOIN speakers s ON s.id = t.speaker_id WHERE r.analysis_key IN ({', '.join('?' * len(chunk))}) "
                        "GROUP BY s.name, t.name, r.analysis_key", chunk):
                    found[(speaker, talk, key)] = run_id
        return found

    def run(self, run_id: int) -> RunRow:
        found = self.runs(run_ids=[run_id])
        if not found:
            raise self.unknown_run(run_id)
        return found[0]

    def document(self, run_id: int) -> AnalysisDocument:
        """The run's analysis document, typed (its JSON as stored is ``.raw``)."""
        return read_document(self._json(run_id, "document"), f"the document of run {run_id}")

    def transcript(self, run_id: int) -> Transcript:
        return Transcript.from_dict(self._json(run_id, "transcript"))

    def _json(self, run_id: int, column: str) -> dict[str, Any]:
        with self.reading() as db:
            row = db.execute(f"SELECT {column} FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise self.unknown_run(run_id)
        return json.loads(row[0])

    def _sections_and_flags(self, run_ids: list[int]) -> tuple[dict[int, list[SectionShare]], dict[int, dict]]:
        sections: dict[int, list[SectionShare]] = {}
        flags: dict[int, dict[str, int]] = {}
        marks = ", ".join("?" * len(run_ids))
        for run_id, *row in self.conn.execute(
                "SELECT run_id, section, title, seconds, share, target_low, target_high, status FROM run_sections "
                f"WHERE run_id IN ({marks}) ORDER BY run_id, position", run_ids):
            sections.setdefault(run_id, []).append(SectionShare(row[0], row[1], row[2], row[3], (row[4], row[5]),
                                                                row[6]))
        for run_id, flag_type, count in self.conn.execute(
                f"SELECT run_id, type, COUNT(*) FROM run_flags WHERE run_id IN ({marks}) GROUP BY run_id, type "
                "ORDER BY run_id, type", run_ids):
            flags.setdefault(run_id, {})[flag_type] = count
        return sections, flags

    def unknown_run(self, run_id: int) -> UnknownRun:
        """The error for a run id the store does not hold."""
        return UnknownRun(f"No run {run_id} in {self.where}; `speechcase history TALK` lists the run ids.")

    def _unknown_talk(self, name: str, speaker: str | None = None) -> str:
        whose = f" of speaker '{speaker}'" if speaker else ""
        return f"No talk called '{name}'{whose} in {self.where}; `speechcase history` lists the talks."


_DOCUMENT_COLUMNS = ("analysed_at", "tool_version", "framework", "source_path", "audio_sha256", *METRIC_COLUMNS,
                     "summary", "document", "transcript")


def _document_values(document: AnalysisDocument, transcript: Transcript) -> tuple:
    if "summary" not in document.raw:  # the indexed columns are the summary speechcase wrote, never a guess
        raise BadAnalysis("The analysis document has no \"summary\"; analyse the recording again with "
                          "`speechcase analyze` to store it.")
    metrics = document_metrics(document)
    return (document.created_at, document.tool_version, document.framework.id, document.source.path,
            document.source.sha256, *(metrics[c] for c in METRIC_COLUMNS),
            json.dumps(document.raw.get("summary", {})), json.dumps(document.raw, ensure_ascii=False),
            json.dumps(transcript.to_dict(), ensure_ascii=False))


@contextmanager
def sqlite_errors(path: Path | None) -> Iterator[None]:
    """Turn SQLite's failures into one-line speechcase errors that say what to do."""
    where = str(path) if path else "the store"
    try:
        yield
    except sqlite3.DatabaseError as exc:
        message = str(exc).lower()
        if "locked" in message or "busy" in message:
            raise StoreBusy(f"The store {where} stayed locked by another speechcase process for "
                            f"{BUSY_TIMEOUT_MS // 1000} s; try again when it has finished.") from exc
        if "readonly" in message or "unable to open" in message or "disk i/o" in message or "full" in message:
            raise StoreNotWritable(f"Cannot write the store {where} ({exc}); pass --store PATH (or set "
                                   f"{STORE_ENV}) to a writable file, or --no-store.") from exc
        if "not a database" in message or "malformed" in message or "corrupt" in message:
            raise NotAStore(f"{where} is not a readable speechcase store ({exc}); pass --store PATH to use "
                            "another file.") from exc
        raise


def open_store(path: Path | None = None, create: bool = True) -> Store:
    """Open (and create or migrate) the store at ``path`` (default: :func:`default_store_path`).

    With ``create=False`` a store that does not exist yet opens as an empty one
    in memory, so reading commands never leave a file behind.
    """
    path = Path(path).expanduser() if path else default_store_path()
    if path.is_dir():
        raise StoreNotWritable(f"The store path {path} is a folder; pass --store with a file path.")
    if not create and not path.exists():
        store = Store(_connect(":memory:", path), path)
        _migrate(store.conn, path)
        return store
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreNotWritable(f"Cannot create the folder of the store {path} ({exc.strerror}); pass --store PATH "
                               f"(or set {STORE_ENV}) to a writable file, or --no-store.") from exc
    conn = _connect(str(path), path)
    try:
        _migrate(conn, path)
    except BaseException:
        conn.close()
        raise
    return Store(conn, path)


def _connect(target: str, path: Path) -> sqlite3.Connection:
    with sqlite_errors(path):
        # check_same_thread off: the web app opens a store per request and its framework may run the request's
        # parts on different threads, one after another (never two at once).
        conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            _check_identity(conn, path)
            if _journal_mode_wal(conn).lower() not in ("wal", "memory"):
                raise StoreNotWritable(f"The store {path} cannot use SQLite's WAL journal here (a network or "
                                       "read-only file system?); pass --store with a path on a local disk.")
            conn.execute("PRAGMA synchronous = FULL")
        except BaseException:
            conn.close()
            raise
    return conn


def _journal_mode_wal(conn: sqlite3.Connection) -> str:
    """Switch to WAL, waiting for a concurrent opener: SQLite answers "locked" at once, without its busy
    handler, when two processes create the same store at the same moment."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            return conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.OperationalError as exc:
            if not ("locked" in str(exc) or "busy" in str(exc)) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _check_identity(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse an SQLite file that some other program made, and one from a newer speechcase."""
    own = not conn.in_transaction
    if own:  # one snapshot: another process may be creating the store between these reads
        conn.execute("BEGIN")
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        empty = not conn.execute("SELECT 1 FROM sqlite_master").fetchone()
    finally:
        if own:
            conn.execute("COMMIT")
    if app_id != APPLICATION_ID:
        if app_id == 0 and version == 0 and empty:
            return  # an empty database: a new store
        raise NotAStore(f"{path} is an SQLite database but not a speechcase store; pass --store PATH to use "
                        "another file.")
    if version > SCHEMA_VERSION:
        raise StoreTooNew(f"The store {path} was written by a newer speechcase (store schema {version}, this "
                          f"version reads up to {SCHEMA_VERSION}); upgrade speechcase (pip install -U speechcase).")


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the schema to :data:`SCHEMA_VERSION`, one transaction, safe against a concurrent opener."""
    if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
        return
    with sqlite_errors(path):
        conn.execute("BEGIN IMMEDIATE")
        try:
            _check_identity(conn, path)  # another process may have created or upgraded it meanwhile
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for target in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[target]:
                    conn.execute(statement)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
