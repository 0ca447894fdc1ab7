"""Tests of glioma_lib.training.workload: the plan's work from patients alone."""

from __future__ import annotations

import pandas as pd

from glioma_lib.config import get_profile
from glioma_lib.training.recipe import plan
from glioma_lib.training.workload import brats2019_like, patients_data, workload


def test_patients_alone_give_the_plan_and_work_of_the_prepared_data(unit_data):
    """On a real prepared cohort, the images-free stand-in gives the same networks with the
    same training slices: what the GPU projection reads is what training does."""
    p = unit_data.profile
    stand_in = patients_data(p, unit_data.cohort)
    assert [(u.name, u.sequence) for u in plan(stand_in)] == \
        [(u.name, u.sequence) for u in plan(unit_data)]
    pd.testing.assert_frame_equal(workload(stand_in), workload(unit_data))


def test_paper_workload_counts_offline_variants_and_epochs():
    p = get_profile("paper")
    patients = brats2019_like(p)
    assert patients["grade"].value_counts().to_dict() == {"HGG": p.n_hgg, "LGG": p.n_lgg}
    w = workload(patients_data(p, patients))
    assert len(w) == len(plan(patients_data(p, patients)))
    main = w[w["unit"] == "main:slice"].iloc[0]
    assert main["images"] == main["train_slices"] * 6 * p.epochs  # offline 6× under paper
    h2h = w[w["unit"].str.startswith("h2h:")]
    assert (h2h["images"] == h2h["train_slices"] * h2h["epochs"]).all()  # online only
