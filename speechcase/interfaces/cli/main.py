"""The ``speechcase`` entry point: the command group with every command module registered on it.

Commands: ``analyze | transcribe | dashboard | frameworks`` (:mod:`.analysis`), ``history | runs | compare |
export | import`` (:mod:`.rehearsals`), ``goals set | list | rm`` (:mod:`.goals`), ``review | review-stats |
report`` (:mod:`.review`), ``batch`` (:mod:`.batch`), ``cohort`` (:mod:`.cohort`), ``serve`` (:mod:`.serve`)
and ``users`` (:mod:`.users`).
"""
from __future__ import annotations

from speechcase.core.memory import tune_allocator

tune_allocator()  # before any thread exists: every later thread then shares the one tuned arena (core/memory.py)

from speechcase.interfaces.cli import (  # noqa: E402, F401  (each registers its commands)
    analysis,
    batch,
    cohort,
    goals,
    rehearsals,
    review,
    serve,
    users,
)
from speechcase.interfaces.cli.app import main, run  # noqa: E402

__all__ = ["main", "run"]

if __name__ == "__main__":  # pragma: no cover
    run()
