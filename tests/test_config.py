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
