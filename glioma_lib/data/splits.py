"""Train/validation/test splits: the paper's slice-level split and honest patient-level ones.

Each function returns one label per row of a slice index (``"train"``, ``"val"``,
``"test"``, or a fold number). Rows are aligned across sequences, so one split serves
T1, T2 and FLAIR alike: the paper's "same random sequence".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, train_test_split

SPLIT_NAMES = ("train", "val", "test")


def _sizes(n: int, fractions: tuple[float, float, float]) -> tuple[int, int, int]:
    if not np.isclose(sum(fractions), 1.0):
        raise ValueError(f"split fractions must sum to 1, got {fractions}")
    n_train = int(round(fractions[0] * n))
    n_val = int(round(fractions[1] * n))
    return n_train, n_val, n - n_train - n_val


def slice_split(
    n_rows: int, fractions: tuple[float, float, float] = (0.7, 0.15, 0.15), seed: int = 0
) -> np.ndarray:
    """The paper's split: one random permutation of all slices, cut 70/15/15.

    Patients' slices fall on both sides (the leak this book measures).
    """
    n_train, n_val, _ = _sizes(n_rows, fractions)
    order = np.random.default_rng(seed).permutation(n_rows)
    out = np.empty(n_rows, dtype=object)
    out[order[:n_train]] = "train"
    out[order[n_train:n_train + n_val]] = "val"
    out[order[n_train + n_val:]] = "test"
    return out.astype(str)


def _patients(index: pd.DataFrame) -> pd.DataFrame:
    return index.groupby("patient_id", sort=True)["grade"].first().reset_index()


def patient_split(
    index: pd.DataFrame, fractions: tuple[float, float, float] = (0.7, 0.15, 0.15),
    seed: int = 0,
) -> np.ndarray:
    """Honest split: 70/15/15 over patients, stratified by grade.

    Every slice follows its patient. A cohort too small to stratify (fewer patients of a
    grade than splits, e.g. a 4-patient sample) still gets one patient in each of validation
    and test, and both grades in training: there the split is by grade, round-robin.
    """
    patients = _patients(index)
    n_train, n_val, n_test = _sizes(len(patients), fractions)
    if patients["grade"].value_counts().min() < 3 or min(n_val, n_test) < 2:
        which = _small_split(patients, seed)
        return index["patient_id"].map(which).to_numpy().astype(str)
    rest, test = train_test_split(patients, test_size=n_test, stratify=patients["grade"],
                                  random_state=seed)
    train, val = train_test_split(rest, test_size=n_val, stratify=rest["grade"],
                                  random_state=seed)
    which = {**dict.fromkeys(train["patient_id"], "train"),
             **dict.fromkeys(val["patient_id"], "val"),
             **dict.fromkeys(test["patient_id"], "test")}
    return index["patient_id"].map(which).to_numpy().astype(str)


def _small_split(patients: pd.DataFrame, seed: int) -> dict[str, str]:
    """Tiny cohorts: each grade's (shuffled) patients go to train first, then alternately to
    test and validation, so training sees both grades and test/validation are not empty."""
    if len(patients) < 3:
        raise ValueError(f"a patient split needs at least 3 patients, got {len(patients)}")
    rng = np.random.default_rng(seed)
    which: dict[str, str] = {}
    turn = 0
    for _, group in patients.groupby("grade", sort=True):
        ids = rng.permutation(group["patient_id"].to_numpy())
        which[ids[0]] = "train"
        for pid in ids[1:]:
            which[pid] = ("test", "val")[turn % 2]
            turn += 1
    if "val" not in which.values() or "test" not in which.values():
        extra = [p for p, s in which.items() if s == "train"]
        which[extra[-1]] = "val" if "val" not in which.values() else "test"
    return which


def patient_kfold(index: pd.DataFrame, k: int = 5, seed: int = 0) -> np.ndarray:
    """Patient-level stratified k-fold: the fold (0..k-1) in which each row is tested.

    A cohort with fewer patients of a grade than ``k`` (a tiny real sample) gets as many folds
    as that grade has patients (at least 2), so every fold still tests both grades."""
    patients = _patients(index)
    smallest = int(patients["grade"].value_counts().min())
    if smallest < 2 or len(patients) < 4:
        raise ValueError(f"a patient k-fold needs 2 patients of each grade, got "
                         f"{patients['grade'].value_counts().to_dict()}")
    folds = StratifiedKFold(n_splits=min(k, smallest), shuffle=True, random_state=seed)
    fold_of: dict[str, int] = {}
    for fold, (_, test_idx) in enumerate(folds.split(patients, patients["grade"])):
        fold_of.update(dict.fromkeys(patients["patient_id"].iloc[test_idx], fold))
    return index["patient_id"].map(fold_of).to_numpy().astype(int)


def shared_patients(index: pd.DataFrame, split: np.ndarray, a: str = "train",
                    b: str = "test") -> set[str]:
    """Patients with slices in both split ``a`` and split ``b`` (the leak).

    Args:
        index: the slice index.
        split: per-row split labels.
        a, b: the two splits compared.

    Example:
        >>> index = pd.DataFrame({"row": range(16), "grade": ["HGG"] * 8 + ["LGG"] * 8,
        ...                       "patient_id": [p for p in "abcdefgh" for _ in range(2)]})
        >>> sorted(shared_patients(index, slice_split(len(index), seed=0)))  # the leak
        ['a', 'h']
    """
    split = np.asarray(split)
    in_a = set(index.loc[split == a, "patient_id"])
    in_b = set(index.loc[split == b, "patient_id"])
    return in_a & in_b


def split_counts(index: pd.DataFrame, split: np.ndarray) -> pd.DataFrame:
    """Slices and patients per split and grade.

    Args:
        index: the slice index.
        split: per-row split labels.

    Example:
        >>> index = pd.DataFrame({"row": range(16), "grade": ["HGG"] * 8 + ["LGG"] * 8,
        ...                       "patient_id": [p for p in "abcdefgh" for _ in range(2)]})
        >>> split_counts(index, patient_split(index)).loc["test", "patients"].tolist()
        [2, 1, 3]
    """
    frame = index.assign(split=np.asarray(split))
    slices = frame.pivot_table(index="split", columns="grade", values="row", aggfunc="count",
                               fill_value=0)
    patients = frame.groupby(["split", "grade"])["patient_id"].nunique().unstack(fill_value=0)
    out = pd.concat({"slices": slices, "patients": patients}, axis=1)
    out = out.reindex([s for s in SPLIT_NAMES if s in out.index])
    out[("slices", "total")] = out["slices"].sum(axis=1)
    out[("patients", "total")] = out["patients"].sum(axis=1)
    return out.sort_index(axis=1)


def shuffle_grades_by_patient(index: pd.DataFrame, seed: int = 0) -> np.ndarray:
    """Per-row labels after permuting the grades *across patients* (the shuffled-label test).

    Every slice of a patient gets the same (borrowed) label; the share of HGG is unchanged.
    A model can only beat chance on such labels by recognising patients it has seen.

    Args:
        index: the slice index.
        seed: the permutation's seed.

    Example:
        >>> index = pd.DataFrame({"row": range(16), "grade": ["HGG"] * 8 + ["LGG"] * 8,
        ...                       "patient_id": [p for p in "abcdefgh" for _ in range(2)]})
        >>> shuffle_grades_by_patient(index, seed=1)[::2].tolist()  # one row per patient
        [0, 1, 1, 0, 1, 0, 1, 0]
    """
    patients = _patients(index)
    grades = (patients["grade"] == "HGG").to_numpy().astype(int)
    shuffled = np.random.default_rng(seed).permutation(grades)
    label_of = dict(zip(patients["patient_id"], shuffled, strict=True))
    return index["patient_id"].map(label_of).to_numpy().astype(int)


def fold_split(index: pd.DataFrame, folds: np.ndarray, fold: int,
               val_fraction: float = 0.15, seed: int = 0) -> np.ndarray:
    """Per-row ``"train"``/``"val"``/``"test"`` labels for one fold of a patient k-fold
    (:func:`patient_kfold`): that fold's patients are the test set, and a grade-stratified
    ``val_fraction`` of the other patients is validation (what the checkpoint is chosen on).

    Args:
        index: the slice index.
        folds: :func:`patient_kfold` of ``index``.
        fold: the fold tested.
        val_fraction: share of the remaining patients held out for validation.
        seed: the validation draw.

    Example:
        >>> index = pd.DataFrame({"row": range(16), "grade": ["HGG"] * 8 + ["LGG"] * 8,
        ...                       "patient_id": [p for p in "abcdefgh" for _ in range(2)]})
        >>> fold_split(index, patient_kfold(index, k=2), 0)[::2].tolist()
        ['train', 'val', 'test', 'test', 'test', 'train', 'test', 'train']
    """
    folds = np.asarray(folds)
    if fold not in set(folds.tolist()):
        raise ValueError(f"fold {fold} not among the folds {sorted(set(folds.tolist()))}")
    return _held_out(index, set(index["patient_id"].to_numpy()[folds == fold]), val_fraction,
                     seed)


def _held_out(index: pd.DataFrame, test_ids: set[str], val_fraction: float,
              seed: int) -> np.ndarray:
    """Per-row labels: ``test_ids`` are the test set; of the other patients a
    grade-stratified ``val_fraction`` is validation, the rest training."""
    rest = _patients(index[~index["patient_id"].isin(test_ids)])
    if len(rest) < 2:
        raise ValueError(f"{len(rest)} patient(s) outside the test set: need 2 for training "
                         "and validation")
    n_val = int(np.ceil(val_fraction * len(rest)))  # what train_test_split draws
    if rest["grade"].value_counts().min() >= 2 and n_val >= rest["grade"].nunique():
        train, val = train_test_split(rest, test_size=val_fraction, stratify=rest["grade"],
                                      random_state=seed)
    else:  # too few to stratify (a tiny real sample): one validation patient of the larger
        grade = rest["grade"].value_counts().index[0]  # grade, training keeps the rest
        pick = rest[rest["grade"] == grade].sample(1, random_state=seed).index
        train, val = rest.drop(pick), rest.loc[pick]
    which = {**dict.fromkeys(train["patient_id"], "train"),
             **dict.fromkeys(val["patient_id"], "val"), **dict.fromkeys(test_ids, "test")}
    return index["patient_id"].map(which).to_numpy().astype(str)


def leave_site_out(index: pd.DataFrame, site: pd.Series | np.ndarray, k: int = 5,
                   val_fraction: float = 0.15, seed: int = 0) -> np.ndarray:
    """Per-row ``"train"``/``"val"``/``"test"`` labels that test on sites never seen in
    training: whole sites are grouped into ``k`` folds by scikit-learn's
    ``StratifiedGroupKFold`` (sites as groups, kept as close to the cohort's grade ratio as
    whole sites allow), and the test set is the first fold holding both grades (in BraTS 2019
    most sites hold one grade only, so a single held-out site could not be graded).
    Validation is a grade-stratified ``val_fraction`` of the training sites' patients.

    Args:
        index: the slice index.
        site: the site of each row of ``index``.
        k: folds of sites.
        val_fraction: share of the training sites' patients held out for validation.
        seed: the fold and validation draws.

    Example:
        >>> index = pd.DataFrame({"row": range(16), "grade": ["HGG"] * 8 + ["LGG"] * 8,
        ...                       "patient_id": [p for p in "abcdefgh" for _ in range(2)]})
        >>> site = np.repeat(["s1", "s1", "s2", "s2", "s3", "s3", "s4", "s4"], 2)
        >>> leave_site_out(index, site, k=2)[::2].tolist()  # sites s3 and s4 held out
        ['train', 'val', 'test', 'test', 'test', 'test', 'train', 'train']
    """
    from sklearn.model_selection import StratifiedGroupKFold

    frame = index.assign(site=np.asarray(site))
    patients = frame.groupby("patient_id", sort=True)[["grade", "site"]].first().reset_index()
    folds = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    test_sites: set[str] | None = None
    for _, test_idx in folds.split(patients, patients["grade"], groups=patients["site"]):
        if patients["grade"].iloc[test_idx].nunique() == 2:
            test_sites = set(patients["site"].iloc[test_idx])
            break
    if test_sites is None:
        raise ValueError("no fold of whole sites holds both grades: too few mixed sites")
    held = set(patients.loc[patients["site"].isin(test_sites), "patient_id"])
    return _held_out(index, held, val_fraction, seed)
