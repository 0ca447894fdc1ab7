import pytest

from glioma_lib.config import PROFILES, get_profile, stage_dir


def test_paper_profile_is_the_papers_protocol():
    from glioma_lib.paper import COHORT

    assert set(PROFILES) == {"smoke", "default", "paper"}
    paper = get_profile("paper")
    assert (paper.image_size, paper.batch_size, paper.epochs, paper.n_slices) == (
        COHORT["image_size"], COHORT["batch_size"], COHORT["epochs"],
        COHORT["slices_per_patient"])
    assert (paper.n_lgg, paper.n_hgg) == (COHORT["LGG"], COHORT["HGG"])
    assert paper.offline_aug and not paper.allow_random_init
    assert paper.sequences == ("t1", "t2", "flair")
    assert get_profile("smoke", seed=5).seed == 5
    with pytest.raises(ValueError, match="unknown profile"):
        get_profile("huge")
    assert stage_dir("smoke", "slices").parts[-2:] == ("smoke", "slices")


def test_a_profile_with_overrides_has_its_own_results_folder(monkeypatch, tmp_path):
    from glioma_lib.config import run_name, stage_dir

    monkeypatch.setenv("GLIOMA_RESULTS", str(tmp_path))
    default, seeded = get_profile("default"), get_profile("default", seed=1)
    assert stage_dir(default, "models") == tmp_path / "default" / "models"
    assert stage_dir(seeded, "models") != stage_dir(default, "models")
    assert run_name(seeded) == run_name(get_profile("default", seed=1))  # stable
    assert run_name(get_profile("default", site_confounded=False)) != run_name(seeded)
    assert run_name(get_profile("default", workers=7)) == "default"  # workers change nothing


def test_checkout_commit_names_head_and_says_when_the_tree_differs(tmp_path, monkeypatch):
    import subprocess

    import glioma_lib.config as config

    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "f.txt").write_text("a")
    git("add", "f.txt")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x")
    monkeypatch.setattr(config, "project_root", lambda: tmp_path)
    (tmp_path / "bench" / "results").mkdir(parents=True)
    (tmp_path / "bench" / "results" / "r.json").write_text("{}")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "y")
    head = config.checkout_commit()
    assert head and "+" not in head
    (tmp_path / "bench" / "results" / "r.json").write_text('{"new": 1}')  # a result: no change
    assert config.checkout_commit() == head
    (tmp_path / "f.txt").write_text("b")
    assert config.checkout_commit() == head + "+changes"
    monkeypatch.setattr(config, "project_root", lambda: tmp_path / "not-a-repo")
    assert config.checkout_commit() is None
    monkeypatch.setenv(config.COMMIT_ENV, "abc1234")  # a container image told its commit
    assert config.checkout_commit() == "abc1234"
    monkeypatch.setattr(config, "project_root", lambda: tmp_path)
    assert config.checkout_commit() == head + "+changes"  # a checkout's own git comes first
