"""What every process ``speechcase serve`` starts (an analysis worker, the batch driver) has in common: its
``--name`` and its server's ``--parent`` pid from the command line, log lines that start with its name, and
noticing when its server is gone (even one killed with SIGKILL), so that no orphan keeps working."""
from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from collections.abc import Callable


def child_args(description: str, argv: list[str] | None = None) -> argparse.Namespace:
    """The process's ``--name`` and ``--parent``; its log lines are prefixed with its name from here on."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--name", required=True)
    parser.add_argument("--parent", type=int, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format=f"[{args.name}] %(message)s", stream=sys.stderr)
    return args


def when_parent_gone(parent: int, then: Callable[[], None]) -> None:
    """Call ``then`` (on a daemon thread) as soon as ``parent`` is no longer this process's parent."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        then()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
