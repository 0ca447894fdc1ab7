"""Run the notebooks in order with papermill under a profile, then build the Jupyter Book."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from .config import get_profile, project_root

NOTEBOOK_DIR = "notebooks"
BOOK_FILES = ("_config.yml", "_toc.yml", "book", "_static")


class NotebookFailed(RuntimeError):
    """A notebook failed: names the notebook and the failing cell."""


def notebooks(root: Path | None = None) -> list[Path]:
    """The ordered notebook sources (``notebooks/NN_*.ipynb``)."""
    root = root or project_root()
    return sorted((root / NOTEBOOK_DIR).glob("[0-9][0-9]_*.ipynb"))


#: The profile whose book is the project's book, built into ``<repo>/_build/html``.
MAIN_PROFILE = "default"


def output_root(root: Path | None = None, profile: str = MAIN_PROFILE) -> Path:
    """Where a profile's book is built (Jupyter Book's ``--path-output``): ``$GLIOMA_BUILD``
    when set, else the repository for the default profile and ``_build/<profile>`` for the
    others, so that a smoke build (the tests) never overwrites the default book."""
    if os.environ.get("GLIOMA_BUILD"):
        return Path(os.environ["GLIOMA_BUILD"])
    root = root or project_root()
    return root if profile == MAIN_PROFILE else root / "_build" / profile


def build_dir(root: Path | None = None, profile: str = MAIN_PROFILE) -> Path:
    """The profile's ``_build`` folder (ignored by git): ``_build`` for the default profile,
    ``_build/<profile>/_build`` for the others; it holds ``src/`` and ``html/``."""
    return output_root(root, profile) / "_build"


#: Longest a chapter's cell may run before the build stops with :class:`NotebookFailed`, per
#: profile (papermill's ``execution_timeout``; ``$GLIOMA_CELL_TIMEOUT_S`` overrides it). The
#: longest cells measured: the default profile's cross-validation, about 20 min on 2 cores.
CELL_TIMEOUT_S = {"smoke": 900, "default": 3600, "paper": 12 * 3600}


def cell_timeout(profile: str) -> int:
    """The per-cell time limit of a profile's chapters, in seconds (:data:`CELL_TIMEOUT_S`,
    or ``$GLIOMA_CELL_TIMEOUT_S``).

    Args:
        profile: the profile's name.

    Example:
        >>> cell_timeout("smoke")
        900
    """
    override = os.environ.get("GLIOMA_CELL_TIMEOUT_S")
    return int(override) if override else CELL_TIMEOUT_S.get(profile, 3600)


@contextmanager
def _kernel_stderr(path: Path):
    """The kernel's own stderr (its start-up notices, a dying kernel's traceback) into
    ``path`` instead of the terminal: the kernel inherits this process's descriptor 2."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "ab") as log_file:
        os.dup2(log_file.fileno(), 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


@contextmanager
def _progress_lines(path: Path, log, expected_s: float | None):
    """While a chapter runs, show the lines its trainings append to ``path``
    (:func:`glioma_lib.store.progress`), with the chapter's time left where a forecast
    exists."""
    from .store import PROGRESS_ENV

    path.write_text("")
    previous = os.environ.get(PROGRESS_ENV)
    os.environ[PROGRESS_ENV] = str(path)
    stop, start = threading.Event(), time.perf_counter()

    def tail() -> None:
        pending = ""
        with open(path, encoding="utf-8", errors="replace") as lines:
            while True:
                done = stop.wait(2.0)
                # only what was appended since the last look; a line half-written stays
                # pending until its newline arrives
                *complete, pending = (pending + lines.read()).split("\n")
                for line in complete:
                    left = "" if expected_s is None else f"; chapter about " \
                        f"{max(expected_s - (time.perf_counter() - start), 0) / 60:.0f} min left"
                    log(f"[train] {line}{left}")
                if done:
                    return

    thread = threading.Thread(target=tail, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        if previous is None:
            os.environ.pop(PROGRESS_ENV, None)
        else:
            os.environ[PROGRESS_ENV] = previous


def run_notebooks(profile: str, brats_root: str | None = None, root: Path | None = None,
                  only: list[str] | None = None, log=print, seed: int | None = None,
                  on_done=None, expected: dict[str, float] | None = None) -> Path:
    """Execute every notebook with papermill into ``_build/src/notebooks``; return that folder.

    Stops at the first failing notebook with a one-line :class:`NotebookFailed` naming it and
    the cause: a cell's error, a cell past the profile's time limit (:func:`cell_timeout`) or
    a kernel that died (killed for memory, say). While a chapter runs, its trainings' progress
    lines are shown (``expected``: chapter → forecast seconds, for the time left); the
    kernel's own stderr goes to ``_build/running/<chapter>.kernel.log``. ``on_done(stem,
    seconds)`` is called after each notebook (the time-left estimate).

    Args:
        profile: the profile's name.
        brats_root: a real BraTS root, or None for the synthetic cohort.
        root: the repository (default: this one).
        only: the notebooks to run (stems); the others are left as they are.
        log: where the lines go.
        seed: overrides the profile's seed.
        on_done: called with (stem, seconds) after each notebook.
        expected: chapter → forecast seconds.

    Example:
        >>> run_notebooks("smoke", only=["09_performance"])
    """
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    from .models.device import pick_device
    from .reporting.build_record import record_run
    from .training.precision import precision_name

    p = get_profile(profile)  # fail fast on an unknown profile
    arithmetic = precision_name(pick_device(), p.precision, p.backbone)
    root = root or project_root()
    out = build_dir(root, profile) / "src" / NOTEBOOK_DIR
    running = build_dir(root, profile) / "running"  # outside the book's sources
    out.mkdir(parents=True, exist_ok=True)
    running.mkdir(parents=True, exist_ok=True)
    params = {"profile": profile, "brats_root": resolve_root(brats_root), "seed": seed}
    limit = cell_timeout(profile)
    for nb in notebooks(root):
        if only and nb.stem not in only:
            continue
        target = out / nb.name
        partial = running / nb.name
        kernel_log = running / f"{nb.stem}.kernel.log"
        kernel_log.unlink(missing_ok=True)
        start = time.perf_counter()
        log(f"[papermill] {nb.name} (profile {profile}) ...")
        try:
            with _progress_lines(running / f"{nb.stem}.progress", log,
                                 (expected or {}).get(nb.stem)), _kernel_stderr(kernel_log):
                pm.execute_notebook(str(nb), str(partial), parameters=params, cwd=str(nb.parent),
                                    kernel_name="python3", progress_bar=False,
                                    execution_timeout=limit,
                                    extra_arguments=["--IPKernelApp.log_level=ERROR"])
        except pm.PapermillExecutionError as err:
            raise NotebookFailed(
                f"{nb.name}: cell {err.exec_count} failed: {err.ename}: {err.evalue} "
                f"(executed copy: {partial})") from None
        except CellTimeoutError:
            raise NotebookFailed(
                f"{nb.name}: a cell ran past the {limit} s limit of profile {profile} "
                f"(GLIOMA_CELL_TIMEOUT_S raises it; executed copy: {partial})") from None
        except DeadKernelError:
            raise NotebookFailed(
                f"{nb.name}: the kernel died while a cell ran (killed, e.g. out of memory: see "
                f"{kernel_log} and the system log)") from None
        hide_parameters(partial)
        record_run(partial, profile, root, arithmetic)
        os.replace(partial, target)  # only a notebook that ran to the end enters the book
        log(f"[papermill] {nb.name} done in {time.perf_counter() - start:.0f} s")
        if on_done is not None:
            on_done(nb.stem, time.perf_counter() - start)
    return out


def forecast(profile: str, brats_root: str | None = None, log=print,
             results: Path | None = None) -> dict[str, float] | None:
    """Say before a build what to expect: the CPU's capability, whether it has native bf16,
    the arithmetic of the profile's main backbone, and the expected time of each chapter from
    a two-second probe of this machine's training rate scaled against a measured cold build
    on the same kind of CPU (:func:`glioma_lib.reporting.budget.expected_seconds`).

    Args:
        profile: the profile's name.
        brats_root: a real BraTS root (no synthetic cohort to generate), or None.
        log: where the lines go.
        results: ``bench/results`` (default: the project's).

    Returns:
        Chapter → expected seconds, or None where no estimate can be made (a GPU, or no
        reference build for this kind of CPU).

    Example:
        >>> forecast("default")
    """
    import torch

    from .data.stages import synthetic_root
    from .models.device import pick_device
    from .reporting.budget import expected_seconds, reference_build
    from .training.precision import cpu_has_bf16, precision_name
    from .training.probe import probe_rate

    p = get_profile(profile)
    device = pick_device()
    native = cpu_has_bf16()
    log(f"[book] CPU {torch.backends.cpu.get_cpu_capability()}, {os.cpu_count()} cores, "
        f"native bf16: {'yes' if native else 'no'}; {p.backbone} trains in "
        f"{precision_name(device, p.precision, p.backbone)}"
        + (f" on {torch.cuda.get_device_name(device)}" if device.type == "cuda" else ""))
    if device.type != "cpu":
        log("[book] no time estimate on a GPU (the appendix's GPU check projects the paper book)")
        return None
    folder = results or project_root() / "bench" / "results"
    reference = reference_build(p, native, folder)
    if reference is None:  # the other kind of CPU: the probe still scales it, less exactly
        reference = reference_build(p, not native, folder)
    if reference is None:
        log(f"[book] no measured {profile} build with these settings to scale from: "
            f"no time estimate")
        return None
    rate = probe_rate(p.backbone, p.image_size, p.batch_size, p.precision)
    expected = expected_seconds(reference, rate)
    first = notebooks()[0].stem
    if brats_root is None and not synthetic_root(p).exists() and reference.get("cohort_s"):
        expected[first] = expected.get(first, 0.0) + float(reference["cohort_s"])
    log(f"[book] expected about {sum(expected.values()) / 60:.0f} min: probe "
        f"{rate:.0f} img/s here against {reference['probe_img_s']:.0f} img/s on the "
        f"reference build ({sum(reference['notebooks_s'].values()) / 60:.0f} min of notebooks "
        f"at commit {reference.get('commit')}, CPU {reference.get('cpu_capability')})")
    return expected


def hide_parameters(path: Path) -> None:
    """Tag a chapter's parameters cell and papermill's injected one ``remove-cell``: readers
    of the book see neither (both stay in the executed notebook)."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        tags = cell.metadata.setdefault("tags", [])
        if {"parameters", "injected-parameters"} & set(tags) and "remove-cell" not in tags:
            tags.append("remove-cell")
    nbformat.write(nb, path)


def resolve_root(brats_root: str | Path | None, must_exist: bool = True) -> str | None:
    """An absolute BraTS root (kernels run in ``notebooks/``, where a relative one would
    point elsewhere); ``None`` stays ``None``. A root that is not a folder is refused."""
    if brats_root is None:
        return None
    path = Path(brats_root).expanduser().resolve()
    if must_exist and not path.is_dir():
        raise ValueError(f"{brats_root}: BraTS root is not a folder")
    return str(path)


def executed_ok(path: Path) -> dict | None:
    """Papermill's parameters of an executed notebook that ran to the end, else None
    (missing, unreadable, or papermill recorded an exception)."""
    import json

    try:
        meta = json.loads(path.read_text())["metadata"]["papermill"]
    except (OSError, ValueError, KeyError):
        return None
    if meta.get("exception") or "parameters" not in meta:
        return None
    return meta["parameters"]


def assemble_book(root: Path | None = None, profile: str = MAIN_PROFILE) -> Path:
    """Copy the book's sources beside the executed notebooks in ``_build/src``."""
    root = root or project_root()
    src = build_dir(root, profile) / "src"
    src.mkdir(parents=True, exist_ok=True)
    for name in BOOK_FILES:
        path = root / name
        dest = src / name
        if path.is_dir():
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(path, dest)
        else:
            shutil.copy2(path, dest)
    return src


def build_book(root: Path | None = None, log=print, profile: str = MAIN_PROFILE,
               rerun: list[str] | None = None, notebooks_dir: Path | None = None) -> Path:
    """``jupyter-book build -W -n --keep-going`` of the assembled sources, with the build
    record page written from the executed chapters (``rerun``: the chapters this build ran,
    when ``--only`` reused the others).

    Returns the HTML folder (``_build/html``).
    """
    from .reporting.build_record import build_record_page

    root = root or project_root()
    src = assemble_book(root, profile)
    (src / "book" / "build_record.md").write_text(build_record_page(
        notebooks_dir or src / NOTEBOOK_DIR, rerun, root))
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb if jb.exists() else "jupyter-book"), "build", "-W", "-n", "--keep-going",
           str(src), "--path-output", str(output_root(root, profile))]
    log("[book] " + " ".join(cmd))
    env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    result = subprocess.run(cmd, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"jupyter-book build failed (exit {result.returncode}); see above")
    return build_dir(root, profile) / "html"


