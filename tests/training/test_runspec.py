"""Tests of glioma_lib.training.runspec: one run described once, named by its content."""

from __future__ import annotations

import json
import shutil

from glioma_lib.config import stage_dir
from glioma_lib.store import canonical, is_key, named_folder, run_names, write_json
from glioma_lib.training.experiment import train_run, train_sequence
from glioma_lib.training.runspec import RunSpec, adopt_legacy

KW = dict(light=True, max_train=10, backbone="mobilenet_v2", weights=None)


def test_every_identity_key_is_always_there_and_the_key_follows_the_content(unit_data):
    plain = RunSpec.build(unit_data, "patient", **KW)
    blanked = RunSpec.build(unit_data, "patient", blank=True, **KW)
    weighted = RunSpec.build(unit_data, "patient", class_weight="balanced", **KW)
    assert set(plain.identity()) == set(blanked.identity()) == set(weighted.identity())
    assert len({plain.key, blanked.key, weighted.key}) == 3 and is_key(plain.key)
    renamed = RunSpec.build(unit_data, "patient", name="another-name", **KW)
    assert renamed.key == plain.key  # a name is a pointer, not content
    assert plain.manifest("t1") == {**plain.identity(), "sequence": "t1"}


def test_a_named_run_writes_its_spec_and_pointer(unit_data):
    spec = RunSpec.build(unit_data, "patient", name="unit-named", **KW)
    run = train_run(spec, ("t1",))
    folder = run.runs["t1"].folder.parent
    assert folder.name == spec.key
    assert json.loads((folder / "spec.json").read_text()) == canonical(spec.describe())
    models = stage_dir(unit_data.profile, "models")
    assert named_folder(models, "unit-named") == folder
    assert "unit-named" in run_names(models)[spec.key]
    assert named_folder(models, "no-such-run") is None


def test_a_network_cached_under_a_tag_before_keys_is_adopted_not_retrained(unit_data):
    spec = RunSpec.build(unit_data, "patient", **KW)
    trained = train_sequence(spec, "t2")
    folder = trained.folder
    stamp = (folder / "best.pt").stat().st_mtime_ns
    legacy = folder.parent.parent / "patient-mobilenet_v2-scratch-light-n10" / "t2"
    legacy.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(folder, legacy)  # as an older checkout left it
    write_json(legacy / "manifest.json", spec.legacy_manifest("t2"))
    other = RunSpec.build(unit_data, "patient", blank=True, **KW)
    assert not adopt_legacy(other, "t2")  # another run's legacy form: left alone
    again = train_sequence(spec, "t2")
    assert again.folder == folder and not legacy.parent.exists()  # moved, empty tag removed
    assert (folder / "best.pt").stat().st_mtime_ns == stamp  # moved, not retrained
    assert json.loads((folder / "manifest.json").read_text()) == canonical(spec.manifest("t2"))
