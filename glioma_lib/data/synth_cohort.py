"""A synthetic cohort written in the BraTS 2019 layout: patients generated in worker
processes (:func:`glioma_lib.data.synth.synth_patient`), each written as real BraTS files
(:mod:`glioma_lib.data.nifti_write`), resumable, renamed into place when complete."""

from __future__ import annotations

import json
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from ..config import default_workers, single_thread_worker
from ..store import canonical, save_csv, write_json
from .nifti_write import nifti, save_nifti_gz
from .sites import assign_sites
from .synth import GENERATOR_VERSION, SynthConfig, synth_patient
from .synth_anatomy import template


def patient_id(index: int, site: str) -> str:
    """The id of a synthetic patient, named like the real BraTS 2019 release
    (``BraTS19_<SITE>_<n>_1``; ``n`` is the patient's number in the cohort, so ids are unique
    and do not reveal the grade).

    Args:
        index: the patient's number in the cohort (from 0).
        site: its BraTS 2019 site.

    Example:
        >>> patient_id(0, "CBICA")
        'BraTS19_CBICA_001_1'
    """
    return f"BraTS19_{site}_{index + 1:03d}_1"


DONE = ".done"  # per-patient marker, written after its five files


def _write_patient(args: tuple) -> dict:
    out_dir, grade, site, seed, index, cfg = args
    pid = patient_id(index, site)
    folder = Path(out_dir) / grade / pid
    done = folder / DONE
    if done.exists():  # finished before an interruption: reuse
        return json.loads(done.read_text())
    volumes, spec = synth_patient(grade, seed, index, cfg, site)
    folder.mkdir(parents=True, exist_ok=True)
    for key, data in volumes.items():
        save_nifti_gz(nifti(data, "seg" if key == "seg" else "image"),
                      folder / f"{pid}_{key}.nii.gz")
    row = {"patient_id": pid, **{k: v for k, v in asdict(spec).items() if k != "centre"},
           "centre_x": spec.centre[0], "centre_y": spec.centre[1], "centre_z": spec.centre[2],
           "tumour_voxels": int((volumes["seg"] > 0).sum())}
    write_json(done, row)
    return row


def cohort_config(n_lgg: int, n_hgg: int, seed: int, cfg: SynthConfig | None = None) -> dict:
    """What identifies a synthetic cohort: sizes, seed, every knob and the generator version
    (written to ``synthetic_config.json``; a cohort is reused only when this matches).

    Args:
        n_lgg, n_hgg: patients per grade.
        seed: the cohort seed.
        cfg: the generator's knobs (default: :class:`SynthConfig`).

    Example:
        >>> cohort_config(2, 3, 2022)["generator_version"] == GENERATOR_VERSION
        True
    """
    return canonical({"generator_version": GENERATOR_VERSION, "seed": seed, "n_lgg": n_lgg,
                      "n_hgg": n_hgg, "config": asdict(cfg or SynthConfig())})


def read_cohort_config(root: str | Path) -> dict | None:
    """The ``synthetic_config.json`` of a cohort folder, or None.

    Args:
        root: the cohort folder.

    Example:
        >>> read_cohort_config("no/such/folder") is None
        True
    """
    try:
        return json.loads((Path(root) / CONFIG_FILE).read_text())
    except (OSError, json.JSONDecodeError):
        return None


CONFIG_FILE = "synthetic_config.json"


def make_cohort(
    root: str | Path, n_lgg: int, n_hgg: int, seed: int = 2022,
    cfg: SynthConfig | None = None, workers: int | None = None, progress: bool = True,
) -> pd.DataFrame:
    """Write a synthetic cohort in the BraTS 2019 layout under ``root``; return its truth table.

    ``root/HGG/<id>/<id>_{t1,t1ce,t2,flair,seg}.nii.gz``, ``root/LGG/...``,
    ``root/name_mapping.csv`` (grade, id and site of each patient; sites and grades as in
    BraTS 2019 unless ``cfg.site_confounded`` is False), ``root/synthetic_truth.csv`` (the
    drawn tumour of each patient) and ``root/synthetic_config.json`` (:func:`cohort_config`).
    Written into ``<root>.partial`` and renamed at the end, so an interrupted run never leaves
    a half cohort at ``root``; rerun with the same arguments, it resumes with the patients not
    yet finished. An existing ``root`` is refused.

    Args:
        root: the cohort folder (must not exist).
        n_lgg, n_hgg: patients per grade.
        seed: the cohort seed.
        cfg: the generator's knobs (default: :class:`SynthConfig`).
        workers: worker processes (default: :func:`glioma_lib.config.default_workers`).
        progress: show a progress bar.

    Example:
        >>> import pathlib, tempfile
        >>> tmp = pathlib.Path(tempfile.mkdtemp())
        >>> truth = make_cohort(tmp / "cohort", n_lgg=1, n_hgg=1, seed=0, progress=False)
    """
    from tqdm import tqdm

    cfg = cfg or SynthConfig()
    root = Path(root)
    if root.exists():
        raise FileExistsError(f"{root}: already exists; remove it or choose another folder")
    partial = root.with_name(root.name + ".partial")
    wanted = cohort_config(n_lgg, n_hgg, seed, cfg)
    if read_cohort_config(partial) != wanted:  # another cohort's leftovers: start afresh
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        write_json(partial / CONFIG_FILE, wanted)
    # Sites and grades in a seeded random order: the patient's number reveals neither.
    assignment = assign_sites(n_lgg, n_hgg, seed, confounded=cfg.site_confounded)
    jobs = [(str(partial), grade, site, seed, i, cfg)
            for i, (grade, site) in enumerate(assignment.itertuples(index=False))]
    workers = workers or default_workers()
    template()  # load once before forking
    if workers > 1:
        import torch  # noqa: F401 (imported once here, not in every worker)

        with ProcessPoolExecutor(workers, initializer=single_thread_worker) as pool:
            rows = list(tqdm(pool.map(_write_patient, jobs), total=len(jobs),
                             desc="synthetic cohort", disable=not progress))
    else:
        rows = [_write_patient(j) for j in tqdm(jobs, desc="synthetic cohort",
                                                disable=not progress)]
    truth = pd.DataFrame(rows).sort_values("patient_id").reset_index(drop=True)
    mapping = truth[["grade", "patient_id", "site"]].rename(
        columns={"grade": "Grade", "patient_id": "BraTS_2019_subject_ID", "site": "Site"})
    save_csv(partial / "name_mapping.csv", mapping)
    save_csv(partial / "synthetic_truth.csv", truth)
    for grade in ("LGG", "HGG"):
        for done in (partial / grade).glob(f"*/{DONE}"):
            done.unlink()
    os.replace(partial, root)
    return truth
