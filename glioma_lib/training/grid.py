"""The plan's missing networks fanned out: ``glioma-grade train``.

The data stages run once, in the parent; then every unit of :func:`glioma_lib.training.recipe.
plan` whose model is not current is trained by one of three executors:

- ``local``: a process pool on this machine. With GPUs, one worker per GPU (each worker sees
  only its own through ``CUDA_VISIBLE_DEVICES``; submitit's local executor has no queue and
  would put every job on GPU 0); on a CPU, ``workers`` processes (default 2) with the cores
  split between them.
- ``slurm``: a submitit job array, one task per unit; its resources come from the cluster
  (``sinfo``: one GPU per task where the nodes have GPUs, none where they have not) unless
  ``--slurm-gpus`` / ``--slurm-cpus`` say otherwise (:func:`slurm_resources`), and each task
  trains with ``SLURM_CPUS_PER_TASK`` threads. A preempted or requeued task
  (``scontrol requeue``, submitit's ``Checkpointable``) resumes from the unit's ``last.pt``.
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
    spec = spec_of(data, unit.recipe, name=unit.recipe_name)
    return is_current(spec.folder(unit.sequence), spec.manifest(unit.sequence))


def log_path(profile, unit: Unit) -> Path:
    """Where a unit's training output goes:
    ``results/<profile>/grid/<group>-<name>-<sequence>.log``."""
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
    spec = spec_of(data, unit.recipe, name=unit.recipe_name)
    print(f"[train] {unit.name} {unit.sequence} -> {spec.folder(unit.sequence)} "
          f"({spec.profile.epochs} epochs)", flush=True)
    start = time.perf_counter()
    train_sequence(spec, unit.sequence)
    return {"seconds": time.perf_counter() - start, "device": name}


def _logged(profile: str, brats_root: str | None, unit: Unit, overrides: dict | None,
            log_file: str) -> dict:
    """:func:`train_unit` with its output in ``log_file`` and one start line on the parent's
    terminal."""
    print(f"[train] start {unit.name} {unit.sequence} (pid {os.getpid()})", flush=True)
    Path(log_file).parent.mkdir(parents=True, exist_ok=True)
    # appended: a requeued SLURM task adds its second attempt below the first
    with open(log_file, "a") as f, contextlib.redirect_stdout(f), contextlib.redirect_stderr(f):
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
        import signal

        # submitit ignores SIGTERM (it checkpoints on SIGUSR2); a task that SLURM requeues or
        # preempts gets SIGTERM, and training on for KillWait seconds only to be killed helps
        # no one: stop now, the requeued task resumes from the last epoch's last.pt
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        cpus = os.environ.get("SLURM_CPUS_PER_TASK")
        if cpus:  # the task's own share of the node, not every core of it
            _init_worker(int(cpus), None)
        if os.environ.get("SLURM_JOB_ID"):
            task = os.environ.get("SLURM_ARRAY_TASK_ID")
            job = os.environ.get("SLURM_ARRAY_JOB_ID", os.environ["SLURM_JOB_ID"])
            with open(self.args[4], "a") as f:
                f.write(f"[slurm] job {job}{'_' + task if task else ''} attempt "
                        f"{int(os.environ.get('SLURM_RESTART_COUNT', '0')) + 1} on "
                        f"{os.environ.get('SLURMD_NODENAME', '?')} with {cpus or '?'} CPU(s)\n")
        return _logged(*self.args)

    def checkpoint(self, *args, **kwargs):
        import submitit

        return submitit.helpers.DelayedSubmission(_Job(*self.args))


def cluster_nodes() -> list[dict]:
    """The SLURM cluster's nodes as ``sinfo`` reports them: CPUs and GPUs per node.

    Example:
        >>> cluster_nodes()  # on a one-node cluster of 2 CPUs without GPUs
        [{'cpus': 2, 'gpus': 0}]
    """
    import re
    import subprocess

    try:
        out = subprocess.run(["sinfo", "-h", "-N", "-o", "%c|%G"], capture_output=True,
                             text=True, check=True, timeout=60).stdout
    except FileNotFoundError as err:
        raise ValueError("--executor slurm: sinfo not found (no SLURM client here)") from err
    except subprocess.CalledProcessError as err:
        raise ValueError(f"--executor slurm: sinfo failed: {err.stderr.strip()}") from err
    nodes = []
    for line in out.splitlines():
        cpus, _, gres = line.partition("|")
        gpus = sum(int(n) for n in re.findall(r"gpu(?::[\w.-]+)?:(\d+)", gres))
        nodes.append({"cpus": int(cpus.rstrip("+")), "gpus": gpus})
    if not nodes:
        raise ValueError("--executor slurm: sinfo lists no nodes")
    return nodes


def slurm_resources(gpus: int | None = None, cpus: int | None = None,
                    nodes: list[dict] | None = None) -> dict:
    """Per-task resources for the job array: what the options say, else what the cluster has.

    Without options: one GPU per task where the nodes have GPUs, with the node's CPUs shared
    between its GPUs (at most 8); on CPU-only nodes no GPU is asked for (asking for one is
    rejected by ``sbatch`` as an invalid gres), and a task gets the node's cores split
    between :data:`CPU_WORKERS` tasks, as the local executor does.

    Args:
        gpus: GPUs per task (``--slurm-gpus``), or None (from the cluster).
        cpus: CPUs per task (``--slurm-cpus``), or None (from the cluster).
        nodes: the cluster's nodes (default: :func:`cluster_nodes`).

    Example:
        >>> slurm_resources(nodes=[{"cpus": 2, "gpus": 0}])
        {'cpus_per_task': 1}
        >>> slurm_resources(nodes=[{"cpus": 64, "gpus": 8}])
        {'cpus_per_task': 8, 'gpus_per_node': 1}
    """
    if gpus is None or cpus is None:
        nodes = nodes if nodes is not None else cluster_nodes()
        node_cpus = min(n["cpus"] for n in nodes)
        node_gpus = max(n["gpus"] for n in nodes)
        if gpus is None:
            gpus = 1 if node_gpus else 0
        if cpus is None:
            cpus = min(8, max(1, node_cpus // max(node_gpus, 1))) if gpus else \
                max(1, node_cpus // CPU_WORKERS)
    if gpus < 0 or cpus < 1:
        raise ValueError(f"--slurm-gpus {gpus} / --slurm-cpus {cpus}: need gpus >= 0, cpus >= 1")
    return {"cpus_per_task": cpus} | ({"gpus_per_node": gpus} if gpus else {})


def _submitit(jobs: list[tuple], executor: str, folder: Path, slurm: dict | None,
              log) -> list[dict]:
    import submitit

    if executor == "debug":
        ex = submitit.DebugExecutor(folder=str(folder))
    else:
        slurm = dict(slurm or {})
        resources = slurm_resources(slurm.pop("gpus", None), slurm.pop("cpus", None))
        python = slurm.pop("python", None)  # e.g. the container's: "apptainer exec … python"
        ex = submitit.SlurmExecutor(folder=str(folder), python=python)
        ex.update_parameters(**({"time": 24 * 60, "array_parallelism": len(jobs)}
                                | resources | slurm))
        log(f"[train] slurm: {resources.get('gpus_per_node', 0)} GPU(s) and "
            f"{resources['cpus_per_task']} CPU(s) per task")
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
        slurm: ``gpus`` and ``cpus`` per task (default: from the cluster,
            :func:`slurm_resources`), ``python`` (the command that starts Python in a task,
            e.g. a container's) and extra parameters of submitit's ``SlurmExecutor``
            (``partition``, ``time`` in minutes…).

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
