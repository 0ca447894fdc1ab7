"""Grade one new patient with the per-sequence models a book run trained.

Inputs are validated before any work (:func:`check_inputs`); the tumour slices come from a
segmentation when one is given, otherwise from the images (:func:`auto_tumour_mask`: the region
bright on both FLAIR and T2 inside the brain, which is what oedema and tumour look like and CSF
does not). The report is a JSON file (and optionally a PNG), each written atomically.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .config import INTENDED_USE, SEQUENCES
from .data.automask import AUTO_ERODE, AUTO_FLAIR_Z, AUTO_METHOD, AUTO_T2_Z, auto_tumour_mask
from .data.brats import CohortError, check_headers, load_volume
from .data.slices import largest_tumour_slice, patient_slices, tumour_window
from .evaluation.vote import VoteRule, grade_patients
from .models.device import pick_device
from .models.registry import load_model
from .store import atomic_write, named_folder, write_json
from .training.precision import precision_name
from .training.train import predict as predict_probs

#: Where a models root holds several protocols, the honest one is preferred.
PROTOCOL_PREFERENCE = ("patient", "slice")


#: The rule the command grades by: the chapters' "vote (glioma-grade predict)" rows are the
#: same :class:`~glioma_lib.evaluation.vote.VoteRule`, and its text is the report's ``rule``.
PREDICT = VoteRule(SEQUENCES)
RULE = PREDICT.text()


#: The space the networks were trained in (BraTS: 1 mm isotropic, 240×240×155, skull-stripped).
BRATS_SHAPE, BRATS_VOXEL_MM = (240, 240, 155), 1.0
#: Largest share of non-zero voxels on the volume's outer faces of a skull-stripped scan.
STRIPPED_BORDER_MAX = 0.05


class InputError(ValueError):
    """A bad input of ``predict``: names the file (or folder) and the problem."""

    def __init__(self, path: str | Path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = str(path), problem


def space_warnings(images: dict, volumes: dict[str, np.ndarray],
                   files: dict[str, Path]) -> list[str]:
    """Where the input is not in the space the networks saw (BraTS: 1 mm voxels, a
    240×240×155 grid, skull-stripped), one warning each, naming the file.

    Args:
        images: the opened NIfTI images (headers).
        volumes: their voxel arrays.
        files: key → path.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> files = {s: data.cohort.iloc[0][s] for s in ("t1", "t2", "flair")}
        >>> import nibabel as nib
        >>> images = {s: nib.load(f) for s, f in files.items()}
        >>> volumes = {s: np.asarray(i.dataobj) for s, i in images.items()}
        >>> space_warnings(images, volumes, files)  # a 2 mm volume would be named here
        []
    """
    warnings = []
    key = "t1"
    zooms = tuple(float(z) for z in images[key].header.get_zooms()[:3])
    if not np.allclose(zooms, BRATS_VOXEL_MM, atol=0.05):
        warnings.append(f"{files[key]}: voxel size {'×'.join(f'{z:g}' for z in zooms)} mm, "
                        f"not {BRATS_VOXEL_MM:g} mm (BraTS space)")
    if tuple(images[key].shape) != BRATS_SHAPE:
        warnings.append(f"{files[key]}: grid {'×'.join(map(str, images[key].shape))}, not "
                        f"{'×'.join(map(str, BRATS_SHAPE))} (BraTS space)")
    for seq in ("t1", "t2", "flair"):
        v = volumes[seq]
        faces = np.concatenate([v[[0, -1]].ravel(), v[:, [0, -1]].ravel(),
                                v[:, :, [0, -1]].ravel()])
        share = float(np.mean(faces != 0))
        if share > STRIPPED_BORDER_MAX:
            warnings.append(f"{files[seq]}: {share:.0%} of the volume's outer faces are "
                            f"non-zero: not skull-stripped? (BraTS volumes are)")
    return warnings


def check_inputs(files: dict[str, str | Path], warnings: list[str] | None = None,
                 ) -> dict[str, np.ndarray]:
    """Load and validate every given volume (keys ``t1 t2 flair`` and optionally ``seg``).

    Raises :class:`InputError` for a missing or unreadable file, a non-3-D image, shapes or
    affines that disagree, NaN/Inf voxels, an all-zero image or an empty segmentation.
    A volume outside BraTS space is appended to ``warnings`` (:func:`space_warnings`).

    Args:
        files: key → NIfTI path.
        warnings: a list that receives the space warnings, or None.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> t1, t2, flair = (data.cohort.iloc[0][s] for s in ("t1", "t2", "flair"))
        >>> volumes = check_inputs({"t1": t1, "t2": t2, "flair": flair})
    """
    files = {k: Path(v) for k, v in files.items() if v is not None}
    try:
        images = check_headers(files, list(files))
        volumes = {k: load_volume(files[k], img=images[k]) for k in files}
    except CohortError as err:
        raise InputError(err.path, err.problem) from None
    for key, vol in volumes.items():
        if not np.any(vol != 0):
            what = "empty segmentation (no tumour label)" if key == "seg" else \
                "empty image (every voxel is zero)"
            raise InputError(files[key], what)
    if "seg" in volumes:
        volumes["seg"] = volumes["seg"].astype(np.uint8)
    if warnings is not None:
        warnings.extend(space_warnings(images, volumes, files))
    return volumes


def find_models(models: str | Path, protocol: str | None = None) -> tuple[Path, str]:
    """The folder holding ``t1/ t2/ flair/`` models: ``models`` itself, or the run a name
    points to in a book's models folder (``models/by-name/<name>.json``:
    :func:`~glioma_lib.training.runspec.named_folder`), or a sub-folder of that name (models
    copied by hand); the name is ``protocol``, else ``patient``, else ``slice``.

    Args:
        models: a book's ``results/<run>/models`` folder, or one run's folder.
        protocol: the run's name (``patient``, ``slice``, ``fold0``…), default the honest one.

    Example:
        >>> find_models("results/default/models")[1]
        'patient'
    """
    root = Path(models)
    if not root.is_dir():
        raise InputError(root, "models folder not found (build the book first: make book)")

    def complete(folder: Path) -> bool:
        return all((folder / s / "model.json").exists() and (folder / s / "best.pt").exists()
                   for s in SEQUENCES)

    if protocol is None and complete(root):
        return root, root.name
    for name in ([protocol] if protocol else PROTOCOL_PREFERENCE):
        for folder in (named_folder(root, name), root / name):
            if folder is not None and complete(folder):
                return folder, name
    wanted = protocol or " or ".join(PROTOCOL_PREFERENCE)
    raise InputError(root, f"no trained t1/t2/flair models (model.json + best.pt) for "
                           f"protocol {wanted}")


def load_models(folder: Path) -> dict:
    """The T1, T2 and FLAIR networks of a models folder; a card or weights file that cannot
    be read is an :class:`InputError` naming it (a corrupt or truncated download, say).

    Args:
        folder: the protocol folder holding ``t1/ t2/ flair/`` (:func:`find_models`).

    Example:
        >>> load_models(find_models("results/default/models")[0])["flair"].card["backbone"]
    """
    import json

    nets = {}
    for s in SEQUENCES:
        try:
            json.loads((folder / s / "model.json").read_text())
        except (OSError, ValueError) as err:
            raise InputError(folder / s / "model.json", f"unreadable model card "
                                                        f"({type(err).__name__})") from None
        try:
            nets[s] = load_model(folder / s)
        except Exception as err:  # torch's unpickler raises many kinds
            first = str(err).strip().splitlines()[0][:120] if str(err).strip() else ""
            raise InputError(folder / s / "best.pt", f"unreadable model weights "
                                                     f"({type(err).__name__}: {first})") from None
    return nets


def grade(files: dict[str, str | Path], models: str | Path, protocol: str | None = None,
          gradcam: bool = False, precision: str = "auto", strict: bool = False,
          ) -> tuple[dict, dict]:
    """Grade one patient. Returns the JSON report and, for the PNG, the key-slice images
    (and Grad-CAM maps when asked).

    Args:
        files: ``t1``, ``t2``, ``flair`` (and optionally ``seg``) NIfTI paths.
        models: a book's models folder (or one protocol's).
        protocol: ``patient`` or ``slice`` (default: patient, else slice).
        gradcam: also compute Grad-CAM maps of the key slice.
        precision: inference arithmetic (``auto``, ``fp32``, ``bf16``;
            :func:`glioma_lib.training.precision.resolve_precision`).
        strict: refuse (:class:`InputError`) an input outside BraTS space instead of
            grading it with recorded warnings.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> t1, t2, flair = (data.cohort.iloc[0][s] for s in ("t1", "t2", "flair"))
        >>> report, _ = grade({"t1": t1, "t2": t2, "flair": flair}, "results/default/models")
    """
    start = time.perf_counter()
    warnings: list[str] = []
    volumes = check_inputs(files, warnings)
    if strict and warnings:
        path, problem = warnings[0].split(": ", 1)
        raise InputError(path, f"{problem}; refused under --strict "
                               f"({len(warnings)} warning(s) in all)")
    folder, protocol = find_models(models, protocol)
    nets = load_models(folder)  # on CUDA when present
    meta = {s: nets[s].card for s in SEQUENCES}
    size = int(meta["flair"]["image_size"])
    n_slices = int(meta["flair"].get("n_slices", 20))
    if "seg" in volumes:
        mask, method = volumes["seg"], "segmentation (--seg)"
    else:
        try:
            mask = auto_tumour_mask(volumes)
        except ValueError as err:
            raise InputError(files["flair"], str(err)) from None
        method = AUTO_METHOD.format(flair_z=AUTO_FLAIR_Z, t2_z=AUTO_T2_Z, erode=AUTO_ERODE)
    window = tumour_window(mask, n_slices)
    slices, window, _ = patient_slices(volumes, SEQUENCES, n_slices, size, window=window)
    key = largest_tumour_slice(mask) - int(window[0])  # position of z* in the window
    probs = {s: predict_probs(nets[s], slices[s], precision=precision) for s in SEQUENCES}
    frame = pd.DataFrame({"patient_id": "input", "label": 0,
                          **{f"p_{s}": probs[s] for s in SEQUENCES}})
    verdict = grade_patients(frame, PREDICT).iloc[0]  # the rule chapter 6 evaluates
    per_seq = {}
    for s in SEQUENCES:
        p = float(verdict[f"p_{s}"])
        per_seq[s] = {"probability_hgg": p, "vote": "HGG" if p >= 0.5 else "LGG",
                      "slice_probabilities": [round(float(x), 4) for x in probs[s]]}
    votes = sum(v["vote"] == "HGG" for v in per_seq.values())
    report = {
        "intended_use": INTENDED_USE,
        "warnings": warnings,
        "grade": "HGG" if verdict["rule_vote"] == 1 else "LGG",
        "score_hgg": float(verdict["rule_score"]),
        "rule": RULE,
        "votes_hgg": f"{votes} of {len(SEQUENCES)}",
        "sequences": per_seq,
        "slices": {"indices": [int(i) for i in window], "key_slice": int(window[key]),
                   "method": method},
        "models": {s: {"folder": str(folder / s), "backbone": meta[s]["backbone"],
                       "weights": meta[s]["weights_note"]} for s in SEQUENCES},
        "protocol": protocol,
        "profile": meta["flair"].get("profile"),
        "image_size": size,
        "precision": precision_name(pick_device(), precision, meta["flair"]["backbone"]),
        "library_version": __version__,
        "inputs": {k: str(v) for k, v in files.items() if v is not None},
        "seconds": round(time.perf_counter() - start, 3),
    }
    figure = {"images": {s: slices[s][key] for s in SEQUENCES}, "report": report}
    if gradcam:
        from .evaluation.explain import gradcam as cam

        figure["cams"] = {s: cam(nets[s], slices[s][key:key + 1])[0] for s in SEQUENCES}
    return report, figure


def write_report(report: dict, out: str | Path) -> Path:
    """Write the JSON report atomically."""
    out = Path(out)
    write_json(out, report)
    return out


def write_png(figure: dict, out: str | Path) -> Path:
    """The three sequences at the key slice with Grad-CAM overlays and the verdict (atomic)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from .reporting.plots import verdict_figure

    fig = verdict_figure(figure["images"], figure.get("cams"), figure["report"])
    out = Path(out)
    atomic_write(out, lambda p: fig.savefig(p, dpi=120, format="png"))
    import matplotlib.pyplot as plt

    plt.close(fig)
    return out


