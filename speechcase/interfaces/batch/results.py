"""What became of each recording of a batch, and the batch's totals."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from speechcase.interfaces.batch.manifest import BatchItem

#: ``recorded``: a new run; ``updated``: the same recording was stored under the talk and got the new analysis
#: (its run keeps its id and coach review); ``skipped``: already analysed with the same settings (or listed
#: twice); ``failed``: see ``note``.
Status = Literal["recorded", "updated", "skipped", "failed"]


@dataclass(frozen=True)
class ItemResult:
    """One recording's outcome.

    Attributes:
        item: The recording and whose it is.
        status: See :data:`Status`.
        run_id: The stored run (recorded, updated, or the one that made it skippable).
        note: For a failure its one-line error; for a skip, why.
        exit_code: A failure's exit code (the one ``speechcase analyze`` gives for the same file).
        duration: Seconds of audio analysed.
        seconds: Seconds the worker spent on it.
        wpm: Words per minute of the analysed take.
        flags: Its flags by severity, ``{"high": n, "medium": n, "low": n}``.
        timings: Seconds per pipeline stage on the worker (as ``speechcase analyze --timings`` shows them).
        from_cache: Whether the worker found the transcript in its cache (no Whisper run).
    """

    item: BatchItem
    status: Status
    run_id: int | None = None
    note: str = ""
    exit_code: int = 0
    duration: float = 0.0
    seconds: float = 0.0
    wpm: float | None = None
    flags: dict[str, int] | None = None
    timings: dict[str, float] | None = None
    from_cache: bool = False

    @classmethod
    def failure(cls, item: BatchItem, message: str, exit_code: int = 1, seconds: float = 0.0) -> ItemResult:
        """A failed recording, with its error as one line."""
        return cls(item, "failed", note=" ".join(message.split()), exit_code=exit_code, seconds=seconds)

    @property
    def analysed(self) -> bool:
        """Whether a worker analysed it in this batch and its run was stored."""
        return self.status in ("recorded", "updated")


@dataclass(frozen=True)
class Totals:
    """Counts and speed of a batch."""

    analysed: int
    skipped: int
    failed: int
    audio_seconds: float

    @classmethod
    def of(cls, results: list[ItemResult]) -> Totals:
        return cls(sum(r.analysed for r in results), sum(r.status == "skipped" for r in results),
                   sum(r.status == "failed" for r in results), sum(r.duration for r in results if r.analysed))
