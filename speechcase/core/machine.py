"""What this process may use of the machine."""
from __future__ import annotations

import os


def usable_cores() -> int:
    """The CPU cores this process may run on (its CPU affinity, which containers and taskset narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
