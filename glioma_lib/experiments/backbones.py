"""Chapter 3's head-to-head scored: each backbone's validation and test AUC, its test
accuracy beside calling every slice HGG, and the backbone chosen on validation."""

from __future__ import annotations

import pandas as pd

from ..evaluation.metrics import report
from ..training.compare import head_to_head_runs


def head_to_head(data, names=None, sequence: str = "flair") -> pd.DataFrame:
    """Each backbone trained on the glioma task itself under the profile's lighter recipe
    (patient-level split, one sequence, ``compare_train_slices`` training slices, the same
    initialisation for all: see :func:`common_weights`), with the weights each actually had.

    Every number comes from the same checkpoint (the epoch of lowest validation loss):
    ``val AUC`` is what a backbone is chosen on, ``test AUC`` and ``test accuracy`` what it
    is reported on; seconds per epoch include the validation pass.

    Args:
        data: the prepared data stages.
        names: backbones (default: :func:`compared_backbones` of the profile).
        sequence: the one sequence trained.

    Example:
        >>> table = head_to_head(gl.prepare_data(gl.get_profile("smoke")), ["mobilenet_v2"])
        >>> table.loc["mobilenet_v2", "epochs"] >= 1
        True
    """
    col, rows = f"p_{sequence}", []
    for name, run in head_to_head_runs(data, names, sequence).items():
        test, val = run.predictions, run.val_predictions
        scores = report(test["label"], test[col])
        history = run.runs[sequence].history
        rows.append({"backbone": name, "weights": run.runs[sequence].model.weights_note,
                     "precision": run.runs[sequence].model.card["precision"],
                     "val AUC": report(val["label"], val[col])["auc"], "test AUC": scores["auc"],
                     "test accuracy": scores["accuracy"],
                     # what calling every slice HGG scores on the same test slices
                     "always-HGG accuracy": float((test["label"] == 1).mean()),
                     "s / epoch": float(history["seconds"].mean()),
                     "epochs": len(history)})
    return pd.DataFrame(rows).set_index("backbone")


def no_better_than_always_hgg(table: pd.DataFrame) -> list[str]:
    """The backbones of :func:`head_to_head` whose test accuracy does not beat calling every
    test slice HGG (the HGG share of the test slices): they have learnt no threshold yet.

    Args:
        table: :func:`head_to_head` output.

    Example:
        >>> no_better_than_always_hgg(pd.DataFrame(
        ...     {"test accuracy": [0.75, 0.9], "always-HGG accuracy": [0.75, 0.75]},
        ...     index=["googlenet", "mobilenet_v2"]))
        ['googlenet']
    """
    worse = table["test accuracy"] <= table["always-HGG accuracy"] + 1e-9
    return [str(name) for name in table.index[worse]]


def chosen_backbone(table: pd.DataFrame) -> str | None:
    """The backbone of :func:`head_to_head` with the highest *validation* AUC (what the
    choice may see), or None where no validation AUC is defined (one grade in validation).

    Args:
        table: :func:`head_to_head` output.

    Example:
        >>> chosen_backbone(pd.DataFrame({"val AUC": [0.7, 0.8]}, index=["a", "b"]))
        'b'
    """
    aucs = table["val AUC"].dropna()
    return None if aucs.empty else str(aucs.idxmax())
