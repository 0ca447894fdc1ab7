"""Figures of the book (matplotlib / seaborn). Each returns the Figure it drew."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ..config import SEQUENCE_NAMES
from ..data.brats import display_slice, load_patient
from ..data.slices import normalise, tumour_window

LABEL_COLOURS = {1: "tab:red", 2: "gold", 4: "tab:cyan"}
LABEL_NAMES = {1: "necrotic / non-enhancing core", 2: "oedema", 4: "enhancing"}


# Stored slices (and Grad-CAM maps of them) are already in radiological display orientation
# (anterior up, the patient's left on the right); a volume's axial slice goes through
# brats.display_slice. Nothing is rotated for display only.


def patient_montage(cohort: pd.DataFrame, patient_ids, sequences=("t1", "t2", "flair"),
                    caption: str = "") -> plt.Figure:
    """One row per patient: each sequence and the labelled mask at the largest-tumour slice.

    Args:
        cohort: an indexed cohort (``index_cohort``).
        patient_ids: the patients, one row each.
        sequences: the columns.
        caption: the provenance line.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> patient_montage(data.cohort, ['BraTS19_CBICA_001_1'], ('t1', 'flair'))
    """
    fig, axes = plt.subplots(len(patient_ids), len(sequences) + 1,
                             figsize=(3 * (len(sequences) + 1), 3.1 * len(patient_ids)),
                             squeeze=False)
    for r, pid in enumerate(patient_ids):
        row = cohort.set_index("patient_id").loc[pid]
        vols = load_patient({**row.to_dict()}, sequences)
        window = tumour_window(vols["seg"], 1)
        z = int(window[0])
        for c, seq in enumerate(sequences):
            ax = axes[r, c]
            ax.imshow(display_slice(normalise(vols[seq])[..., z]), cmap="gray", vmin=0, vmax=1)
            ax.set_title(f"{row['grade']} · {SEQUENCE_NAMES.get(seq, seq)}", fontsize=10)
        ax = axes[r, -1]
        ax.imshow(display_slice(normalise(vols[sequences[-1]])[..., z]), cmap="gray", vmin=0,
                  vmax=1)
        seg = display_slice(vols["seg"][..., z])
        for label, colour in LABEL_COLOURS.items():
            if (seg == label).any():
                ax.contour(seg == label, levels=[0.5], colors=colour, linewidths=1.2)
        ax.set_title(f"mask (z = {z})", fontsize=10)
        axes[r, 0].set_ylabel(pid, fontsize=8)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    handles = [plt.Line2D([], [], color=c, label=LABEL_NAMES[k]) for k, c in LABEL_COLOURS.items()]
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False)
    if caption:
        fig.suptitle(caption, fontsize=9)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97 if caption else 1))
    return fig


def window_strip(images: np.ndarray, masks: np.ndarray | None = None,
                 titles=None, ncols: int = 10) -> plt.Figure:
    """A grid of slices (``(n, H, W)``), with the tumour mask outlined when given.

    Args:
        images: ``(n, H, W)`` uint8 slices.
        masks: optional ``(n, H, W)`` tumour masks.
        titles: one per slice.
        ncols: panels per row.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> window_strip(data.slices.array('flair')[:20], data.slices.array('mask')[:20])
    """
    n = len(images)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.5 * ncols, 1.6 * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(images[i], cmap="gray", vmin=0, vmax=255)
        if masks is not None and masks[i].any():
            ax.contour(masks[i], levels=[0.5], colors="tab:red", linewidths=0.8)
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=7)
    fig.tight_layout()
    return fig


def intensity_histograms(arrays: dict[str, np.ndarray], labels: np.ndarray,
                         max_pixels: int = 200_000, seed: int = 0) -> plt.Figure:
    """Brain-pixel intensity histograms (uint8 slices) per sequence, LGG vs HGG.

    Args:
        arrays: sequence → ``(N, H, W)`` uint8 slices.
        labels: 0 (LGG) / 1 (HGG) per slice.
        max_pixels: pixels sampled per grade and sequence.
        seed: the sampling seed.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> intensity_histograms({'t1': data.slices.array('t1')}, data.slices.labels)
    """
    rng = np.random.default_rng(seed)
    frames = []
    for seq, arr in arrays.items():
        per_label = []
        for lab, grade in ((0, "LGG"), (1, "HGG")):
            px = np.asarray(arr[labels == lab]).ravel()
            px = px[px > 0]
            if len(px) > max_pixels:
                px = rng.choice(px, max_pixels, replace=False)
            per_label.append(pd.DataFrame({"intensity": px, "grade": grade,
                                           "sequence": SEQUENCE_NAMES.get(seq, seq)}))
        frames += per_label
    data = pd.concat(frames, ignore_index=True)
    grid = sns.displot(data, x="intensity", hue="grade", col="sequence", stat="density",
                       common_norm=False, element="step", bins=64, height=2.8, aspect=1.2)
    grid.set_axis_labels("normalised intensity (uint8)", "density")
    return grid.figure


def image_grid(images: np.ndarray, row_titles, col_titles, caption: str = "") -> plt.Figure:
    """A grid of uint8 images ``(rows, cols, H, W)`` with row and column titles.

    Args:
        images: ``(rows, cols, H, W)`` uint8.
        row_titles: one per row.
        col_titles: one per column.
        caption: the provenance line.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> augment = gl.training.augment
        >>> image_grid(augment.offline_examples({'t1': data.slices.array('t1')}, 0), ['T1WI'],
        ...            augment.OFFLINE_NAMES)
    """
    images = np.asarray(images)
    rows, cols = images.shape[:2]
    fig, axes = plt.subplots(rows, cols, figsize=(1.9 * cols, 2.0 * rows), squeeze=False)
    for r in range(rows):
        for c in range(cols):
            ax = axes[r, c]
            ax.imshow(images[r, c], cmap="gray", vmin=0, vmax=255)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(col_titles[c], fontsize=9)
        axes[r, 0].set_ylabel(row_titles[r], fontsize=9)
    if caption:
        fig.suptitle(caption, fontsize=8)
    fig.tight_layout()
    return fig


def training_curves(histories: dict[str, pd.DataFrame], metric: str = "acc",
                    caption: str = "") -> plt.Figure:
    """The paper's Fig. 5 (``metric="acc"``) or Fig. 6 (``"loss"``), train and validation.

    Args:
        histories: name → history (``ProtocolRun.histories()``).
        metric: ``"acc"`` or ``"loss"``.
        caption: the provenance line.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> run = gl.run_recipe(data, "slice")
        >>> training_curves(run.histories(), 'loss')
    """
    fig, axes = plt.subplots(1, len(histories), figsize=(4.2 * len(histories), 3.2),
                             squeeze=False, sharey=True)
    for ax, (name, h) in zip(axes[0], histories.items(), strict=True):
        ax.plot(h["epoch"], h[f"train_{metric}"], marker="o", label="training")
        ax.plot(h["epoch"], h[f"val_{metric}"], marker="s", label="validation")
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy" if metric == "acc" else "cross-entropy loss")
        ax.grid(alpha=0.3)
    axes[0, 0].legend()
    if caption:
        fig.suptitle(caption, fontsize=8)
    fig.tight_layout()
    return fig


def roc_figure(curves: dict[str, tuple[np.ndarray, np.ndarray, float]],
               caption: str = "") -> plt.Figure:
    """The paper's Fig. 7: ROC curves of several models, AUC in the legend.

    Args:
        curves: name → (fpr, tpr, auc), e.g. ``evaluation.tables.roc_curves``.
        caption: the provenance line.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> run = gl.run_recipe(data, "slice")
        >>> roc_figure(roc_curves(run.predictions, ('t1', 't2', 'flair')))
    """
    fig, ax = plt.subplots(figsize=(4.8, 4.4))
    for name, (fpr, tpr, auc) in curves.items():
        ax.plot(fpr, tpr, label=f"{name} (AUC = {auc:.3f})")
    ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=0.8)
    ax.set_xlabel("1 − specificity")
    ax.set_ylabel("sensitivity")
    ax.legend(loc="lower right", fontsize=8)
    if caption:
        ax.set_title(caption, fontsize=7)
    fig.tight_layout()
    return fig


def interval_plot(table: pd.DataFrame, metric: str, group: str, hue: str,
                  caption: str = "", chance: float | None = 0.5) -> plt.Figure:
    """Point estimates with confidence intervals: ``table`` has columns ``group``, ``hue``,
    ``metric``, ``value``, ``low``, ``high`` (e.g. one row per model and protocol).

    Args:
        table: a long ``metric_table``.
        metric: which metric to plot.
        group: the column along the axis.
        hue: the column told apart by colour.
        caption: the provenance line.
        chance: a reference line (None: none).

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> runs, frames = gl.protocol_runs(data)
        >>> leak = gl.leakage(data, frames).long
        >>> interval_plot(leak, 'accuracy', group='model', hue='protocol')
    """
    rows = table[table["metric"] == metric]
    groups = list(dict.fromkeys(rows[group]))
    hues = list(dict.fromkeys(rows[hue]))
    fig, ax = plt.subplots(figsize=(1.3 * len(groups) + 2.5, 3.3))
    width = 0.7 / max(len(hues), 1)
    for k, h in enumerate(hues):
        sub = rows[rows[hue] == h].set_index(group).reindex(groups)
        x = np.arange(len(groups)) + (k - (len(hues) - 1) / 2) * width
        ax.errorbar(x, sub["value"], yerr=[sub["value"] - sub["low"], sub["high"] - sub["value"]],
                    fmt="o", capsize=3, label=str(h))
    if chance is not None:
        ax.axhline(chance, color="grey", ls="--", lw=0.8)
    ax.set_xticks(np.arange(len(groups)), groups)
    ax.set_ylabel(metric)
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    if caption:
        ax.set_title(caption, fontsize=7)
    fig.tight_layout()
    return fig


def reliability_diagram(curves: dict[str, tuple[pd.DataFrame, float]],
                        caption: str = "") -> plt.Figure:
    """Observed HGG share against mean predicted probability per bin; Brier in the legend.

    ``curves`` maps a name to ``(calibration_bins table, Brier score)``.

    Args:
        curves: name → (bins, Brier), from ``calibration.calibration_summary``.
        caption: the provenance line.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> seqs = ("t1", "t2", "flair")
        >>> frame = gl.evaluation.with_votes(gl.run_recipe(data, "patient").predictions, seqs)
        >>> curves = gl.calibration_check(frame, seqs).extra['curves']
        >>> reliability_diagram(curves)
    """
    fig, ax = plt.subplots(figsize=(4.8, 4.4))
    ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=0.8, label="perfectly calibrated")
    for name, (bins, score) in curves.items():
        full = bins[bins["n"] > 0]
        ax.plot(full["mean_prob"], full["frac_hgg"], marker="o",
                label=f"{name} (Brier {score:.3f})")
    ax.set_xlabel("mean predicted HGG probability")
    ax.set_ylabel("observed share of HGG")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7, loc="upper left")
    if caption:
        ax.set_title(caption, fontsize=7)
    fig.tight_layout()
    return fig


def gradcam_grid(images: np.ndarray, cams: np.ndarray, masks: np.ndarray, titles,
                 ncols: int = 4, caption: str = "") -> plt.Figure:
    """Grad-CAM heat maps over uint8 slices ``(N, H, W)`` with the tumour outline (cyan).

    Args:
        images, cams, masks: ``(N, H, W)`` each (``explain.cases``).
        titles: one per panel.
        ncols: panels per row.
        caption: the provenance line.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> seqs = ("t1", "t2", "flair")
        >>> test = gl.evaluation.with_votes(gl.run_recipe(data, "patient").predictions, seqs)
        >>> gradcam_grid(**gl.evaluation.explain.cases(models, data.slices, test, ('flair',)))
    """
    n = len(images)
    nrows = max(1, int(np.ceil(n / ncols)))
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.3 * ncols, 2.5 * nrows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i in range(n):
        ax = axes.flat[i]
        ax.imshow(images[i], cmap="gray", vmin=0, vmax=255)
        ax.imshow(cams[i], cmap="jet", alpha=0.35, vmin=0, vmax=1)
        if masks[i].any():
            ax.contour(masks[i], levels=[0.5], colors="cyan", linewidths=0.8)
        ax.set_title(titles[i], fontsize=7)
    if caption:
        fig.suptitle(caption, fontsize=8)
    fig.tight_layout()
    return fig


def verdict_figure(images: dict[str, np.ndarray], cams: dict[str, np.ndarray] | None,
                   report: dict) -> plt.Figure:
    """``glioma-grade predict``'s PNG: each sequence at the key slice (Grad-CAM overlaid when
    given) with its probability, and the verdict as the title."""
    fig, axes = plt.subplots(1, len(images), figsize=(3.2 * len(images), 3.6), squeeze=False)
    for ax, (seq, image) in zip(axes[0], images.items(), strict=True):
        ax.imshow(image, cmap="gray", vmin=0, vmax=255)
        if cams is not None:
            ax.imshow(cams[seq], cmap="jet", alpha=0.35, vmin=0, vmax=1)
        info = report["sequences"][seq]
        ax.set_title(f"{SEQUENCE_NAMES.get(seq, seq)}: p(HGG) = {info['probability_hgg']:.2f} "
                     f"→ {info['vote']}", fontsize=9)
        ax.axis("off")
    fig.suptitle(f"{report['grade']} ({report['votes_hgg']} sequences vote HGG) — slice "
                 f"{report['slices']['key_slice']}; "
                 f"weights: {report['models']['flair']['weights']}", fontsize=8)
    fig.tight_layout()
    return fig


def window_agreement_plot(table: pd.DataFrame, caption: str = "") -> plt.Figure:
    """Per grade: distribution of the automatic window's overlap with the true window and of
    its share of tumour-bearing slices (``predict.auto_window_agreement`` output).

    Args:
        table: ``evaluation.window.auto_window_agreement`` output.
        caption: the provenance line.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> window_agreement_plot(gl.evaluation.window.auto_window_agreement(data.cohort, 20))
    """
    long = table.melt(id_vars=["patient_id", "grade"], value_vars=["overlap", "tumour_slices"],
                      var_name="measure", value_name="share")
    long["measure"] = long["measure"].map({"overlap": "overlap with the true window",
                                           "tumour_slices": "chosen slices holding tumour"})
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    sns.boxplot(data=long, x="measure", y="share", hue="grade", ax=ax, fliersize=2)
    ax.set_xlabel("")
    ax.set_ylim(-0.02, 1.02)
    if caption:
        ax.set_title(caption, fontsize=7)
    fig.tight_layout()
    return fig
