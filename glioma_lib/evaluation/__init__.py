"""Evaluation: metrics (:mod:`.metrics`), the vote (:mod:`.vote`), patient-bootstrap
intervals (:mod:`.uncertainty`), calibration, Grad-CAM (:mod:`.explain`), the automatic
window's agreement (:mod:`.window`) and the chapters' tables (:mod:`.tables`, re-exported here
so ``glioma_lib.evaluation.with_votes`` works as before)."""

from .tables import (  # noqa: F401
    SOFT_VOTE,
    TABLE2_COLUMNS,
    VOTE,
    choose_on_validation,
    gap,
    metric_table,
    model_columns,
    roc_curves,
    table2,
    wide,
    with_votes,
)
