"""What each default-profile option would cost: the book's time on this machine, projected
from one measured cold build and measured training rates (``bench/bench_options.py``).

The projection keeps everything that is not training as measured (cohort, slices, Table 1,
predictions, Jupyter Book) and rescales each trained model's measured seconds by the images
it would see (epochs, offline 6×) and the measured bf16 training rate of its backbone at the
option's image size, in the arithmetic it trained in (``bench/results/
precision_throughput.json``; sizes between measured ones are interpolated on a log-log scale
of rate against pixels). The lighter comparison
runs (``extra_epochs``, online augmentation only) change only with the image size.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

OFFLINE_FACTOR = 6  # the paper's offline expansion: each slice and 5 transformed copies
#: The cold build every machine-to-machine scaling is against (``bench/results/``): the
#: default book on a CPU without native bf16 (AVX2, fp32), where its 45-minute budget holds.
REFERENCE_BUILD = "book_default_fp32.json"
#: Its twin on a CPU with native bf16: the first machine the native builds and options are
#: scaled to.
NATIVE_BUILD = "book_default.json"


def probe_ratio(reference: dict, build: dict) -> float:
    """How many times slower ``build``'s machine trains than ``reference``'s: the ratio of
    their probe rates (``probe_img_s``, :func:`glioma_lib.training.probe.probe_rate`; 1.0 for
    one machine). Cores of one kind differ up to 1.7× between machines, so every bench that
    quotes seconds of another machine divides by it (:func:`on_reference`).

    Args:
        reference: the reference machine's bench JSON (:data:`REFERENCE_BUILD`).
        build: a bench JSON with a ``probe_img_s``.

    Example:
        >>> probe_ratio({"probe_img_s": 180.0}, {"probe_img_s": 120.0})
        1.5
    """
    return float(reference["probe_img_s"]) / float(build["probe_img_s"])


def on_reference(seconds: float, build: dict, reference: dict) -> float:
    """``seconds`` measured on ``build``'s machine, as the reference machine would take them
    (divided by :func:`probe_ratio`).

    Args:
        seconds: measured on ``build``'s machine.
        build: that bench JSON (its ``probe_img_s``).
        reference: the reference machine's bench JSON.

    Example:
        >>> on_reference(90.0, {"probe_img_s": 120.0}, {"probe_img_s": 180.0})
        60.0
    """
    return seconds / probe_ratio(reference, build)


def training_runs(models_root: str | Path) -> pd.DataFrame:
    """One row per trained model under ``results/<profile>/models/``: run (the names that
    point to it, else its folder), sequence,
    backbone, image size, light recipe or not, epochs, offline 6× or not, training seconds.

    Args:
        models_root: the profile's ``models`` folder after a build.

    Example:
        >>> training_runs("results/default/models")[["run", "train_seconds"]]
    """
    from ..store import run_names

    rows, names = [], run_names(models_root)
    for card_path in sorted(Path(models_root).glob("*/*/model.json")):
        card = json.loads(card_path.read_text())
        manifest = json.loads((card_path.parent / "manifest.json").read_text())
        if "train_seconds" not in card:
            raise ValueError(f"{card_path}: no train_seconds (made before version 0.3); "
                             f"rebuild the book to measure it")
        key = card_path.parent.parent.name
        rows.append({"run": ", ".join(names.get(key, [key])),
                     "sequence": card["sequence"],
                     "backbone": card["backbone"], "image_size": card["image_size"],
                     "precision": "bf16" if "bf16" in card.get("precision", "") else "fp32",
                     "light": bool(card["light"]), "epochs": card["epochs"],
                     "offline_aug": bool(manifest["training"]["offline_aug"]),
                     "train_seconds": float(card["train_seconds"])})
    return pd.DataFrame(rows)


def training_rate(throughput: dict, backbone: str, size: int, precision: str = "bf16") -> float:
    """Training images/s of ``backbone`` at ``size`` px in ``precision`` (``"bf16"`` or
    ``"fp32"``) from the throughput bench (log-log interpolation between measured sizes,
    extrapolation beyond them).

    Args:
        throughput: ``precision_throughput.json`` as a dict.
        backbone: a registry name.
        size: image side in pixels.
        precision: the arithmetic the run trained in.

    Example:
        >>> training_rate(json.load(open("bench/results/precision_throughput.json")),
        ...               "googlenet", 160)
    """
    rows = sorted((r["size"], r[f"train_{precision}_img_per_s"]) for r in throughput["rows"]
                  if r["backbone"] == backbone)
    if not rows:
        raise KeyError(f"no throughput measured for {backbone}")
    sizes, rates = np.array(rows, dtype=float).T
    if len(sizes) == 1:
        return float(rates[0] * (sizes[0] / size) ** 2)
    x, y = np.log(sizes**2), np.log(rates)
    i = int(np.clip(np.searchsorted(x, np.log(size**2)) - 1, 0, len(x) - 2))
    slope = (y[i + 1] - y[i]) / (x[i + 1] - x[i])
    return float(np.exp(y[i] + slope * (np.log(size**2) - x[i])))


def project_book_seconds(runs: pd.DataFrame, book_s: float, throughput: dict, image_size: int,
                         epochs: int, offline_aug: bool) -> float:
    """The measured book's seconds with its models retrained under another option.

    Args:
        runs: :func:`training_runs` of the measured build.
        book_s: that build's measured seconds (cohort included when it was cold).
        throughput: ``precision_throughput.json``.
        image_size, epochs, offline_aug: the option.

    Example:
        >>> import json
        >>> runs = training_runs("results/default/models")
        >>> throughput = json.load(open("bench/results/precision_throughput.json"))
        >>> project_book_seconds(runs, 2400, throughput, 160, 5, False)
    """
    total = book_s - runs["train_seconds"].sum()
    for run in runs.itertuples():
        images = 1.0
        if not run.light:
            images = (epochs / run.epochs) * ((OFFLINE_FACTOR if offline_aug else 1)
                                              / (OFFLINE_FACTOR if run.offline_aug else 1))
        precision = getattr(run, "precision", "bf16")
        speed = (training_rate(throughput, run.backbone, run.image_size, precision)
                 / training_rate(throughput, run.backbone, image_size, precision))
        total += run.train_seconds * images * speed
    return float(total)


def option_table(runs: pd.DataFrame, book_s: float, throughput: dict,
                 options: list[tuple[int, int, bool]], budget_s: float) -> pd.DataFrame:
    """Projected book time of each (image size, epochs, offline 6×) option and whether it
    fits ``budget_s``; the measured build's own option is marked.

    Example:
        >>> import json
        >>> runs = training_runs("results/default/models")
        >>> throughput = json.load(open("bench/results/precision_throughput.json"))
        >>> option_table(runs, 2400, throughput, [(96, 5, False), (224, 5, False)], 2700)
    """
    measured = (int(runs.loc[~runs["light"], "image_size"].iloc[0]),
                int(runs.loc[~runs["light"], "epochs"].iloc[0]),
                bool(runs.loc[~runs["light"], "offline_aug"].iloc[0]))
    rows = []
    for size, epochs, offline in options:
        seconds = project_book_seconds(runs, book_s, throughput, size, epochs, offline)
        rows.append({"image size (px)": size, "epochs": epochs, "offline 6×": offline,
                     "book (min)": seconds / 60, "fits": seconds <= budget_s,
                     "how": "measured" if (size, epochs, offline) == measured else "projected"})
    return pd.DataFrame(rows)


def closest_to_paper(table: pd.DataFrame) -> pd.Series:
    """The fitting option closest to the paper's protocol (224 px, offline 6×, 100 epochs):
    the largest image first (what the ImageNet features were made for), then the offline
    expansion, then the most epochs.

    Example:
        >>> closest_to_paper(option_table(...))["image size (px)"]
    """
    fits = table[table["fits"]]
    if fits.empty:
        raise ValueError("no option fits the budget")
    key = fits["image size (px)"] * 1000 + fits["offline 6×"] * 100 + fits["epochs"]
    return fits.loc[key.idxmax()]


def profile_fingerprint(profile) -> str:
    """What a book's work depends on in a profile (every field but ``workers``), hashed: a
    measured build is a reference for an estimate only under the same fingerprint.

    Args:
        profile: a :class:`glioma_lib.config.Profile`.

    Example:
        >>> profile_fingerprint(get_profile("default"))[:8]
    """
    from ..store import fingerprint

    fields = {k: v for k, v in profile.to_dict().items() if k != "workers"}
    return fingerprint(fields)


def reference_build(profile, native_bf16: bool, folder: str | Path) -> dict | None:
    """The measured cold build an estimate scales from: ``book_<profile>.json`` (a CPU with
    native bf16) or ``book_<profile>_fp32.json`` (one without), when it recorded a probe and
    was made under the same profile settings (:func:`profile_fingerprint`).

    Args:
        profile: the :class:`~glioma_lib.config.Profile`.
        native_bf16: whether this CPU computes bf16 natively.
        folder: ``bench/results``.

    Example:
        >>> reference_build(get_profile("default"), gl.training.precision.cpu_has_bf16(),
        ...                 "bench/results")
    """
    name = profile.name
    path = Path(folder) / (f"book_{name}.json" if native_bf16 else f"book_{name}_fp32.json")
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    if data.get("profile_fingerprint") != profile_fingerprint(profile):
        return None
    return data if data.get("probe_img_s") and data.get("notebooks_s") else None


def expected_seconds(reference: dict, rate: float) -> dict[str, float]:
    """Each chapter's expected seconds here: the reference build's measured seconds scaled by
    its probe rate over this machine's (``cohort`` too, where the reference generated one).

    Args:
        reference: :func:`reference_build`'s JSON.
        rate: :func:`glioma_lib.training.probe.probe_rate` on this machine.

    Example:
        >>> expected_seconds({"probe_img_s": 150, "notebooks_s": {"01_data": 60}}, 75.0)
        {'01_data': 120.0}
    """
    scale = probe_ratio(reference, {"probe_img_s": rate})  # the reference's seconds → here
    out = {name: s * scale for name, s in reference["notebooks_s"].items()}
    if reference.get("jupyter_book_s"):
        out["jupyter-book"] = float(reference["jupyter_book_s"])
    return out


def remaining_seconds(expected: dict[str, float], done: dict[str, float],
                      settle: float = 0.15) -> float:
    """Seconds still to go: the chapters not yet run, their estimates rescaled by how the
    finished ones compared with theirs, once the finished ones are at least ``settle`` of the
    expected work (the first, short chapters read data and train nothing: their ratio says
    little about the training chapters).

    Args:
        expected: :func:`expected_seconds`.
        done: finished chapter → measured seconds.
        settle: share of the expected work done before the ratio is trusted.

    Example:
        >>> remaining_seconds({"a": 10.0, "b": 20.0}, {"a": 15.0})
        30.0
    """
    finished = [k for k in done if k in expected]
    done_expected = sum(expected[k] for k in finished)
    ratio = 1.0
    if finished and done_expected > 0 and done_expected >= settle * sum(expected.values()):
        ratio = sum(done[k] for k in finished) / done_expected
    return ratio * sum(s for k, s in expected.items() if k not in done)


def main_backbone_option(runs: pd.DataFrame, book_s: float, rates: dict[str, float],
                         measured_backbone: str, backbone: str, epochs: int) -> float:
    """The measured book's seconds had its main networks (the full recipe: not ``light``,
    trained with the profile's backbone) used ``backbone`` for ``epochs`` epochs: each main
    run's measured seconds rescaled by the epochs and by the two backbones' measured rates
    on this machine; every other second stays as measured.

    Args:
        runs: :func:`training_runs` of the measured build.
        book_s: that build's measured seconds (cohort included when cold).
        rates: backbone → training images/s here
            (:func:`glioma_lib.training.probe.probe_rate`).
        measured_backbone: the main backbone of the measured build.
        backbone: the option's main backbone.
        epochs: the option's epochs.

    Example:
        >>> import json
        >>> runs = training_runs("results/default/models")
        >>> main_backbone_option(runs, 2300, {"googlenet": 106, "efficientnet_lite0": 152},
        ...                      "efficientnet_lite0", "googlenet", 5)
    """
    main = (~runs["light"]) & (runs["backbone"] == measured_backbone)
    total = book_s - runs.loc[main, "train_seconds"].sum()
    speed = rates[measured_backbone] / rates[backbone]
    for run in runs[main].itertuples():
        total += run.train_seconds * (epochs / run.epochs) * speed
    return float(total)


def makespan(durations: list[float], workers: int) -> float:
    """Wall time of independent jobs on ``workers`` identical workers, longest first onto the
    least-loaded worker (LPT scheduling, within 4/3 of the optimum).

    Args:
        durations: each job's seconds.
        workers: how many run at once (GPUs, processes).

    Example:
        >>> makespan([5, 4, 3, 3], 2)
        8.0
    """
    import heapq

    loads = [0.0] * max(1, workers)
    for d in sorted(durations, reverse=True):
        heapq.heapreplace(loads, loads[0] + d)
    return float(max(loads))


def compare_builds(reference: str | Path, other: str | Path) -> tuple[pd.DataFrame, str]:
    """Two cold builds of the same profile on the same kind of CPU, chapter by chapter: each
    chapter's seconds in both and their ratio, beside the ratio of the two machines' probe
    rates (cores of one kind differ up to 1.7× between machines, so a total alone says
    nothing about the code), and a sentence with the range of the ratios.

    Args:
        reference: the reference build's JSON (``bench/bench_book.py``'s).
        other: the build compared with it.

    Example:
        >>> table, text = compare_builds("bench/results/book_default_fp32.json",
        ...                              "bench/results/book_default_fp32_second_machine.json")
    """
    builds = [json.loads(Path(p).read_text()) if Path(p).exists() else None
              for p in (reference, other)]
    if None in builds:
        missing = [Path(p).name for p, b in zip((reference, other), builds, strict=True)
                   if b is None]
        return (pd.DataFrame({"value": [f"not measured: {', '.join(missing)}"]}),
                f"Not measured yet: {', '.join(missing)}.")
    ref, new = builds
    chapters = [c for c in ref["notebooks_s"] if c in new["notebooks_s"]]
    rows = {c: (ref["notebooks_s"][c], new["notebooks_s"][c]) for c in chapters}
    for key, label in (("cohort_s", "cohort"), ("jupyter_book_s", "jupyter-book"),
                       ("total_with_cohort_s", "total with cohort")):
        if key in ref and key in new:
            rows[label] = (ref[key], new[key])
    table = pd.DataFrame(rows, index=["reference (s)", "this build (s)"]).T
    table["ratio"] = table["this build (s)"] / table["reference (s)"]
    slower = probe_ratio(ref, new)
    table.loc["probe (img/s)"] = [ref["probe_img_s"], new["probe_img_s"], slower]
    table.index.name = "chapter"
    ratios = table.loc[chapters, "ratio"]
    trained = [c for c in chapters if ref["notebooks_s"][c] >= 60]  # the training chapters
    text = (f"The build at commit {new.get('commit')} ({new.get('cpu_capability')}, "
            f"{new.get('precision')}) took {new['total_with_cohort_s'] / 60:.1f} min with the "
            f"cohort against the reference's {ref['total_with_cohort_s'] / 60:.1f} min "
            f"(commit {ref.get('commit')}); chapter by chapter {ratios.min():.2f}× to "
            f"{ratios.max():.2f}× the reference's time"
            + (f" ({min(ratios[trained]):.2f}× to {max(ratios[trained]):.2f}× for the "
               f"chapters that train)" if trained else "")
            + f", where the probe of the two machines' training rate differs {slower:.2f}×.")
    return table, text + _on_reference_text(new, ref)


def _on_reference_text(new: dict, ref: dict) -> str:
    """The sentence on what a build on a slower machine means on the reference machine: its
    total divided by the probe ratio, against the budget it records, and its printed ETA."""
    total = new["total_with_cohort_s"]
    there = on_reference(total, new, ref)
    text = (f" Divided by that ratio, its {total / 60:.1f} min are "
            f"{there / 60:.1f} min on the reference machine")
    budget = new.get("budget_s")
    if budget:
        text += (f", {'within' if there <= budget else 'over'} the "
                 f"{budget / 60:.0f}-minute budget")
    if new.get("eta_s"):
        text += (f"; the estimate printed before it started said {new['eta_s'] / 60:.0f} min "
                 f"here ({new['eta_over_measured']:.2f}× the time it took)")
    return text + "."
