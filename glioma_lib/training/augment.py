"""Augmentation: the paper's offline 6× expansion and its online per-batch transforms.

Offline (train split only): original, horizontal flip, and both rotated by +5° and −5°.
Online (every batch): translation up to 15 px (at 224 px; scaled with the image size),
horizontal reflection p = 0.5, rotation in [−4°, 4°], shear within 20° (x and y). Training uses
:func:`augment_online`: one call per batch, on whatever device the batch lives on, every
image with its own parameters drawn from a seeded ``torch.Generator`` on that device, applied
as one ``affine_grid``/``grid_sample`` (the same matrices and sampling as torchvision's
``RandomAffine`` + ``RandomHorizontalFlip``, whose per-image loop :func:`augment_batch` keeps
as the reference; pixels from outside the image are 0). Offline variants use
:mod:`torchvision.transforms.v2` on uint8 tensors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as TF

from ..paper import PROTOCOL

OFFLINE_ANGLES = (PROTOCOL["offline_rotation_deg"], -PROTOCOL["offline_rotation_deg"])
OFFLINE_NAMES = ("original", "flip", "original +5°", "original −5°", "flip +5°", "flip −5°")
#: The paper's online ranges (:data:`glioma_lib.paper.PROTOCOL`): rotation ±4°, translation
#: ±15 px at 224 px, shear ±20° on each axis, horizontal reflection with probability 0.5.
ROTATION_DEG = PROTOCOL["online_rotation_deg"]
TRANSLATE_PX_AT_224 = PROTOCOL["online_translate_px_at_224"]
SHEAR_DEG = PROTOCOL["online_shear_deg"]
FLIP_P = PROTOCOL["flip_p"]


def offline_variants(images: torch.Tensor | np.ndarray) -> torch.Tensor:
    """The 6 offline variants: ``(N, [C,] H, W)`` → ``(N, 6, [C,] H, W)`` (OFFLINE_NAMES order)."""
    x = torch.as_tensor(np.asarray(images))
    single = x.ndim == 3
    x = x[:, None] if single else x  # (N, C, H, W)
    flipped = TF.horizontal_flip(x)
    out = [x, flipped]
    out += [TF.rotate(x, a, interpolation=v2.InterpolationMode.BILINEAR) for a in OFFLINE_ANGLES]
    out += [TF.rotate(flipped, a, interpolation=v2.InterpolationMode.BILINEAR)
            for a in OFFLINE_ANGLES]
    return torch.cat(out, dim=1) if single else torch.stack(out, dim=1)


def expand_offline(images: np.ndarray, labels: np.ndarray, chunk: int = 256,
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Offline 6× expansion of a training set: ``(6N, [C,] H, W)`` images, ``(6N,)`` labels.

    The variants are written chunk by chunk into one preallocated array, so the expanded set
    is never held twice (1.4 GB per sequence under ``paper``).

    Args:
        images: ``(N, [C,] H, W)`` uint8 training slices.
        labels: ``(N,)`` their labels.
        chunk: slices expanded at a time.

    Example:
        >>> x, y = expand_offline(np.zeros((2, 8, 8), np.uint8), np.array([0, 1]))
        >>> x.shape, y.tolist()
        ((12, 8, 8), [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    """
    images = np.asarray(images)
    k = len(OFFLINE_NAMES)
    out = np.empty((len(images), k, *images.shape[1:]), dtype=images.dtype)
    for start in range(0, len(images), chunk):
        out[start:start + chunk] = offline_variants(images[start:start + chunk]).numpy()
    return out.reshape(len(images) * k, *images.shape[1:]), np.repeat(np.asarray(labels), k)


def online_transform(image_size: int, translate_px_at_224: float = TRANSLATE_PX_AT_224,
                     ) -> v2.Transform:
    """The paper's online augmentation for one ``(C, H, W)`` uint8 image, as torchvision
    transforms (the per-image reference of :func:`augment_online`).

    Args:
        image_size: the profile's image size (unused: the translation is a fraction).
        translate_px_at_224: the largest shift at 224 px.

    Example:
        >>> online_transform(96)(torch.zeros(1, 96, 96, dtype=torch.uint8)).shape
        torch.Size([1, 96, 96])
    """
    frac = translate_px_at_224 / 224.0
    return v2.Compose([
        v2.RandomAffine(degrees=ROTATION_DEG, translate=(frac, frac),
                        shear=(-SHEAR_DEG, SHEAR_DEG, -SHEAR_DEG, SHEAR_DEG),
                        interpolation=v2.InterpolationMode.BILINEAR),
        v2.RandomHorizontalFlip(p=FLIP_P),
    ])


