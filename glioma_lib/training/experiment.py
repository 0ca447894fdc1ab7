"""One protocol under a profile: train a model per sequence, predict the test split.

Results are cached under ``results/<profile>/models/<protocol>/<sequence>/`` with a manifest,
so notebooks 04, 05 and 06 share one training run per protocol instead of training twice.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..config import SEQUENCE_NAMES, Profile, override_suffix, overrides, stage_dir
from ..data.slices import blank_tumour
from ..data.stages import Data
from ..models.device import pick_device
from ..models.registry import GliomaNet, create, load_model, model_card, weights_identity
from ..store import (
    array_digest,
    atomic_write,
    fingerprint,
    invalidate,
    is_current,
    mark_done,
    model_lock,
    read_manifest,
    save_csv,
    write_json,
)
from .augment import expand_offline
from .train import TRAINING_VERSION, TrainConfig, precision_name, predict, train_model

#: ``run_protocol(weights=...)``'s default: the profile's ``weights`` field.
PROFILE_WEIGHTS = "profile"

#: In-plane growth (pixels of the network's input) of the tumour mask blanked by the control.
BLANK_DILATE_PX = 3

#: The profile fields that change a trained model (``workers``, ``n_bootstrap``, ``kfold`` and
#: the other evaluation-only knobs are left out, so changing them retrains nothing).
TRAINING_FIELDS = ("image_size", "offline_aug", "epochs", "batch_size", "lr_backbone",
                   "lr_head", "seed")
#: The profile fields a model's cache key holds (:meth:`ProtocolSpec.manifest`).
MODEL_FIELDS = (*TRAINING_FIELDS, "precision", "allow_random_init", "weights", "backbone")


def trained_profile(profile: Profile, light: bool) -> Profile:
    """The profile a run trains under: the profile itself, or for the lighter comparison
    recipe its ``extra_epochs`` epochs of online augmentation only.

    Args:
        profile: the run's profile.
        light: the lighter recipe.

    Example:
        >>> trained_profile(get_profile("default"), True).epochs
        3
    """
    return replace(profile, epochs=profile.extra_epochs, offline_aug=False) if light else profile


@dataclass
class SequenceRun:
    """The trained model of one sequence and what it produced."""

    sequence: str
    model: GliomaNet
    history: pd.DataFrame
    folder: Path


@dataclass
class ProtocolRun:
    """All sequences of one protocol: runs and test-split predictions (one row per slice)."""

    protocol: str
    runs: dict[str, SequenceRun]
    predictions: pd.DataFrame  # row, patient_id, label, p_<seq> for each sequence
    weights_note: str
    val_rows: np.ndarray | None = None  # rows of the validation split
    #: The same columns on the validation split: what anything "best" is chosen on.
    val_predictions: pd.DataFrame | None = None

    def histories(self) -> dict[str, pd.DataFrame]:
        """Display name (T1WI, T2WI, FLAIR, …) → per-epoch training history."""
        return {SEQUENCE_NAMES.get(s, s): r.history for s, r in self.runs.items()}

    def history_table(self) -> pd.DataFrame:
        """Every sequence's history, one row per sequence and epoch (long: as many columns as
        one history has, whatever the number of sequences, so it fits a page's width)."""
        return pd.concat({k: h.set_index("epoch") for k, h in self.histories().items()},
                         names=["sequence"])


