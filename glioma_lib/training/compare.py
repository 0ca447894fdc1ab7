"""Backbones compared on the glioma task itself (chapter 3's head-to-head), trained;
:mod:`glioma_lib.experiments.backbones` scores them."""

from __future__ import annotations

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


def head_to_head_runs(data, names=None, sequence: str = "flair") -> dict[str, object]:
    """Each backbone trained on the glioma task itself under the profile's lighter recipe
    (patient-level split, one sequence, ``compare_train_slices`` training slices, the same
    initialisation for all: see :func:`common_weights`); cached like every recipe.

    Args:
        data: the prepared data stages.
        names: backbones (default: :func:`compared_backbones` of the profile).
        sequence: the one sequence trained.

    Example:
        >>> runs = head_to_head_runs(gl.prepare_data(gl.get_profile("smoke")), ["mobilenet_v2"])
        >>> runs["mobilenet_v2"].runs["flair"].model.card["backbone"]
        'mobilenet_v2'
    """
    from dataclasses import replace

    from .recipe import head_to_head_recipe, run_recipe

    names = list(names or compared_backbones(data.profile))
    weights = common_weights(names)
    return {name: run_recipe(data, replace(head_to_head_recipe(data.profile, name, weights),
                                           sequences=(sequence,)), name=f"h2h-{name}")
            for name in names}
