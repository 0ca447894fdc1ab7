"""Tests of glioma_lib.data.sites: the contributing site from BraTS ids of every release."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import SAMPLE

from glioma_lib.data.sites import BRATS19_SITE_GRADES, site_in_id, site_of, sites

MAPPING_2020 = pd.DataFrame({
    "Grade": ["HGG", "LGG"],
    "BraTS_2017_subject_ID": ["Brats17_TCIA_425_1", "NA"],
    "BraTS_2018_subject_ID": ["Brats18_TCIA01_425_1", "NA"],
    "BraTS_2019_subject_ID": ["BraTS19_TCIA01_425_1", "BraTS19_TMC_30014_1"],
    "BraTS_2020_subject_ID": ["BraTS20_Training_001", "BraTS20_Training_002"],
})


@pytest.mark.parametrize("patient_id, site", [
    ("Brats17_2013_0_1", "2013"),           # 2017
    ("Brats17_CBICA_AAB_1", "CBICA"),
    ("Brats17_TCIA_425_1", "TCIA"),         # 2017 did not split TCIA by institution
    ("Brats18_TCIA10_628_1", "TCIA10"),     # 2018
    ("Brats18_TMC_06290_1", "TMC"),
    ("BraTS19_TCIA01_425_1", "TCIA01"),     # 2019
    ("BraTS19_2013_20_1", "2013"),
    ("BraTS20_Training_001", None),         # 2020: no site in the id
    ("patient7", None),
])
def test_site_in_id_for_every_naming_scheme(patient_id, site):
    assert site_in_id(patient_id) == site


def test_the_mapping_resolves_2020_and_2017_ids():
    assert site_of("BraTS20_Training_001", MAPPING_2020) == "TCIA01"
    assert site_of("BraTS20_Training_002", MAPPING_2020) == "TMC"
    assert site_of("Brats17_TCIA_425_1", MAPPING_2020) == "TCIA01"
    assert site_of("BraTS20_Training_003", MAPPING_2020) is None  # not in the mapping
    assert sites(["BraTS20_Training_003", "Brats18_TMC_1_1"]).tolist() == ["unknown", "TMC"]


def test_site_counts_are_the_real_mappings():
    path = SAMPLE / "brats2019_name_mapping.csv"
    if not path.exists():
        pytest.skip(f"{path} absent: the real BraTS 2019 name mapping lives in ../shared")
    mapping = pd.read_csv(path)
    found = pd.crosstab(sites(mapping["BraTS_2019_subject_ID"]).to_numpy(), mapping["Grade"])
    for site, (hgg, lgg) in BRATS19_SITE_GRADES.items():
        assert (found.loc[site].get("HGG", 0), found.loc[site].get("LGG", 0)) == (hgg, lgg)
    assert sum(h for h, _ in BRATS19_SITE_GRADES.values()) == 259
    assert sum(v for _, v in BRATS19_SITE_GRADES.values()) == 76
    # every 2017 and 2018 id of the mapping resolves to its 2019 site
    for column in ("BraTS_2017_subject_ID", "BraTS_2018_subject_ID"):
        ids = mapping[column].dropna()
        ids = ids[ids != "NA"]
        resolved = sites(ids, mapping)
        assert (resolved != "unknown").all() and not resolved.eq("TCIA").any()


def test_confounded_sites_have_the_real_counts_and_proportions():
    from glioma_lib.data.sites import assign_sites

    full = assign_sites(76, 259, seed=0)
    counts = full.groupby(["site", "grade"]).size()
    for site, (hgg, lgg) in BRATS19_SITE_GRADES.items():
        assert counts.get((site, "HGG"), 0) == hgg and counts.get((site, "LGG"), 0) == lgg
    small = assign_sites(20, 60, seed=0)  # scaled: each grade spread as in the real data
    assert (small["grade"] == "LGG").sum() == 20 and len(small) == 80
    lgg_sites = set(small.loc[small["grade"] == "LGG", "site"])
    assert lgg_sites <= {"2013", "TCIA09", "TCIA10", "TCIA12", "TCIA13", "TMC"}
    assert small.loc[small["grade"] == "LGG", "site"].value_counts().idxmax() == "TCIA10"
    assert not small.equals(assign_sites(20, 60, seed=1))  # the order follows the seed


def test_deconfounded_sites_keep_their_sizes_but_not_their_grades():
    from glioma_lib.data.sites import assign_sites

    table = assign_sites(76, 259, seed=3, confounded=False)
    sizes = table["site"].value_counts()
    for site, (hgg, lgg) in BRATS19_SITE_GRADES.items():
        assert sizes[site] == hgg + lgg
    assert (table["grade"] == "LGG").sum() == 76
    # CBICA (all HGG in reality) now holds LGG patients too, about in the cohort's share
    cbica_lgg = ((table["site"] == "CBICA") & (table["grade"] == "LGG")).sum()
    assert 10 <= cbica_lgg <= 50


def test_site_grade_table_counts_a_cohort_beside_brats19():
    from glioma_lib.data.sites import site_grade_table

    cohort = pd.DataFrame({"patient_id": ["BraTS19_CBICA_001_1", "BraTS19_CBICA_002_1",
                                          "BraTS19_TCIA10_003_1", "Brats18_2013_20_1"],
                           "grade": ["HGG", "HGG", "LGG", "LGG"]})
    table = site_grade_table(cohort)
    assert table.loc["CBICA", "HGG"] == 2 and table.loc["TCIA10", "LGG"] == 1
    assert table.loc["2013", "LGG"] == 1 and table.loc["TCIA01", "HGG"] == 0
    assert table.loc["CBICA", "BraTS 2019 HGG"] == 129
    assert table.loc["total"].tolist() == [2, 2, 259, 76]
