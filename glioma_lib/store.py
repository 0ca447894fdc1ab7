"""Atomic writes and stage manifests: a rerun with the same manifest reuses the output.

A stage's manifest lists everything that made its output (DESIGN.md, "Cached stages") and
is written last. A stage about to recompute calls :func:`invalidate` first, so a run killed
half-way can never leave an old manifest vouching for a mix of old and new files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
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


#: Bytes of a file's head and tail that :func:`content_id` hashes.
CONTENT_HEAD, CONTENT_TAIL = 1 << 20, 1 << 16


def content_id(path: str | Path) -> str:
    """A file's identity from its content, not its place: the size and a SHA-256 of its first
    MiB and last 64 KiB (for a gzipped NIfTI the tail holds gzip's CRC-32 and length of the
    whole uncompressed volume, so any change of a voxel changes it). Cheap enough to take on
    every cohort file at every chapter's start; a copied or moved file keeps it.

    Args:
        path: the file.

    Example:
        >>> content_id("results/cohorts/x/BraTS19_X_1/BraTS19_X_1_t1.nii.gz")[:12]
    """
    size = os.stat(path).st_size
    h = hashlib.sha256(f"{size}|".encode())
    with open(path, "rb") as f:
        h.update(f.read(CONTENT_HEAD))
        if size > CONTENT_HEAD:
            f.seek(max(CONTENT_HEAD, size - CONTENT_TAIL))
            h.update(f.read())
    return h.hexdigest()


def read_json(path: str | Path) -> Any:
    """A JSON file's content, or None when it is missing or unreadable.

    Args:
        path: the file.

    Example:
        >>> read_json("no/such/file.json") is None
        True
    """
    try:
        return json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError):
        return None


def read_manifest(stage: str | Path) -> dict | None:
    """The stage's manifest, or None when it is missing or unreadable."""
    return read_json(Path(stage) / MANIFEST)


def invalidate(stage: str | Path) -> None:
    """Remove a stage's manifest before its outputs are rewritten."""
    (Path(stage) / MANIFEST).unlink(missing_ok=True)


#: A model folder's lock file (:func:`model_lock`).
LOCK = ".lock"
#: Seconds without a heartbeat after which a lock is stale and may be taken over.
STALE_AFTER_S = 300.0
#: Seconds between a holder's heartbeats (the lock file's modification time).
HEARTBEAT_S = 15.0


class LockHeld(RuntimeError):
    """A live trainer holds the folder's lock (raised where waiting was not asked for)."""

    def __init__(self, folder: Path, holder: dict):
        super().__init__(f"{folder}: being trained by {describe_holder(holder)}")
        self.folder, self.holder = folder, holder


def describe_holder(holder: dict | None) -> str:
    """``job <id> on <host> (pid <n>)`` from a lock's content."""
    if not holder:
        return "an unknown trainer"
    return f"job {holder.get('job')} on {holder.get('host')} (pid {holder.get('pid')})"


def job_id() -> str:
    """This trainer's job: the SLURM job (and array task) when there is one, else the pid."""
    slurm = os.environ.get("SLURM_JOB_ID")
    task = os.environ.get("SLURM_ARRAY_TASK_ID")
    if slurm:
        return f"slurm {slurm}" + (f"_{task}" if task else "")
    return f"pid {os.getpid()}"


