"""Numbered tables and figures with their captions in the page's text.

A chapter's code cell glues each exhibit under a name (:func:`table` or :func:`figure`); the
chapter's text places it with a MyST directive that numbers it, captions it and makes it a
``{numref}`` target::

    ::::{table} {glue:text}`tbl_cohort_caption`
    :name: tbl-cohort

    :::{glue:md} tbl_cohort
    :format: myst
    :::
    ::::

    :::{glue:figure} fig_roc
    :name: fig-roc
    :alt: ROC curves of the three sequences and the votes

    {glue:text}`fig_roc_caption`
    :::

The caption (searchable, read by screen readers) ends with the "Made by …" line naming the
library functions behind the exhibit; nothing is drawn into the images.
"""

from __future__ import annotations

import numbers

import pandas as pd

from .captions import made_by
from .origin import built_line, measured_line


def _cell(value, precision: int, percent: bool, na: str) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return na
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, numbers.Real):
        return f"{value:.{max(precision - 2, 0)}%}" if percent else f"{value:.{precision}f}"
    return str(value)


#: Zero-width space: where a long column name (a patient ID) may break onto a second line.
ZWSP = "\u200b"


def _header(name) -> str:
    """A column name that may break after its underscores, so a column is as wide as its
    values rather than its name (``Brats18_TCIA10_628_1``)."""
    return str(name).replace("_", "_" + ZWSP)


def markdown_table(frame: pd.DataFrame, precision: int = 3, percent: bool = False,
                   na: str = "—", formats: dict[str, str] | None = None,
                   empty: str = "nothing to show") -> str:
    """A table as MyST markdown: the index as leading columns, multi-level column names
    joined with " · " (each may break after an underscore), numbers formatted (``formats``:
    column → format spec, e.g. ``"{:.0f}"``).

    Args:
        frame: the table.
        precision: decimals of floats.
        percent: floats as percent (with ``precision - 2`` decimals).
        na: what a missing value shows.
        formats: per-column format specs that override the above.
        empty: the one cell an empty table shows.

    Example:
        >>> print(markdown_table(pd.DataFrame({"auc": [0.91234]}, index=["vote"])))
        |  | auc |
        |---|---|
        | vote | 0.912 |
    """
    formats = formats or {}
    if frame.empty:
        return f"| note |\n|---|\n| {empty} |"
    flat = frame.copy()
    if isinstance(flat.columns, pd.MultiIndex):
        flat.columns = [" · ".join(str(c) for c in col if str(c)) for col in flat.columns]
    names = [n for n in flat.index.names if n is not None]
    flat = flat.reset_index() if names or isinstance(flat.index, pd.MultiIndex) else \
        flat.reset_index(names="")
    lines = ["| " + " | ".join(_header(c) for c in flat.columns) + " |",
             "|" + "---|" * len(flat.columns)]
    for _, row in flat.iterrows():
        cells = [formats[c].format(v) if c in formats and not pd.isna(v) else
                 _cell(v, precision, percent, na) for c, v in row.items()]
        lines.append("| " + " | ".join(c.replace("|", "/").replace("\n", " ")
                                       for c in cells) + " |")
    return "\n".join(lines)


def _caption(caption: str, functions, measured=()) -> str:
    """The caption, the "Made by …" line, the benchmark results' origin where it shows any,
    and the build's CPU and commit (:mod:`.origin`)."""
    lines = [caption.strip(), made_by(*functions).strip() if functions else "",
             measured_line(*measured) if measured else "", built_line()]
    return " ".join(line for line in lines if line)


def table(name: str, frame: pd.DataFrame, caption: str, *functions, measured=(),
          **fmt) -> None:
    """Glue a table for a ``{table}`` directive: ``<name>`` (markdown) and
    ``<name>_caption`` (the caption, then the "Made by …" line of ``functions``, the CPU and
    commit that measured the ``measured`` benchmark results, and the build's).

    Args:
        name: the glue name (``tbl_…``).
        frame: the table.
        caption: what the table shows, with its provenance (profile, data, weights).
        functions: the library functions behind it (:func:`~.captions.made_by`).
        measured: the ``bench/results/*.json`` files its figures come from
            (:func:`~.origin.measured_line`).
        fmt: :func:`markdown_table`'s options.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> cohort_table = gl.reporting.captions.cohort_table
        >>> table("tbl_cohort", cohort_table(data.cohort), "Patients per grade", cohort_table)
    """
    from IPython.display import Markdown
    from myst_nb import glue

    glue(name, Markdown(markdown_table(frame, **fmt)), display=False)
    glue(f"{name}_caption", _caption(caption, functions, measured), display=False)


def figure(name: str, fig, caption: str, *functions, measured=()) -> None:
    """Glue a figure for a ``{glue:figure}`` directive: ``<name>`` (the image; the figure is
    closed, so the cell shows nothing) and ``<name>_caption``.

    Args:
        name: the glue name (``fig_…``).
        fig: a matplotlib figure, or an image (``IPython.display.Image``).
        caption: what the figure shows, with its provenance.
        functions: the library functions behind it.
        measured: the ``bench/results/*.json`` files it shows.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> curves = gl.roc_curves(gl.run_recipe(data, "slice").predictions, ("t1", "t2", "flair"))
        >>> figure("fig_roc", gl.plots.roc_figure(curves), "ROC curves", gl.roc_curves)
    """
    from myst_nb import glue

    glue(name, fig, display=False)
    if hasattr(fig, "savefig"):
        import matplotlib.pyplot as plt

        plt.close(fig)
    glue(f"{name}_caption", _caption(caption, functions, measured), display=False)
