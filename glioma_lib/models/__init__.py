"""Models: the backbone registry, the paper's 1024-512-2 head, ImageNet weights and input
normalisation (:mod:`.registry`, re-exported here, so ``glioma_lib.models.create`` works as
before), GoogLeNet's torchvision build (:mod:`.googlenet`), the device and the input batch
(:mod:`.device`), and Table 1's measurements (:mod:`.measure`)."""

from .registry import (  # noqa: F401
    HALF_MEAN,
    HALF_STD,
    IMAGENET_MEAN,
    IMAGENET_STD,
    REGISTRY,
    Backbone,
    GliomaNet,
    WeightsNotFound,
    count_parameters,
    create,
    find_weights,
    imagenet_normalise,
    imagenet_state,
    load_model,
    model_card,
    output_module,
    param_groups,
    save_model,
    weight_locations,
    weights_identity,
)


def __getattr__(name: str):  # submodules on first use: ``glioma_lib.models.<module>``
    from ..lazy import submodule

    return submodule(__name__, name)
