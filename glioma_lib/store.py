"""Atomic writes and stage manifests: a rerun with the same manifest reuses the output."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

MANIFEST = "manifest.json"


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it into place.

    A failure leaves any previous ``path`` untouched and removes the temporary file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | Path, text: str) -> Path:
    """Atomically write text."""
    return atomic_write(path, lambda p: p.write_text(text))


def write_json(path: str | Path, obj: Any) -> Path:
    """Atomically write JSON (sorted keys, indented)."""
    return write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def save_npy(path: str | Path, array: np.ndarray) -> Path:
    """Atomically save a ``.npy`` array."""

    def write(p: Path) -> None:
        with open(p, "wb") as f:
            np.save(f, array)

    return atomic_write(path, write)


def save_csv(path: str | Path, frame) -> Path:
    """Atomically save a pandas DataFrame as CSV (no index)."""
    return atomic_write(path, lambda p: frame.to_csv(p, index=False))


def is_current(stage: str | Path, manifest: dict) -> bool:
    """True when ``stage/manifest.json`` exists and equals ``manifest``."""
    path = Path(stage) / MANIFEST
    if not path.exists():
        return False
    try:
        saved = json.loads(path.read_text())
    except json.JSONDecodeError:
        return False
    return saved == json.loads(json.dumps(manifest, sort_keys=True, default=str))


def mark_done(stage: str | Path, manifest: dict) -> None:
    """Write the stage manifest last, once every output is in place."""
    write_json(Path(stage) / MANIFEST, manifest)