def augment_batch(batch: torch.Tensor, transform: v2.Transform) -> torch.Tensor:
    """Apply ``transform`` to each image of a ``(B, C, H, W)`` batch (own parameters each):
    the per-image torchvision path, kept as the reference and for the benchmarks.

    Args:
        batch: ``(B, C, H, W)`` uint8 images.
        transform: e.g. :func:`online_transform`.

    Example:
        >>> augment_batch(torch.zeros(2, 1, 32, 32, dtype=torch.uint8), online_transform(32)).shape
        torch.Size([2, 1, 32, 32])
    """
    return torch.stack([transform(img) for img in batch])


@dataclass(frozen=True)
class OnlineParams:
    """Per-image parameters of the online augmentation (tensors of length B, on one device).

    ``angle`` and ``shear_x``/``shear_y`` in degrees, ``tx``/``ty`` in whole pixels (positive:
    right/down), ``flip`` true where the image is mirrored left–right after the affine map
    (torchvision's order: ``RandomAffine`` then ``RandomHorizontalFlip``).
    """

    angle: torch.Tensor
    tx: torch.Tensor
    ty: torch.Tensor
    shear_x: torch.Tensor
    shear_y: torch.Tensor
    flip: torch.Tensor


def max_translation_px(image_size: int) -> float:
    """The largest online shift at ``image_size``: 15 px at 224 px, scaled with the size.

    Example:
        >>> max_translation_px(224), round(max_translation_px(96), 2)
        (15.0, 6.43)
    """
    return TRANSLATE_PX_AT_224 * image_size / 224.0


def draw_online_params(batch_size: int, image_size: int, generator: torch.Generator,
                       ) -> OnlineParams:
    """Draw each image's online parameters from ``generator`` (on its device), with
    torchvision's distributions: uniform angle and shears, uniform shift rounded to whole
    pixels, a fair coin for the flip.

    Args:
        batch_size: images in the batch.
        image_size: the images' side (scales the translation).
        generator: a seeded ``torch.Generator``; the parameters live on its device.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> p = draw_online_params(4, 224, g)
        >>> bool(p.angle.abs().max() <= 4)
        True
    """
    u = torch.rand(batch_size, 6, generator=generator, device=generator.device) * 2 - 1
    shift = max_translation_px(image_size)
    return OnlineParams(angle=u[:, 0] * ROTATION_DEG, tx=torch.round(u[:, 1] * shift),
                        ty=torch.round(u[:, 2] * shift), shear_x=u[:, 3] * SHEAR_DEG,
                        shear_y=u[:, 4] * SHEAR_DEG, flip=u[:, 5] < 2 * FLIP_P - 1)


def affine_theta(params: OnlineParams, height: int, width: int) -> torch.Tensor:
    """``(B, 2, 3)`` matrices for ``torch.nn.functional.affine_grid`` (``align_corners=False``):
    torchvision's inverse affine matrix (``_get_inverse_affine_matrix``, centre = the image's
    centre) in normalised coordinates, with the flip folded in as a mirrored output column.

    Args:
        params: per-image parameters (:func:`draw_online_params`).
        height: image height in pixels.
        width: image width in pixels.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> affine_theta(draw_online_params(2, 64, g), 64, 64).shape
        torch.Size([2, 2, 3])
    """
    rot, sx, sy = (torch.deg2rad(t.double()) for t in (params.angle, params.shear_x,
                                                         params.shear_y))
    a = torch.cos(rot - sy) / torch.cos(sy)
    b = -(a * torch.tan(sx) + torch.sin(rot))
    c = torch.sin(rot - sy) / torch.cos(sy)
    d = torch.cos(rot) - c * torch.tan(sx)
    tx, ty = params.tx.double(), params.ty.double()
    # inverse of [[a, b], [c, d]] (determinant 1) applied after undoing the shift
    m = torch.stack([torch.stack([d, -b, -(d * tx - b * ty)], 1),
                     torch.stack([-c, a, -(-c * tx + a * ty)], 1)], 1)
    scale = m.new_tensor([[1.0, height / width, 2.0 / width], [width / height, 1.0, 2.0 / height]])
    theta = m * scale
    mirror = torch.where(params.flip, -1.0, 1.0).to(theta)
    theta[:, :, 0] = theta[:, :, 0] * mirror[:, None]
    return theta.float()


