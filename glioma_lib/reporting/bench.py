"""The benchmark results (``bench/results/*.json``) and targets (``bench/targets.json``) as
the tables of the performance appendix."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..config import project_root


def read_result(path) -> dict | None:
    path = Path(path)
    return json.loads(path.read_text()) if path.exists() else None


def not_measured(path, why: str | None = None) -> pd.DataFrame:
    """The one-row table a result file that does not exist yet (or says ``why`` it holds no
    result) is shown as."""
    text = (why if why and why.startswith("⚠") else f"not measured: {why}" if why
            else f"not measured yet (run make bench): {Path(path).name}")
    return pd.DataFrame({"value": [text]}, index=pd.Index(["result"], name="measure"))


#: The rows of chapter 8's table of ``bench/results/predict.json``: result key → row label.
PREDICT_ROWS = {
    "machine": "machine", "image_size": "image size (px)",
    "in_process_with_mask_s": "one patient, with mask (s)",
    "in_process_automatic_window_s": "one patient, automatic window (s)",
    "in_process_with_png_s": "one patient, with Grad-CAM PNG (s)",
    "command_with_mask_s": "the command in a new process, with mask (s)",
    "target_s": "target (s)", "peak_rss_MiB": "peak memory (MiB)"}


def bench_table(path, keys: dict[str, str] | None = None) -> pd.DataFrame:
    """A benchmark result file (``bench/results/*.json``) as a two-column table.

    ``keys`` picks and renames entries; a missing file gives a one-row table saying so, so
    the book shows that the figure was not measured rather than hiding it.

    Args:
        path: the JSON file a bench wrote.
        keys: result key → row label (default: every key, as is).

    Example:
        >>> bench_table("bench/results/predict.json", {"command_with_mask_s": "seconds"})
    """
    data = read_result(path)
    if data is None:
        return not_measured(path)
    keys = keys or {k: k for k in data}
    rows = {label: data.get(key, "—") for key, label in keys.items()}
    return pd.DataFrame({"value": [str(round(v, 2)) if isinstance(v, float) else str(v)
                                   for v in rows.values()]},
                        index=pd.Index(list(rows), name="measure"))


def format_measure(value) -> str:
    """A measured value for a table: 3 significant digits, whole numbers from 100 up."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _target(row: dict) -> str:
    """The target as text (``"—"`` where a row only reports)."""
    if "at_most" in row and "at_least" in row:
        return row.get("target", f"{format_measure(row['at_least'])}–"
                                 f"{format_measure(row['at_most'])}")
    if "at_most" in row:
        return row.get("target", f"≤ {format_measure(row['at_most'])}")
    if "at_least" in row:
        return row.get("target", f"≥ {format_measure(row['at_least'])}")
    return "—"


def meets(row: dict, value: float) -> bool | None:
    """Whether ``value`` meets every bound the row has (``at_most`` and / or ``at_least``: a
    range where it has both), None where it has none."""
    checks = ([value <= row["at_most"]] if "at_most" in row else []) \
        + ([value >= row["at_least"]] if "at_least" in row else [])
    return all(checks) if checks else None


def _per_probe(seconds: float, build: Path, reference: Path) -> float | None:
    """``seconds`` measured with ``build``'s probe rate, at ``reference``'s
    (:func:`~glioma_lib.reporting.budget.on_reference`; None when either has no probe)."""
    from .budget import on_reference

    if not reference.exists():
        return None
    here, there = (json.loads(p.read_text()) for p in (build, reference))
    if not (here.get("probe_img_s") and there.get("probe_img_s")):
        return None
    return on_reference(seconds, here, there)


def bench_summary(folder, targets=None) -> pd.DataFrame:
    """Every performance target of the project beside its measured value.

    Rows whose file is missing say "not measured", so the book never hides a gap.

    Args:
        folder: ``bench/results``.
        targets: the targets file (default ``bench/targets.json``): a list of ``file``,
            ``key``, ``label`` and optionally ``at_most`` / ``at_least`` / ``target`` text,
            and ``per_probe_of``: another build's file, whose machine the value is scaled to
            by the two ``probe_img_s`` (a build made on a slower machine of the same kind).

    Example:
        >>> bench_summary(project_root() / "bench" / "results")
    """
    folder = Path(folder)
    targets = Path(targets or project_root() / "bench" / "targets.json")
    rows = []
    for row in json.loads(targets.read_text()):
        path = folder / row["file"]
        value = json.loads(path.read_text()).get(row["key"]) if path.exists() else None
        if value is not None and "per_probe_of" in row:
            value = _per_probe(value, path, folder / row["per_probe_of"])
        target = _target(row)
        if value is None:
            rows.append({"measure": row["label"], "value": "not measured", "target": target,
                         "met": "—", "file": row["file"]})
            continue
        ok = meets(row, value)
        rows.append({"measure": row["label"], "value": format_measure(value), "target": target,
                     "met": "—" if ok is None else ("yes" if ok else "no"), "file": row["file"]})
    return pd.DataFrame(rows).set_index("measure")


def raw_results(folder) -> str:
    """Every benchmark result file of ``folder``, as indented JSON under its name.

    Args:
        folder: ``bench/results``.

    Example:
        >>> print(raw_results(project_root() / 'bench' / 'results'))
    """
    parts = [f"--- {path.name}\n{json.dumps(json.loads(path.read_text()), indent=1)}"
             for path in sorted(Path(folder).glob("*.json"))]
    return "\n".join(parts)


def options_table(path) -> pd.DataFrame:
    """Default-profile options with their (measured or projected) book time, and the one
    closest to the paper that fits (``bench/results/options.json``).

    Args:
        path: the options bench's JSON.

    Example:
        >>> options_table("bench/results/options.json")
    """
    data = read_result(path)
    if data is None:
        return not_measured(path)
    frame = pd.DataFrame(data["rows"])
    chosen = data["closest_to_paper"]
    keys = ["image size (px)", "epochs", "offline 6×"]
    frame["closest to the paper"] = [
        "◀" if all(row[k] == chosen[k] for k in keys) else "" for _, row in frame.iterrows()]
    frame["fits"] = frame["fits"].map({True: "yes", False: "no"})
    frame["offline 6×"] = frame["offline 6×"].map({True: "yes", False: "no"})
    return frame.set_index(keys)


def fp32_options_table(path) -> pd.DataFrame:
    """The choice that sized the default profile on a CPU without native bf16: its main
    networks' backbone and epochs with the book time each gives there, measured or projected
    (``bench/results/options_fp32.json``, made by ``bench/bench_options.py --fp32``).

    Args:
        path: the JSON.

    Example:
        >>> fp32_options_table("bench/results/options_fp32.json")
    """
    data = read_result(path)
    if data is None:
        return not_measured(path)
    frame = pd.DataFrame(data["rows"])
    chosen = data.get("closest_to_paper") or {}
    keys = ["main backbone", "epochs"]
    frame["chosen"] = ["◀" if all(row[k] == chosen.get(k) for k in keys) else ""
                       for _, row in frame.iterrows()]
    frame["fits"] = frame["fits"].map({True: "yes", False: "no"})
    return frame.set_index(keys)


#: The realism bench's sources, shortened for a column head that fits a laptop screen (the
#: chapter's caption says what each is).
REALISM_SOURCES = {"real, calibration": "real calib.", "real, external (never fitted)":
                   "real external", "synthetic, before calibration": "synth. before",
                   "synthetic, calibrated": "synthetic"}

#: The realism statistics the book shows, in words (``bench/results/realism.json``).
REALISM_ROWS = {
    "tumour_cm3": "whole tumour (cm³)",
    "fraction_1": "core (label 1) / whole tumour", "fraction_2": "oedema (label 2) / whole tumour",
    "fraction_4": "enhancing (label 4) / whole tumour",
    **{f"{s}_ratio_{k}": f"{n}: label {k} / white matter" for s, n in
       (("t1", "T1"), ("t2", "T2"), ("flair", "FLAIR")) for k in (1, 2, 4)},
    **{f"{s}_wm_cv": f"{n}: white-matter SD / mean" for s, n in
       (("t1", "T1"), ("t2", "T2"), ("flair", "FLAIR"))},
    "flair_glcm_contrast": "FLAIR tumour GLCM contrast",
    "flair_glcm_homogeneity": "FLAIR tumour GLCM homogeneity",
    "flair_skew": "FLAIR brain histogram skewness",
    "t1_p99_over_p50": "T1 brain 99th / 50th percentile",
}


def realism_table(path) -> pd.DataFrame:
    """Real against synthetic patients: the median of each realism statistic per source and
    grade (``bench/results/realism.json``, made by ``bench/bench_realism.py``), the sources
    shortened (:data:`REALISM_SOURCES`).

    Args:
        path: the realism bench's JSON.

    Example:
        >>> realism_table("bench/results/realism.json")
    """
    data = read_result(path)
    if data is None:
        return not_measured(path)
    from .provenance import generator_problem

    if problem := generator_problem(data):  # its synthetic columns are another cohort's
        return not_measured(path, f"⚠ Warning: {Path(path).name} is not quoted as this "
                                  f"book's measurement: {problem}; rerun it (make bench)")
    summary = pd.DataFrame(data["summary"]).T
    rows = [k for k in REALISM_ROWS if k in summary.index]
    table = summary.loc[rows].rename(index=REALISM_ROWS)
    table.loc["patients"] = summary.loc["patients"]
    table.index.name = "statistic (median)"
    short = {}
    for column in table.columns:
        source, _, grade = column.rpartition(" ")
        short[column] = f"{REALISM_SOURCES.get(source, source)} {grade}"
    return table.rename(columns=short)


def result_image(path):
    """A benchmark's committed PNG for display in a chapter, or a line saying it is missing.

    Args:
        path: the PNG under ``bench/results``.

    Example:
        >>> result_image("bench/results/realism_montage.png")
    """
    from IPython.display import Image

    path = Path(path)
    if not path.exists():
        return f"not made yet: {path.name} (run the benchmark that writes it)"
    return Image(filename=str(path))


def site_results(path, cohort: str = "de-confounded") -> tuple[pd.DataFrame, dict]:
    """One cohort's site experiments as the bench ran them (``bench/results/sites.json``, made
    by ``bench/bench_sites.py``): the :func:`glioma_lib.experiments.sites.site_experiments`
    rows (empty where there are none) and a dict with a ``provenance`` text and the paired
    ``differences`` (:func:`~glioma_lib.experiments.sites.site_differences`; None in an
    older result). (The file's stored
    ``conclusion`` is not returned: chapter 7 words it afresh with
    :func:`~glioma_lib.reporting.sites.site_conclusion`, so it follows the current wording.)

    Args:
        path: the site bench's JSON.
        cohort: the cohort's name in the file (``"as in BraTS 2019"``, ``"de-confounded"``).

    Example:
        >>> rows, info = site_results("bench/results/sites.json")
    """
    data = read_result(path)
    part = (data or {}).get("cohorts", {}).get(cohort)
    if part is None:
        why = "not measured yet (run make bench)" if data is None else f"no {cohort!r} cohort"
        return pd.DataFrame(), {"provenance": f"{why}: {Path(path).name}"}
    from .provenance import generator_problem, provenance_problems

    provenance = (f"bench/bench_sites.py, {data['profile']} profile, commit {data['commit']}, "
                  f"generator v{data.get('generator_version')}")
    if problem := generator_problem(data):  # another cohort: not quoted as this book's
        return pd.DataFrame(), {"provenance": f"⚠ Warning: {Path(path).name} is not quoted "
                                              f"as this book's measurement: {problem} "
                                              f"({provenance}); rerun it (make bench)"}
    if problems := provenance_problems(data):
        provenance += f" (⚠ {'; '.join(problems)})"
    rows = pd.DataFrame(part["rows"]).set_index("experiment")
    differences = (pd.DataFrame(part["differences"]).set_index("comparison")
                   if part.get("differences") else None)
    return rows, {"provenance": provenance, "differences": differences}


def layout_text(path) -> str:
    """The appendix's sentence on whether a built book reads at laptop and phone width
    (``bench/results/layout_<profile>.json`` of ``bench/bench_layout.py``).

    Args:
        path: the layout JSON.

    Example:
        >>> layout_text("bench/results/layout_default.json")[:20]
        'In the default book '
    """
    data = read_result(path)
    if data is None:
        return f"Not measured yet: {Path(path).name} (run bench/bench_layout.py on a built book)."
    built = data.get("book_commit", data["commit"])  # older results: the checkout's commit
    where = (f"In the {data['profile']} book built at commit {built}, "
             f"{data['tables']} tables checked in Chromium at "
             f"{' and '.join(f'{w} px' for w in data['widths'])}")
    if not data["problems"]:
        return (f"{where}: no caption is clipped, and no table scrolls sideways at "
                f"{max(data['widths'])} px but those whose caption says they are wide.")
    return f"{where}: {len(data['problems'])} problems, first {data['problems'][0]}."