def stale_notebooks(profile: str, brats_root: str | None = None, root: Path | None = None,
                    rerun: list[str] | None = None, seed: int | None = None) -> list[str]:
    """Notebooks whose executed copy in ``_build/src`` is missing, failed (papermill recorded
    an exception) or was run with other parameters, leaving out those in ``rerun``."""
    root = root or project_root()
    out = build_dir(root, profile) / "src" / NOTEBOOK_DIR
    wanted = {"profile": profile, "brats_root": resolve_root(brats_root, must_exist=False),
              "seed": seed}
    stale = []
    for nb in notebooks(root):
        if rerun and nb.stem in rerun:
            continue
        params = executed_ok(out / nb.name)
        if params is None or any(params.get(k) != v for k, v in wanted.items()):
            stale.append(nb.stem)
    return stale


def make_book(profile: str, brats_root: str | None = None, log=print,
              only: list[str] | None = None, seed: int | None = None) -> Path:
    """Notebooks (papermill) then the book: the whole of ``make book``.

    ``only`` reruns just those notebooks (by stem, e.g. ``09_performance``) and reuses the
    other executed copies, which must come from a run with the same profile and data.
    """
    start = time.perf_counter()
    if only:
        known = {nb.stem for nb in notebooks()}
        unknown = sorted(set(only) - known)
        if unknown:
            raise ValueError(f"unknown notebook(s) {unknown}; choose from {sorted(known)}")
        stale = stale_notebooks(profile, brats_root, rerun=only, seed=seed)
        if stale:
            raise ValueError(f"no executed copy of {stale} for profile {profile!r} and this "
                             "data: build the whole book first")
    from .reporting.budget import remaining_seconds

    expected = forecast(profile, brats_root, log=log) if not only else None
    done: dict[str, float] = {}

    def time_left(stem: str, seconds: float) -> None:
        done[stem] = seconds
        if expected:
            log(f"[book] about {remaining_seconds(expected, done) / 60:.0f} min left")

    out = run_notebooks(profile, brats_root, log=log, only=only, seed=seed,
                        on_done=time_left, expected=expected)
    html = build_book(log=log, profile=profile, rerun=only, notebooks_dir=out)
    took = time.perf_counter() - start
    log(f"[book] built {html / 'index.html'} in {took:.0f} s")
    if expected:  # the first estimate against what the build took
        said = sum(expected.values())
        log(f"[book] took {took / 60:.1f} min; the first estimate said {said / 60:.1f} min "
            f"({said / took - 1:+.0%})")
    return html
