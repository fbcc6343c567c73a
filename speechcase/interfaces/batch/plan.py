"""Before any worker starts: which recordings of a batch need analysing, which are done, which cannot be.

Everything here runs on the driver and is cheap: each file is checked and hashed (hashes are cached by
path, size and modification time, so a rerun over a thousand recordings does not read them all again),
its :func:`~speechcase.analysis.pipeline.analysis_key` computed, and the store asked which keys it holds
under the same speaker and talk. A batch whose recordings are all done never starts a cluster.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from speechcase.analysis.audio import check_input_file, file_sha256
from speechcase.analysis.frameworks import builtin_names, load_framework
from speechcase.analysis.pipeline import AnalyzeOptions, analysis_key, settings_digest
from speechcase.core.errors import BadFramework, SpeechcaseError
from speechcase.core.files import JsonCache
from speechcase.interfaces.batch.manifest import BatchItem
from speechcase.interfaces.batch.results import ItemResult
from speechcase.rehearsals.store import Store

#: Files hashed at once: hashing is I/O bound (and hashlib releases the GIL), which pays on network storage.
HASH_THREADS = 4


@dataclass(frozen=True)
class Task:
    """A recording to analyse on a worker.

    Attributes:
        index: Its position in the batch (runs of one speaker's talk are stored in this order).
        item: What and whose it is.
        options: The analysis options for it (its own framework).
        sha256: The recording's hash.
        key: Its analysis key (recording + settings), stored with the run.
    """

    index: int
    item: BatchItem
    options: AnalyzeOptions
    sha256: str
    key: str


@dataclass(frozen=True)
class Plan:
    """The batch sorted out: ``tasks`` to run, and ``settled`` items (skipped, or failed before any analysis)
    with their results."""

    tasks: list[Task]
    settled: list[tuple[int, ItemResult]]

    @property
    def total(self) -> int:
        return len(self.tasks) + len(self.settled)

    def frameworks(self) -> list[str]:
        """The frameworks the tasks use (names, or files as absolute paths)."""
        return sorted({task.options.framework for task in self.tasks})


def check_frameworks(items: list[BatchItem]) -> dict[str, str]:
    """Load every framework the batch names, before any work: one wrong name fails the batch at once, with the
    row that named it. Returns each framework as workers must be given it (files as absolute paths)."""
    resolved = {}
    for item in items:
        if item.framework in resolved:
            continue
        try:
            load_framework(item.framework)
        except BadFramework as exc:
            raise BadFramework(f"{item.origin}: {exc}") from exc
        resolved[item.framework] = item.framework if item.framework in builtin_names() \
            else str(Path(item.framework).expanduser().absolute())
    return resolved


def make_plan(items: list[BatchItem], options: AnalyzeOptions, store: Store, force: bool = False,
              on_checked: Callable[[int, int], None] | None = None) -> Plan:
    """Sort a batch into recordings to analyse, recordings already done, and files that cannot be analysed.

    Args:
        items: The batch, in order.
        options: The analysis options (each item's framework replaces theirs).
        store: The store whose runs count as done.
        force: Analyse every recording again, even those stored with the same settings.
        on_checked: Called with ``(checked, total)`` as files are hashed.

    Returns:
        The :class:`Plan`.

    Raises:
        BadFramework: an item names a framework that cannot be loaded.
        ModelUnavailable: the Whisper or embedding model cannot be found.
    """
    frameworks = check_frameworks(items)
    hashes = _hash_all([item.path for item in items], options, on_checked)
    tasks: list[Task] = []
    settled: list[tuple[int, ItemResult]] = []
    first_of: dict[tuple[str, str, str], BatchItem] = {}
    settings: dict[str, str] = {}  # framework -> settings digest
    for index, (item, hashed) in enumerate(zip(items, hashes)):
        if isinstance(hashed, SpeechcaseError):
            settled.append((index, ItemResult.failure(item, str(hashed), hashed.exit_code)))
            continue
        same = (item.speaker, item.talk, hashed)
        if same in first_of:
            settled.append((index, ItemResult(item, "skipped", note=f"the same recording as "
                                                                    f"{first_of[same].origin}")))
            continue
        first_of[same] = item
        item_options = replace(options, framework=frameworks[item.framework])
        if item.framework not in settings:
            settings[item.framework] = settings_digest(item_options)
        tasks.append(Task(index, item, item_options, hashed,
                          analysis_key(hashed, item_options, settings[item.framework])))
    done = {} if force else store.analysed_runs([t.key for t in tasks])
    todo = []
    for task in tasks:
        run_id = done.get((task.item.speaker, task.item.talk, task.key))
        if run_id is None:
            todo.append(task)
        else:
            settled.append((task.index, ItemResult(task.item, "skipped", run_id=run_id,
                                                   note="already analysed with these settings")))
    return Plan(todo, sorted(settled, key=lambda pair: pair[0]))


def _hash_all(paths: list[Path], options: AnalyzeOptions,
              on_checked: Callable[[int, int], None] | None) -> list[str | SpeechcaseError]:
    """Each file's SHA-256, or the error that says why it cannot be an input (missing, a folder, empty)."""
    cache = JsonCache(options.cache_dir, "file-hashes") if options.use_cache else None

    def one(path: Path) -> str | SpeechcaseError:
        try:
            check_input_file(path)
            return _sha256(path, cache)
        except SpeechcaseError as exc:
            return exc
        except OSError as exc:  # unreadable (permissions), or gone between the check and the read
            return SpeechcaseError(f"Cannot read {path} ({exc.strerror}); check that this machine and every "
                                   "worker can read it.")

    results: list[str | SpeechcaseError] = []
    with ThreadPoolExecutor(HASH_THREADS) as pool:
        for result in pool.map(one, paths):
            results.append(result)
            if on_checked:
                on_checked(len(results), len(paths))
    return results


def _sha256(path: Path, cache: JsonCache | None) -> str:
    """The file's hash, from the cache while its path, size, modification time and inode are unchanged."""
    if cache is None:
        return file_sha256(path)
    stat = path.stat()
    entry = hashlib.sha256(f"{path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ino}".encode()).hexdigest()
    hit = cache.get(entry, lambda data: str(data["sha256"]))
    if hit:
        return hit
    digest = file_sha256(path)
    if os.stat(path).st_mtime_ns == stat.st_mtime_ns:  # not being written right now
        cache.put(entry, {"sha256": digest, "path": str(path)})
    return digest
