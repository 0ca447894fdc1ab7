"""The build record (QuantEcon's status page idea): for the book just built, per chapter, when
it ran, how long, with which parameters, at which commit (``+changes`` for a dirty tree), on
which machine and packages, in which arithmetic; a chapter reused by ``--only`` from an
earlier build is flagged. Each executed chapter carries its record in its metadata
(:func:`record_run`, beside papermill's own); :func:`build_record_page` reads them back."""

from __future__ import annotations

import json
import os
import platform
from importlib import metadata
from pathlib import Path

import pandas as pd

from ..config import checkout_commit
from .exhibit import markdown_table

#: The packages whose versions the record names.
PACKAGES = ("torch", "torchvision", "timm", "numpy", "nibabel", "scikit-learn", "papermill",
            "jupyter-book", "myst-nb")
META_KEY = "glioma_build"


def machine() -> dict[str, object]:
    """This machine as the record names it: CPU model, cores, torch's CPU capability, GPU.

    Example:
        >>> machine()["cores"] >= 1
        True
    """
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    return {"cpu": cpu, "cores": os.cpu_count() or 1,
            "cpu_capability": torch.backends.cpu.get_cpu_capability(), "gpu": gpu}


def package_versions() -> dict[str, str]:
    """Installed version of each package of :data:`PACKAGES` ("—" where absent).

    Example:
        >>> "torch" in package_versions()
        True
    """
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "—"
    return out


def record_run(path: str | Path, profile: str, root: Path | None = None,
               precision: str | None = None) -> dict:
    """Write this run's record into an executed notebook's metadata (``glioma_build``): the
    commit, the machine, the package versions and the arithmetic of the profile's main
    networks on this machine.

    Args:
        path: the executed notebook.
        profile: the profile it ran under.
        root: the repository (for the commit).
        precision: the arithmetic the profile's networks use on this machine
            (:func:`glioma_lib.training.precision.precision_name`; the caller knows it).

    Example:
        >>> record_run("_build/running/01_data.ipynb", "smoke", precision="fp32")["commit"]
    """
    import nbformat

    record = {"commit": checkout_commit(root) or "unknown", "machine": machine(),
              "packages": package_versions(), "precision": precision or "not recorded"}
    nb = nbformat.read(path, as_version=4)
    nb.metadata[META_KEY] = record
    nbformat.write(nb, path)
    return record


def _chapter_row(path: Path, meta: dict, current: str | None, rerun: list[str] | None) -> dict:
    pm, build = meta.get("papermill", {}), meta.get(META_KEY, {})
    params = pm.get("parameters", {})
    commit = build.get("commit", "not recorded")
    reused = (rerun is not None and path.stem not in rerun) or \
        (current is not None and commit != current)
    return {"chapter": path.stem, "started (UTC)": str(pm.get("start_time", "—"))[:19],
            "seconds": f"{pm['duration']:.0f}" if pm.get("duration") is not None else "—",
            "parameters": ", ".join(f"{k}={v}" for k, v in params.items() if v is not None),
            "commit": commit, "arithmetic": build.get("precision", "—"),
            "reused": f"yes: ran at {commit}" if reused else "no"}


def _table(rows: list[dict], caption: str, label: str) -> str:
    """A numbered MyST table with its caption (the book's tables all carry one)."""
    frame = pd.DataFrame(rows)
    body = markdown_table(frame.set_index(frame.columns[0]))
    return "\n".join([f":::{{table}} {caption}", f":name: {label}", "", body, ":::"])


