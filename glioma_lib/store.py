"""Atomic writes and stage manifests: a rerun with the same manifest reuses the output.

A stage's manifest lists everything that made its output (DESIGN.md, "Cached stages") and
is written last. A stage about to recompute calls :func:`invalidate` first, so a run killed
half-way can never leave an old manifest vouching for a mix of old and new files.
"""

from __future__ import annotations

import hashlib
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
    saved = read_manifest(stage)
    return saved is not None and saved == canonical(manifest)


def mark_done(stage: str | Path, manifest: dict) -> None:
    """Write the stage manifest last, once every output is in place."""
    write_json(Path(stage) / MANIFEST, manifest)


def canonical(obj: Any) -> Any:
    """``obj`` as plain JSON values (tuples → lists, paths → strings), keys sorted."""
    return json.loads(json.dumps(obj, sort_keys=True, default=str))


def fingerprint(obj: Any) -> str:
    """SHA-256 of the canonical JSON of ``obj``: a short identity for a manifest."""
    text = json.dumps(obj, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def array_digest(array) -> str:
    """SHA-256 of an array's dtype, shape and bytes (splits, labels, row selections)."""
    array = np.ascontiguousarray(array)
    h = hashlib.sha256(f"{array.dtype.str}|{array.shape}|".encode())
    h.update(array.tobytes())
    return h.hexdigest()


_FILE_DIGESTS: dict[tuple[str, int, int], str] = {}


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes (memoised on path, size and modification time)."""
    path = Path(path).resolve()
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _FILE_DIGESTS:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _FILE_DIGESTS[key] = h.hexdigest()
    return _FILE_DIGESTS[key]


def read_manifest(stage: str | Path) -> dict | None:
    """The stage's manifest, or None when it is missing or unreadable."""
    try:
        return json.loads((Path(stage) / MANIFEST).read_text())
    except (OSError, json.JSONDecodeError):
        return None


def invalidate(stage: str | Path) -> None:
    """Remove a stage's manifest before its outputs are rewritten."""
    (Path(stage) / MANIFEST).unlink(missing_ok=True)
