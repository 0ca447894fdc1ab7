"""Chapter 8's demonstrations of ``glioma-grade predict``, each one call: the command run on
the largest test patient with its segmentation, the same without (the automatic window), and
the automatic window against the segmentation's over many patients."""

from __future__ import annotations

import json
from pathlib import Path

from .cli import main as glioma_grade
from .config import stage_dir
from .evaluation.window import agreement_summary, auto_window_agreement, window_overlap
from .predict import command, report_table, shown
from .reporting.section import Section


def demo_patient(data) -> str:
    """The test patient (patient-level split) with the largest tumour: the demo's patient.

    Args:
        data: the prepared data stages.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> demo_patient(data).startswith("BraTS19_")
        True
    """
    test = data.index[data.split("patient") == "test"]
    return str(test.sort_values("tumour_area", ascending=False)["patient_id"].iloc[0])


def run_predict(data, seg: bool = True) -> Section:
    """``glioma-grade predict`` on :func:`demo_patient`, as a user types it (the command is
    printed), with the segmentation (and the Grad-CAM PNG) or with the automatic window; the
    report read back from its JSON.

    Args:
        data: the prepared data stages.
        seg: pass the segmentation (else the slices are found automatically).

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> run_predict(data).values["predicted_grade"] in ("LGG", "HGG")
        True
    """
    pid = demo_patient(data)
    row = data.cohort.set_index("patient_id").loc[pid]
    out_dir, models = stage_dir(data.profile, "predict"), stage_dir(data.profile, "models")
    out = out_dir / f"{pid}{'' if seg else '-auto'}.json"
    png = out_dir / f"{pid}.png"
    argv = command(row, models, out, seg=seg, png=png if seg else None)
    print(shown(argv))
    glioma_grade(argv)
    report = json.loads(Path(out).read_text())
    values = {"pid": pid, "true_grade": row["grade"], "predicted_grade": report["grade"],
              "predicted_votes": report["votes_hgg"]} if seg else {}
    return Section(values, report_table(report), extra={"report": report, "png": png})


def automatic_window(data, with_seg: Section) -> Section:
    """The demo patient graded without its segmentation: how much of the automatic window
    overlaps the segmentation's (:func:`run_predict` both ways).

    Args:
        data: the prepared data stages.
        with_seg: :func:`run_predict` with the segmentation.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> automatic_window(data, run_predict(data)).values["one_overlap"]
    """
    auto = run_predict(data, seg=False).extra["report"]
    print("slices found:", auto["slices"]["method"])
    overlap = window_overlap(with_seg.extra["report"]["slices"]["indices"],
                             auto["slices"]["indices"])
    return Section({"one_overlap": f"{overlap:.0%}"}, extra={"report": auto})


def window_agreement(data) -> Section:
    """The automatic window against the segmentation's on the profile's
    ``window_check_patients`` patients (:func:`~.evaluation.window.auto_window_agreement`).

    Args:
        data: the prepared data stages.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> window_agreement(data).values["mean_overlap"]
    """
    p = data.profile
    agreement = auto_window_agreement(data.cohort, p.n_slices, seed=p.seed,
                                      max_patients=p.window_check_patients)
    values = {"n_agreement": len(agreement), "mean_overlap": f"{agreement['overlap'].mean():.0%}",
              "mean_tumour_slices": f"{agreement['tumour_slices'].mean():.0%}"}
    return Section(values, agreement_summary(agreement), agreement)
