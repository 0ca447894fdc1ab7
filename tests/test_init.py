"""The public API of glioma_lib (DESIGN.md) and the flat module paths of version 0.1."""

from __future__ import annotations

import importlib

import pytest


def test_every_public_name_imports():
    import glioma_lib as gl

    for name in gl.__all__:
        assert getattr(gl, name) is not None, name
    assert gl.get_profile("smoke").name == "smoke"
    assert gl.majority([[1, 0], [1, 1], [0, 0]]).tolist() == [1, 0]


@pytest.mark.parametrize("old, new", [
    ("glioma_lib.brats", "glioma_lib.data.brats"),
    ("glioma_lib.slices", "glioma_lib.data.slices"),
    ("glioma_lib.synth", "glioma_lib.data.synth"),
    ("glioma_lib.stages", "glioma_lib.data.stages"),
    ("glioma_lib.metrics", "glioma_lib.evaluation.metrics"),
    ("glioma_lib.vote", "glioma_lib.evaluation.vote"),
    ("glioma_lib.experiment", "glioma_lib.training.experiment"),
])
def test_old_module_paths_are_the_new_modules(old, new):
    assert importlib.import_module(old) is importlib.import_module(new)


def test_designs_public_api():
    from glioma_lib.brats import index_cohort
    from glioma_lib.experiment import run_protocol
    from glioma_lib.metrics import confusion_report
    from glioma_lib.models import create, param_groups
    from glioma_lib.slices import tumour_window
    from glioma_lib.stages import prepare_data
    from glioma_lib.synth import synth_patient
    from glioma_lib.vote import majority

    assert all(callable(f) for f in (index_cohort, run_protocol, confusion_report, create,
                                     param_groups, tumour_window, prepare_data, synth_patient,
                                     majority))
    assert confusion_report(1, 0, 1, 0)["accuracy"] == 1.0


def test_evaluation_reexports_tables_on_first_use():
    import glioma_lib.evaluation as evaluation
    from glioma_lib.evaluation import tables

    assert evaluation.with_votes is tables.with_votes and "table2" in evaluation.__all__
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        evaluation.nothing  # noqa: B018


def test_the_predict_command_imports_neither_the_chapters_statistics_nor_torchvision():
    # of `glioma-grade predict`'s start-up, scipy.stats (via evaluation.tables) was 0.8 s and
    # torchvision (whose ops import torch._dynamo) 1.5 s, for a GoogLeNet built from torch.nn
    import subprocess
    import sys

    code = ("import sys, glioma_lib.predict; from glioma_lib.models import create; "
            "create('googlenet', weights=None); "
            "print(sorted(m for m in ('scipy.stats', 'glioma_lib.evaluation.tables', "
            "'torchvision', 'torch._dynamo') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
