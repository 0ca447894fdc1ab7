"""The public API of glioma_lib: one explicit ``__all__`` (the names the chapters and the
command use), no import hook, no alias modules; everything else by its module."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys

import pytest

import glioma_lib as gl
from glioma_lib.config import project_root


def test_every_public_name_imports_and_the_list_is_small():
    assert len(gl.__all__) <= 60 and len(set(gl.__all__)) == len(gl.__all__)
    for name in gl.__all__:
        assert getattr(gl, name) is not None, name
    assert gl.get_profile("smoke").name == "smoke"
    assert gl.evaluation.vote.majority([[1, 0], [1, 1], [0, 0]]).tolist() == [1, 0]


def test_importing_the_library_adds_no_import_hook():
    code = ("import sys; before = list(sys.meta_path); import glioma_lib as gl; "
            "gl.evaluation.tables; print(sys.meta_path == before)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "True"


@pytest.mark.parametrize("old", ["glioma_lib.brats", "glioma_lib.slices", "glioma_lib.vote",
                                 "glioma_lib.experiment", "glioma_lib.bench"])
def test_the_flat_module_paths_of_version_0_1_are_gone(old):
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(old)


def test_submodules_are_reached_by_their_package_on_first_use():
    from glioma_lib.evaluation import tables
    from glioma_lib.reporting import provenance

    assert gl.evaluation.tables is tables and gl.reporting.provenance is provenance
    assert gl.evaluation.with_votes is tables.with_votes and "table2" in gl.evaluation.__all__
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        gl.evaluation.nothing  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        gl.nothing  # noqa: B018


def test_the_chapters_use_only_public_names_at_the_top_level():
    used = set()
    for path in sorted((project_root() / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code":
                used |= set(re.findall(r"\bgl\.(\w+)", "".join(cell["source"])))
    assert used <= set(gl.__all__), sorted(used - set(gl.__all__))


def test_the_predict_command_imports_neither_the_chapters_statistics_nor_torchvision():
    # of `glioma-grade predict`'s start-up, scipy.stats (via evaluation.tables) was 0.8 s and
    # torchvision (whose ops import torch._dynamo) 1.5 s, for a GoogLeNet built from torch.nn
    code = ("import sys, glioma_lib.predict; from glioma_lib.models import create; "
            "create('googlenet', weights=None); "
            "print(sorted(m for m in ('scipy.stats', 'glioma_lib.evaluation.tables', "
            "'torchvision', 'torch._dynamo') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_the_designs_stable_names_resolve_at_the_top_level(tmp_path):
    """DESIGN.md's public-API contract: outside code calls these as ``gl.<name>``."""
    import numpy as np

    seg = np.zeros((4, 4, 30), np.uint8)
    seg[1, 1, 12] = 1
    assert 12 in gl.tumour_window(seg, n=20)
    assert gl.confusion_report(tp=3, fp=1, tn=4, fn=2)["sensitivity"] == 0.6
    assert gl.majority([[1, 0], [1, 1], [0, 1]]).tolist() == [1, 1]
    assert gl.index_cohort is gl.data.brats.index_cohort
    assert gl.make_cohort is gl.data.synth_cohort.make_cohort
    assert gl.RunSpec is gl.training.runspec.RunSpec
    assert gl.train_run is gl.training.experiment.train_run
