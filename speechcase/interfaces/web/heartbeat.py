"""A heartbeat: a little work done twice a second, on a thread and store connection of its own, while an
analysis job (:mod:`.worker`) or a coach's batch (:mod:`.batch_driver`) runs in the main thread."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Self

from speechcase.core.errors import SpeechcaseError
from speechcase.rehearsals.store import Store, open_store

HEARTBEAT_SECONDS = 0.5


class Heartbeat:
    """Runs :meth:`beat` every :data:`HEARTBEAT_SECONDS` from entering the ``with`` block until leaving it, or
    until :meth:`beat` returns False. A busy store skips a beat; the next one tries again."""

    def __init__(self, store_path: Path, name: str = "heartbeat"):
        self.store_path = store_path
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def beat(self, store: Store) -> bool:
        """One beat; False ends the heartbeat."""
        raise NotImplementedError

    def _run(self) -> None:
        with open_store(self.store_path) as store:
            while not self._stop.wait(HEARTBEAT_SECONDS):
                try:
                    if not self.beat(store):
                        return
                except SpeechcaseError:
                    continue