def _read_lock(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def lock_is_stale(path: Path, stale_after: float = STALE_AFTER_S) -> bool:
    """A lock is stale when its holder stopped beating for ``stale_after`` seconds, or when
    it names a process of this host that no longer exists."""
    import socket

    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return False
    if age > stale_after:
        return True
    holder = _read_lock(path) or {}
    if holder.get("host") == socket.gethostname() and isinstance(holder.get("pid"), int):
        try:
            os.kill(holder["pid"], 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
    return False


@contextlib.contextmanager
def model_lock(folder: str | Path, wait: bool = True, poll_s: float = 1.0,
               stale_after: float = STALE_AFTER_S, log: Callable[[str], Any] | None = print):
    """Hold ``folder``'s lock while training its model: created exclusively, holding the job
    id, host and pid, its modification time renewed every :data:`HEARTBEAT_S` seconds by a
    thread. Another trainer waits (``wait``; it says who holds the lock, once) or gets
    :class:`LockHeld`; a stale lock (:func:`lock_is_stale`) is taken over.

    Args:
        folder: the model folder.
        wait: wait for a live holder instead of raising.
        poll_s: seconds between tries while waiting.
        stale_after: seconds without a heartbeat that make a lock stale.
        log: where "waiting for …" and "taking over …" go (None: nowhere).

    Example:
        >>> with model_lock("results/default/models/patient/flair"):
        ...     pass  # train
    """
    import socket
    import threading

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK
    me = {"job": job_id(), "host": socket.gethostname(), "pid": os.getpid(),
          "since": time.strftime("%Y-%m-%dT%H:%M:%S")}
    said = False
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            holder = _read_lock(path)
            if lock_is_stale(path, stale_after):
                if log:
                    log(f"{folder}: taking over the stale lock of {describe_holder(holder)}")
                path.unlink(missing_ok=True)
                continue
            if not wait:
                raise LockHeld(folder, holder or {}) from None
            if log and not said:
                log(f"{folder}: being trained by {describe_holder(holder)}; waiting")
                said = True
            time.sleep(poll_s)
            continue
        with os.fdopen(fd, "w") as f:
            json.dump(me, f)
        break
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_S):
            with contextlib.suppress(OSError):
                os.utime(path)

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield me
    finally:
        stop.set()
        thread.join()
        if _read_lock(path) == me:
            path.unlink(missing_ok=True)


#: The file a book build tails for progress lines (set by the pipeline for its kernels).
PROGRESS_ENV = "GLIOMA_PROGRESS"


def progress(line: str) -> None:
    """Append one progress line (which network trains, epoch k of n) to the file named by
    ``$GLIOMA_PROGRESS``, which ``make book`` shows while a chapter runs; nothing when unset.

    Args:
        line: the line, without a newline.

    Example:
        >>> progress("cv-fold0/flair: epoch 2/5")  # a no-op outside a book build
    """
    target = os.environ.get(PROGRESS_ENV)
    if not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as f:
            f.write(line.replace("\n", " ") + "\n")
    except OSError:  # progress is a courtesy: never fail a training for it
        pass


#: Hex digits of the content hash that names a run's folder
#: (:class:`glioma_lib.training.runspec.RunSpec`).
KEY_DIGITS = 16
#: The folder of the name → run pointers, under ``models/``.
BY_NAME = "by-name"


def is_key(name: str) -> bool:
    """Whether a folder name under ``models/`` is a run key (not a name from before keys).

    Example:
        >>> is_key("3f0c2a9b1d4e5f60"), is_key("sites-classifier")
        (True, False)
    """
    return len(name) == KEY_DIGITS and all(c in "0123456789abcdef" for c in name)


def name_pointer(models: Path, name: str) -> Path:
    """The pointer file of a named run: ``models/by-name/<name>.json``."""
    return Path(models) / BY_NAME / f"{name}.json"


def named_folder(models: str | Path, name: str) -> Path | None:
    """The run folder (holding ``<sequence>/``) a name points to, or None.

    Args:
        models: a book's ``results/<run>/models`` folder.
        name: ``patient``, ``fold0``, ``h2h-googlenet``… (the chapters' run names).

    Example:
        >>> named_folder("results/smoke/models", "patient")  # doctest: +SKIP
        PosixPath('results/smoke/models/3f0c2a9b1d4e5f60')
    """
    pointer = read_json(name_pointer(Path(models), name))
    if not pointer or "key" not in pointer:
        return None
    folder = Path(models) / pointer["key"]
    return folder if folder.is_dir() else None


def run_names(models: str | Path) -> dict[str, list[str]]:
    """Run key → the names that point to it, for a book's models folder.

    Args:
        models: a book's ``results/<run>/models`` folder.

    Example:
        >>> run_names("results/smoke/models")  # doctest: +SKIP
        {'3f0c2a9b1d4e5f60': ['fusion', 'patient'], ...}
    """
    names: dict[str, list[str]] = {}
    for pointer in sorted((Path(models) / BY_NAME).glob("*.json")):
        key = (read_json(pointer) or {}).get("key")
        if key:
            names.setdefault(key, []).append(pointer.stem)
    return names