def build_record_page(notebooks_dir: str | Path, rerun: list[str] | None = None,
                      root: Path | None = None) -> str:
    """The build record page (MyST markdown) of the executed chapters in ``notebooks_dir``:
    one row per chapter (from papermill's metadata and :func:`record_run`'s), then the
    machine and the package versions of the latest chapter's run.

    Args:
        notebooks_dir: ``_build/src/notebooks`` of the build.
        rerun: the chapters this build ran (``--only``); the others are flagged as reused.
        root: the repository (for the current commit).

    Example:
        >>> page = build_record_page("_build/src/notebooks")
    """
    paths = sorted(Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb"))
    metas = [json.loads(p.read_text())["metadata"] for p in paths]
    current = checkout_commit(root)
    rows = [_chapter_row(p, meta, current, rerun) for p, meta in zip(paths, metas, strict=True)]
    latest = next((m[META_KEY] for m in reversed(metas) if m.get(META_KEY)), {})
    text = ["# Build record", "",
            f"How the book you are reading was built: {len(rows)} chapters, executed with "
            f"papermill at commit {current or 'unknown'} (`+changes`: the working tree "
            "differed from the commit). A chapter marked reused was not run by this build "
            "(`glioma-grade book --only`) or ran at another commit.", ""]
    if rows:
        text += ["## Chapters", "", _table(rows, "Each chapter of this build: when it ran, for "
                                           "how long, with which parameters, at which "
                                           "commit and in which arithmetic.",
                                           "tbl-build-chapters"), ""]
    if latest:
        m = latest["machine"]
        text += ["## Machine and packages", "",
                 _table([{"CPU": m["cpu"], "cores": m["cores"],
                          "CPU capability (torch)": m["cpu_capability"], "GPU": m["gpu"]}],
                        "The machine the latest chapter ran on.", "tbl-build-machine"),
                 "", _table([latest["packages"]], "Package versions of that run.",
                            "tbl-build-packages"), ""]
    return "\n".join(text)


def book_time_text(results: str | Path) -> str:
    """README's sentence on how long the cold default book took, from
    ``bench/results/book_default_fp32.json`` (a CPU without native bf16) and
    ``book_default.json`` (one with it), with each build's CPU capability and commit, and
    each made again on another machine of its kind where there is one
    (``<name>_second_machine.json``: its probe rate says how much slower, and its minutes at
    the first machine's probe rate, :func:`~glioma_lib.reporting.budget.on_reference`).

    Args:
        results: ``bench/results``.

    Example:
        >>> book_time_text("bench/results")[:40]
        'Measured cold, cohort included, on 2 co'
    """
    parts, cores = [], "2 cores"
    from .budget import NATIVE_BUILD, REFERENCE_BUILD, on_reference

    for name, kind in ((REFERENCE_BUILD, "without native bf16"),
                       (NATIVE_BUILD, "with native bf16")):
        path = Path(results) / name
        if not path.exists():
            parts.append(f"not yet measured on a CPU {kind}")
            continue
        ref = json.loads(path.read_text())
        cores = ref.get("machine", cores).split(", ")[-1]
        total = ref.get("total_with_cohort_s", ref["book_s"])
        parts.append(f"{total / 60:.1f} minutes on a CPU {kind} ({ref['precision']}, torch "
                     f"capability {ref.get('cpu_capability')}, commit {ref.get('commit')})")
        again = path.with_name(path.stem + "_second_machine.json")
        if again.exists():  # the same build on another machine of that kind
            d = json.loads(again.read_text())
            parts[-1] += (f"; made again on a slower machine of that kind (probe "
                          f"{d['probe_img_s']:.0f} img/s), {d['total_with_cohort_s'] / 60:.1f} "
                          f"minutes (commit {d.get('commit')}), "
                          f"{on_reference(d['total_with_cohort_s'], d, ref) / 60:.1f} at the "
                          "first machine's probe rate")
    return (f"Measured cold, cohort included, on {cores}: {parts[0]}, and {parts[1]} "
            "(`bench/bench_book.py --cold`; the appendix has every chapter).")


def gpu_projection_text(results: str | Path) -> str:
    """README's sentence on the GPU check (``bench/results/gpu_check.json``): the measured
    GoogLeNet rates and the `paper` book's projected training time, counted from
    ``plan("paper")``.

    Args:
        results: ``bench/results``.

    Example:
        >>> gpu_projection_text("bench/results")[:30]
        'Measured on one NVIDIA H200 (`'
    """
    path = Path(results) / "gpu_check.json"
    if not path.exists():
        return "Not measured on a GPU yet (`bench/gpu_check.py`)."
    r = json.loads(path.read_text())
    g, proj = r["throughput"]["googlenet"], r["projection"]
    graphs = (f" and {g['cudagraphs_data_path_img_s']:,.0f} img/s with CUDA graphs "
              f"({g['cudagraphs_compile_s']:.0f} s to compile)"
              if g.get("cudagraphs_data_path_img_s") else "")
    return (f"Measured on one {r['device']} (`bench/results/gpu_check.json`, shown in the "
            f"appendix): GoogLeNet, {r['sizes']['size']} px, batch {r['sizes']['batch']}, "
            f"full data path {g['data_path_img_s']:,.0f} img/s eager{graphs}, "
            f"{r['gpu_data_path_over_model_alone']:.2f} of the model alone; the `paper` "
            f"book's {proj['networks']} networks (`plan(\"paper\")`) projected at "
            f"{proj['hours_one_gpu']:.1f} h of training on that GPU.")


#: README's generated sentences: marker name → the function that writes it from
#: ``bench/results``. Each sits between ``<!-- name:start -->`` and ``<!-- name:end -->``
#: (``make readme``), and a test fails when README drifts from its JSON.
README_BLOCKS = {"book-time": book_time_text, "gpu-projection": gpu_projection_text}


def update_readme(readme: str | Path, results: str | Path) -> bool:
    """Write each of :data:`README_BLOCKS` between its markers in README; whether anything
    changed.

    Args:
        readme: README.md.
        results: ``bench/results``.

    Example:
        >>> update_readme("README.md", "bench/results")
        False
    """
    path = Path(readme)
    text = original = path.read_text()
    for name, make in README_BLOCKS.items():
        start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
        if start not in text or end not in text:
            raise ValueError(f"{path}: no {start} … {end} markers")
        head, rest = text.split(start, 1)
        tail = rest.split(end, 1)[1]
        text = f"{head}{start}\n{make(results)}\n{end}{tail}"
    if text != original:
        path.write_text(text)
    return text != original
