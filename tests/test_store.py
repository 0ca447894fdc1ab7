import json

import numpy as np
import pytest

from glioma_lib import store


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "a.json"
    store.write_json(target, {"x": 1})

    def boom(p):
        p.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        store.atomic_write(target, boom)
    assert json.loads(target.read_text()) == {"x": 1}
    assert list(tmp_path.iterdir()) == [target]  # no temp file left


def test_manifest_roundtrip(tmp_path):
    m = {"a": (1, 2), "b": "x"}
    assert not store.is_current(tmp_path, m)
    store.mark_done(tmp_path, m)
    assert store.is_current(tmp_path, m)
    assert not store.is_current(tmp_path, {**m, "b": "y"})
    store.save_npy(tmp_path / "z.npy", np.arange(3))
    assert np.load(tmp_path / "z.npy").tolist() == [0, 1, 2]


def test_fingerprints_change_with_what_they_identify(tmp_path):
    assert store.fingerprint({"a": (1, 2)}) == store.fingerprint({"a": [1, 2]})
    assert store.fingerprint({"a": 1, "b": 2}) == store.fingerprint({"b": 2, "a": 1})
    assert store.fingerprint({"a": 1}) != store.fingerprint({"a": 2})
    assert store.array_digest(np.array([1, 2])) != store.array_digest(np.array([2, 1]))
    assert store.array_digest(np.array([1, 2], np.int64)) != \
        store.array_digest(np.array([1, 2], np.int32))
    f = tmp_path / "w.bin"
    f.write_bytes(b"abc")
    first = store.file_digest(f)
    f.write_bytes(b"abd")
    assert store.file_digest(f) != first


def test_invalidate_removes_only_the_manifest(tmp_path):
    store.mark_done(tmp_path, {"a": 1})
    (tmp_path / "out.npy").write_bytes(b"x")
    store.invalidate(tmp_path)
    assert not store.is_current(tmp_path, {"a": 1}) and store.read_manifest(tmp_path) is None
    assert (tmp_path / "out.npy").exists()
    store.invalidate(tmp_path)  # idempotent


def test_a_second_trainer_waits_or_refuses_and_says_who_holds_the_lock(tmp_path):
    import os
    import threading
    import time

    from glioma_lib.store import LOCK, LockHeld, model_lock

    folder = tmp_path / "models" / "patient" / "flair"
    said = []
    with model_lock(folder, log=said.append) as me:
        assert (folder / LOCK).exists() and me["pid"] == os.getpid()
        with pytest.raises(LockHeld, match=f"pid {os.getpid()}"):
            with model_lock(folder, wait=False):
                pass
        released = threading.Event()

        def waiter():
            with model_lock(folder, poll_s=0.05, log=said.append):
                released.set()

        thread = threading.Thread(target=waiter)
        thread.start()
        time.sleep(0.3)
        assert not released.is_set()  # still waiting for the holder
    thread.join(timeout=10)
    assert released.is_set() and any("being trained by" in s for s in said)
    assert not (folder / LOCK).exists()


def test_a_stale_or_dead_lock_is_taken_over(tmp_path):
    import json
    import os
    import socket
    import time

    from glioma_lib.store import LOCK, model_lock

    folder = tmp_path / "m"
    folder.mkdir()
    (folder / LOCK).write_text(json.dumps({"job": "slurm 42", "host": "elsewhere", "pid": 1}))
    old = time.time() - 3600
    os.utime(folder / LOCK, (old, old))
    said = []
    with model_lock(folder, wait=False, log=said.append):
        pass
    assert "taking over the stale lock of job slurm 42 on elsewhere" in said[0]
    dead = {"job": "pid 999999", "host": socket.gethostname(), "pid": 2**22 + 12345}
    (folder / LOCK).write_text(json.dumps(dead))  # fresh, but its process is gone
    with model_lock(folder, wait=False, log=None):
        pass
