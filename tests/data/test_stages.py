"""Tests of glioma_lib.data.stages."""

import json
import os

from glioma_lib.data import synth, synth_cohort


def test_a_cohort_from_another_generator_config_is_regenerated(tmp_path, monkeypatch):
    from dataclasses import replace

    from glioma_lib.config import get_profile
    from glioma_lib.data import stages

    monkeypatch.setenv("GLIOMA_RESULTS", str(tmp_path))
    profile = replace(get_profile("smoke"), n_lgg=1, n_hgg=1, workers=1)
    first = stages.ensure_cohort(profile, progress=False)
    stamp = first["t1"].map(lambda p: os.stat(p).st_mtime_ns).tolist()
    again = stages.ensure_cohort(profile, progress=False)  # same config: reused
    assert again["t1"].map(lambda p: os.stat(p).st_mtime_ns).tolist() == stamp
    root = stages.synthetic_root(profile)
    config = synth_cohort.read_cohort_config(root)
    config["generator_version"] = synth.GENERATOR_VERSION - 1  # made by an older generator
    (root / synth_cohort.CONFIG_FILE).write_text(json.dumps(config))
    regenerated = stages.ensure_cohort(profile, progress=False)
    assert regenerated["t1"].map(lambda p: os.stat(p).st_mtime_ns).tolist() != stamp
    assert synth_cohort.read_cohort_config(root) == synth_cohort.cohort_config(1, 1, profile.seed)


def test_the_deconfounded_cohort_is_its_own_cohort(tmp_path, monkeypatch):
    import pandas as pd

    from glioma_lib.config import get_profile
    from glioma_lib.data import stages

    monkeypatch.setenv("GLIOMA_RESULTS", str(tmp_path))
    on = get_profile("smoke", n_lgg=1, n_hgg=1, workers=1)
    off = get_profile("smoke", n_lgg=1, n_hgg=1, workers=1, site_confounded=False)
    assert stages.synthetic_root(off) != stages.synthetic_root(on)
    assert stages.synthetic_root(off).name.endswith("-deconfounded")
    assert stages.synth_config(off).site_confounded is False
    stages.ensure_cohort(off, progress=False)
    config = synth_cohort.read_cohort_config(stages.synthetic_root(off))
    assert config["config"]["site_confounded"] is False
    mapping = pd.read_csv(stages.synthetic_root(off) / "name_mapping.csv")
    assert "Site" in mapping and len(mapping) == 2
