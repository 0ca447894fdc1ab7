"""Tests of glioma_lib.training.precision: one choice of arithmetic per device."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from glioma_lib.models import create
from glioma_lib.training import precision
from glioma_lib.training.experiment import run_protocol
from glioma_lib.training.precision import autocast, grad_scaler, precision_name, resolve_precision
from glioma_lib.training.train import TrainConfig, evaluate, train_model


@pytest.mark.parametrize("has_bf16, expected", [(True, "bf16"), (False, "fp32")])
def test_auto_on_cpu_follows_the_cpu_capability(monkeypatch, has_bf16, expected):
    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: has_bf16)
    assert resolve_precision("cpu") == expected
    assert precision_name("cpu") == ("bf16 autocast" if has_bf16 else "fp32")


@pytest.mark.parametrize("bf16_gpu, expected", [(True, "bf16"), (False, "fp16")])
def test_auto_on_cuda_prefers_bf16_else_fp16(monkeypatch, bf16_gpu, expected):
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: bf16_gpu)
    assert resolve_precision("cuda") == expected
    assert precision.scales_gradients("cuda") is (expected == "fp16")


def test_forced_choices_override_the_device(monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: True)
    assert resolve_precision("cpu", "fp32") == "fp32"
    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: False)
    assert resolve_precision("cpu", "bf16") == "bf16"
    assert resolve_precision("meta") == "fp32"  # neither CUDA nor a CPU: fp32
    with pytest.raises(ValueError, match="needs a CUDA device"):
        resolve_precision("cpu", "fp16")
    with pytest.raises(ValueError, match="choose one of"):
        resolve_precision("cpu", "fp8")
    assert not grad_scaler("cpu", "bf16").is_enabled()


def test_the_cpu_probe_is_torchs_not_a_guess(monkeypatch):
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False, raising=False)
    assert precision.cpu_has_bf16() is False
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True, raising=False)
    assert precision.cpu_has_bf16() is True


def test_autocast_computes_in_the_chosen_dtype():
    conv = torch.nn.Conv2d(3, 4, 3)
    x = torch.rand(1, 3, 8, 8)
    with autocast("cpu", "bf16"):
        assert conv(x).dtype == torch.bfloat16
    with autocast("cpu", "fp32"):
        assert conv(x).dtype == torch.float32


def test_training_and_evaluation_run_in_the_forced_precision(tmp_path, monkeypatch):
    seen = []
    real = precision.autocast

    def spy(device, choice="auto", backbone=None):
        seen.append(resolve_precision(device, choice, backbone))
        return real(device, choice, backbone)

    from glioma_lib.training import train

    monkeypatch.setattr(train, "autocast", spy)
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 255, (8, 32, 32), dtype=np.uint8), np.arange(8) % 2
    for choice in ("fp32", "bf16"):
        seen.clear()
        model = create("mobilenet_v2", weights=None)
        cfg = TrainConfig(epochs=1, batch_size=4, image_size=32, precision=choice)
        history = train_model(model, x, y, x[:4], y[:4], cfg, tmp_path / choice)
        assert np.isfinite(history["val_loss"]).all()
        assert set(seen) == {choice}
        seen.clear()
        evaluate(model, x, y, precision=choice)
        assert set(seen) == {choice}


def test_precision_is_in_the_card_and_the_cache_key(unit_data):
    kwargs = dict(sequences=("t2",), light=True, max_train=10, backbone="mobilenet_v2",
                  weights=None)
    folders = {}
    for choice, name in (("fp32", "fp32"), ("bf16", "bf16 autocast")):
        profile = replace(unit_data.profile, precision=choice)
        run = run_protocol(unit_data, "patient", profile=profile, **kwargs)
        folder = run.runs["t2"].folder
        # the cache key holds the profile's choice (machine-independent: a GPU node's model
        # is reused by the CPU host); the card says the arithmetic it trained in
        assert json.loads((folder / "manifest.json").read_text())["precision"] == choice
        assert json.loads((folder / "model.json").read_text())["precision"] == name
        folders[choice] = (folder / "best.pt").stat().st_mtime_ns
    # other precision, other run: the fp32 model was not reused for bf16
    assert folders["fp32"] != folders["bf16"]


def test_auto_keeps_depthwise_backbones_in_fp32_on_a_bf16_cpu(monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: True)
    assert resolve_precision("cpu", "auto", "googlenet") == "bf16"
    for name in ("mobilenet_v2", "efficientnet_lite0"):
        assert resolve_precision("cpu", "auto", name) == "fp32"
        assert resolve_precision("cpu", "bf16", name) == "bf16"  # forced stays forced
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert resolve_precision("cuda", "auto", "mobilenet_v2") == "bf16"  # a CPU-only rule


def test_cpu_has_bf16_respects_torch_and_onednn_isa_limits(monkeypatch):
    import torch

    from glioma_lib.training.precision import cpu_has_bf16

    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: True, raising=False)
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX512")
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    assert cpu_has_bf16()
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    assert not cpu_has_bf16()  # oneDNN may not use the bf16 instructions
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA")
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX2")
    assert not cpu_has_bf16()  # ATEN_CPU_CAPABILITY=avx2: an emulated AVX2 machine
