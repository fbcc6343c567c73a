"""The ``speechcase`` entry point: the command group with every command module registered on it.

Commands: ``analyze | transcribe | dashboard | frameworks`` (:mod:`.analysis`), ``history | runs | compare |
export | import`` (:mod:`.rehearsals`), ``review | review-stats | report`` (:mod:`.review`), ``serve``
(:mod:`.serve`) and ``users`` (:mod:`.users`).
"""
from __future__ import annotations

from speechcase.interfaces.cli import analysis, rehearsals, review, serve, users  # noqa: F401  (each registers its commands)
from speechcase.interfaces.cli.app import main

__all__ = ["main"]

if __name__ == "__main__":  # pragma: no cover
    main()
