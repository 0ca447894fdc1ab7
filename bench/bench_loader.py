"""Benchmark: our data path against a plain ``ImageFolder`` + PIL pipeline, the way most
people would write it.

Ours: the cached uint8 slice array → batched online augmentation (``augment_online``) on
uint8 tensors → ImageNet normalisation. Plain: the same slices saved as PNG files in an
``ImageFolder`` layout → PIL decode → the same augmentation as PIL transforms → ``ToTensor`` →
``Normalize``, through a ``DataLoader`` with the same number of worker processes as cores
(and with none). Both feed the same GoogLeNet training step. Reports images/s for the data
path alone and for whole training steps, and their ratios (target: ours ≥ 1.5× the plain
pipeline at 96–128 px). Each rate is the best of ``--repeats`` rounds taken in turn, so a
busy moment of the machine does not decide the ratio. The model alone on a tensor already in
place gives the ceiling of any loader's gain in a training step on this CPU
(``training_ratio_ceiling``): where the model takes most of a step, no data path can make
training 1.5× faster, while on a GPU the data path alone sets the pace.
Writes ``bench/results/loader_<size>.json``.

    python bench/bench_loader.py --size 96 --images 1024
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from _common import envelope, write_result
from PIL import Image
from torch.utils.data import DataLoader
from torchvision import datasets
from torchvision import transforms as T

from glioma_lib.config import default_workers, results_root
from glioma_lib.data.slices import resize_slices, to_uint8
from glioma_lib.models import create, param_groups
from glioma_lib.models.device import to_input
from glioma_lib.training.augment import augment_online
from glioma_lib.training.precision import autocast, precision_name

OUT = Path(__file__).parent / "results"


def plain_transform(size: int) -> T.Compose:
    """The paper's online augmentation as classic PIL transforms."""
    frac = 15.0 / 224.0
    return T.Compose([
        T.Grayscale(num_output_channels=3),
        T.RandomAffine(degrees=4.0, translate=(frac, frac), shear=(-20, 20, -20, 20),
                       interpolation=T.InterpolationMode.BILINEAR),
        T.RandomHorizontalFlip(),
        T.ToTensor(),
        T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    ])


def best_of(measure, paths: dict, repeats: int) -> dict[str, float]:
    """The best rate of each path over ``repeats`` rounds, the paths taken in turn."""
    best: dict[str, float] = {}
    for _ in range(repeats):
        for name, make in paths.items():
            best[name] = max(best.get(name, 0.0), measure(make))
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=96)
    ap.add_argument("--images", type=int, default=1024)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--train-batches", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--slices", default=str(results_root() / "default" / "slices" / "flair.npy"),
                    help="cached uint8 slices to use (random noise when absent)")
    args = ap.parse_args()
    env = {**envelope(), "backbone": "googlenet"}  # random init, no profile's recipe
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    source = Path(args.slices)
    if source.exists():  # real slices (mostly black background, as PNGs of MRI are)
        real = np.load(source, mmap_mode="r")
        pick = np.sort(rng.choice(len(real), min(args.images, len(real)), replace=False))
        cache = to_uint8(resize_slices(np.asarray(real[pick], np.float32) / 255, args.size))
        args.images = len(cache)
    else:
        cache = rng.integers(0, 255, (args.images, args.size, args.size), dtype=np.uint8)
    labels = rng.integers(0, 2, args.images)
    tmp = Path(tempfile.mkdtemp(prefix="bench_loader_"))
    try:
        for i, (img, y) in enumerate(zip(cache, labels, strict=True)):
            folder = tmp / ("HGG" if y else "LGG")
            folder.mkdir(exist_ok=True)
            Image.fromarray(img).save(folder / f"{i:05d}.png")
        generator = torch.Generator().manual_seed(0)
        cpu = torch.device("cpu")

        def ours():
            order = rng.permutation(args.images)
            for b in range(0, args.images, args.batch):
                idx = np.sort(order[b:b + args.batch])
                x = augment_online(torch.from_numpy(cache[idx])[:, None], args.size, generator)
                yield to_input(x, cpu), torch.from_numpy(labels[idx])

        def plain(workers: int):
            ds = datasets.ImageFolder(str(tmp), transform=plain_transform(args.size))
            loader = DataLoader(ds, batch_size=args.batch, shuffle=True, num_workers=workers,
                                persistent_workers=False)
            for x, y in loader:
                yield x.contiguous(memory_format=torch.channels_last), y

        def data_rate(make) -> float:
            start = time.perf_counter()
            n = sum(len(x) for x, _ in make())
            return n / (time.perf_counter() - start)

        workers = default_workers()
        paths = {"ours": ours, "plain_0_workers": lambda: plain(0),
                 f"plain_{workers}_workers": lambda: plain(workers)}
        rates = best_of(data_rate, paths, args.repeats)

        model = create("googlenet", weights=None).to(memory_format=torch.channels_last)
        opt = torch.optim.Adam(param_groups(model))
        model.train()

        def step(x, y):  # the library's training arithmetic (bf16 autocast where it pays)
            with autocast(cpu):
                loss = F.cross_entropy(model(x).float(), y)
            loss.backward()

        def train_rate(make) -> float:
            batches = iter(make())
            step(*next(batches))  # warm-up step
            start, n = time.perf_counter(), 0
            for _ in range(args.train_batches):
                x, y = next(batches)
                opt.zero_grad(set_to_none=True)
                step(x, y)
                opt.step()
                n += len(x)
            return n / (time.perf_counter() - start)

        fixed = next(ours())

        def model_only():
            while True:
                yield fixed

        paths["model_alone"] = model_only
        train = best_of(train_rate, paths, args.repeats)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    best_plain_data = max(v for k, v in rates.items() if k.startswith("plain"))
    best_plain_train = max(v for k, v in train.items() if k.startswith("plain"))
    result = {
        **env, "size": args.size, "images": args.images, "batch": args.batch,
        "precision": precision_name("cpu"),
        "images_from": str(source) if source.exists() else "random noise",
        "data_path_img_per_s": rates, "training_img_per_s": train,
        "data_path_ours_over_best_plain": rates["ours"] / best_plain_data,
        "training_ours_over_best_plain": train["ours"] / best_plain_train,
        "training_ratio_ceiling": train["model_alone"] / best_plain_train,
        "target_ratio": 1.5,
        "malloc_env": {k: os.environ.get(k) for k in ("MALLOC_MMAP_MAX_",
                                                      "MALLOC_TRIM_THRESHOLD_")},
    }
    write_result(OUT / f"loader_{args.size}.json", result)


if __name__ == "__main__":
    main()
