"""The plan's missing networks fanned out: ``glioma-grade train``.

The data stages run once, in the parent; then every unit of :func:`glioma_lib.training.recipe.
plan` whose model is not current is trained by one of three executors:

- ``local``: a process pool on this machine. With GPUs, one worker per GPU (each worker sees
  only its own through ``CUDA_VISIBLE_DEVICES``; submitit's local executor has no queue and
  would put every job on GPU 0); on a CPU, ``workers`` processes (default 2) with the cores
  split between them.
- ``slurm``: a submitit job array, one task per unit, one GPU each; a preempted task is
  requeued (submitit's ``Checkpointable``) and resumes from the unit's ``last.pt``.
- ``debug``: submitit's in-process executor (for tests and debugging).

Each unit trains under its model folder's lock (:func:`glioma_lib.store.model_lock`), so two
jobs, or a job and a notebook, never train one network at once. Results live under
``$GLIOMA_RESULTS`` (a shared filesystem on a cluster). ``glioma-grade book`` afterwards only
evaluates. DDP for one network is not used: each fits one GPU, and the paper's batch of 128
split over 8 GPUs would leave 16 per GPU, while the grid already scales with the number of
networks (about 40 under ``paper``).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import traceback
from pathlib import Path

import pandas as pd

from ..config import get_profile, stage_dir
from ..data.stages import prepare_data
from ..store import is_current, save_csv
from .recipe import Unit, plan, spec_of

EXECUTORS = ("local", "slurm", "debug")
#: Local CPU workers by default (``bench/results/grid.json``: on 2 cores, 2 workers × 1 thread
#: trained the default cross-validation networks 1.15× faster than 1 worker × 2 threads).
CPU_WORKERS = 2


def is_trained(data, unit: Unit) -> bool:
    """Whether the unit's model is current (its manifest matches) on ``data``.

    Args:
        data: the prepared data stages.
        unit: a plan unit.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> [u.name for u in plan(data) if not is_trained(data, u)]
    """
    from ..models.device import pick_device

    spec = spec_of(data, unit.recipe)
    return is_current(spec.folder(unit.sequence), spec.manifest(unit.sequence, pick_device()))


def log_path(profile, unit: Unit) -> Path:
    """Where a unit's training output goes: ``results/<profile>/grid/<tag>-<sequence>.log``."""
    data_profile = get_profile(profile) if isinstance(profile, str) else profile
    name = unit.name.replace(":", "-")
    return stage_dir(data_profile, "grid") / f"{name}-{unit.sequence}.log"


def train_unit(profile: str, brats_root: str | None, unit: Unit,
               overrides: dict | None = None) -> dict:
    """Train one unit (the data stages are already cached by the parent): the job a worker,
    a SLURM task or the debug executor runs.

    Args:
        profile: the profile's name.
        brats_root: a real BraTS root, or None.
        unit: the plan unit.
        overrides: profile field overrides (tests).

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> train_unit("smoke", None, plan(data)[0])
    """
    import torch

    from ..models.device import pick_device
    from .experiment import train_sequence

    p = get_profile(profile, **(overrides or {}))
    data = prepare_data(p, brats_root, progress=False)
    device = pick_device()
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else \
        f"cpu ({torch.get_num_threads()} threads)"
    start = time.perf_counter()
    train_sequence(spec_of(data, unit.recipe), unit.sequence)
    return {"seconds": time.perf_counter() - start, "device": name}


def _logged(profile: str, brats_root: str | None, unit: Unit, overrides: dict | None,
            log_file: str) -> dict:
    """:func:`train_unit` with its output in ``log_file`` and one start line on the parent's
    terminal."""
    print(f"[train] start {unit.name} {unit.sequence} (pid {os.getpid()})", flush=True)
    Path(log_file).parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "w") as f, contextlib.redirect_stdout(f), contextlib.redirect_stderr(f):
        try:
            return train_unit(profile, brats_root, unit, overrides)
        except BaseException:
            traceback.print_exc()
            raise


def _init_worker(threads: int, gpus) -> None:
    """A local worker: its own GPU (from the queue) or its share of the cores."""
    if gpus is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = str(gpus.get())
    os.environ["OMP_NUM_THREADS"] = str(threads)
    import torch

    torch.set_num_threads(threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads)


