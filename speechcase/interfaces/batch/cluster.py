"""The Dask side: a LocalCluster on this machine, or a client of an existing cluster, with warm workers.

Sizing on one machine: ``workers`` processes of one Dask thread each, and Whisper in each with
``cores // workers`` threads, so workers x threads stays within the cores. The default number of workers
is as many as the cores allow and the memory holds (:data:`WORKER_MEMORY` each).

On an existing cluster the workers are as their owner started them; each machine's Whisper threads are its
cores divided by the Dask threads of the workers on it (start workers with ``--nthreads 1`` and as many
``--nworkers`` as the machine has memory for).
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

import dask
from distributed import Client, LocalCluster

from speechcase.analysis.frameworks import builtin_names
from speechcase.analysis.pipeline import AnalyzeOptions
from speechcase.core.errors import ClusterUnavailable, SpeechcaseError
from speechcase.core.machine import usable_cores
from speechcase.core.memory import allocator_environment
from speechcase.core.version import __version__
from speechcase.interfaces.batch import worker
from speechcase.interfaces.batch.worker import PLUGIN_NAME, WarmModels, worker_identity

SCHEDULER_ENV = "SPEECHCASE_DASK_SCHEDULER"
#: Memory one worker needs at its peak: a 60-minute talk peaks at about 1.2 GB (README, "Speed and memory").
WORKER_MEMORY = 1.5e9
_TRACKER_WARNING = "ignore:resource_tracker:UserWarning"


def default_workers(device: str = "cpu") -> int:
    """As many workers as the cores allow and the available memory holds; one with ``device="cuda"`` (it keeps
    the GPU busy; for several GPUs start one ``dask worker`` per GPU, see docs/batch.md)."""
    import psutil

    if device == "cuda":
        return 1
    by_memory = int(psutil.virtual_memory().available // WORKER_MEMORY)
    return max(1, min(usable_cores(), by_memory))


def whisper_threads(identities: dict[str, dict[str, Any]], nthreads: dict[str, int]) -> dict[str, int]:
    """Whisper threads per recording on each machine: its cores divided by the Dask threads of its workers.

    Args:
        identities: Worker address -> :func:`~speechcase.interfaces.batch.worker.worker_identity`.
        nthreads: Worker address -> its Dask threads.

    Returns:
        Host name -> threads (at least 1).
    """
    busy: Counter[str] = Counter()
    cores: dict[str, int] = {}
    for address, identity in identities.items():
        busy[identity["host"]] += nthreads.get(address, 1)
        cores[identity["host"]] = identity["cores"]
    return {host: max(1, cores[host] // busy[host]) for host in busy}


def _quiet_dask() -> None:
    """Dask's own log lines (workers restarting, connections closing) are not for a coach; errors still show."""
    for name in ("distributed", "tornado"):
        logging.getLogger(name).setLevel(logging.ERROR)