@dataclass(frozen=True)
class ProtocolSpec:
    """What one protocol run is: data, split, labels, recipe and initial weights.

    Built by :meth:`build` from :func:`run_protocol`'s arguments; :meth:`manifest` is the cache
    key of each sequence's model (DESIGN.md, "Cached stages").
    """

    data: Data
    protocol: str
    profile: Profile
    labels: np.ndarray
    split: np.ndarray
    train_rows: np.ndarray
    val_rows: np.ndarray
    test_rows: np.ndarray
    backbone: str
    weights: str | None
    tag: str
    #: The lighter comparison recipe (``extra_epochs``, online augmentation only).
    light: bool = False
    #: Train and test on slices whose (dilated) tumour is blanked: the tumour-masked control.
    blank: bool = False
    #: Class weights of the loss: None (the paper's) or ``"balanced"``
    #: (:func:`glioma_lib.training.train.class_weights`).
    class_weight: str | None = None

    @classmethod
    def build(cls, data: Data, protocol: str, profile: Profile | None = None,
              labels: np.ndarray | None = None, tag: str | None = None,
              backbone: str | None = None, weights: str | None = PROFILE_WEIGHTS,
              light: bool = False, max_train: int | None = None,
              split: np.ndarray | None = None, blank: bool = False,
              class_weight: str | None = None) -> ProtocolSpec:
        """The spec of :func:`run_protocol` (same arguments). A training ``profile`` that
        differs from the data's in what makes the model (:data:`MODEL_FIELDS`: a seed, a
        learning rate, a precision) names its own folder: the tag gets the
        :func:`~glioma_lib.config.override_suffix` of those differences, so such runs never
        overwrite the book's; evaluation-only knobs (``n_bootstrap``, ``kfold``…) change
        nothing."""
        changed = overrides(profile, data.profile) if profile is not None else {}
        own = override_suffix({k: v for k, v in changed.items() if k in MODEL_FIELDS})
        tag = f"{tag or protocol}-{own}" if own else tag
        profile = trained_profile(profile or data.profile, light)
        if split is None:
            split = data.split(protocol)
        else:
            split = np.asarray(split).astype(str)
            if len(split) != len(data.index) or not {"train", "val", "test"} <= set(split):
                raise ValueError(f"split for {protocol!r}: need one of train/val/test per "
                                 f"slice ({len(data.index)}), each present; got {len(split)} "
                                 f"labels {sorted(set(split))}")
        tr, va, te = (np.flatnonzero(split == s) for s in ("train", "val", "test"))
        if max_train is not None and max_train < len(tr):
            rng = np.random.default_rng(profile.seed)
            tr = np.sort(rng.choice(tr, max_train, replace=False))
        y = data.slices.labels if labels is None else np.asarray(labels)
        return cls(data, protocol, profile, y, split, tr, va, te, backbone or profile.backbone,
                   profile.weights if weights == PROFILE_WEIGHTS else weights, tag or protocol,
                   light, blank, class_weight)

    @property
    def n_classes(self) -> int:
        """Outputs of the network: 2 (LGG, HGG), or as many as the labels' classes (sites)."""
        return max(2, int(np.max(self.labels)) + 1)

    def inputs(self, sequence: str, rows: np.ndarray | None = None) -> np.ndarray:
        """The network's input slices of ``sequence`` (all rows, or ``rows``), tumour-blanked
        under the masked control (:func:`glioma_lib.data.slices.blank_tumour`)."""
        images = self.data.slices.inputs(sequence, rows=rows)
        if not self.blank:
            return images
        mask = self.data.slices.array("mask")
        return blank_tumour(images, mask if rows is None else mask[rows], BLANK_DILATE_PX)

    def folder(self, sequence: str) -> Path:
        """``results/<run>/models/<tag>/<sequence>/``: the data's run folder
        (:func:`~glioma_lib.config.run_name`), whatever recipe trains in it."""
        return stage_dir(self.data.profile, "models") / self.tag / sequence

    def manifest(self, sequence: str, device: torch.device) -> dict:
        """Everything the sequence's model depends on: the slice stage's fingerprint, the
        split, the labels and training rows, the training fields of the profile, backbone,
        initial weights (file + hash, or random), precision and training code version."""
        p = self.profile
        extra = ({"inputs": f"tumour blanked, mask dilated {BLANK_DILATE_PX} px"} if self.blank
                 else {})
        if self.class_weight:  # absent for the paper's loss: caches made before stay valid
            extra["class_weight"] = self.class_weight
        return {"stage": "model", "training_version": TRAINING_VERSION, **extra,
                "slices": self.data.slices.fingerprint, "protocol": self.protocol,
                "split": array_digest(self.split),
                "labels": array_digest(np.asarray(self.labels, np.int64)),
                "train_rows": array_digest(np.asarray(self.train_rows, np.int64)),
                "training": {f: getattr(p, f) for f in TRAINING_FIELDS},
                "sequence": sequence, "backbone": self.backbone,
                "weights": weights_identity(self.backbone, self.weights, p.allow_random_init),
                # the profile's choice, not what it resolves to here: a model trained on a GPU
                # node is reused by the CPU host that renders the book (its card says what
                # arithmetic it trained in)
                "precision": p.precision}


#: Set (to anything) to make any training an error: ``glioma-grade book`` after
#: ``glioma-grade train`` must only read models (the test of the plan sets it).
NO_TRAINING_ENV = "GLIOMA_NO_TRAINING"


