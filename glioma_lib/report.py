"""Small tables and captions shared by the notebooks."""

from __future__ import annotations

import pandas as pd

from .config import Profile


def caption(profile: Profile, source: str, weights: str | None = None) -> str:
    """The provenance line every table and figure carries: profile, data and weights."""
    parts = [f"profile {profile.name}", f"data: {source}",
             f"{profile.n_slices} slices/patient at {profile.image_size} px"]
    if weights is not None:
        parts.append(f"weights: {weights}")
    return "; ".join(parts)


def cohort_table(cohort: pd.DataFrame) -> pd.DataFrame:
    """Patients per grade, with the total."""
    counts = cohort["grade"].value_counts().reindex(["LGG", "HGG"], fill_value=0)
    table = counts.rename("patients").to_frame()
    table.loc["total"] = table["patients"].sum()
    table.index.name = "grade"
    return table


def sample_size_caveat(n_patients: int, minimum: int = 30) -> str:
    """A sentence for the prose when a test set is too small to conclude anything."""
    if n_patients >= minimum:
        return (f"The test set holds {n_patients} patients: the intervals below are wide but "
                f"informative.")
    return (f"This run's test set holds only {n_patients} patients (profile too small): its "
            f"intervals span most of the possible range and no conclusion should be drawn from "
            f"it; build the default profile for numbers that mean something.")


def bench_table(path, keys: dict[str, str] | None = None) -> pd.DataFrame:
    """A benchmark result file (``bench/results/*.json``) as a two-column table.

    ``keys`` picks and renames entries; a missing file gives a one-row table saying so, so
    the book shows that the figure was not measured rather than hiding it.
    """
    import json
    from pathlib import Path

    path = Path(path)
    if not path.exists():
        return pd.DataFrame({"value": [f"not measured yet (run make bench): {path.name}"]},
                            index=pd.Index(["result"], name="measure"))
    data = json.loads(path.read_text())
    keys = keys or {k: k for k in data}
    rows = {label: data.get(key, "—") for key, label in keys.items()}
    return pd.DataFrame({"value": [str(round(v, 2)) if isinstance(v, float) else str(v)
                                   for v in rows.values()]},
                        index=pd.Index(list(rows), name="measure"))


#: (file, key path, label, target text, test) for the summary of ``bench/results``.
BENCH_ROWS = [
    ("data.json", "synth_patients_per_s", "synthetic cohort: patients/s (2 workers)", "—", None),
    ("data.json", "slice_stage_over_bare", "slice stage time / bare NIfTI reading", "≤ 1.3",
     lambda v: v <= 1.3),
    ("train_128_tuned.json", "ratio", "training 128 px: real data path / model alone", "≥ 0.9",
     lambda v: v >= 0.9),
    ("train_224_tuned.json", "ratio", "training 224 px: real data path / model alone", "≥ 0.9",
     lambda v: v >= 0.9),
    ("train_224_tuned.json", "peak_rss_MiB", "training 224 px, batch 32: peak memory (MiB)",
     "—", None),
    ("memory_default.json", "peak_rss_MiB",
     "training at the default profile (96 px, batch 64): peak memory (MiB)", "—", None),
    ("loader_96.json", "data_path_ours_over_best_plain",
     "data path alone 96 px: ours / ImageFolder + PIL", "≥ 1.5", lambda v: v >= 1.5),
    ("loader_128.json", "data_path_ours_over_best_plain",
     "data path alone 128 px: ours / ImageFolder + PIL", "≥ 1.5", lambda v: v >= 1.5),
    ("loader_96.json", "training_ours_over_best_plain",
     "training 96 px: ours / ImageFolder + PIL", "≥ 1.5", lambda v: v >= 1.5),
    ("loader_96.json", "training_ratio_ceiling",
     "training 96 px: ceiling for any loader (model alone / plain)", "—", None),
    ("loader_128.json", "training_ours_over_best_plain",
     "training 128 px: ours / ImageFolder + PIL", "≥ 1.5", lambda v: v >= 1.5),
    ("loader_128.json", "training_ratio_ceiling",
     "training 128 px: ceiling for any loader (model alone / plain)", "—", None),
    ("predict.json", "command_with_mask_s", "glioma-grade predict, one patient, 224 px (s)",
     "≤ 5", lambda v: v <= 5),
    ("book_default.json", "book_s", "default book, cohort cached (s)", "—", None),
    ("book_default.json", "total_with_cohort_s", "default book incl. cohort generation (s)",
     "≤ 2,700 (45 min)", lambda v: v <= 2700),
    ("book_default.json", "peak_rss_MiB", "default book: peak memory of its largest process (MiB)",
     "—", None),
    ("book_smoke.json", "book_s", "smoke book (s)", "≤ 600", lambda v: v <= 600),
]


def format_measure(value) -> str:
    """A measured value for a table: 3 significant digits, whole numbers from 100 up."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def bench_summary(folder) -> pd.DataFrame:
    """Every performance target of the project beside its measured value (``bench/results``).

    Rows whose file is missing say "not measured", so the book never hides a gap.
    """
    import json
    from pathlib import Path

    folder = Path(folder)
    rows = []
    for file, key, label, target, check in BENCH_ROWS:
        path = folder / file
        value = json.loads(path.read_text()).get(key) if path.exists() else None
        if value is None:
            rows.append({"measure": label, "value": "not measured", "target": target,
                         "met": "—", "file": file})
            continue
        met = "—" if check is None else ("yes" if check(value) else "no")
        rows.append({"measure": label, "value": format_measure(value), "target": target,
                     "met": met, "file": file})
    return pd.DataFrame(rows).set_index("measure")
