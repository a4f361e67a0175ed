"""Execution: runs in chunks, on local cores or a cluster, streamed to disk, resumable.

- `jobs`: a chunk of runs as a picklable job; what a worker does with it;
- `backends`: where jobs run (loky, threading, Dask);
- `store`: chunk storage in a run directory, resume, the config's identity;
- `sinks`: finished chunks into memory or a run directory;
- `loop`: the one loop (dispatch, progress, Ctrl-C and SIGTERM);
- `main`: `run`, the entry point;
- `sweep`: a Hydra multirun job as a sweep point's folder.

Names are imported on first use (PEP 562): a worker process that unpickles a job
imports `jobs` and what it needs, not pandas, Hydra or joblib.
"""

from importlib import import_module

_EXPORTS = {
    "close_clients": "backends", "dispatch": "backends", "warm": "backends",
    "Job": "jobs", "chunk_size": "jobs", "parallel_workers": "jobs",
    "execute": "jobs", "plan": "jobs", "simulator": "jobs", "Interrupted": "loop",
    "WorkerLost": "loop",
    "run": "main", "OutputConflict": "store", "layout": "store", "hydra_job": "sweep",
    "swept_values": "sweep", "write_point": "sweep"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
