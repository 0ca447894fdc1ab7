"""Tests of glioma_lib.training.train."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from glioma_lib.models import create
from glioma_lib.training.train import TrainConfig, evaluate, train_model


def _data(n=48, size=32):
    rng = np.random.default_rng(1)
    y = np.arange(n) % 2
    x = rng.integers(0, 60, (n, size, size)).astype(np.uint8)
    x[y == 1, 8:24, 8:24] += 150  # learnable signal
    return x, y


CFG = TrainConfig(epochs=3, batch_size=16, seed=3, image_size=32)


def _train(folder, stop_after=None):
    torch.manual_seed(0)
    model = create("mobilenet_v2", weights=None)
    x, y = _data()
    hist = train_model(model, x, y, x[:16], y[:16], CFG, folder, stop_after=stop_after)
    return model, hist


class _Stop(Exception):
    pass


def test_same_seed_same_history(tmp_path):
    _, a = _train(tmp_path / "a")
    _, b = _train(tmp_path / "b")
    cols = ["train_loss", "train_acc", "val_loss", "val_acc"]
    assert np.allclose(a[cols].to_numpy(), b[cols].to_numpy())
    assert list(a.epoch) == [1, 2, 3]
    assert (tmp_path / "a" / "history.csv").exists() and (tmp_path / "a" / "best.pt").exists()


def test_killed_run_resumes_to_the_same_result(tmp_path):
    full_model, full = _train(tmp_path / "full")
    _, part = _train(tmp_path / "resumed", stop_after=1)
    assert len(part) == 1
    resumed_model, resumed = _train(tmp_path / "resumed")  # picks up last.pt
    cols = ["train_loss", "val_loss"]
    assert np.allclose(full[cols].to_numpy(), resumed[cols].to_numpy())
    for a, b in zip(full_model.state_dict().values(), resumed_model.state_dict().values(),
                    strict=True):
        assert torch.allclose(a.float(), b.float())


def test_checkpoints_load_weights_only(tmp_path):
    model, hist = _train(tmp_path / "c")
    state = torch.load(tmp_path / "c" / "best.pt", weights_only=True)
    fresh = create("mobilenet_v2", weights=None)
    fresh.load_state_dict(state)
    last = torch.load(tmp_path / "c" / "last.pt", weights_only=True)
    assert last["epoch"] == 2 and len(last["history"]) == 3
    x, y = _data()
    loss, acc, p = evaluate(fresh, x, y)
    assert p.shape == (48,) and 0 <= acc <= 1 and loss > 0


def test_gradient_scaler_state_is_checkpointed(tmp_path):
    _train(tmp_path / "s", stop_after=1)
    last = torch.load(tmp_path / "s" / "last.pt", weights_only=True)
    assert "scaler" in last and last["run_key"] is None


def test_a_checkpoint_of_another_run_is_not_resumed(tmp_path):
    torch.manual_seed(0)
    x, y = _data()
    model = create("mobilenet_v2", weights=None)
    train_model(model, x, y, x[:16], y[:16], CFG, tmp_path, stop_after=1, run_key="A")
    assert torch.load(tmp_path / "last.pt", weights_only=True)["run_key"] == "A"
    model = create("mobilenet_v2", weights=None)
    hist = train_model(model, x, y, x[:16], y[:16], CFG, tmp_path, stop_after=2, run_key="B")
    assert list(hist.epoch) == [1, 2]  # started over: A's epoch 1 was not taken as B's
    model = create("mobilenet_v2", weights=None)
    hist = train_model(model, x, y, x[:16], y[:16], CFG, tmp_path, run_key="B")
    assert list(hist.epoch) == [1, 2, 3]
    (tmp_path / "last.pt").write_bytes(b"truncated")  # a killed write of another tool
    model = create("mobilenet_v2", weights=None)
    assert len(train_model(model, x, y, x[:16], y[:16], CFG, tmp_path, run_key="B")) == 3


def test_evaluate_puts_model_and_inputs_on_one_device(monkeypatch):
    """On a CUDA machine evaluate() used to feed CUDA inputs to a CPU model. Emulated here
    with the 'meta' device: the model's first layer must see inputs and weights together."""
    import glioma_lib.training.train as train

    model = create("mobilenet_v2", weights=None)
    seen = []

    def check(module, args):
        seen.append((args[0].device, module.weight.device))
        raise _Stop

    first = next(m for m in model.modules() if isinstance(m, torch.nn.Conv2d))
    first.register_forward_pre_hook(check)
    monkeypatch.setattr(train, "pick_device", lambda: torch.device("meta"))
    x, y = _data(4)
    try:
        evaluate(model, x, y)
    except _Stop:
        pass
    assert seen == [(torch.device("meta"), torch.device("meta"))]


def test_a_fusion_network_trains_on_three_channel_input(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, (16, 3, 32, 32), dtype=np.uint8)
    y = np.arange(16) % 2
    model = create("googlenet", weights=None)
    cfg = TrainConfig(epochs=1, batch_size=8, seed=0, image_size=32)
    history = train_model(model, x, y, x[:4], y[:4], cfg, tmp_path)
    assert len(history) == 1 and np.isfinite(history["val_loss"]).all()


def test_compile_choice_is_validated_and_never_used_on_the_cpu():
    import torch

    from glioma_lib.models.registry import create
    from glioma_lib.training.train import COMPILE_MIN_IMAGES, _compiled

    model = create("googlenet", weights=None)
    cpu = torch.device("cpu")
    assert _compiled(model, TrainConfig(1, 8, compile="always"), cpu, 10**9) is model
    assert _compiled(model, TrainConfig(1, 8), cpu, COMPILE_MIN_IMAGES) is model
    with pytest.raises(ValueError, match="compile 'yes'"):
        _compiled(model, TrainConfig(1, 8, compile="yes"), cpu, 1)
