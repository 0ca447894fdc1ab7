"""Training one model per sequence: the paper's recipe, with history, checkpoints and resume.

Cross-entropy; Adam (the paper names no solver: Adam is MATLAB's and Keras' usual choice for
transfer learning with per-layer learning rates, and needs no momentum schedule); learning rate
1e-4 for the backbone and 1e-3 for the new head; best checkpoint by validation loss. Each epoch
reseeds torch and the batch order from ``(seed, epoch)``, so a run killed after epoch k and
resumed from its checkpoint ends with the same weights and history as an uninterrupted run.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from tqdm import tqdm

from ..models.device import as_batch, pick_device, to_input
from ..models.registry import GliomaNet, param_groups
from ..store import atomic_write, progress, save_csv
from .device_data import DeviceSet
from .precision import autocast, grad_scaler, precision_name  # noqa: F401 (re-exported)

#: Training images from which CUDA graphs repay their compile time on a GPU: GoogLeNet at
#: 224 px on an H200 trained 5,578 img/s eager and 8,383 img/s with CUDA graphs after a
#: 64 s compile (bench/results/gpu_check.json): break-even near 1.1 M images; a `paper`
#: network sees 2.8 M.
COMPILE_MIN_IMAGES = 1_500_000

HISTORY_COLUMNS = ["epoch", "train_loss", "train_acc", "val_loss", "val_acc", "seconds"]
#: Bumped whenever training gives other weights for the same data and settings (cached
#: models made by another version are retrained, not reused).
TRAINING_VERSION = 3  # 3: batched online augmentation (augment_online), its own draws


@dataclass
class TrainConfig:
    """Knobs of one training run (filled from a profile)."""

    epochs: int
    batch_size: int
    lr_backbone: float = 1e-4
    lr_head: float = 1e-3
    seed: int = 0
    image_size: int = 224
    online_aug: bool = True
    progress: bool = False
    #: ``auto``, ``fp32``, ``bf16`` or ``fp16`` (:mod:`glioma_lib.training.precision`).
    precision: str = "auto"
    #: ``torch.compile`` with CUDA graphs (``mode="reduce-overhead"``) on CUDA: ``"auto"``
    #: when the run sees at least :data:`COMPILE_MIN_IMAGES` training images (where the
    #: measured speed-up repays the compile time), ``"always"`` or ``"never"``. Never on CPU.
    compile: str = "auto"
    #: Class weights of the training loss: None (the paper's unweighted cross-entropy) or
    #: ``"balanced"`` (each class weighs n / (classes × n_class): :func:`class_weights`).
    class_weight: str | None = None
    #: What the progress lines call the network (default: its folder's last two parts).
    label: str | None = None

    @classmethod
    def from_profile(cls, profile, progress: bool = False) -> TrainConfig:
        """The training knobs of a :class:`glioma_lib.config.Profile`."""
        return cls(epochs=profile.epochs, batch_size=profile.batch_size,
                   lr_backbone=profile.lr_backbone, lr_head=profile.lr_head, seed=profile.seed,
                   image_size=profile.image_size, progress=progress,
                   precision=profile.precision)


def class_weights(labels: np.ndarray, n_classes: int, kind: str | None) -> torch.Tensor | None:
    """The loss's per-class weights: None for the unweighted loss, or for ``"balanced"``
    scikit-learn's ``compute_class_weight("balanced")`` (n / (classes × n_class); a class
    absent from ``labels`` weighs 1).

    Args:
        labels: the training labels.
        n_classes: the network's outputs.
        kind: None or ``"balanced"``.

    Example:
        >>> class_weights(np.array([0, 1, 1, 1]), 2, "balanced")
        tensor([2.0000, 0.6667])
    """
    if kind is None:
        return None
    if kind != "balanced":
        raise ValueError(f"class_weight {kind!r}: choose None or 'balanced'")
    from sklearn.utils.class_weight import compute_class_weight

    labels = np.asarray(labels)
    present = np.unique(labels)
    weights = np.ones(n_classes)
    weights[present] = compute_class_weight("balanced", classes=present, y=labels)
    return torch.tensor(weights, dtype=torch.float32)


def _save_checkpoint(path: Path, model, optimizer, scaler, epoch: int, history: list,
                     best: float, run_key: str | None):
    state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
             "scaler": scaler.state_dict(), "epoch": epoch, "history": history,
             "best_val_loss": best, "run_key": run_key}
    atomic_write(path, lambda p: torch.save(state, p))


def evaluate(model: GliomaNet, images: np.ndarray | torch.Tensor, labels: np.ndarray,
             batch_size: int = 256, device: torch.device | None = None,
             precision: str = "auto") -> tuple[float, float, np.ndarray]:
    """Loss, accuracy and HGG probabilities of ``model`` on uint8 images ``(N, [C,] H, W)``,
    computed in ``precision`` (:func:`glioma_lib.training.precision.resolve_precision`).

    ``images`` may already be on ``device`` (a :class:`DeviceSet`'s images): nothing is then
    copied; results stay on the device until the end (one synchronisation per call).
    A model with more than two outputs (a site classifier) gives every class's probability,
    ``(N, classes)``, and its accuracy is that of the most probable class.

    Args:
        model: a trained network.
        images: uint8 slices (numpy, or a tensor on any device).
        labels: their labels.
        batch_size: images per forward pass.
        device: where to compute (default :func:`pick_device`).
        precision: a profile's ``precision``.

    Example:
        >>> model = gl.models.create("mobilenet_v2", weights=None)
        >>> x_val, y_val = np.zeros((4, 64, 64), np.uint8), np.array([0, 1, 0, 1])
        >>> loss, acc, p = evaluate(model, x_val, y_val)
    """
    device = device or pick_device()
    model.to(device).eval()
    y_all = torch.as_tensor(np.asarray(labels), dtype=torch.long).to(device)
    probs, loss_sum = [], torch.zeros((), device=device)
    with torch.inference_mode():
        for start in range(0, len(images), batch_size):
            x = as_batch(images[start:start + batch_size])
            y = y_all[start:start + batch_size]
            with autocast(device, precision, model.name):
                logits = model(to_input(x, device)).float()
            loss_sum += F.cross_entropy(logits, y, reduction="sum")
            p = logits.softmax(1)
            probs.append(p[:, 1] if p.shape[1] == 2 else p)
    p = torch.cat(probs).cpu().numpy() if probs else np.zeros(0)
    n = max(len(images), 1)
    hits = (p >= 0.5) if p.ndim == 1 else p.argmax(1)
    return float(loss_sum) / n, float((hits == np.asarray(labels)).mean()), p


def predict(model: GliomaNet, images: np.ndarray, batch_size: int = 256,
            precision: str = "auto") -> np.ndarray:
    """HGG probability per image (every class's, ``(N, classes)``, for a multi-class model)."""
    return evaluate(model, images, np.zeros(len(images), int), batch_size,
                    precision=precision)[2]


def _compiled(model: GliomaNet, cfg: TrainConfig, device: torch.device, images: int):
    """The module the training steps call: ``model`` itself, or on CUDA its
    ``torch.compile(mode="reduce-overhead")`` (CUDA graphs) when ``cfg.compile`` asks for it
    (``"auto"``: ``images`` ≥ :data:`COMPILE_MIN_IMAGES`). Both share the same weights."""
    if cfg.compile not in ("auto", "always", "never"):
        raise ValueError(f"compile {cfg.compile!r}: choose auto, always or never")
    wanted = cfg.compile == "always" or (cfg.compile == "auto" and images >= COMPILE_MIN_IMAGES)
    if device.type != "cuda" or not wanted:
        return model
    return torch.compile(model, mode="reduce-overhead")


def _resumable(last: Path, device: torch.device, run_key: str | None) -> dict | None:
    """The state in ``last.pt`` when it exists, loads and was made under ``run_key``."""
    if not last.exists():
        return None
    try:
        state = torch.load(last, map_location=device, weights_only=True)
    except Exception:  # a truncated or foreign file: start over
        return None
    return state if state.get("run_key") == run_key else None


def train_step(net, optimizer, x: torch.Tensor, y: torch.Tensor, device: torch.device,
               precision: str = "auto", backbone: str | None = None,
               weight: torch.Tensor | None = None, scaler=None
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """One training step, the only one in the project (the loop of :func:`train_model`, the
    book's speed probe and every training benchmark): forward under the arithmetic of
    ``precision`` (:func:`~glioma_lib.training.precision.autocast`), cross-entropy in fp32,
    backward (through ``scaler`` where fp16 needs one) and the optimizer's step.

    Args:
        net: the network (or its compiled form).
        optimizer: its optimizer.
        x: the input batch, float on ``device`` (:func:`glioma_lib.models.device.to_input`).
        y: the labels.
        device: where it trains.
        precision: a profile's ``precision``.
        backbone: the network's registry name (``auto`` keeps some in fp32 on a CPU).
        weight: class weights of the loss, or None.
        scaler: a gradient scaler (:func:`~glioma_lib.training.precision.grad_scaler`), or
            None for a plain backward and step.

    Example:
        >>> net = gl.models.create("mobilenet_v2", weights=None)
        >>> opt = torch.optim.Adam(net.parameters())
        >>> x, y = torch.rand(2, 3, 32, 32), torch.tensor([0, 1])
        >>> loss, logits = train_step(net, opt, x, y, torch.device("cpu"), "fp32")
    """
    with autocast(device, precision, backbone):
        logits = net(x)
        loss = F.cross_entropy(logits.float(), y, weight=weight)
    optimizer.zero_grad(set_to_none=True)
    if scaler is None:
        loss.backward()
        optimizer.step()
    else:
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
    return loss, logits


def train_model(
    model: GliomaNet, train_images: np.ndarray, train_labels: np.ndarray,
    val_images: np.ndarray, val_labels: np.ndarray, cfg: TrainConfig, out_dir: str | Path,
    stop_after: int | None = None, run_key: str | None = None,
    device: torch.device | str | None = None,
) -> pd.DataFrame:
    """Train (or resume) and return the per-epoch history; best weights end up in ``model``.

    The training and validation sets are placed on the training device once
    (:class:`~glioma_lib.training.device_data.DeviceSet`); each batch is indexed, augmented
    (:func:`~glioma_lib.training.augment.augment_online`, parameters from a generator on the
    device seeded by ``(seed, epoch)``) and normalised there.

    Writes ``out_dir/last.pt`` after every epoch (model, optimizer, gradient-scaler state,
    history, and ``run_key``), ``best.pt`` (weights of the epoch with the lowest validation
    loss) and ``history.csv``. An existing ``last.pt`` is resumed only when it was written
    under the same ``run_key`` (the cache manifest's fingerprint); otherwise it and
    ``best.pt`` are discarded and training starts at epoch 1. ``stop_after`` ends the run
    early after that many epochs in total (used to test resume).

    Args:
        model: the network (moved to the device, channels_last).
        train_images: ``(N, [C,] H, W)`` uint8 training slices.
        train_labels: ``(N,)`` labels.
        val_images: validation slices.
        val_labels: their labels.
        cfg: the training knobs.
        out_dir: the model's folder.
        stop_after: stop after this many epochs in total.
        run_key: the cache manifest's fingerprint (guards resume).
        device: where to train (default :func:`pick_device`).

    Example:
        >>> model = gl.models.create("mobilenet_v2", weights=None)
        >>> x_tr, y_tr = np.zeros((8, 64, 64), np.uint8), np.array([0, 1] * 4)
        >>> x_va, y_va = x_tr[:4], y_tr[:4]
        >>> history = train_model(model, x_tr, y_tr, x_va, y_va, TrainConfig(5, 64), "out/")
    """
    from .augment import augment_online

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    device = torch.device(device) if device is not None else pick_device()
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    model.to(device).to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(param_groups(model, cfg.lr_backbone, cfg.lr_head),
                                 fused=device.type == "cuda")
    scaler = grad_scaler(device, cfg.precision, model.name)
    history: list[dict] = []
    best = float("inf")
    first_epoch = 0
    last = out_dir / "last.pt"
    state = _resumable(last, device, run_key)
    if state is None:
        for stale in (last, out_dir / "best.pt"):
            stale.unlink(missing_ok=True)
    else:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if state.get("scaler"):
            scaler.load_state_dict(state["scaler"])
        history, best, first_epoch = state["history"], state["best_val_loss"], state["epoch"] + 1
        print(f"[train] resuming {out_dir} after epoch {first_epoch} of {cfg.epochs} (last.pt)",
              flush=True)
    train = DeviceSet.place(train_images, train_labels, device)
    val = DeviceSet.place(val_images, val_labels, device)
    n = len(train)
    weight = class_weights(train_labels, max(2, int(np.max(train_labels, initial=0)) + 1),
                           cfg.class_weight)
    weight = None if weight is None else weight.to(device)
    step_model = _compiled(model, cfg, device, n * (cfg.epochs - first_epoch))
    for epoch in range(first_epoch, cfg.epochs):
        if stop_after is not None and epoch >= stop_after:
            break
        start = time.perf_counter()
        torch.manual_seed(cfg.seed * 100_003 + epoch)
        generator = torch.Generator(device).manual_seed(cfg.seed * 100_003 + epoch)
        order = np.random.default_rng([cfg.seed, epoch]).permutation(n)
        model.train()
        total_loss = torch.zeros((), device=device)
        correct = torch.zeros((), dtype=torch.long, device=device)
        batches = train.batches(order, cfg.batch_size)
        for x, y in tqdm(batches, total=-(-n // cfg.batch_size),
                         desc=f"epoch {epoch + 1}/{cfg.epochs}", disable=not cfg.progress,
                         leave=False):
            if cfg.online_aug:
                x = augment_online(x, cfg.image_size, generator)
            # the last, shorter batch runs eagerly: a new shape would compile a second graph
            net = step_model if len(y) == cfg.batch_size else model
            args = (optimizer, to_input(x, device), y, device, cfg.precision, model.name,
                    weight, scaler)
            try:
                loss, logits = train_step(net, *args)
            except Exception as err:
                if net is model:
                    raise
                warnings.warn(f"torch.compile failed ({type(err).__name__}: {err}); "
                              f"training {model.name} eagerly", stacklevel=2)
                step_model = net = model
                loss, logits = train_step(net, *args)
            total_loss += loss.detach() * len(y)
            correct += (logits.argmax(1) == y).sum()
        val_loss, val_acc, _ = evaluate(model, val.images, val_labels, device=device,
                                        precision=cfg.precision)
        history.append({"epoch": epoch + 1, "train_loss": float(total_loss) / n,
                        "train_acc": int(correct) / n, "val_loss": val_loss, "val_acc": val_acc,
                        "seconds": time.perf_counter() - start})
        if val_loss < best:
            best = val_loss
            atomic_write(out_dir / "best.pt", lambda p: torch.save(model.state_dict(), p))
        _save_checkpoint(last, model, optimizer, scaler, epoch, history, best, run_key)
        seconds = history[-1]["seconds"]
        label = cfg.label or f"{out_dir.parent.name}/{out_dir.name}"
        progress(f"{label} ({model.name}): epoch {epoch + 1}/"
                 f"{cfg.epochs}, {seconds:.0f} s/epoch, about "
                 f"{seconds * (cfg.epochs - epoch - 1):.0f} s left for this network")
    frame = pd.DataFrame(history, columns=HISTORY_COLUMNS)
    save_csv(out_dir / "history.csv", frame)
    if (out_dir / "best.pt").exists() and (stop_after is None or stop_after >= cfg.epochs):
        model.load_state_dict(torch.load(out_dir / "best.pt", map_location=device,
                                         weights_only=True))
    return frame
