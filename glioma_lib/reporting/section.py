"""One experiment of a chapter as the chapter shows it: the values its prose quotes (glued by
name), its table and the long table its figure plots. Chapters call one library function per
experiment, which returns a :class:`Section`, and glue its values with :func:`glue_all`."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Section:
    """An experiment's ``values`` (glue name → value), ``table`` (shown) and ``long`` (the
    long metric table behind the table and its figure, when there is one)."""

    values: dict[str, object]
    table: pd.DataFrame | None = None
    long: pd.DataFrame | None = None
    extra: dict[str, object] = field(default_factory=dict)


def glue_all(values: dict[str, object] | None = None, **more) -> None:
    """Glue each value under its name for the chapter's prose (MyST-NB ``glue``, not
    displayed in the cell).

    Args:
        values: glue name → value (e.g. a :class:`Section`'s ``values``).
        more: further names and values.

    Example:
        >>> glue_all({"n_patients": 335}, n_boot=1000)
    """
    from myst_nb import glue

    for name, value in {**(values or {}), **more}.items():
        glue(name, value, display=False)
