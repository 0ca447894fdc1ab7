"""One protocol under a profile: train a model per sequence, predict the test split.

Results are cached under ``results/<profile>/models/<protocol>/<sequence>/`` with a manifest,
so notebooks 04, 05 and 06 share one training run per protocol instead of training twice.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from . import __version__
from .augment import expand_offline
from .config import Profile, stage_dir
from .models import GliomaNet, create, load_model, model_card
from .stages import Data
from .store import is_current, mark_done, save_csv, write_json
from .train import TrainConfig, predict, train_model


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


def run_protocol(data: Data, protocol: str, profile: Profile | None = None,
                 labels: np.ndarray | None = None, tag: str | None = None,
                 backbone: str | None = None, weights: str | None = "imagenet",
                 sequences: tuple[str, ...] | None = None, light: bool = False,
                 max_train: int | None = None, progress: bool = False) -> ProtocolRun:
    """Train one model per sequence on ``protocol``'s split and predict its test rows.

    ``labels`` overrides the true labels (e.g. shuffled by patient); ``tag`` names the
    cached run (default: the protocol); ``sequences`` may include ``"fusion"`` (early fusion,
    one network on T1/T2/FLAIR as channels); ``light`` uses the profile's lighter comparison
    recipe (``extra_epochs``, online augmentation only); ``max_train`` trains on a seeded
    random subset of that many training slices.
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
    runs: dict[str, SequenceRun] = {}
    preds = data.index.iloc[te][["row", "patient_id", "grade"]].copy()
    preds["label"] = y[te]
    notes = set()
    for seq in sequences:
        folder = stage_dir(profile, "models") / (tag or protocol) / seq
        images = data.slices.inputs(seq)
        manifest = {"version": __version__, "profile": profile.to_dict(), "protocol": protocol,
                    "sequence": seq, "backbone": backbone, "weights": weights,
                    "labels": hashlib.sha256(y.astype(np.uint8).tobytes()).hexdigest()
                    if labels is not None else "true", "n": len(y), "n_train": len(tr)}
        if is_current(folder, manifest):
            model = load_model(folder)
            history = pd.read_csv(folder / "history.csv")
        else:
            torch.manual_seed(profile.seed)  # the new head (and a random init) from the seed,
            with warnings.catch_warnings():  # not from whatever ran before in this process
                warnings.simplefilter("ignore", UserWarning)
                model = create(backbone, weights=weights,
                               allow_random_init=profile.allow_random_init)
            x_tr, y_tr = images[tr], y[tr]
            if profile.offline_aug:
                x_tr, y_tr = expand_offline(x_tr, y_tr)
            cfg = TrainConfig(epochs=profile.epochs, batch_size=profile.batch_size,
                              lr_backbone=profile.lr_backbone, lr_head=profile.lr_head,
                              seed=profile.seed, image_size=profile.image_size,
                              progress=progress)
            for stale in ("last.pt", "best.pt"):
                (folder / stale).unlink(missing_ok=True)
            history = train_model(model, x_tr, y_tr, images[va], y[va], cfg, folder)
            write_json(folder / "model.json", model_card(model, seq, profile.image_size,
                                                         profile.n_slices, profile.name, protocol))
            (folder / "last.pt").unlink(missing_ok=True)  # best.pt is what is kept
            mark_done(folder, manifest)
        notes.add(model.weights_note)
        preds[f"p_{seq}"] = predict(model, images[te])
        runs[seq] = SequenceRun(seq, model, history, folder)
    out = stage_dir(profile, "predictions") / f"{tag or protocol}.csv"
    save_csv(out, preds)
    return ProtocolRun(protocol, runs, preds, "; ".join(sorted(notes)), va)