def sampling_grid(theta: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """``F.affine_grid(theta, (B, 1, H, W), align_corners=False)`` by broadcasting: the same
    grid, without the batched 3-wide matrix product that takes 60 ms per 128 images of 224 px
    on a 2-core CPU (this takes ~4 ms).

    Args:
        theta: ``(B, 2, 3)`` matrices (:func:`affine_theta`).
        height: output height.
        width: output width.

    Example:
        >>> sampling_grid(torch.eye(2, 3)[None], 4, 4).shape
        torch.Size([1, 4, 4, 2])
    """
    kw = {"device": theta.device, "dtype": theta.dtype}
    xs = (torch.arange(width, **kw) * 2 + 1) / width - 1
    ys = ((torch.arange(height, **kw) * 2 + 1) / height - 1)[:, None]
    t = theta[:, :, :, None, None]  # (B, 2, 3, 1, 1)
    return torch.stack([t[:, 0, 0] * xs + t[:, 0, 1] * ys + t[:, 0, 2],
                        t[:, 1, 0] * xs + t[:, 1, 1] * ys + t[:, 1, 2]], dim=-1)


def apply_online(batch: torch.Tensor, params: OnlineParams) -> torch.Tensor:
    """Warp a ``(B, C, H, W)`` uint8 batch with per-image ``params`` in one bilinear
    ``grid_sample`` (zeros from outside the image), rounded back to uint8.

    Args:
        batch: ``(B, C, H, W)`` uint8 images on any device.
        params: one set of parameters per image, on the batch's device.

    Example:
        >>> x = torch.zeros(2, 1, 32, 32, dtype=torch.uint8)
        >>> apply_online(x, draw_online_params(2, 32, torch.Generator())).shape
        torch.Size([2, 1, 32, 32])
    """
    _, _, h, w = batch.shape
    grid = sampling_grid(affine_theta(params, h, w), h, w)
    out = F.grid_sample(batch.float(), grid, mode="bilinear", padding_mode="zeros",
                        align_corners=False)
    return out.round_().clamp_(0, 255).to(torch.uint8)


def augment_online(batch: torch.Tensor, image_size: int, generator: torch.Generator,
                   ) -> torch.Tensor:
    """The paper's online augmentation of a whole batch in one call, on the batch's device:
    every image its own rotation, shift, shears and flip, drawn from ``generator``.

    Args:
        batch: ``(B, C, H, W)`` uint8 images (CPU or CUDA).
        image_size: the profile's image size (scales the 15 px shift of 224 px).
        generator: a seeded ``torch.Generator`` on the batch's device: the same seed gives
            the same draws (bit for bit on the CPU).

    Returns:
        The augmented batch: same shape, dtype and device.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> augment_online(torch.zeros(4, 1, 96, 96, dtype=torch.uint8), 96, g).shape
        torch.Size([4, 1, 96, 96])
    """
    return apply_online(batch, draw_online_params(len(batch), image_size, generator))


def offline_examples(arrays: dict[str, np.ndarray], row: int) -> np.ndarray:
    """The 6 offline variants of one slice row for each sequence: ``(n_seq, 6, H, W)``.

    Args:
        arrays: sequence → ``(N, H, W)`` uint8 slices (``SliceSet.array``).
        row: the slice row to show.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> offline_examples({s: data.slices.array(s) for s in ("t1", "flair")}, row=0)
    """
    return np.stack([offline_variants(np.asarray(a)[[row]])[0].numpy() for a in arrays.values()])


def online_examples(arrays: dict[str, np.ndarray], row: int, image_size: int, n: int = 8,
                    seed: int = 0) -> np.ndarray:
    """``n`` independent online-augmentation draws of one slice row per sequence:
    ``(n_seq, n, H, W)`` (seeded).

    Args:
        arrays: sequence → ``(N, H, W)`` uint8 slices.
        row: the slice row to show.
        image_size: the profile's image size (scales the translation).
        n: draws per sequence.
        seed: torch seed of the draws.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> online_examples({"flair": data.slices.array("flair")}, 0, image_size=96)
    """
    generator = torch.Generator().manual_seed(seed)
    out = []
    for a in arrays.values():
        batch = torch.from_numpy(np.repeat(np.asarray(a)[[row]], n, 0))[:, None]
        out.append(augment_online(batch, image_size, generator)[:, 0].numpy())
    return np.stack(out)
