"""Evaluation: metrics (:mod:`.metrics`), the vote (:mod:`.vote`), operating points chosen on
validation (:mod:`.operating`), patient-bootstrap intervals (:mod:`.uncertainty`),
calibration, Grad-CAM (:mod:`.explain`), the automatic window's agreement (:mod:`.window`)
and the chapters' tables (:mod:`.tables`, re-exported here so
``glioma_lib.evaluation.with_votes`` works as before).

The re-exports are resolved on first use: importing one submodule (``glioma_lib.predict``
imports :mod:`.vote`) must not import :mod:`.tables` and with it ``scipy.stats`` (0.8 s of the
``glioma-grade predict`` command's start-up).
"""

from __future__ import annotations

#: Names re-exported from :mod:`.tables`.
_TABLES = ("SOFT_VOTE", "TABLE2_COLUMNS", "VOTE", "choose_on_validation", "gap",
           "metric_table", "model_columns", "roc_curves", "table2", "wide", "with_votes")
__all__ = list(_TABLES)


def __getattr__(name: str):
    if name in _TABLES:
        from . import tables

        return getattr(tables, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
