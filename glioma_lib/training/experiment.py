"""One run (:class:`~glioma_lib.training.runspec.RunSpec`): train a model per sequence, predict
its validation and test rows once.

Networks are cached under ``results/<run>/models/<key>/<sequence>/`` (the spec's content hash,
``spec.json`` beside ``best.pt``) and predictions under ``results/<run>/predictions/<key>/``,
so every chapter that shows a run reads the same networks and the same predictions.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..config import SEQUENCE_NAMES, Profile, build_origin, stage_dir
from ..data.stages import Data
from ..models.device import pick_device
from ..models.registry import GliomaNet, create, load_model, model_card
from ..store import (
    array_digest,
    atomic_write,
    canonical,
    fingerprint,
    invalidate,
    is_current,
    mark_done,
    model_lock,
    read_json,
    read_manifest,
    save_csv,
    write_json,
)
from .augment import expand_offline
from .runspec import RunSpec, adopt_legacy, point_name
from .train import TrainConfig, precision_name, predict, train_model


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


#: Set (to anything) to make any training an error: ``glioma-grade book`` after
#: ``glioma-grade train`` must only read models (the test of the plan sets it).
NO_TRAINING_ENV = "GLIOMA_NO_TRAINING"


def train_sequence(spec: RunSpec, sequence: str, progress: bool = False) -> SequenceRun:
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
        >>> train_sequence(RunSpec.build(data, "patient"), "flair").history
    """
    device = pick_device()
    folder = spec.folder(sequence)
    manifest = spec.manifest(sequence)
    if is_current(folder, manifest):
        return _reuse(spec, sequence, folder, device)
    with model_lock(folder):
        if is_current(folder, manifest):  # trained meanwhile by the lock's last holder
            return _reuse(spec, sequence, folder, device)
        if adopt_legacy(spec, sequence):  # the same network, cached under a tag before keys
            mark_done(folder, manifest)
            return _reuse(spec, sequence, folder, device)
        return _train(spec, sequence, folder, manifest, device, progress)


def _reuse(spec: RunSpec, sequence: str, folder: Path, device: torch.device) -> SequenceRun:
    _describe(spec, folder)
    return SequenceRun(sequence, load_model(folder, device), pd.read_csv(folder / "history.csv"),
                       folder)


def _train(spec: RunSpec, sequence: str, folder: Path, manifest: dict,
           device: torch.device, progress: bool) -> SequenceRun:
    if os.environ.get(NO_TRAINING_ENV):
        raise RuntimeError(f"{folder}: not trained yet ({spec.name or spec.protocol}, "
                           f"{sequence}), and "
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
                                  class_weight=spec.class_weight,
                                  label=f"{spec.name or spec.protocol}/{sequence}"), folder,
                          run_key=fingerprint(manifest))
    card = model_card(model, sequence, p.image_size, p.n_slices, p.name, spec.protocol,
                      extra={"precision": precision_name(device, p.precision, spec.backbone),
                             "data": spec.data.source,
                             "light": spec.light, "train_images_per_epoch": len(x_tr),
                             "epochs": p.epochs, "n_classes": spec.n_classes,
                             "tumour_blanked": spec.blank, "class_weight": spec.class_weight,
                             "train_seconds": float(history["seconds"].sum()),
                             "trained_on": build_origin()})
    write_json(folder / "model.json", card)
    model.card = card
    (folder / "last.pt").unlink(missing_ok=True)  # best.pt is what is kept
    _describe(spec, folder)
    mark_done(folder, manifest)
    return SequenceRun(sequence, model, history, folder)


def _describe(spec: RunSpec, folder: Path) -> None:
    """``spec.json`` beside the sequence's folder (once per run) and the name's pointer."""
    path = folder.parent / "spec.json"
    described = spec.describe()
    if read_json(path) != canonical(described):
        write_json(path, described)
    point_name(spec)


def saved_predictions(spec: RunSpec, runs: dict[str, SequenceRun]
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The test and validation predictions of ``runs``, made once per set of trained models
    and read back after (``results/<run>/predictions/<key>/<sequences>/``: exact pickles
    keyed by the models' manifests, the rows, labels, inputs and the arithmetic here; for a
    named run a readable ``<name>.csv`` of the test rows beside them), so a network that
    several chapters show is predicted once per build.

    Args:
        spec: the protocol run.
        runs: its trained sequences (:func:`train_sequence`).

    Example:
        >>> spec = RunSpec.build(gl.prepare_data(gl.get_profile("smoke")), "patient")
        >>> test, val = saved_predictions(spec, {"flair": train_sequence(spec, "flair")})
    """
    root = stage_dir(spec.data.profile, "predictions")
    folder = root / spec.key / "-".join(runs)
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
    if spec.name:
        save_csv(root / f"{spec.name}.csv", test)
    mark_done(folder, key)
    return test, val


def predict_split(spec: RunSpec, runs: dict[str, SequenceRun], split: str
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


def train_run(spec: RunSpec, sequences: tuple[str, ...] | None = None,
              progress: bool = False) -> ProtocolRun:
    """Train (or reuse) the run's network of each sequence and predict its validation and
    test rows (once: :func:`saved_predictions`).

    Args:
        spec: the run.
        sequences: default the profile's; may include ``"fusion"`` (early fusion, one network
            on T1/T2/FLAIR as channels).
        progress: per-epoch progress bars.

    Each model is cached (:func:`train_sequence`); a killed book picks up where it stopped.

    Example:
        >>> run = train_run(RunSpec.build(gl.prepare_data(gl.get_profile("smoke")), "patient"))
        >>> run.predictions[["patient_id", "label", "p_flair"]].head()
    """
    sequences = tuple(sequences or spec.profile.sequences)
    runs = {seq: train_sequence(spec, seq, progress) for seq in sequences}
    test, val = saved_predictions(spec, runs)
    notes = "; ".join(sorted({r.model.weights_note for r in runs.values()}))
    return ProtocolRun(spec.protocol, runs, test, notes, spec.val_rows, val)


def run_protocol(data: Data, protocol: str, profile: Profile | None = None,
                 sequences: tuple[str, ...] | None = None, progress: bool = False,
                 **spec) -> ProtocolRun:
    """:func:`train_run` of :meth:`RunSpec.build(data, protocol, profile, **spec)
    <glioma_lib.training.runspec.RunSpec.build>` (labels, backbone, weights, light,
    max_train, split, blank, class_weight, name).

    Args:
        data: the prepared data stages (:func:`glioma_lib.data.stages.prepare_data`).
        protocol: ``"slice"`` (the paper's split) or ``"patient"`` (honest); with
            ``split``, the name of that split.
        profile: the training profile where it differs from ``data.profile``.
        sequences: default the profile's.
        progress: per-epoch progress bars.
        spec: the other :meth:`RunSpec.build` arguments.

    Example:
        >>> run = run_protocol(prepare_data(get_profile("smoke")), "patient")
        >>> run.predictions[["patient_id", "label", "p_flair"]].head()
    """
    return train_run(RunSpec.build(data, protocol, profile, **spec), sequences, progress)
