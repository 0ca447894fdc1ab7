"""Backbones compared on the glioma task itself (chapter 3's head-to-head)."""

from __future__ import annotations

import pandas as pd

from ..models.registry import REGISTRY, WeightsNotFound, find_weights


def common_weights(names) -> str | None:
    """``"imagenet"`` when every named backbone's ImageNet weights are on this machine, else
    ``None`` (random init for all): a comparison must not mix initialisations."""
    try:
        for name in names:
            find_weights(name)
    except WeightsNotFound:
        return None
    return "imagenet"


def compared_backbones(profile) -> list[str]:
    """The backbones of the head-to-head under ``profile``: its ``compare_backbones``, or every
    backbone of the registry.

    Args:
        profile: the run's profile.

    Example:
        >>> compared_backbones(get_profile("smoke"))[:2]
        ['googlenet', 'mobilenet_v2']
    """
    return list(profile.compare_backbones or REGISTRY)


def left_out_backbones(profile) -> list[str]:
    """The registry's backbones that the profile's head-to-head does not train.

    Args:
        profile: the run's profile.

    Example:
        >>> left_out_backbones(get_profile("default"))
        ['vgg16', 'xception']
    """
    return [n for n in REGISTRY if n not in compared_backbones(profile)]


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
        >>> head_to_head(prepare_data(get_profile('smoke')), ['googlenet', 'mobilenet_v2'])
    """
    from dataclasses import replace

    from sklearn.metrics import roc_auc_score

    from .recipe import head_to_head_recipe, run_recipe

    p = data.profile
    names = list(names or compared_backbones(p))
    weights = common_weights(names)

    def auc(frame: pd.DataFrame) -> float:
        if frame["label"].nunique() < 2:
            return float("nan")
        return float(roc_auc_score(frame["label"], frame[f"p_{sequence}"]))

    rows = []
    for name in names:
        recipe = replace(head_to_head_recipe(p, name, weights), sequences=(sequence,))
        run = run_recipe(data, recipe)
        test = run.predictions
        history = run.runs[sequence].history
        rows.append({"backbone": name, "weights": run.runs[sequence].model.weights_note,
                     "precision": run.runs[sequence].model.card["precision"],
                     "val AUC": auc(run.val_predictions), "test AUC": auc(test),
                     "test accuracy": float(((test[f"p_{sequence}"] >= 0.5)
                                             == test["label"]).mean()),
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
        >>> no_better_than_always_hgg(head_to_head(data))
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
        >>> chosen_backbone(head_to_head(data))
    """
    aucs = table["val AUC"].dropna()
    return None if aucs.empty else str(aucs.idxmax())