def _local(jobs: list[tuple], workers: int | None, log) -> list[dict]:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    import torch

    ctx = mp.get_context("spawn")
    n_gpus = torch.cuda.device_count()
    if n_gpus:
        workers = min(workers or n_gpus, n_gpus)
        gpus = ctx.Manager().Queue()
        for k in range(workers):
            gpus.put(k)
        threads = max(1, (os.cpu_count() or 1) // workers)
    else:  # 2 workers x 1 thread trained 1.15x faster than 1 x 2 on 2 cores (bench_grid)
        workers, gpus = workers or min(CPU_WORKERS, os.cpu_count() or 1), None
        threads = max(1, (os.cpu_count() or 1) // workers)
    log(f"[train] local executor: {workers} worker(s), "
        + (f"one GPU each of {n_gpus}" if n_gpus else f"{threads} CPU thread(s) each"))
    out = []
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(threads, gpus)) as pool:
        futures = {pool.submit(_logged, *job): job for job in jobs}
        for future in as_completed(futures):
            out.append(_outcome(futures[future], future.exception, future.result, log))
    return out


def _outcome(job: tuple, exception, result, log) -> dict:
    unit, log_file = job[2], job[4]
    err = exception()
    row = {"unit": unit.name, "sequence": unit.sequence, "log": log_file}
    if err is not None:
        log(f"[train] FAILED {unit.name} {unit.sequence}: {type(err).__name__}: "
            f"{str(err).splitlines()[0] if str(err) else ''} (log: {log_file})")
        return {**row, "status": "failed", "seconds": None, "device": None}
    r = result()
    log(f"[train] done {unit.name} {unit.sequence} on {r['device']} in {r['seconds']:.0f} s")
    return {**row, "status": "trained", **r}


class _Job:
    """A submitit job for one unit; on preemption it is requeued with the same arguments and
    resumes from the unit's ``last.pt`` (submitit's ``Checkpointable`` protocol)."""

    def __init__(self, *args):
        self.args = args

    def __call__(self) -> dict:
        return _logged(*self.args)

    def checkpoint(self, *args, **kwargs):
        import submitit

        return submitit.helpers.DelayedSubmission(_Job(*self.args))


def _submitit(jobs: list[tuple], executor: str, folder: Path, slurm: dict | None,
              log) -> list[dict]:
    import submitit

    if executor == "debug":
        ex = submitit.DebugExecutor(folder=str(folder))
    else:
        ex = submitit.AutoExecutor(folder=str(folder))
        params = {"timeout_min": 24 * 60, "gpus_per_node": 1, "cpus_per_task": 8,
                  "slurm_array_parallelism": len(jobs)}
        ex.update_parameters(**(params | (slurm or {})))
    with ex.batch():
        submitted = [ex.submit(_Job(*job)) for job in jobs]
    log(f"[train] {executor}: {len(submitted)} job(s) submitted ({folder})")
    return [_outcome(job, s.exception, s.result, log) for job, s in zip(jobs, submitted,
                                                                         strict=True)]


def train_plan(profile: str, brats_root: str | None = None, executor: str = "local",
               workers: int | None = None, only: list[str] | None = None, log=print,
               overrides: dict | None = None, slurm: dict | None = None) -> pd.DataFrame:
    """Train the plan's missing networks; one summary row per unit (trained, reused, failed,
    with seconds, device and log file), also written to ``results/<profile>/grid/summary.csv``.

    Args:
        profile: the profile's name.
        brats_root: a real BraTS root, or None (the synthetic cohort).
        executor: ``local``, ``slurm`` or ``debug``.
        workers: local workers (default: one per GPU, else :data:`CPU_WORKERS`).
        only: plan groups to train (``main``, ``h2h``, ``shuffled``, ``transfer``, ``cv``,
            ``sites``).
        log: where the progress lines go.
        overrides: profile field overrides.
        slurm: extra submitit parameters for ``slurm`` (``slurm_partition``, ``timeout_min``…).

    Example:
        >>> train_plan("default", workers=2)
    """
    if executor not in EXECUTORS:
        raise ValueError(f"executor {executor!r}: choose one of {', '.join(EXECUTORS)}")
    p = get_profile(profile, **(overrides or {}))
    start = time.perf_counter()
    data = prepare_data(p, brats_root)  # every data stage once, before any job
    units = plan(data, only)
    rows = [{"unit": u.name, "sequence": u.sequence, "status": "reused", "seconds": 0.0,
             "device": None, "log": None} for u in units if is_trained(data, u)]
    todo = [u for u in units if not is_trained(data, u)]
    log(f"[train] {p.name}: {len(units)} networks in the plan, {len(rows)} already trained, "
        f"{len(todo)} to train")
    jobs = [(profile, brats_root, u, overrides, str(log_path(p, u))) for u in todo]
    if jobs and executor == "local":
        rows += _local(jobs, workers, log)
    elif jobs:
        rows += _submitit(jobs, executor, stage_dir(p, "grid") / "submitit", slurm, log)
    summary = pd.DataFrame(rows, columns=["unit", "sequence", "status", "seconds", "device",
                                          "log"])
    save_csv(stage_dir(p, "grid") / "summary.csv", summary)
    counts = summary["status"].value_counts().to_dict()
    log(f"[train] {', '.join(f'{v} {k}' for k, v in sorted(counts.items()))} in "
        f"{time.perf_counter() - start:.0f} s (summary: {stage_dir(p, 'grid') / 'summary.csv'})")
    sys.stdout.flush()
    return summary