def train_sequence(spec: ProtocolSpec, sequence: str, progress: bool = False) -> SequenceRun:
    """The model of one sequence: reused when its manifest matches, else trained (resuming
    from ``last.pt`` when that epoch checkpoint was written under the same manifest).

    Training holds the model folder's lock (:func:`glioma_lib.store.model_lock`): a second
    trainer (a grid job, a notebook) waits, saying which job holds it, and then reuses the
    model. A stale manifest is removed before training, so a killed run never vouches for a
    model it did not finish.

    Args:
        spec: the protocol run.
        sequence: the sequence (or ``fusion``).
        progress: per-epoch progress bars.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> train_sequence(ProtocolSpec.build(data, "patient"), "flair").history
    """
    device = pick_device()
    folder = spec.folder(sequence)
    manifest = spec.manifest(sequence, device)
    if is_current(folder, manifest):
        return _reuse(sequence, folder, device)
    with model_lock(folder):
        if is_current(folder, manifest):  # trained meanwhile by the lock's last holder
            return _reuse(sequence, folder, device)
        return _train(spec, sequence, folder, manifest, device, progress)


def _reuse(sequence: str, folder: Path, device: torch.device) -> SequenceRun:
    return SequenceRun(sequence, load_model(folder, device), pd.read_csv(folder / "history.csv"),
                       folder)


def _train(spec: ProtocolSpec, sequence: str, folder: Path, manifest: dict,
           device: torch.device, progress: bool) -> SequenceRun:
    if os.environ.get(NO_TRAINING_ENV):
        raise RuntimeError(f"{folder}: not trained yet ({spec.tag}, {sequence}), and "
                           f"{NO_TRAINING_ENV} forbids training here")
    invalidate(folder)
    p = spec.profile
    torch.manual_seed(p.seed)  # the new head (and a random init) from the seed,
    with warnings.catch_warnings():  # not from whatever ran before in this process
        warnings.simplefilter("ignore", UserWarning)
        model = create(spec.backbone, weights=spec.weights, allow_random_init=p.allow_random_init,
                       n_classes=spec.n_classes)
    images = spec.inputs(sequence)
    x_tr, y_tr = images[spec.train_rows], spec.labels[spec.train_rows]
    if p.offline_aug:
        x_tr, y_tr = expand_offline(x_tr, y_tr)
    history = train_model(model, x_tr, y_tr, images[spec.val_rows], spec.labels[spec.val_rows],
                          replace(TrainConfig.from_profile(p, progress=progress),
                                  class_weight=spec.class_weight), folder,
                          run_key=fingerprint(manifest))
    card = model_card(model, sequence, p.image_size, p.n_slices, p.name, spec.protocol,
                      extra={"precision": precision_name(device, p.precision, spec.backbone),
                             "data": spec.data.source,
                             "light": spec.light, "train_images_per_epoch": len(x_tr),
                             "epochs": p.epochs, "n_classes": spec.n_classes,
                             "tumour_blanked": spec.blank, "class_weight": spec.class_weight,
                             "train_seconds": float(history["seconds"].sum())})
    write_json(folder / "model.json", card)
    model.card = card
    (folder / "last.pt").unlink(missing_ok=True)  # best.pt is what is kept
    mark_done(folder, manifest)
    return SequenceRun(sequence, model, history, folder)