@contextlib.contextmanager
def open_client(scheduler: str | None, workers: int | None, tasks: int | None = None,
                device: str = "cpu") -> Iterator[Client]:
    """A Dask client: of the scheduler at ``scheduler``, or of a new LocalCluster of ``workers`` processes
    (default :func:`default_workers` for ``device``; never more than ``tasks``, the recordings to analyse).

    Raises:
        ClusterUnavailable: the scheduler cannot be reached or has no workers, or the cluster cannot start.
    """
    _quiet_dask()
    if scheduler:
        try:
            client = Client(scheduler, set_as_default=False)  # waits distributed.comm.timeouts.connect (30 s)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ClusterUnavailable(f"Cannot reach the Dask scheduler at {scheduler} ({_reason(exc)}); start "
                                     "it with `dask scheduler`, or check the address (tcp://HOST:8786).") from exc
        try:
            try:
                client.wait_for_workers(1, timeout=_connect_timeout())
            except (TimeoutError, OSError) as exc:
                raise ClusterUnavailable(f"The Dask scheduler at {scheduler} has no workers; start some with "
                                         f"`dask worker {scheduler} --nthreads 1`.") from exc
            yield client
        finally:
            with contextlib.suppress(Exception):  # workers joining the cluster later are not ours to set up
                client.unregister_worker_plugin(PLUGIN_NAME)
            client.close()
        return
    count = min(workers or default_workers(device), tasks or sys.maxsize)
    # A worker killed mid-task leaves the semaphores of its queues to multiprocessing's resource tracker, which
    # removes them when the batch ends and warns about each: noise for a coach whose batch went on and finished.
    warnings = os.environ.get("PYTHONWARNINGS", "")
    if _TRACKER_WARNING not in warnings:
        os.environ["PYTHONWARNINGS"] = ",".join(filter(None, [warnings, _TRACKER_WARNING]))
    per_worker = str(max(1, usable_cores() // count))
    # glibc reads its allocator settings when a process starts: the nanny sets these before it spawns a worker
    # (and again for a worker it restarts); Dask's own MALLOC_TRIM_THRESHOLD_ would slow Whisper (core/memory.py)
    spawn_environ = {**dask.config.get("distributed.nanny.pre-spawn-environ", {}), **allocator_environment()}
    try:
        with dask.config.set({"distributed.nanny.pre-spawn-environ": spawn_environ}):
            cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True, dashboard_address=None,
                                   silence_logs=logging.CRITICAL, host="127.0.0.1", preload=[worker.__name__],
                                   env={"OMP_NUM_THREADS": per_worker, "OPENBLAS_NUM_THREADS": per_worker,
                                        "MKL_NUM_THREADS": per_worker})
    except Exception as exc:
        raise ClusterUnavailable(f"Could not start {count} local Dask workers ({_reason(exc)}); try fewer with "
                                 "--workers N.") from exc
    try:
        with Client(cluster, set_as_default=False) as client:
            yield client
    finally:
        cluster.close(timeout=10)


def prepare_workers(client: Client, options: AnalyzeOptions, frameworks: Iterable[str] | None = None) -> dict[str, int]:
    """Check that every worker runs this speechcase, size their Whisper threads and warm their models.

    Args:
        client: A client of the cluster.
        options: The batch's analysis options.
        frameworks: The frameworks the batch uses; the built-in ones among them are prepared when a worker
            starts (a framework file is read by the tasks, so a worker that cannot read it fails those tasks
            only). None: every built-in framework.

    Returns:
        Host name -> Whisper threads per recording.

    Raises:
        ClusterUnavailable: a worker cannot import speechcase or runs another version.
        ModelUnavailable: a worker cannot load a model (e.g. ``--device cuda`` where it has no GPU).
    """
    try:
        identities = client.run(worker_identity)
    except (ImportError, AttributeError) as exc:
        raise ClusterUnavailable(f"The Dask workers cannot run speechcase ({_reason(exc)}); install speechcase "
                                 f"{__version__} with its cluster extra on every worker.") from exc
    others = {address: i["version"] for address, i in identities.items() if i["version"] != __version__}
    if others:
        address, version = next(iter(others.items()))
        raise ClusterUnavailable(f"Worker {address} runs speechcase {version} and this is {__version__}; install "
                                 "the same version on every worker.")
    nthreads = {address: info["nthreads"] for address, info in client.scheduler_info()["workers"].items()}
    threads = whisper_threads(identities, nthreads)
    builtin = None if frameworks is None else sorted(set(frameworks) & set(builtin_names()))
    responses = client.register_plugin(WarmModels(options, threads, builtin), name=PLUGIN_NAME)
    for answer in (responses or {}).values():
        if isinstance(answer, dict) and answer.get("status") == "error":
            error = answer.get("exception")
            if isinstance(error, SpeechcaseError):
                raise error
            raise ClusterUnavailable(f"A worker could not load the models ({_reason(error)}); rerun with --debug.")
    return threads


def _connect_timeout() -> float:
    """Dask's connect timeout in seconds (``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT``; 30 s by default)."""
    import dask
    from dask.utils import parse_timedelta

    return float(parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), default="s") or 30)


def _reason(exc: BaseException | None) -> str:
    text = str(exc).strip().splitlines()[0] if exc is not None and str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def scheduler_address(given: str | None) -> str | None:
    """``--scheduler``, else ``$SPEECHCASE_DASK_SCHEDULER``, else None (a LocalCluster)."""
    return given or os.environ.get(SCHEDULER_ENV) or None
