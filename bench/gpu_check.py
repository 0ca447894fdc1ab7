"""The device check for whoever is lent a GPU: the `paper` profile's training speed, memory,
a two-epoch recipe run on CUDA beside the CPU, `predict` on real patients, and the projected
wall time of the whole `paper` book on one GPU.

Two steps, because the GPU machine has no nibabel/nilearn and reaches no package registry:

    # here (project venv): a small synthetic cohort's 224 px slices, the four real patients
    # of ../shared/brats-sample (T1, T2, FLAIR, seg) and nibabel's wheel, into .gpu/
    python bench/gpu_check.py prepare
    # there (one call of the device tool, carry .gpu): bench/gpu_check.sh

``run`` writes ``bench/results/gpu_check.json`` (or ``--out``) after every part, so a run
stopped at its time limit still leaves what it measured. ``run --tiny`` does every part at
toy sizes on whatever device is present (the test suite runs it on the CPU).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from glioma_lib.config import SEQUENCES, get_profile  # noqa: E402
from glioma_lib.models.device import pick_device, to_input  # noqa: E402
from glioma_lib.models.registry import create, model_card, param_groups  # noqa: E402
from glioma_lib.store import write_json  # noqa: E402
from glioma_lib.training.augment import augment_online, expand_offline  # noqa: E402
from glioma_lib.training.device_data import DeviceSet  # noqa: E402
from glioma_lib.training.precision import autocast, precision_name  # noqa: E402
from glioma_lib.training.train import (  # noqa: E402
    TrainConfig,
    train_model,
    train_step,  # noqa: E402
)

DATA = ROOT / ".gpu"
OUT = ROOT / "bench" / "results" / "gpu_check.json"
SAMPLE = ROOT.parent / "shared" / "brats-sample"
#: Chapter 3's backbones besides GoogLeNet (the `paper` head-to-head trains them all).
OTHER_BACKBONES = ("inception_v3", "xception", "mobilenet_v2", "efficientnet_lite0", "vgg16")
#: Full-size sizes (the `paper` profile) and the toy sizes of ``--tiny``.
FULL = {"size": 224, "batch": 128, "train_images": 28_140, "steps": 60, "warmup": 10,
        "other_steps": 12, "cpu_epochs": 2}
TINY = {"size": 48, "batch": 8, "train_images": 64, "steps": 2, "warmup": 1,
        "other_steps": 1, "cpu_epochs": 2}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _peak_mib(device: torch.device) -> float | None:
    if device.type != "cuda":
        return None
    return round(torch.cuda.max_memory_allocated(device) / 2**20, 1)


def _reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)


def host_rss_mib() -> float:
    """Peak resident memory of this process so far (MiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _trainer(model, device: torch.device, precision: str, name: str):
    """One training step (forward, loss, backward, Adam) of ``model`` on a float batch."""
    optimizer = torch.optim.Adam(param_groups(model), fused=device.type == "cuda")

    def step(x: torch.Tensor, y: torch.Tensor) -> None:
        train_step(model, optimizer, x, y, device, precision, name)

    return step


def _rate(step, batches, steps: int, warmup: int, batch: int, device: torch.device
          ) -> tuple[float, float]:
    """(images/s over ``steps`` timed steps, seconds of the ``warmup`` steps before them)."""
    start = time.perf_counter()
    for _ in range(warmup):
        step(*next(batches))
    _sync(device)
    warm = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(steps):
        step(*next(batches))
    _sync(device)
    return steps * batch / (time.perf_counter() - start), warm


def _model_alone(size: int, batch: int, device: torch.device, classes: int = 2):
    x = torch.rand(batch, 3, size, size, device=device).contiguous(
        memory_format=torch.channels_last)
    y = torch.randint(0, classes, (batch,), device=device)
    while True:
        yield x, y


def _data_path(data: DeviceSet, size: int, batch: int, device: torch.device, seed: int = 0):
    """The training loop's own path: indexed on the device, augmented, normalised."""
    generator = torch.Generator(device).manual_seed(seed)
    epoch = 0
    while True:
        order = np.random.default_rng([seed, epoch]).permutation(len(data))
        for x, y in data.batches(order, batch):
            if len(y) == batch:
                yield to_input(augment_online(x, size, generator), device), y
        epoch += 1


def _inference_rate(model, size: int, device: torch.device, precision: str, steps: int,
                    batch: int) -> float:
    model.eval()
    x = torch.rand(batch, 3, size, size, device=device).contiguous(
        memory_format=torch.channels_last)
    with torch.inference_mode(), autocast(device, precision, model.name):
        for _ in range(2):
            model(x)
        _sync(device)
        start = time.perf_counter()
        for _ in range(steps):
            model(x)
        _sync(device)
    model.train()
    return steps * batch / (time.perf_counter() - start)


def _fresh(name: str, device: torch.device):
    torch.manual_seed(0)
    return create(name, weights=None).to(device).to(memory_format=torch.channels_last).train()


def measure_backbone(name: str, sizes: dict, device: torch.device, data: DeviceSet | None,
                     compiled: bool = False, pinned: DeviceSet | None = None) -> dict:
    """Training images/s model-alone and through the full data path (eager, optionally
    compiled, optionally from pinned host memory), inference images/s and peak GPU memory of
    one backbone at the `paper` sizes.

    Args:
        name: a registry backbone.
        sizes: :data:`FULL` or :data:`TINY`.
        device: where to measure.
        data: the device-resident uint8 training set (None: model alone only).
        compiled: also measure ``torch.compile`` (compile time included in ``compile_s``).
        pinned: the same set left in host memory (the fallback path), or None.

    Example:
        >>> measure_backbone("googlenet", TINY, torch.device("cpu"), None)["backbone"]
        'googlenet'
    """
    size, batch, steps, warm = sizes["size"], sizes["batch"], sizes["steps"], sizes["warmup"]
    if name != "googlenet":
        steps = sizes["other_steps"]
    precision = "auto"
    row: dict = {"backbone": name, "size": size, "batch": batch,
                 "precision": precision_name(device, precision, name)}
    _reset_peak(device)
    model = _fresh(name, device)
    step = _trainer(model, device, precision, name)
    row["model_alone_img_s"], row["warmup_s"] = _rate(
        step, _model_alone(size, batch, device), steps, warm, batch, device)
    if data is not None:
        row["data_path_img_s"], _ = _rate(step, _data_path(data, size, batch, device),
                                          steps, warm, batch, device)
        row["data_path_over_model_alone"] = row["data_path_img_s"] / row["model_alone_img_s"]
    if pinned is not None:
        row["pinned_host_img_s"], _ = _rate(step, _data_path(pinned, size, batch, device),
                                            steps, warm, batch, device)
    row["train_peak_gpu_mib"] = _peak_mib(device)
    row["inference_img_s"] = _inference_rate(model, size, device, precision, steps,
                                             2 * batch)
    if compiled and device.type == "cuda":
        for mode, key in ((None, "compiled"), ("reduce-overhead", "cudagraphs")):
            try:
                row.update(_compiled_rates(model, name, mode, key, sizes, device, data))
            except Exception as err:  # record, keep measuring
                row[f"{key}_error"] = f"{type(err).__name__}: {err}"[:300]
    del model
    _reset_peak(device)
    return row


def _compiled_rates(model, name: str, mode: str | None, key: str, sizes: dict,
                    device: torch.device, data: DeviceSet | None) -> dict:
    """``torch.compile`` (``mode``: None, or ``reduce-overhead`` for CUDA graphs): compile
    time (first step) and steady training images/s, model alone and through the data path."""
    size, batch, steps, warm = sizes["size"], sizes["batch"], sizes["steps"], sizes["warmup"]
    cmodel = torch.compile(model, mode=mode)
    cstep = _trainer(cmodel, device, "auto", name)
    start = time.perf_counter()
    cstep(*next(_model_alone(size, batch, device)))
    _sync(device)
    row = {f"{key}_compile_s": time.perf_counter() - start}
    row[f"{key}_model_alone_img_s"], _ = _rate(cstep, _model_alone(size, batch, device),
                                               steps, warm, batch, device)
    if data is not None:
        row[f"{key}_data_path_img_s"], _ = _rate(cstep, _data_path(data, size, batch, device),
                                                 steps, warm, batch, device)
    return row


def part_throughput(sizes: dict, device: torch.device, others: tuple[str, ...]) -> dict:
    """Parts 1 and 2: GoogLeNet in full (eager, compiled, pinned host path, memory of a
    full-size offline-6× training set on the device), then each other backbone briefly."""
    size, n = sizes["size"], sizes["train_images"]
    rss_before = host_rss_mib()
    host = torch.randint(0, 256, (n, size, size), dtype=torch.uint8).numpy()
    labels = np.arange(n) % 2
    _reset_peak(device)
    data = DeviceSet.place(host, labels, device)
    placed_mib = _peak_mib(device)
    pinned = DeviceSet.place(host, labels, device, resident=False) \
        if device.type == "cuda" else None
    google = measure_backbone("googlenet", sizes, device, data, compiled=True, pinned=pinned)
    google["training_set_mib"] = round(host.nbytes / 2**20, 1)
    google["training_set_on_device"] = data.resident
    google["gpu_mib_after_placing_set"] = placed_mib
    google["host_rss_before_mib"] = rss_before
    google["host_rss_peak_mib"] = host_rss_mib()
    rows = []
    for name in others:
        try:
            rows.append(measure_backbone(name, sizes, device, data))
        except Exception as err:  # one backbone failing must not lose the others
            rows.append({"backbone": name, "error": f"{type(err).__name__}: {err}"})
    del data, pinned, host
    return {"googlenet": google, "backbones": rows}


def _history(frame) -> list[dict]:
    return [{k: (round(float(v), 5) if isinstance(v, float) else int(v)) for k, v in r.items()}
            for r in frame.to_dict("records")]


def part_recipe(cohort: Path, sizes: dict, device: torch.device, models: Path) -> dict:
    """Part 3: the `paper` recipe (offline 6×, online augmentation, batch 128, Adam 1e-4/1e-3)
    for two epochs on a small synthetic cohort, one GoogLeNet per sequence on ``device``; the
    FLAIR network again with the same seed on the CPU. Leaves the networks in ``models``
    (``slice/<seq>/best.pt`` + ``model.json``) for part 4."""
    z = np.load(cohort, allow_pickle=False)
    split, size = z["split"].astype(str), int(z["image_size"])
    profile = get_profile("paper")
    cfg = TrainConfig(epochs=2, batch_size=sizes["batch"], image_size=size, seed=profile.seed)
    tr, va = (np.flatnonzero(split == s) for s in ("train", "val"))
    out: dict = {"cohort": {"patients": int(len(set(z["patient_id"].tolist()))),
                            "slices": int(len(split)), "train_slices": int(len(tr)),
                            "image_size": size},
                 "recipe": "paper: offline 6x + online augmentation, batch "
                           f"{cfg.batch_size}, Adam 1e-4/1e-3, 2 epochs, GoogLeNet random init",
                 "cuda": {}, "cpu": {}}
    labels = z["label"]

    def run(seq: str, where: torch.device, folder: Path) -> dict:
        torch.manual_seed(cfg.seed)
        model = create("googlenet", weights=None)
        x_tr, y_tr = expand_offline(z[seq][tr], labels[tr])
        start = time.perf_counter()
        history = train_model(model, x_tr, y_tr, z[seq][va], labels[va], cfg, folder,
                              device=where)
        seconds = time.perf_counter() - start
        card = model_card(model, seq, size, int(z["n_slices"]), "gpu-check", "slice",
                          extra={"precision": precision_name(where, cfg.precision, "googlenet"),
                                 "data": "synthetic (gpu_check)", "epochs": cfg.epochs})
        write_json(folder / "model.json", card)
        return {"precision": card["precision"], "seconds": round(seconds, 2),
                "train_images_per_epoch": int(len(x_tr)),
                "img_s": round(cfg.epochs * len(x_tr) / seconds, 1),
                "history": _history(history)}

    for seq in SEQUENCES:
        out["cuda" if device.type == "cuda" else "cpu"][seq] = run(seq, device, models / seq)
    if device.type == "cuda":
        with tempfile.TemporaryDirectory() as tmp:
            out["cpu"]["flair"] = run("flair", torch.device("cpu"), Path(tmp) / "flair")
        a, b = out["cuda"]["flair"]["history"], out["cpu"]["flair"]["history"]
        out["flair_cuda_vs_cpu"] = [
            {"epoch": x["epoch"], "train_loss_cuda": x["train_loss"],
             "train_loss_cpu": y["train_loss"], "val_loss_cuda": x["val_loss"],
             "val_loss_cpu": y["val_loss"]} for x, y in zip(a, b, strict=True)]
    return out


def part_predict(patients: Path, models: Path) -> list[dict]:
    """Part 4: ``glioma-grade predict``'s grading of each real patient (with its segmentation
    and with the automatic tumour window) by the networks of part 3, on the device at hand."""
    from glioma_lib.predict import grade

    rows = []
    for folder in sorted(p for p in patients.glob("*/*") if p.is_dir()):
        files = {s: next(folder.glob(f"*_{s}.nii*")) for s in (*SEQUENCES, "seg")}
        for use_seg in (True, False):
            given = files if use_seg else {s: files[s] for s in SEQUENCES}
            start = time.perf_counter()
            try:
                report, _ = grade(given, models)
                rows.append({"patient": folder.name, "true_grade": folder.parent.name,
                             "mask": "seg" if use_seg else "automatic",
                             "grade": report["grade"], "score_hgg": report["score_hgg"],
                             "precision": report["precision"],
                             "seconds": round(time.perf_counter() - start, 3)})
            except Exception as err:
                rows.append({"patient": folder.name, "mask": "seg" if use_seg else "automatic",
                             "error": f"{type(err).__name__}: {err}"})
    return rows


def paper_workload() -> list[dict]:
    """The networks the `paper` book trains, grouped by plan group, backbone and training
    images each: :func:`glioma_lib.training.workload.workload` of ``plan("paper")`` on a
    BraTS-2019-sized cohort (335 patients over the real sites), so the projection counts
    exactly the networks ``glioma-grade train`` trains, each with its own split and recipe.

    Example:
        >>> sum(g["networks"] for g in paper_workload())  # == len(plan) under `paper`
        35
    """
    from glioma_lib.training.workload import brats2019_like, patients_data, workload

    p = get_profile("paper")
    rows = workload(patients_data(p, brats2019_like(p)))
    rows["group"] = rows["unit"].str.replace(":", ": ", n=1).str.replace(
        r"fold\d+", "fold<k>", regex=True)
    groups = rows.groupby(["group", "backbone", "images"], sort=False).size()
    return [{"group": g, "backbone": b, "networks": int(n), "images_each": int(i)}
            for (g, b, i), n in groups.items()]


def projection(throughput: dict) -> dict:
    """Part 5: the `paper` book's training time on one GPU, from the measured full-data-path
    rates (each GoogLeNet in the fastest measured mode, eager, compiled or CUDA graphs, its
    compile time added per network)."""
    google = throughput["googlenet"]
    rates = {r["backbone"]: r.get("data_path_img_s") for r in throughput["backbones"]}
    options = [(google["data_path_img_s"], 0.0, "eager")]
    for key in ("compiled", "cudagraphs"):
        if google.get(f"{key}_data_path_img_s"):
            options.append((google[f"{key}_data_path_img_s"], google[f"{key}_compile_s"], key))
    rows, total = [], 0.0
    for g in paper_workload():
        how = "eager"
        if g["backbone"] == "googlenet":
            rate, extra, how = min(options, key=lambda o: g["images_each"] / o[0] + o[1])
        else:
            rate, extra = rates.get(g["backbone"]), 0.0
        seconds = None if not rate else g["networks"] * (g["images_each"] / rate + extra)
        total += seconds or 0.0
        rows.append({**g, "img_s": rate, "mode": how, "seconds": seconds})
    missing = [r["group"] for r in rows if r["seconds"] is None]
    return {"groups": rows, "networks": sum(r["networks"] for r in rows),
            "training_images": sum(r["networks"] * r["images_each"] for r in rows),
            "hours_one_gpu": round(total / 3600, 2), "not_measured": missing,
            "note": "training only (no evaluation, data stages or rendering); validation "
                    "passes add a few per cent"}


def summarise(result: dict) -> dict:
    """Top-level figures the appendix's target table reads (``bench/targets.json``): GoogLeNet's
    full data path over model alone (eager), its best training rate and the mode that gave it,
    and the projected `paper` book on one GPU.

    Args:
        result: a ``gpu_check.json`` as a dict (after the throughput part at least).

    Example:
        >>> summarise(json.load(open("bench/results/gpu_check.json")))["gpu_best_train_img_s"]
    """
    g = result["throughput"]["googlenet"]
    modes = {m: g.get(f"{m}_data_path_img_s") for m in ("compiled", "cudagraphs")}
    modes["eager"] = g["data_path_img_s"]
    best = max((v, m) for m, v in modes.items() if v)
    out = {"gpu_data_path_over_model_alone": g["data_path_over_model_alone"],
           "gpu_best_train_img_s": best[0], "gpu_best_train_mode": best[1]}
    if g.get("cudagraphs_data_path_img_s") and g.get("cudagraphs_model_alone_img_s"):
        out["gpu_cudagraphs_data_path_over_model_alone"] = (
            g["cudagraphs_data_path_img_s"] / g["cudagraphs_model_alone_img_s"])
    if "projection" in result:
        out["paper_book_hours_one_gpu"] = result["projection"]["hours_one_gpu"]
    result.update(out)
    return out


def environment(device: torch.device) -> dict:
    """What ran the check: device name, torch/CUDA versions, CPU, cores."""
    info = {"device": torch.cuda.get_device_name(device) if device.type == "cuda"
            else f"CPU ({platform.processor() or platform.machine()})",
            "torch": torch.__version__, "cuda": torch.version.cuda,
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "cpu_cores": os.cpu_count(), "python": platform.python_version()}
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        info["gpu_memory_gib"] = round(props.total_memory / 2**30, 1)
    return info


def run(data_dir: Path, out: Path, tiny: bool = False) -> dict:
    """Every part in order, the JSON rewritten after each one.

    Args:
        data_dir: the folder ``prepare`` filled (``cohort.npz``, ``brats/``).
        out: the JSON to write.
        tiny: toy sizes (the test suite's CPU run).

    Example:
        >>> run(Path(".gpu"), Path("bench/results/gpu_check.json"))
    """
    sizes = TINY if tiny else FULL
    device = pick_device()
    torch.backends.cudnn.benchmark = True  # as train_model sets it on CUDA
    started = time.perf_counter()
    result: dict = {"bench": "gpu_check", "tiny": tiny, **environment(device),
                    "sizes": sizes, "parts_done": []}

    def save(part: str) -> None:
        result["parts_done"].append(part)
        result["seconds"] = round(time.perf_counter() - started, 1)
        write_json(out, result)
        print(f"[gpu_check] {part} done at {result['seconds']} s", flush=True)

    others = OTHER_BACKBONES[2:3] if tiny else OTHER_BACKBONES
    result["throughput"] = part_throughput(sizes, device, others)
    summarise(result)
    save("throughput")
    models = Path(tempfile.mkdtemp(prefix="gpu_check_models_"))
    try:
        result["recipe"] = part_recipe(data_dir / "cohort.npz", sizes, device,
                                       models / "slice")
        save("recipe")
        if (data_dir / "brats").is_dir():
            result["predict"] = part_predict(data_dir / "brats", models)
        else:
            result["predict"] = f"not run: {data_dir / 'brats'} absent"
        save("predict")
    finally:
        shutil.rmtree(models, ignore_errors=True)
    if not tiny:
        result["projection"] = projection(result["throughput"])
        summarise(result)
        save("projection")
    return result


def prepare(data_dir: Path, sample: Path, patients: tuple[int, int] = (4, 6),
            image_size: int = 224, n_slices: int = 20) -> Path:
    """Fill ``data_dir`` for a device run: a small synthetic cohort's slices (``cohort.npz``:
    T1/T2/FLAIR, labels, the paper's slice split), the real sample's T1/T2/FLAIR/seg files
    (``brats/``) and nibabel's wheel (``wheels/``; the GPU machine has no nibabel).

    Args:
        data_dir: the folder to fill (ignored by git; carried by the device call).
        sample: ``../shared/brats-sample`` (skipped when absent).
        patients: (LGG, HGG) synthetic patients.
        image_size: slice size (224: the paper's).
        n_slices: slices per patient.

    Example:
        >>> prepare(Path(".gpu"), Path("../shared/brats-sample"))
    """
    from glioma_lib.data.stages import prepare_data

    data_dir.mkdir(parents=True, exist_ok=True)
    profile = replace(get_profile("smoke"), name="gpu-check", n_lgg=patients[0],
                      n_hgg=patients[1], n_slices=n_slices, image_size=image_size)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["GLIOMA_RESULTS"] = tmp
        data = prepare_data(profile, progress=False)
        arrays = {s: data.slices.array(s) for s in SEQUENCES}
        np.savez_compressed(data_dir / "cohort.npz", **arrays, label=data.slices.labels,
                            split=data.split("slice").astype("U5"),
                            patient_id=data.index["patient_id"].to_numpy().astype(str),
                            image_size=image_size, n_slices=n_slices)
    if sample.is_dir():
        for folder in sorted(p for p in sample.glob("*/*") if p.is_dir()):
            target = data_dir / "brats" / folder.parent.name / folder.name
            target.mkdir(parents=True, exist_ok=True)
            for s in (*SEQUENCES, "seg"):
                for f in folder.glob(f"*_{s}.nii*"):
                    shutil.copy2(f, target / f.name)
    wheels = data_dir / "wheels"
    wheels.mkdir(exist_ok=True)
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                    "-q", "-d", str(wheels), "nibabel"], check=True)
    return data_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="fill .gpu/ here for a device run")
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--sample", type=Path, default=SAMPLE)
    r = sub.add_parser("run", help="measure (on the GPU machine, or --tiny anywhere)")
    r.add_argument("--data", type=Path, default=DATA)
    r.add_argument("--out", type=Path, default=OUT)
    r.add_argument("--tiny", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "prepare":
        print(prepare(args.data, args.sample))
    else:
        run(args.data, args.out, args.tiny)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