def saved_predictions(spec: ProtocolSpec, runs: dict[str, SequenceRun]
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The test and validation predictions of ``runs``, made once per set of trained models
    and read back after (``results/<run>/predictions/<tag>/<sequences>/``: exact pickles
    keyed by the models' manifests, the rows, labels, inputs and the arithmetic here; a
    readable ``<tag>.csv`` of the test rows beside them), so a network that several chapters
    show is predicted once per build.

    Args:
        spec: the protocol run.
        runs: its trained sequences (:func:`train_sequence`).

    Example:
        >>> spec = ProtocolSpec.build(gl.prepare_data(gl.get_profile("smoke")), "patient")
        >>> test, val = saved_predictions(spec, {"flair": train_sequence(spec, "flair")})
    """
    root = stage_dir(spec.data.profile, "predictions")
    folder = root / spec.tag / "-".join(runs)
    key = {"stage": "predictions", "models": {s: read_manifest(r.folder) for s, r in runs.items()},
           "test_rows": array_digest(np.asarray(spec.test_rows, np.int64)),
           "val_rows": array_digest(np.asarray(spec.val_rows, np.int64)),
           "labels": array_digest(np.asarray(spec.labels, np.int64)), "blank": spec.blank,
           "arithmetic": precision_name(pick_device(), spec.profile.precision, spec.backbone)}
    if is_current(folder, key):
        try:
            return pd.read_pickle(folder / "test.pkl"), pd.read_pickle(folder / "val.pkl")
        except (OSError, ValueError, AttributeError, ImportError):
            pass  # unreadable here (another pandas): predicted again below
    test, val = predict_split(spec, runs, "test"), predict_split(spec, runs, "val")
    invalidate(folder)
    for name, frame in (("test", test), ("val", val)):
        atomic_write(folder / f"{name}.pkl", frame.to_pickle)
    save_csv(root / f"{spec.tag}.csv", test)
    mark_done(folder, key)
    return test, val


def predict_split(spec: ProtocolSpec, runs: dict[str, SequenceRun], split: str
                  ) -> pd.DataFrame:
    """Predictions of every sequence's model on the ``"val"`` or ``"test"`` rows: one row per
    slice with ``row``, ``patient_id``, ``grade``, ``label`` and ``p_<sequence>`` (a
    multi-class model: ``p_<sequence>_<class>`` for each class)."""
    rows = {"val": spec.val_rows, "test": spec.test_rows}[split]
    frame = spec.data.index.iloc[rows][["row", "patient_id", "grade"]].copy()
    frame["label"] = spec.labels[rows]
    for seq, run in runs.items():
        p = predict(run.model, spec.inputs(seq, rows=rows), precision=spec.profile.precision)
        if p.ndim == 1:
            frame[f"p_{seq}"] = p
        else:
            for k in range(p.shape[1]):
                frame[f"p_{seq}_{k}"] = p[:, k]
    return frame


def run_protocol(data: Data, protocol: str, profile: Profile | None = None,
                 labels: np.ndarray | None = None, tag: str | None = None,
                 backbone: str | None = None, weights: str | None = PROFILE_WEIGHTS,
                 sequences: tuple[str, ...] | None = None, light: bool = False,
                 max_train: int | None = None, split: np.ndarray | None = None,
                 blank: bool = False, class_weight: str | None = None,
                 progress: bool = False) -> ProtocolRun:
    """Train one model per sequence on ``protocol``'s split and predict its val and test rows.

    Args:
        data: the prepared data stages (:func:`glioma_lib.data.stages.prepare_data`).
        protocol: ``"slice"`` (the paper's split) or ``"patient"`` (honest); with
            ``split``, the name of that split.
        profile: overrides ``data.profile`` for training (seed, epochs, precision, …); the
            split still follows ``data.profile`` (its fractions and seed), so runs that differ
            only in ``profile`` are compared on the same patients (e.g. the bf16/fp32 seeds of
            ``bench/bench_precision.py``). Pass ``split`` to change the split.
        labels: overrides the true labels (e.g. shuffled by patient).
        tag: names the cached run (default: the protocol).
        backbone: default the profile's.
        weights: ``"imagenet"``, None (random init) or, by default, the profile's.
        sequences: default the profile's; may include ``"fusion"`` (early fusion, one
            network on T1/T2/FLAIR as channels).
        light: the profile's lighter comparison recipe (``extra_epochs``, online
            augmentation only).
        max_train: train on a seeded random subset of that many training slices.
        split: per-slice ``"train"``/``"val"``/``"test"`` labels to use instead of
            ``protocol``'s (e.g. :func:`glioma_lib.data.splits.leave_site_out` or
            :func:`~glioma_lib.data.splits.fold_split`); part of each model's cache key.
        blank: train and test on tumour-blanked slices (the tumour-masked control).
        class_weight: None (the paper's unweighted loss) or ``"balanced"``.

    Each model is cached (:func:`train_sequence`); a killed book picks up where it stopped.

    Example:
        >>> run = run_protocol(prepare_data(get_profile("smoke")), "patient")
        >>> run.predictions[["patient_id", "label", "p_flair"]].head()
    """
    spec = ProtocolSpec.build(data, protocol, profile, labels, tag, backbone, weights, light,
                              max_train, split, blank, class_weight)
    sequences = tuple(sequences or spec.profile.sequences)
    runs = {seq: train_sequence(spec, seq, progress) for seq in sequences}
    test, val = saved_predictions(spec, runs)
    notes = "; ".join(sorted({r.model.weights_note for r in runs.values()}))
    return ProtocolRun(protocol, runs, test, notes, spec.val_rows, val)
