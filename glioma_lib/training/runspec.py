"""One trained run, described once: :class:`RunSpec`.

A :class:`RunSpec` holds everything that makes a set of trained networks (one per sequence):
the data stage's identity, the split, the labels, the input transform, the backbone and its
initial weights, the training recipe, the precision choice and the training code's version.
Its content hash names its folder (``results/<run>/models/<key>/<sequence>/``, with
``spec.json`` beside ``best.pt``), so two runs that differ in anything that changes a network
never share a folder, and two that differ in nothing share one, whatever they are called.
Readable names (``patient``, ``fold3``, ``h2h-googlenet``) are pointers,
``models/by-name/<name>.json``, written by the run that trained under that name
(:func:`point_name`) and read by ``glioma-grade predict``, the appendix and the benches
(:func:`glioma_lib.store.named_folder`).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from ..config import Profile, overrides, stage_dir
from ..data.slices import blank_tumour
from ..data.stages import Data
from ..models.registry import weights_identity
from ..store import (
    BY_NAME,
    KEY_DIGITS,
    array_digest,
    canonical,
    fingerprint,
    is_key,
    name_pointer,
    read_json,
    read_manifest,
    write_json,
)
from .train import TRAINING_VERSION

#: ``RunSpec.build(weights=...)``'s default: the profile's ``weights`` field.
PROFILE_WEIGHTS = "profile"
#: In-plane growth (pixels of the network's input) of the tumour mask blanked by the control.
BLANK_DILATE_PX = 3
#: The profile fields that change a trained model (``workers``, ``n_bootstrap``, ``kfold`` and
#: the other evaluation-only knobs are left out, so changing them retrains nothing).
TRAINING_FIELDS = ("image_size", "offline_aug", "epochs", "batch_size", "lr_backbone",
                   "lr_head", "seed")
#: The profile fields a different training profile is compared on (:meth:`RunSpec.build`).
MODEL_FIELDS = (*TRAINING_FIELDS, "precision", "allow_random_init", "weights", "backbone")
#: The network's input, as its identity says it.
PLAIN_INPUTS = "slices as prepared"
BLANKED_INPUTS = f"tumour blanked, mask dilated {BLANK_DILATE_PX} px"


def trained_profile(profile: Profile, light: bool) -> Profile:
    """The profile a run trains under: the profile itself, or for the lighter comparison
    recipe its ``extra_epochs`` epochs of online augmentation only.

    Args:
        profile: the run's profile.
        light: the lighter recipe.

    Example:
        >>> from glioma_lib.config import get_profile
        >>> trained_profile(get_profile("default"), True).epochs
        3
    """
    return replace(profile, epochs=profile.extra_epochs, offline_aug=False) if light else profile


@dataclass(frozen=True)
class RunSpec:
    """What one trained run is: data, split, labels, inputs, backbone, weights and recipe.

    Built by :meth:`build`; :meth:`identity` is its content, :attr:`key` names its folder and
    :meth:`manifest` is each sequence's cache key (DESIGN.md, "Cached stages"). ``name`` is a
    readable label only: it is not part of the identity.
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
    #: The lighter comparison recipe (``extra_epochs``, online augmentation only).
    light: bool = False
    #: Train and test on slices whose (dilated) tumour is blanked: the tumour-masked control.
    blank: bool = False
    #: Class weights of the loss: None (the paper's) or ``"balanced"``.
    class_weight: str | None = None
    #: The readable name (``patient``, ``fold3``…) its pointer is written under, or None.
    name: str | None = None

    @classmethod
    def build(cls, data: Data, protocol: str, profile: Profile | None = None,
              labels: np.ndarray | None = None, backbone: str | None = None,
              weights: str | None = PROFILE_WEIGHTS, light: bool = False,
              max_train: int | None = None, split: np.ndarray | None = None,
              blank: bool = False, class_weight: str | None = None,
              name: str | None = None) -> RunSpec:
        """The spec of one run on ``data``.

        Args:
            data: the prepared data stages.
            protocol: ``"slice"`` or ``"patient"`` (the profile's splits), or the name of
                ``split``.
            profile: the training profile where it differs from ``data.profile`` (a seed, a
                precision): the split still follows ``data.profile``; its own folder follows
                from the content. Evaluation-only knobs (``n_bootstrap``…) change nothing.
            labels: overrides the grades (shuffled grades, site codes).
            backbone: default the profile's.
            weights: ``"imagenet"``, None (random init) or the profile's.
            light: the lighter comparison recipe.
            max_train: a seeded random subset of that many training slices.
            split: per-slice ``"train"``/``"val"``/``"test"`` instead of ``protocol``'s.
            blank: the tumour-blanked inputs.
            class_weight: None or ``"balanced"``.
            name: the readable name of the run (:func:`named_folder`).

        Example:
            >>> spec = RunSpec.build(gl.prepare_data(gl.get_profile("smoke")), "patient")
            >>> spec.folder("flair").parent.name == spec.key
            True
        """
        if profile is not None and name is not None and any(
                k in MODEL_FIELDS for k in overrides(profile, data.profile)):
            name = None  # another seed or arithmetic is not the named run
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
                   profile.weights if weights == PROFILE_WEIGHTS else weights, light, blank,
                   class_weight, name)

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

    def identity(self) -> dict:
        """Everything the run's networks depend on, every key always present: the slice
        stage's fingerprint (content, paths relative to the cohort), the split, labels and
        training rows, the inputs, the training fields, backbone, initial weights (file + hash,
        or random), the loss's class weights, precision and the training code's version."""
        p = self.profile
        return {"stage": "model", "training_version": TRAINING_VERSION,
                "slices": self.data.slices.fingerprint, "protocol": self.protocol,
                "split": array_digest(self.split),
                "labels": array_digest(np.asarray(self.labels, np.int64)),
                "train_rows": array_digest(np.asarray(self.train_rows, np.int64)),
                "inputs": BLANKED_INPUTS if self.blank else PLAIN_INPUTS,
                "training": {f: getattr(p, f) for f in TRAINING_FIELDS},
                "backbone": self.backbone,
                "weights": weights_identity(self.backbone, self.weights, p.allow_random_init),
                "class_weight": self.class_weight,
                # the profile's choice, not what it resolves to here: a model trained on a GPU
                # node is reused by the CPU host that renders the book
                "precision": p.precision}

    @cached_property
    def key(self) -> str:
        """The folder name: the first :data:`KEY_DIGITS` hex digits of the identity's hash
        (hashed once per spec: folder, manifest and pointer all ask for it)."""
        return fingerprint(canonical(self.identity()))[:KEY_DIGITS]

    def manifest(self, sequence: str) -> dict:
        """The cache key of the ``sequence``'s network: the identity and the sequence."""
        return {**self.identity(), "sequence": sequence}

    def folder(self, sequence: str) -> Path:
        """``results/<run>/models/<key>/<sequence>/``."""
        return stage_dir(self.data.profile, "models") / self.key / sequence

    def describe(self) -> dict:
        """``spec.json``: the key, the identity and the recipe's lighter flag and profile
        (what a reader of the folder needs to know which run it holds). Names are not in it:
        several names may point to one run (:func:`run_names`)."""
        return {"key": self.key, "light": self.light, "profile": self.profile.name,
                **self.identity()}

    def legacy_manifest(self, sequence: str) -> dict:
        """The manifest the same network was cached under before runs were keyed by content
        (keys only when set, a folder named by a tag): what :func:`adopt_legacy` looks for."""
        extra = {"inputs": BLANKED_INPUTS} if self.blank else {}
        if self.class_weight:
            extra["class_weight"] = self.class_weight
        old = {k: v for k, v in self.identity().items()
               if k not in ("inputs", "class_weight")}
        return {**old, **extra, "sequence": sequence}


