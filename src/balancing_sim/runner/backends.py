"""Where jobs run: local processes, threads, or a Dask cluster (all through joblib).

`runner.backend`: `loky` (local processes, the default; a killed worker is reported,
where joblib's `multiprocessing` pool would wait forever), `threading`, `dask`
(joblib's Dask backend on the cluster of
`DASK_SCHEDULER_ADDRESS`, or on a LocalCluster started for the run), or a scheduler
address such as `tcp://host:8786` (Dask on that cluster). `dispatch` maps any picklable
function over items and yields results as they finish; the runner and the evaluation
API both use it.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator

from joblib import Parallel, delayed

_CLIENTS: dict[str, object] = {}


def backend_of(setting: object) -> tuple[str, str | None]:
    """(joblib backend, Dask scheduler address or None) from `runner.backend`."""
    text = str(setting)
    return ("dask", text) if "://" in text else (text, None)


def remote(setting: object) -> bool:
    """Do this backend's workers run elsewhere (so they return results, never write)?"""
    return backend_of(setting)[0] == "dask"


def dask_client(address: str | None, workers: int):
    """A client of the given scheduler, of DASK_SCHEDULER_ADDRESS, or of a LocalCluster
    started once per process (reused by every point of a sweep)."""
    import dask
    from distributed import Client, LocalCluster

    for name in ("distributed", "distributed.scheduler", "distributed.nanny",
                 "distributed.core", "distributed.worker", "distributed.http.proxy"):
        logging.getLogger(name).setLevel(logging.WARNING)
    address = address or dask.config.get("scheduler-address", None)
    key = address or f"local:{workers}"
    client = _CLIENTS.get(key)
    if client is not None and getattr(client, "status", "") == "running":
        return client
    if address:
        client = Client(address, set_as_default=False)
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0")
        client = Client(cluster, set_as_default=False)
    if not _CLIENTS:
        atexit.register(close_clients)
    _CLIENTS[key] = client
    return client


def close_clients() -> None:
    for client in _CLIENTS.values():
        cluster = getattr(client, "cluster", None)
        with contextlib.suppress(Exception):
            client.close()
            if cluster is not None:
                cluster.close()
    _CLIENTS.clear()


def _ready() -> None:
    """What a worker imports before its first chunk (done while the parent composes)."""
    from . import jobs, store  # noqa: F401

    jobs.simulator("ensemble")


def warm(workers: int, backend: object = "loky") -> None:
    """Start a local pool's workers now, in the background, so they import while this
    process does other work; `dispatch` then reuses them (same joblib executor)."""
    name, _ = backend_of(backend)
    if workers <= 1 or name not in ("loky",):
        return
    threading.Thread(target=lambda: Parallel(n_jobs=workers, backend=name)(
        delayed(_ready)() for _ in range(workers)), daemon=True).start()


def dispatch[T, R](function: Callable[..., R], items: Iterable[T], workers: int,
                   backend: object = "loky", *shared: object) -> Iterator[R]:
    """`function(item, *shared)` for each item, yielded as each finishes (in any order).
    `shared` arguments are the same objects for every item: joblib sends them to a Dask
    cluster once (scattered) and to local processes once (memory-mapped arrays), where
    inside each item they would travel with every item."""
    items = list(items)
    name, address = backend_of(backend)
    if name == "dask":
        from joblib import parallel_config

        client = dask_client(address, workers)
        with client.as_current(), parallel_config(backend="dask"):
            yield from Parallel(return_as="generator_unordered")(
                delayed(function)(item, *shared) for item in items)
        return
    if workers <= 1 or len(items) <= 1:
        yield from (function(item, *shared) for item in items)
        return
    yield from Parallel(n_jobs=min(workers, len(items)), backend=name,
                        return_as="generator_unordered")(
        delayed(function)(item, *shared) for item in items)
