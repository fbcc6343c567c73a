"""Where the web app keeps recordings: ``DATA/audio/<sha256>/<file name>``, one folder per recording's content.

The folder is named by the hash of the bytes, never by anything the uploader
chose, so a file name such as ``../../etc/x.wav`` can only ever be the last
part of a path under the data folder (and is reduced to ``x.wav`` before
that). A run finds its recording by its ``audio_sha256``; a run recorded by the
CLI is played from the path it was analysed from, but only while that file's
content still has the run's hash, so a store entry cannot make the server
serve an arbitrary file.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import threading
from pathlib import Path

from speechcase.rehearsals.jobs import jobs_using_file
from speechcase.rehearsals.store import RunRow, Store

_verified: dict[tuple[str, int, int], str] = {}
_verified_lock = threading.Lock()


def keep(upload: Path, audio_root: Path, sha256: str) -> Path:
    """Move a received upload into its content folder; returns where it is kept (an existing copy wins)."""
    folder = audio_root / sha256
    folder.mkdir(parents=True, exist_ok=True)
    existing = [p for p in folder.iterdir() if p.is_file()]
    if existing:
        shutil.rmtree(upload.parent, ignore_errors=True)
        return existing[0]
    target = folder / upload.name
    os.replace(upload, target)
    shutil.rmtree(upload.parent, ignore_errors=True)
    return target


def keep_copy(recording: Path, audio_root: Path, sha256: str) -> Path:
    """Keep a batch's recording in its content folder too (a hard link where the file system allows, else a
    copy), so that its run plays from there like an upload's; an existing copy wins. Returns the kept file."""
    existing = kept_recording(audio_root, sha256)
    if existing is not None:
        return existing
    folder = audio_root / sha256
    staged = audio_root / f".{secrets.token_hex(8)}"  # outside the content folder until it is whole
    try:
        os.link(recording, staged)
    except OSError:
        shutil.copyfile(recording, staged)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / recording.name
    os.replace(staged, target)
    return target


def kept_recording(audio_root: Path, sha256: str) -> Path | None:
    if not sha256 or not all(c in "0123456789abcdef" for c in sha256):
        return None
    folder = audio_root / sha256
    if not folder.is_dir():
        return None
    return next((p for p in sorted(folder.iterdir()) if p.is_file()), None)


def run_recording(audio_root: Path, run: RunRow) -> Path | None:
    """The recording of a run: the uploaded copy, else the CLI's file if its bytes still hash to the run's."""
    kept = kept_recording(audio_root, run.audio_sha256)
    if kept is not None:
        return kept
    source = Path(run.source_path).expanduser()
    if not source.is_absolute() or not source.is_file():
        return None
    stat = source.stat()
    key = (str(source), stat.st_size, stat.st_mtime_ns)
    with _verified_lock:
        known = _verified.get(key)
    if known is None:
        digest = hashlib.sha256()
        with open(source, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
        known = digest.hexdigest()
        with _verified_lock:
            _verified[key] = known
    return source if known == run.audio_sha256 else None


def discard_unused(store: Store, audio_root: Path, sha256: str) -> None:
    """Remove a kept recording that no run and no pending job needs any more."""
    path = kept_recording(audio_root, sha256)
    if path is None:
        return
    with store.reading() as db:
        used = db.execute("SELECT 1 FROM runs WHERE audio_sha256 = ? LIMIT 1", (sha256,)).fetchone()
    if not used and not jobs_using_file(store, str(path)):
        shutil.rmtree(path.parent, ignore_errors=True)