def point_name(spec: RunSpec) -> None:
    """Write (or move) the pointer of ``spec.name`` to the spec's folder; nothing for an
    unnamed run."""
    if spec.name:
        models = stage_dir(spec.data.profile, "models")
        pointer = name_pointer(models, spec.name)
        wanted = {"name": spec.name, "key": spec.key}
        if read_json(pointer) != wanted:
            write_json(pointer, wanted)


def adopt_legacy(spec: RunSpec, sequence: str) -> bool:
    """Move a network cached under a tag-named folder (before runs were keyed by content)
    into the spec's folder when its manifest is this spec's legacy form: same network, so it
    is reused, not retrained. Returns whether one was adopted.

    Args:
        spec: the run.
        sequence: the sequence.

    Example:
        >>> spec = RunSpec.build(gl.prepare_data(gl.get_profile("smoke")), "patient")
        >>> adopt_legacy(spec, "flair")  # doctest: +SKIP
        False
    """
    models = stage_dir(spec.data.profile, "models")
    wanted = canonical(spec.legacy_manifest(sequence))
    for old in sorted(models.glob(f"*/{sequence}")):
        if is_key(old.parent.name) or old.parent.name == BY_NAME:
            continue
        if read_manifest(old) == wanted:
            new = spec.folder(sequence)
            if new.exists():
                shutil.rmtree(new)
            new.parent.mkdir(parents=True, exist_ok=True)
            old.rename(new)
            if not any(old.parent.iterdir()):  # the tag's last network: the tag goes too
                old.parent.rmdir()
            return True
    return False
