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


def test_splits_are_a_stored_stage_read_back_not_recomputed(unit_data, monkeypatch):
    """prepare_data stores every split in results/<run>/splits/splits.csv under a manifest;
    the next call reads it (the computation is not run again) and gives the same labels; a
    copy of the data with another seed computes its own."""
    from dataclasses import replace

    from glioma_lib.config import stage_dir
    from glioma_lib.data import stages
    from glioma_lib.store import read_manifest

    folder = stage_dir(unit_data.profile, "splits")
    assert (folder / "splits.csv").exists() and read_manifest(folder)["stage"] == "splits"
    stored = unit_data.splits
    assert set(stored.columns) >= {"slice", "patient", "fold", "fold0", "fold1", "fold2"}
    fresh = stages.split_table(unit_data.index, unit_data.profile)
    for column in ("slice", "patient", "fold", "fold0"):
        assert stored[column].astype(str).tolist() == fresh[column].astype(str).tolist()

    def never(*args, **kwargs):
        raise AssertionError("splits recomputed although stored")

    monkeypatch.setattr(stages, "split_table", never)
    again = stages.prepare_splits(unit_data.index, unit_data.profile,
                                  unit_data.slices.fingerprint, folder)
    assert again["fold0"].tolist() == stored["fold0"].tolist()
    monkeypatch.undo()
    reseeded = replace(unit_data, profile=replace(unit_data.profile, seed=99))
    assert reseeded.splits is None  # another seed: not the stored table
    assert reseeded.split("slice").tolist() != unit_data.split("slice").tolist()
