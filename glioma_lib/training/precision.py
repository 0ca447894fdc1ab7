"""The arithmetic of training and inference, chosen per device in one place.

``auto`` (every profile's default): on CUDA, bf16 autocast where the GPU supports it, else fp16
autocast with gradient scaling; on a CPU that computes bf16 natively (AVX-512 BF16 or AMX,
asked of torch's CPU capability probes, not guessed from the model name), bf16 autocast;
otherwise fp32. A profile's ``precision`` field (``fp32``, ``bf16``, ``fp16``) overrides it.
The name of the arithmetic used (:func:`precision_name`) goes into each model's cache key,
its card and every caption that shows trained models. ``bench/bench_precision.py`` measures
both what bf16 buys on this CPU and that it trains models as good as fp32's.
"""

from __future__ import annotations

import contextlib
import os

import torch

#: Values of ``Profile.precision``.
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
#: Backbones that ``auto`` keeps in fp32 on a CPU: their depthwise convolutions train slower
#: in bf16 than in fp32 there (MobileNet-v2 0.69×, EfficientNet-Lite0 0.70× at 96 px on the
#: 2-core Zen 4 of bench/results/precision_throughput.json); every other backbone gains.
CPU_FP32_BACKBONES = frozenset({"mobilenet_v2", "efficientnet_lite0"})
_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def cpu_has_bf16() -> bool:
    """Whether torch computes bf16 natively on this CPU: AVX-512 BF16 or AMX tiles, as torch's
    CPU capability probes report them, and torch's kernels allowed to use them (not limited
    by ``ATEN_CPU_CAPABILITY`` below AVX-512 or ``ONEDNN_MAX_CPU_ISA`` below AVX-512 BF16,
    which is how a Zen 4 machine is made to compute like a common AVX2 CPU).

    Example:
        >>> cpu_has_bf16() in (True, False)  # True on Zen 4, Sapphire Rapids and later
        True
    """
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    if not any(bool(getattr(torch.cpu, probe, lambda: False)()) for probe in probes):
        return False
    if "AVX512" not in torch.backends.cpu.get_cpu_capability().upper():
        return False
    isa = os.environ.get("ONEDNN_MAX_CPU_ISA", "").upper()
    return not isa or isa == "ALL" or "AVX512_CORE_BF16" in isa or "AMX" in isa \
        or "AVX10" in isa


def resolve_precision(device: torch.device | str, choice: str = "auto",
                      backbone: str | None = None) -> str:
    """``"fp32"``, ``"bf16"`` or ``"fp16"``: the arithmetic ``choice`` means on ``device``
    (for ``backbone``: ``auto`` keeps :data:`CPU_FP32_BACKBONES` in fp32 on a CPU).

    Args:
        device: where the model runs.
        choice: a profile's ``precision`` (``auto``, ``fp32``, ``bf16``, ``fp16``).
        backbone: the network's registry name, where known.

    Example:
        >>> resolve_precision("cpu", "fp32")
        'fp32'
    """
    device = torch.device(device)
    if choice not in PRECISIONS:
        raise ValueError(f"precision {choice!r}: choose one of {', '.join(PRECISIONS)}")
    if choice == "fp16" and device.type != "cuda":
        raise ValueError("precision 'fp16' (fp16 autocast) needs a CUDA device; "
                         "use 'bf16' or 'fp32' on the CPU")
    if choice != "auto":
        return choice
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    if device.type == "cpu" and cpu_has_bf16():
        return "fp32" if backbone in CPU_FP32_BACKBONES else "bf16"
    return "fp32"


def precision_name(device: torch.device | str, choice: str = "auto",
                   backbone: str | None = None) -> str:
    """How captions, model cards and cache keys name the arithmetic: ``"fp32"``,
    ``"bf16 autocast"`` or ``"fp16 autocast"``.

    Args:
        device: where the model runs.
        choice: a profile's ``precision``.
        backbone: the network's registry name, where known.

    Example:
        >>> precision_name("cpu", "bf16")
        'bf16 autocast'
    """
    resolved = resolve_precision(device, choice, backbone)
    return resolved if resolved == "fp32" else f"{resolved} autocast"


def autocast(device: torch.device | str, choice: str = "auto", backbone: str | None = None):
    """The autocast context of :func:`resolve_precision` (a no-op context for fp32).

    Example:
        >>> with autocast("cpu", "bf16"):
        ...     y = torch.nn.Linear(4, 2)(torch.ones(1, 4))
        >>> y.dtype
        torch.bfloat16
    """
    device = torch.device(device)
    resolved = resolve_precision(device, choice, backbone)
    if resolved == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=_DTYPES[resolved])


def scales_gradients(device: torch.device | str, choice: str = "auto",
                     backbone: str | None = None) -> bool:
    """Whether training needs gradient scaling: only in fp16 (bf16 has fp32's range)."""
    return resolve_precision(device, choice, backbone) == "fp16"


def grad_scaler(device: torch.device | str, choice: str = "auto",
                backbone: str | None = None) -> torch.amp.GradScaler:
    """A gradient scaler, enabled only when :func:`scales_gradients`."""
    device = torch.device(device)
    enabled = scales_gradients(device, choice, backbone)
    return torch.amp.GradScaler(device.type if enabled else "cpu", enabled=enabled)
