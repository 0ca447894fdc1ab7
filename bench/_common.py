"""What every benchmark shares: the provenance envelope of its result (the schema of
:data:`glioma_lib.reporting.provenance.ENVELOPE_KEYS`, which the book checks) and an atomic
write, so an interrupted benchmark never leaves a half-written ``bench/results/*.json``."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

from glioma_lib.config import Profile, checkout_commit
from glioma_lib.reporting.provenance import ENVELOPE_KEYS
from glioma_lib.store import write_text

__all__ = ["ENVELOPE_KEYS", "envelope", "write_result"]


def envelope(profile: Profile | None = None) -> dict:
    """The provenance block of a benchmark result: machine, CPU capability, torch, commit (of
    the checkout, without ``+changes``), whether the tree was clean, and the profile's name,
    cross-validation backbone and recipe (None for a benchmark of no profile), and the
    synthetic generator's version (what cohort a result about it describes)."""
    import torch

    from glioma_lib.data.synth import GENERATOR_VERSION
    from glioma_lib.training.crossval import cv_recipe, cv_recipe_text

    commit = checkout_commit()
    return {"machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "torch": torch.__version__,
            "commit": commit.replace("+changes", "") if commit else None,
            "clean": bool(commit) and not commit.endswith("+changes"),
            "profile": profile.name if profile else None,
            "backbone": cv_recipe(profile)["backbone"] if profile else None,
            "recipe": cv_recipe_text(profile) if profile else None,
            "generator_version": GENERATOR_VERSION}


def write_result(path: str | Path, result: dict) -> Path:
    """Atomically write a benchmark result (indented JSON) and print where it went."""
    out = write_text(path, json.dumps(result, indent=1, default=str) + "\n")
    print(f"wrote {out}")
    return out
