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