def command(row, models: str | Path, out: str | Path, seg: bool = True,
            png: str | Path | None = None) -> list[str]:
    """The ``glioma-grade predict`` arguments for one indexed patient (a cohort row).

    Args:
        row: a row of :func:`glioma_lib.data.brats.index_cohort` (``t1``, ``t2``, ``flair``,
            ``seg`` paths).
        models: ``results/<profile>/models`` (or one protocol folder).
        out: the JSON report to write.
        seg: pass the segmentation (else the slices are found automatically).
        png: also write the Grad-CAM PNG there.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> row = data.cohort.iloc[0]
        >>> gl.cli.main(command(row, "results/smoke/models", "report.json"))
    """
    argv = ["predict", "--t1", str(row["t1"]), "--t2", str(row["t2"]), "--flair",
            str(row["flair"])]
    if seg:
        argv += ["--seg", str(row["seg"])]
    argv += ["--models", str(models), "--out", str(out)]
    if png is not None:
        argv += ["--png", str(png)]
    return argv


def shown(argv: list[str]) -> str:
    """A command line as a reader would type it: ``$ glioma-grade …``, paths relative to the
    repository.

    Args:
        argv: the arguments after ``glioma-grade``.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> row = data.cohort.iloc[0]
        >>> shown(command(row, 'results/smoke/models', 'r.json'))
    """
    import shlex

    from .config import project_root

    prefix = str(project_root()) + "/"
    return "$ glioma-grade " + shlex.join(a.replace(prefix, "") for a in argv)


def report_table(report: dict) -> pd.DataFrame:
    """The report's verdict in one small table: per sequence its probability and vote, and
    the combined row (the majority vote and ``score_hgg``); the slice probabilities stay in
    the JSON.

    Args:
        report: the JSON report of :func:`grade`.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> report_table(gl.run_predict(data).extra["report"])
    """
    from .config import SEQUENCE_NAMES

    rows = [{"model": SEQUENCE_NAMES.get(s, s), "p(HGG)": f"{v['probability_hgg']:.3f}",
             "vote": v["vote"]} for s, v in report["sequences"].items()]
    rows.append({"model": "majority vote", "p(HGG)": f"score {report['score_hgg']:.2f}",
                 "vote": f"{report['grade']} ({report['votes_hgg']})"})
    return pd.DataFrame(rows).set_index("model")
