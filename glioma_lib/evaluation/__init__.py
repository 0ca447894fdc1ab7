"""Evaluation: metrics (:mod:`.metrics`), the vote and the model maps (:mod:`.vote`),
operating points chosen on validation (:mod:`.operating`), patient-bootstrap intervals
(:mod:`.uncertainty`), calibration (:mod:`.calibration`), Grad-CAM (:mod:`.explain`), the
automatic window's agreement (:mod:`.window`) and the chapters' tables
(:mod:`.tables`; its names and the vote's are re-exported here, so
``glioma_lib.evaluation.with_votes`` works as before).

The re-exports are resolved on first use: importing one submodule (``glioma_lib.predict``
imports :mod:`.vote`) must not import :mod:`.tables` and with it ``scipy.stats`` (0.8 s of the
``glioma-grade predict`` command's start-up).
"""

from __future__ import annotations

#: Names re-exported from :mod:`.tables` and :mod:`.vote`.
_TABLES = ("TABLE2_COLUMNS", "choose_on_validation", "gap", "metric_table", "roc_curves",
           "table2")
_VOTE = ("SOFT_VOTE", "VOTE", "model_columns", "with_votes")
__all__ = [*_TABLES, *_VOTE]


def __getattr__(name: str):
    if name in _TABLES or name in _VOTE:
        from importlib import import_module

        return getattr(import_module(f".{'tables' if name in _TABLES else 'vote'}", __name__),
                       name)
    from ..lazy import submodule

    return submodule(__name__, name)  # a submodule on first use
