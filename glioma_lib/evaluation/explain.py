"""Where the network looks: Grad-CAM (the ``grad-cam`` package) for the glioma networks."""

from __future__ import annotations

import warnings

import numpy as np
import torch

with warnings.catch_warnings():  # grad-cam imports tqdm.auto, which warns without ipywidgets
    warnings.simplefilter("ignore")
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

from ..models.device import as_batch, to_input
from ..models.registry import GliomaNet

#: The layer Grad-CAM reads per backbone: the last block with a spatial map of stride 16 or
#: 32 (for GoogLeNet ``inception4e``, stride 16, so 96 px inputs still give a 6×6 map).
_LAYERS = {
    "googlenet": lambda m: m.backbone.net.inception4e,
    "inception_v3": lambda m: m.backbone.net.Mixed_7c,
    "mobilenet_v2": lambda m: m.backbone.features[-1],
    "vgg16": lambda m: m.backbone.features[-3],
    "xception": lambda m: m.backbone.net.act4,
    "efficientnet_lite0": lambda m: m.backbone.net.conv_head,
}


def target_layer(model: GliomaNet) -> torch.nn.Module:
    """The layer whose activations and gradients Grad-CAM combines for ``model``."""
    try:
        return _LAYERS[model.name](model)
    except KeyError:
        raise ValueError(f"no Grad-CAM layer known for backbone {model.name!r}") from None


def gradcam(model: GliomaNet, images: np.ndarray, target_class: int | None = None,
            batch_size: int = 32) -> np.ndarray:
    """Grad-CAM maps in [0, 1], one per uint8 image ``(N, [C,] H, W)`` → ``(N, H, W)``.

    ``target_class`` 1 explains "HGG", 0 "LGG"; ``None`` explains each image's predicted class.
    """
    model.eval()
    device = next(model.parameters()).device
    maps = []
    with GradCAM(model=model, target_layers=[target_layer(model)]) as cam:
        for start in range(0, len(images), batch_size):
            x = to_input(as_batch(images[start:start + batch_size]), device)
            x = x.contiguous().requires_grad_(True)
            targets = None if target_class is None else \
                [ClassifierOutputTarget(target_class)] * len(x)
            maps.append(cam(input_tensor=x, targets=targets))
    return np.concatenate(maps) if maps else np.zeros((0, *images.shape[-2:]), np.float32)


CASES = ("HGG graded HGG", "HGG graded LGG", "LGG graded LGG", "LGG graded HGG")


def pick_cases(labels, probs, threshold: float = 0.5) -> dict[str, int | None]:
    """One example position per case of :data:`CASES` (the most confident one), or ``None``
    where a case does not occur (e.g. no wrongly graded LGG slice)."""
    labels = np.asarray(labels).astype(int)
    probs = np.asarray(probs, dtype=float)
    pred = (probs >= threshold).astype(int)
    out: dict[str, int | None] = {}
    for name, (truth, graded) in zip(CASES, ((1, 1), (1, 0), (0, 0), (0, 1)), strict=True):
        where = np.flatnonzero((labels == truth) & (pred == graded))
        confidence = np.abs(probs[where] - 0.5)
        out[name] = int(where[np.argmax(confidence)]) if len(where) else None
    return out


def cases(models: dict, slices, frame, sequences) -> dict:
    """Grad-CAM panels of :func:`pick_cases` for each sequence's network (chapter 6).

    Args:
        models: sequence → trained network.
        slices: the ``SliceSet`` the frame's ``row`` column indexes.
        frame: test predictions (``row``, ``label``, ``p_<seq>``).
        sequences: which sequences, in order.

    Returns:
        ``images``, ``cams``, ``masks`` (stacked) and ``titles``: the arguments of
        :func:`glioma_lib.reporting.plots.gradcam_grid`.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> seqs = ("t1", "t2", "flair")
        >>> test = gl.evaluation.with_votes(gl.run_recipe(data, "patient").predictions, seqs)
        >>> gl.plots.gradcam_grid(**cases(models, data.slices, test, ("t1", "flair")), ncols=4)
    """
    from ..config import SEQUENCE_NAMES

    rows = frame["row"].to_numpy()
    images, cams, masks, titles = [], [], [], []
    for seq in sequences:
        picked = [(case, pos) for case, pos in pick_cases(frame["label"], frame[f"p_{seq}"])
                  .items() if pos is not None]
        chosen = rows[[pos for _, pos in picked]]
        images.append(slices.array(seq)[chosen])
        cams.append(gradcam(models[seq], images[-1]))
        masks.append(slices.array("mask")[chosen])
        titles += [f"{SEQUENCE_NAMES.get(seq, seq)}: {case}\np(HGG) = "
                   f"{frame[f'p_{seq}'].iloc[pos]:.2f}" for case, pos in picked]
    return {"images": np.concatenate(images), "cams": np.concatenate(cams),
            "masks": np.concatenate(masks), "titles": titles}
