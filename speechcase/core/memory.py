"""The process's memory allocator: set up for Whisper's buffers, and freed memory handed back after big stages.

Why this exists: CTranslate2 allocates Whisper's working buffers afresh for every batch of audio (the encoder's
attention scores alone are 216 MB for tiny.en at batch 4) and frees them after it. With glibc's defaults, its
compute threads take them from per-thread arenas whose heaps are unmapped when they empty, and buffers over
32 MB are mapped and unmapped each time, so every batch faults its pages in again: about 300,000 page faults
per 2 minutes of audio, a fifth of Whisper's CPU time spent in the kernel. One arena that keeps what it was
given (no mmap, no automatic trimming) removes them: Whisper alone on a 2-minute talk took 1.25-1.35 s
instead of 1.58-1.67 s, with the same words (``tests/test_memory.py`` checks the page faults; docs/performance.md
has the whole-analysis figures). The memory is handed back where speechcase knows it is done with it
(:func:`release_free_memory`), so a 60-minute talk still peaks under 1 GB.

Only glibc (Linux) is tuned; elsewhere these functions do nothing.
"""
from __future__ import annotations

import functools

#: glibc's ``mallopt`` parameters (malloc.h).
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_MAX, M_ARENA_MAX = -1, -2, -4, -8
#: Freed memory at the top of the heap is kept up to this much (Whisper's buffers come back every batch);
#: :func:`release_free_memory` still hands it back.
TRIM_THRESHOLD = 1 << 30
#: The heap grows by at least this much at a time.
TOP_PAD = 64 << 20
#: Each setting: its ``mallopt`` parameter, the environment variable glibc reads for it at start, and its value.
#: One arena for every thread, no memory mapped per allocation, freed memory kept.
SETTINGS = ((M_ARENA_MAX, "MALLOC_ARENA_MAX", 1), (M_MMAP_MAX, "MALLOC_MMAP_MAX_", 0),
            (M_TRIM_THRESHOLD, "MALLOC_TRIM_THRESHOLD_", TRIM_THRESHOLD), (M_TOP_PAD, "MALLOC_TOP_PAD_", TOP_PAD))
#: The same settings as environment variables, for processes started by others (Dask's workers): glibc reads
#: them before any thread exists, which :func:`tune_allocator` cannot do in a process already running threads.
ENVIRONMENT = {variable: str(value) for _, variable, value in SETTINGS}


@functools.lru_cache(maxsize=1)
def _glibc():
    """The C library as ctypes sees it where it is glibc (it has ``malloc_trim`` and ``mallopt``), else None;
    looked up once per process."""
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (macOS, musl, Windows)
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


def tune_allocator() -> bool:
    """Set glibc's allocator up for Whisper: one arena for every thread, no memory mapped per allocation, and
    freed memory kept until :func:`release_free_memory` (see the module's docstring for why and how much).

    Call it as early as possible: threads that already have an arena of their own keep it. The command line
    calls it before importing anything that starts threads; batch workers get :data:`ENVIRONMENT` when they
    start, and call it again (for workers started by hand).

    Returns:
        Whether the allocator was tuned (False where the C library is not glibc).
    """
    libc = _glibc()
    if libc is None:
        return False
    return all(bool(libc.mallopt(option, value)) for option, _, value in SETTINGS)


#: Set by :func:`keep_free_memory` in a long-lived worker.
_KEEP = {"on": False}


def keep_free_memory() -> None:
    """From now on, keep freed memory in this process for the next take instead of handing it back.

    For a long-lived worker (the web app's analysis worker, a batch worker): its next take's Whisper needs the
    same buffers again, and memory handed back must be faulted in again, page by page. Measured on a 5-minute
    talk in a warm process, takes after the first: 113,000-153,000 page faults and 4.4-4.8 s a take with the
    memory handed back after each, 0-21,000 and 4.3-4.6 s kept, the same peak (830-880 MB). The worker then
    holds its peak (about 1.3 GB after a 60-minute talk) between takes.
    """
    _KEEP["on"] = True


def release_free_memory() -> None:
    """Hand the memory freed so far back to the system (glibc's ``malloc_trim``; nothing elsewhere).

    The allocator keeps freed memory for the next batch of Whisper's work (:func:`tune_allocator`); after the
    stages that copy the audio, and after an analysis, it goes back, so a long talk's peak is not held, except
    in a worker that keeps it for its next take (:func:`keep_free_memory`)."""
    libc = _glibc()
    if libc is not None and not _KEEP["on"]:
        libc.malloc_trim(0)


def allocator_environment() -> dict[str, str]:
    """:data:`ENVIRONMENT` on Linux (for a worker process to start with), else nothing."""
    return dict(ENVIRONMENT) if _glibc() is not None else {}
