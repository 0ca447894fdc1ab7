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
