"""The contributing site of a BraTS patient, from its id (and the release's name mapping).

BraTS training ids name the institution that contributed the scan, differently per release:

* 2017: ``Brats17_2013_0_1``, ``Brats17_CBICA_AAB_1``, ``Brats17_TCIA_425_1`` (TCIA cases not
  yet split by institution: the site is just ``TCIA`` unless a mapping resolves it);
* 2018: ``Brats18_TCIA01_425_1``, ``Brats18_TMC_06290_1``;
* 2019: ``BraTS19_TCIA01_425_1`` (the sites of :data:`BRATS19_SITE_GRADES`);
* 2020: ``BraTS20_Training_001`` — no site in the id; the release's ``name_mapping.csv``
  gives the patient's 2019/2018/2017 ids, which do.

In BraTS 2019 the site nearly decides the grade (:data:`BRATS19_SITE_GRADES`): a network can
grade well by recognising a site's acquisition signature.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: The site experiments' rows (trained by ``training.sites``, scored by ``experiments.sites``,
#: worded by ``reporting.sites``).
REFERENCE = "random patient split (CV fold 0)"
LEAVE_SITE_OUT = "leave-site-out"
BLANKED = "tumour blanked (CV fold 0)"
SITE_CLASSIFIER = "site classifier (CV fold 0)"

#: Patients per site and grade in the BraTS 2019 training set, counted from its name
#: mapping (``../shared/brats-sample/brats2019_name_mapping.csv``; 259 HGG, 76 LGG).
BRATS19_SITE_GRADES: dict[str, tuple[int, int]] = {  # site: (HGG, LGG)
    "2013": (20, 10), "CBICA": (129, 0), "TCIA01": (22, 0), "TCIA02": (34, 0),
    "TCIA03": (12, 0), "TCIA04": (8, 0), "TCIA05": (4, 0), "TCIA06": (8, 0),
    "TCIA08": (14, 0), "TCIA09": (0, 11), "TCIA10": (0, 35), "TCIA12": (0, 6),
    "TCIA13": (0, 13), "TMC": (8, 1),
}

_SITE_ID = re.compile(r"^(?:brats1[789])_(?P<site>[a-z]+\d*|\d{4})_[a-z0-9]+_\d+$", re.I)
_ID_COLUMNS = ("BraTS_2019_subject_ID", "BraTS_2018_subject_ID", "BraTS_2017_subject_ID")


def site_in_id(patient_id: str) -> str | None:
    """The site written in a 2017/2018/2019 id (``TCIA`` for 2017's unsplit TCIA cases), or
    None where the id names none (2020, or not a BraTS id).

    Args:
        patient_id: a BraTS subject id.

    Example:
        >>> site_in_id("BraTS19_TCIA10_628_1")
        'TCIA10'
    """
    match = _SITE_ID.match(patient_id)
    if match is None:
        return None
    site = match.group("site")
    return site.upper() if not site.isdigit() else site


def site_of(patient_id: str, mapping: pd.DataFrame | None = None) -> str | None:
    """The patient's site: from the most specific id the name mapping gives for it (2019,
    then 2018, then 2017 column), else from the id itself; None when neither names one.

    Args:
        patient_id: a BraTS subject id of any release.
        mapping: a release's ``name_mapping.csv`` (any of its id columns may hold the id).

    Example:
        >>> mapping = pd.read_csv(gl.config.project_root().parent / "shared" / "brats-sample"
        ...                       / "name_mapping.csv")
        >>> site_of("Brats17_TCIA_425_1", mapping)  # 2017 id, resolved by the mapping
        'TCIA01'
    """
    if mapping is not None:
        columns = [c for c in mapping.columns if c.endswith("_subject_ID")]
        hit = mapping[mapping[columns].eq(patient_id).any(axis=1)] if columns else mapping[:0]
        for column in _ID_COLUMNS:
            if len(hit) and column in hit:
                site = site_in_id(str(hit[column].iloc[0]))
                if site is not None:
                    return site
    return site_in_id(patient_id)


def sites(patient_ids, mapping: pd.DataFrame | None = None) -> pd.Series:
    """:func:`site_of` for many ids (``"unknown"`` where no site can be told).

    Example:
        >>> mapping = pd.read_csv(gl.config.project_root().parent / "shared" / "brats-sample"
        ...                       / "name_mapping.csv")
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> cohort = data.cohort
        >>> sites(cohort["patient_id"], mapping).value_counts()
    """
    ids = list(patient_ids)
    return pd.Series([site_of(str(i), mapping) or "unknown" for i in ids], index=ids,
                     name="site")


def _largest_remainder(weights: dict[str, float], total: int) -> dict[str, int]:
    """Integers proportional to ``weights`` summing to ``total`` (Hamilton's method)."""
    norm = sum(weights.values())
    if total == 0 or norm == 0:
        return dict.fromkeys(weights, 0)
    exact = {k: w * total / norm for k, w in weights.items()}
    counts = {k: int(v) for k, v in exact.items()}
    left = total - sum(counts.values())
    for k in sorted(exact, key=lambda k: (counts[k] - exact[k], k))[:left]:
        counts[k] += 1
    return counts


def assign_sites(n_lgg: int, n_hgg: int, seed: int = 0, confounded: bool = True,
                 table: dict[str, tuple[int, int]] | None = None) -> pd.DataFrame:
    """Sites for a cohort of ``n_lgg`` LGG and ``n_hgg`` HGG patients, as in BraTS 2019.

    Confounded (the real situation): each grade is spread over the sites in the proportions
    of :data:`BRATS19_SITE_GRADES` (largest-remainder rounding, so a 335-patient cohort gets
    the real counts exactly). De-confounded (the control): every site keeps its size, but
    its patients' grades are drawn at random, so the site tells nothing about the grade.
    Returns one row per patient (``grade``, ``site``) in a seeded random order.

    Args:
        n_lgg, n_hgg: patients per grade.
        seed: the order (and, de-confounded, the grade draw).
        confounded: site × grade as in BraTS 2019, or independent.
        table: site → (HGG, LGG) counts (default :data:`BRATS19_SITE_GRADES`).

    Example:
        >>> assign_sites(76, 259).groupby(["site", "grade"]).size()
    """
    table = table or BRATS19_SITE_GRADES
    rng = np.random.default_rng([seed, 2019])
    if confounded:
        hgg = _largest_remainder({s: h for s, (h, _) in table.items()}, n_hgg)
        lgg = _largest_remainder({s: v for s, (_, v) in table.items()}, n_lgg)
        rows = [(g, s) for s in table for g, n in (("HGG", hgg[s]), ("LGG", lgg[s]))
                for _ in range(n)]
    else:
        size = _largest_remainder({s: h + v for s, (h, v) in table.items()}, n_lgg + n_hgg)
        site_list = [s for s in table for _ in range(size[s])]
        grades = rng.permutation(["LGG"] * n_lgg + ["HGG"] * n_hgg)
        rows = list(zip(grades.tolist(), site_list, strict=True))
    order = rng.permutation(len(rows))
    return pd.DataFrame([rows[i] for i in order], columns=["grade", "site"])


def site_grade_table(cohort: pd.DataFrame, mapping: pd.DataFrame | None = None) -> pd.DataFrame:
    """Patients per site and grade of a cohort, beside BraTS 2019's own counts.

    Args:
        cohort: an indexed cohort (``patient_id``, ``grade``).
        mapping: the release's name mapping, for ids that do not name their site.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> site_grade_table(data.cohort)
    """
    site = sites(cohort["patient_id"], mapping).to_numpy()
    table = pd.crosstab(site, cohort["grade"].to_numpy()).reindex(
        columns=["HGG", "LGG"], fill_value=0)
    real = pd.DataFrame(BRATS19_SITE_GRADES, index=["BraTS 2019 HGG", "BraTS 2019 LGG"]).T
    table = table.join(real, how="outer").fillna(0).astype(int)
    table.index.name = "site"
    table.loc["total"] = table.sum()
    return table
