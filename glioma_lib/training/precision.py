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

import torch

#: Values of ``Profile.precision``.
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def cpu_has_bf16() -> bool:
    """Whether this CPU has native bf16 arithmetic (AVX-512 BF16 or AMX tiles), as torch's
    CPU capability probes report it.

    Example:
        >>> cpu_has_bf16()  # True on Zen 4, Sapphire Rapids and later
    """
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(torch.cpu, probe, lambda: False)()) for probe in probes)


def resolve_precision(device: torch.device | str, choice: str = "auto") -> str:
    """``"fp32"``, ``"bf16"`` or ``"fp16"``: the arithmetic ``choice`` means on ``device``.

    Args:
        device: where the model runs.
        choice: a profile's ``precision`` (``auto``, ``fp32``, ``bf16``, ``fp16``).

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
        return "bf16"
    return "fp32"


def precision_name(device: torch.device | str, choice: str = "auto") -> str:
    """How captions, model cards and cache keys name the arithmetic: ``"fp32"``,
    ``"bf16 autocast"`` or ``"fp16 autocast"``.

    Args:
        device: where the model runs.
        choice: a profile's ``precision``.

    Example:
        >>> precision_name("cpu", "bf16")
        'bf16 autocast'
    """
    resolved = resolve_precision(device, choice)
    return resolved if resolved == "fp32" else f"{resolved} autocast"


def autocast(device: torch.device | str, choice: str = "auto"):
    """The autocast context of :func:`resolve_precision` (a no-op context for fp32).

    Example:
        >>> with autocast("cpu", "bf16"):
        ...     y = model(x)
    """
    device = torch.device(device)
    resolved = resolve_precision(device, choice)
    if resolved == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=_DTYPES[resolved])


def scales_gradients(device: torch.device | str, choice: str = "auto") -> bool:
    """Whether training needs gradient scaling: only in fp16 (bf16 has fp32's range)."""
    return resolve_precision(device, choice) == "fp16"


def grad_scaler(device: torch.device | str, choice: str = "auto") -> torch.amp.GradScaler:
    """A gradient scaler, enabled only when :func:`scales_gradients`."""
    device = torch.device(device)
    enabled = scales_gradients(device, choice)
    return torch.amp.GradScaler(device.type if enabled else "cpu", enabled=enabled)
