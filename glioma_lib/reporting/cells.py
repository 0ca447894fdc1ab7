"""Long metric tables (:func:`glioma_lib.evaluation.tables.metric_table`) shown to a reader:
``value [low, high]`` cells, one value picked out for the prose, a result as a one-row table."""

from __future__ import annotations

import pandas as pd

from ..evaluation.uncertainty import METRICS, format_interval


def wide(table: pd.DataFrame, rows, metrics=METRICS) -> pd.DataFrame:
    """``metric_table`` output as ``rows`` × metric cells ``"value [low, high]"``.

    Args:
        table: a long :func:`metric_table`.
        rows: the columns that index the rows.
        metrics: the metric columns, in order.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> runs, frames = gl.protocol_runs(data)
        >>> leak = gl.leakage(data, frames).long
        >>> wide(leak, ['protocol', 'model'])
    """
    rows = [rows] if isinstance(rows, str) else list(rows)
    cells = table.assign(cell=[format_interval(v, lo, hi) for v, lo, hi in
                               table[["value", "low", "high"]].itertuples(index=False)])
    out = cells.pivot_table(index=rows, columns="metric", values="cell", aggfunc="first",
                            sort=False)
    return out[[m for m in metrics if m in out.columns]]


def lookup(table: pd.DataFrame, metric: str, *, interval: bool = False, percent: bool = True,
           **keys) -> float | str:
    """One metric of a long :func:`metric_table`: the value, or with ``interval=True`` the
    formatted ``"value [low, high]"`` cell.

    Args:
        table: a long :func:`metric_table`.
        metric: the metric.
        interval: return the formatted interval cell instead of the value.
        percent: format the cell in percent.
        keys: column = value filters that leave exactly one row.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> runs, frames = gl.protocol_runs(data)
        >>> leak = gl.leakage(data, frames).long
        >>> lookup(leak, "accuracy", protocol="slice", model="vote")
    """
    rows = table[table["metric"] == metric]
    for key, value in keys.items():
        rows = rows[rows[key] == value]
    if len(rows) != 1:
        raise KeyError(f"{len(rows)} rows match {metric} {keys}")
    row = rows.iloc[0]
    if interval:
        return format_interval(row["value"], row["low"], row["high"], percent=percent)
    return float(row["value"])


def one_row(result: dict, name: str) -> pd.DataFrame:
    """A result dictionary (e.g. :func:`vote_vs_chosen`'s) as a one-row table named ``name``.

    Args:
        result: a flat dictionary.
        name: the row's name.

    Example:
        >>> one_row({"difference": 0.02, "low": -0.01, "high": 0.05}, "AUC difference")
    """
    return pd.DataFrame([result], index=[name])
