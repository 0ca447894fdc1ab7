"""Submodules imported on first attribute access, for the packages' ``__getattr__``
(``gl.evaluation.tables`` without importing every module of ``evaluation`` up front)."""

from __future__ import annotations

import importlib
from types import ModuleType


def submodule(package: str, name: str) -> ModuleType:
    """``package.name`` imported, or AttributeError as a missing attribute would raise.

    Args:
        package: the package's ``__name__``.
        name: the attribute asked for.

    Example:
        >>> submodule("glioma_lib.evaluation", "metrics").__name__
        'glioma_lib.evaluation.metrics'
    """
    if name.startswith("__"):
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    try:
        return importlib.import_module(f"{package}.{name}")
    except ModuleNotFoundError as err:
        if err.name != f"{package}.{name}":
            raise  # the submodule exists but one of its own imports is missing
        raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
