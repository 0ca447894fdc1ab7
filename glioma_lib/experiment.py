"""One protocol under a profile: train a model per sequence, predict the test split.

Results are cached under ``results/<profile>/models/<protocol>/<sequence>/`` with a manifest,
so notebooks 04, 05 and 06 share one training run per protocol instead of training twice.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .augment import expand_offline
from .config import Profile, stage_dir
from .models import GliomaNet, create, load_model, model_card, weights_identity
from .stages import Data
from .store import (
    array_digest,
    fingerprint,
    invalidate,
    is_current,
    mark_done,
    save_csv,
    write_json,
)
from .train import TRAINING_VERSION, TrainConfig, pick_device, precision_name, predict, train_model

#: The profile fields that change a trained model (``workers``, ``n_bootstrap``, ``kfold`` and
#: the other evaluation-only knobs are left out, so changing them retrains nothing).
TRAINING_FIELDS = ("image_size", "offline_aug", "epochs", "batch_size", "lr_backbone",
                   "lr_head", "seed")


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


def model_manifest(data: Data, profile: Profile, protocol: str, sequence: str, backbone: str,
                   weights: str | None, split: np.ndarray, labels: np.ndarray,
                   train_rows: np.ndarray, device: torch.device) -> dict:
    """Everything a trained model depends on (DESIGN.md, "Cached stages"): the slice stage's
    fingerprint, the split, the labels and training rows, the training fields of the profile,
    backbone, initial weights (file + hash, or random), precision and training code version."""
    return {"stage": "model", "training_version": TRAINING_VERSION,
            "slices": data.slices.fingerprint, "protocol": protocol,
            "split": array_digest(split), "labels": array_digest(np.asarray(labels, np.int64)),
            "train_rows": array_digest(np.asarray(train_rows, np.int64)),
            "training": {f: getattr(profile, f) for f in TRAINING_FIELDS},
            "sequence": sequence, "backbone": backbone,
            "weights": weights_identity(backbone, weights, profile.allow_random_init),
            "precision": precision_name(device)}


def run_protocol(data: Data, protocol: str, profile: Profile | None = None,
                 labels: np.ndarray | None = None, tag: str | None = None,
                 backbone: str | None = None, weights: str | None = "imagenet",
                 sequences: tuple[str, ...] | None = None, light: bool = False,
                 max_train: int | None = None, progress: bool = False) -> ProtocolRun:
    """Train one model per sequence on ``protocol``'s split and predict its val and test rows.

    ``labels`` overrides the true labels (e.g. shuffled by patient); ``tag`` names the
    cached run (default: the protocol); ``sequences`` may include ``"fusion"`` (early fusion,
    one network on T1/T2/FLAIR as channels); ``light`` uses the profile's lighter comparison
    recipe (``extra_epochs``, online augmentation only); ``max_train`` trains on a seeded
    random subset of that many training slices.

    A model is reused only when its manifest (:func:`model_manifest`) matches; otherwise the
    old manifest is removed first and training resumes from ``last.pt`` when that epoch
    checkpoint was written under the same manifest (a killed book picks up where it stopped).
    """
    profile = profile or data.profile
    if light:
        profile = replace(profile, epochs=profile.extra_epochs, offline_aug=False)
    sequences = tuple(sequences or profile.sequences)
    backbone = backbone or profile.backbone
    split = data.split(protocol)
    y = data.slices.labels if labels is None else np.asarray(labels)
    tr, va, te = (np.flatnonzero(split == s) for s in ("train", "val", "test"))
    if max_train is not None and max_train < len(tr):
        tr = np.sort(np.random.default_rng(profile.seed).choice(tr, max_train, replace=False))
    device = pick_device()
    runs: dict[str, SequenceRun] = {}
    frames = {}
    for name, rows in (("val", va), ("test", te)):
        frames[name] = data.index.iloc[rows][["row", "patient_id", "grade"]].copy()
        frames[name]["label"] = y[rows]
    notes = set()
    for seq in sequences:
        folder = stage_dir(profile, "models") / (tag or protocol) / seq
        images = data.slices.inputs(seq)
        manifest = model_manifest(data, profile, protocol, seq, backbone, weights, split, y,
                                  tr, device)
        if is_current(folder, manifest):
            model = load_model(folder, device)
            history = pd.read_csv(folder / "history.csv")
        else:
            invalidate(folder)
            torch.manual_seed(profile.seed)  # the new head (and a random init) from the seed,
            with warnings.catch_warnings():  # not from whatever ran before in this process
                warnings.simplefilter("ignore", UserWarning)
                model = create(backbone, weights=weights,
                               allow_random_init=profile.allow_random_init)
            x_tr, y_tr = images[tr], y[tr]
            if profile.offline_aug:
                x_tr, y_tr = expand_offline(x_tr, y_tr)
            cfg = TrainConfig.from_profile(profile, progress=progress)
            history = train_model(model, x_tr, y_tr, images[va], y[va], cfg, folder,
                                  run_key=fingerprint(manifest))
            card = model_card(model, seq, profile.image_size, profile.n_slices, profile.name,
                              protocol, extra={"precision": manifest["precision"],
                                               "data": data.source})
            write_json(folder / "model.json", card)
            model.card = card
            (folder / "last.pt").unlink(missing_ok=True)  # best.pt is what is kept
            mark_done(folder, manifest)
        notes.add(model.weights_note)
        for name, rows in (("val", va), ("test", te)):
            frames[name][f"p_{seq}"] = predict(model, images[rows])
        runs[seq] = SequenceRun(seq, model, history, folder)
    out = stage_dir(profile, "predictions") / f"{tag or protocol}.csv"
    save_csv(out, frames["test"])
    return ProtocolRun(protocol, runs, frames["test"], "; ".join(sorted(notes)), va,
                       frames["val"])
