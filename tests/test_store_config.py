import json

import numpy as np
import pytest

from glioma_lib import store
from glioma_lib.config import PROFILES, get_profile, stage_dir


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "a.json"
    store.write_json(target, {"x": 1})

    def boom(p):
        p.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        store.atomic_write(target, boom)
    assert json.loads(target.read_text()) == {"x": 1}
    assert list(tmp_path.iterdir()) == [target]  # no temp file left


def test_manifest_roundtrip(tmp_path):
    m = {"a": (1, 2), "b": "x"}
    assert not store.is_current(tmp_path, m)
    store.mark_done(tmp_path, m)
    assert store.is_current(tmp_path, m)
    assert not store.is_current(tmp_path, {**m, "b": "y"})
    store.save_npy(tmp_path / "z.npy", np.arange(3))
    assert np.load(tmp_path / "z.npy").tolist() == [0, 1, 2]


def test_profiles():
    assert set(PROFILES) == {"smoke", "default", "paper"}
    paper = get_profile("paper")
    assert (paper.image_size, paper.batch_size, paper.epochs, paper.n_slices) == (224, 128, 100, 20)
    assert (paper.n_lgg, paper.n_hgg) == (76, 259)
    assert paper.sequences == ("t1", "t2", "flair")
    assert get_profile("smoke", seed=5).seed == 5
    with pytest.raises(ValueError, match="unknown profile"):
        get_profile("huge")
    assert stage_dir("smoke", "slices").parts[-2:] == ("smoke", "slices")
