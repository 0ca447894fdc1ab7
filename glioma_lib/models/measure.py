"""Measure backbones for Table 1: parameters, depth, FLOPs and CPU latency."""

from __future__ import annotations

import time
import warnings

import pandas as pd
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from .registry import REGISTRY, count_parameters, create


def depth(model: nn.Module) -> int | None:
    """Longest chain of conv/linear layers from input to output (torch.fx graph), or None."""
    try:
        graph = torch.fx.symbolic_trace(model).graph
    except Exception:  # some backbones are not traceable
        return None
    modules = dict(model.named_modules())
    longest: dict[torch.fx.Node, int] = {}
    for node in graph.nodes:
        parents = [a for a in node.all_input_nodes]
        base = max((longest[p] for p in parents), default=0)
        counted = node.op == "call_module" and isinstance(modules.get(node.target),
                                                          (nn.Conv2d, nn.Linear))
        longest[node] = base + int(counted)
    return max(longest.values()) if longest else None


def original_network(name: str) -> nn.Module:
    """The ImageNet classification network as published (1000-class classifier included)."""
    import timm
    import torchvision.models as tvm

    if name == "xception":
        return timm.create_model("legacy_xception", pretrained=False)
    if name == "efficientnet_lite0":
        return timm.create_model("tf_efficientnet_lite0", pretrained=False)
    kwargs = {"aux_logits": False, "init_weights": False} if name in ("googlenet",
                                                                      "inception_v3") else {}
    return getattr(tvm, name)(weights=None, **kwargs)


def flops(model: nn.Module, image_size: int) -> float:
    """Forward FLOPs of one image (multiply-add = 2 FLOPs)."""
    model.eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.zeros(1, 3, image_size, image_size))
    return float(counter.get_total_flops())


def latency_ms(model: nn.Module, image_size: int, batch: int = 8, repeats: int = 3) -> float:
    """CPU inference milliseconds per image (channels_last, best of ``repeats``)."""
    model.eval().to(memory_format=torch.channels_last)
    x = torch.rand(batch, 3, image_size, image_size).contiguous(memory_format=torch.channels_last)
    best = float("inf")
    with torch.inference_mode():
        model(x)
        for _ in range(repeats):
            t = time.perf_counter()
            model(x)
            best = min(best, time.perf_counter() - t)
    return 1000 * best / batch


def measure(name: str, image_size: int, timing: bool = True) -> dict:
    """One row of Table 1 for backbone ``name`` with the paper's 2-class head."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = create(name, allow_random_init=True)
    return {
        "backbone": name,
        "params_M (2-class head)": count_parameters(model) / 1e6,
        "backbone params_M": count_parameters(model.backbone) / 1e6,
        "depth (measured)": depth(original_network(name)),
        "GFLOPs": flops(model, max(image_size, REGISTRY[name].min_size)) / 1e9,
        "CPU ms/image": latency_ms(model, image_size) if timing else float("nan"),
        "weights": model.weights_note,
    }


def table1(image_size: int, timing: bool = True) -> pd.DataFrame:
    """The paper's Table 1 beside our measurement of every backbone (one row each).

    Args:
        image_size: input size of the FLOPs and latency measurement.

    Example:
        >>> table1(96).loc["googlenet", "depth (measured)"]
        22
    """
    from ..paper import TABLE1

    rows = [measure(name, image_size, timing) for name in REGISTRY]
    measured = pd.DataFrame(rows).set_index("backbone")
    return TABLE1.rename(columns=lambda c: f"paper {c}").join(measured, how="outer")
