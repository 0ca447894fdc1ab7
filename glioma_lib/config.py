"""Profiles: every knob of a run in one place (DESIGN.md, "Profiles")."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

SEQUENCES_ALL = ("t1", "t1ce", "t2", "flair")
#: The sequences the paper uses (plain scans; T1ce is not used): its three networks, the
#: channels of early fusion and the inputs of ``glioma-grade predict``.
SEQUENCES = ("t1", "t2", "flair")
#: How the book names each sequence (the paper's names).
SEQUENCE_NAMES = {"t1": "T1WI", "t1ce": "T1ce", "t2": "T2WI", "flair": "FLAIR"}


def default_workers() -> int:
    """Worker processes of the data stages: 2, or fewer on a machine with fewer cores.

    Example:
        >>> 1 <= default_workers() <= 2
        True
    """
    return min(2, os.cpu_count() or 1)


def single_thread_worker() -> None:
    """Worker initialiser of the data stages' process pools: one thread per process for torch
    *and* for numpy's BLAS (the processes share the cores). Without the BLAS limit each
    worker's OpenBLAS also starts a thread per core, and two workers' matrix products fight
    over two cores: measured on the 2-core machine, the synthetic cohort's upsampling products
    took 14× longer and a patient 0.79 s instead of 0.43 s.

    Example:
        >>> from concurrent.futures import ProcessPoolExecutor
        >>> pool = ProcessPoolExecutor(2, initializer=single_thread_worker)
    """
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    threadpool_limits(1)

#: What ``glioma-grade predict``'s report and ``--help`` say of its use.
INTENDED_USE = ("research use only, not for diagnosis: networks trained by a book run (on a "
                "synthetic cohort unless it was built with --brats-root), never validated "
                "clinically")
GRADES = ("LGG", "HGG")  # label 0, label 1: positive class = HGG


@dataclass(frozen=True)
class Profile:
    """One run's settings. ``smoke`` for CI, ``default`` for a laptop, ``paper`` for a GPU."""

    name: str
    n_lgg: int
    n_hgg: int
    n_slices: int
    image_size: int
    offline_aug: bool
    epochs: int
    batch_size: int
    sequences: tuple[str, ...] = SEQUENCES
    backbone: str = "googlenet"
    #: Initial weights of the networks: ``"imagenet"`` or None (random initialisation).
    weights: str | None = "imagenet"
    #: When ImageNet weights cannot be found: fall back to random init (recorded) or fail.
    allow_random_init: bool = True
    split_fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)
    kfold: int = 5
    seed: int = 2022
    lr_backbone: float = 1e-4
    lr_head: float = 1e-3
    #: Epochs of the lighter comparison runs of chapters 3 and 6 (backbone head-to-head,
    #: shuffled labels, transfer vs scratch): online augmentation only, no offline 6×.
    extra_epochs: int = 3
    #: Training slices of each backbone in the head-to-head of chapter 3 (None: all).
    compare_train_slices: int | None = None
    #: Backbones of that head-to-head (None: every backbone of the registry).
    compare_backbones: tuple[str, ...] | None = None
    #: Bootstrap resamples (of patients) behind every confidence interval.
    n_bootstrap: int = 1000
    #: Patients (a grade-stratified sample; None: all) on which chapter 8 compares the
    #: automatic tumour window with the segmentation's.
    window_check_patients: int | None = 60
    #: Arithmetic of training and inference: ``auto`` (bf16 autocast where the CPU or GPU
    #: has it, fp16 on older GPUs, else fp32), ``fp32`` or ``bf16``
    #: (:mod:`glioma_lib.training.precision`).
    precision: str = "auto"
    #: Synthetic cohort: sites as in BraTS 2019, where the site nearly decides the grade
    #: (True), or sites drawn independently of the grade (False: the control experiment).
    site_confounded: bool = True
    #: The recipe of chapter 7's patient-level cross-validation and site experiments (and
    #: chapter 6's shuffled-label and transfer runs): backbone (None: the profile's), training
    #: slices per model (None: all) and the lighter recipe (``extra_epochs``, online
    #: augmentation only) or the full one.
    cv_backbone: str | None = None
    cv_train_slices: int | None = None
    cv_light: bool = False
    workers: int = field(default_factory=default_workers)

    def to_dict(self) -> dict:
        """Plain-JSON view (used in manifests and captions)."""
        return asdict(self)


#: The book's build budgets in minutes on 2 CPU cores, cohort included (DESIGN.md).
BUDGET_MIN = {"smoke": 10, "default": 45}

PROFILES: dict[str, Profile] = {
    "smoke": Profile(
        name="smoke", n_lgg=6, n_hgg=8, n_slices=4, image_size=64,
        offline_aug=True, epochs=2, batch_size=16, kfold=3, extra_epochs=2, n_bootstrap=200,
        cv_backbone="efficientnet_lite0", cv_light=True,
    ),
    "default": Profile(
        # Within BUDGET_MIN["default"] on 2 cores from a clean clone, cohort included, on a CPU
        # without native bf16 too (AVX2, fp32: bench/results/book_default_fp32.json). Every
        # network that stands for the paper's is EfficientNet-Lite0 from its real ImageNet
        # weights (the paper's method, ImageNet transfer, with the one ImageNet backbone
        # available offline; faster than GoogLeNet in fp32 on AVX2), 5 epochs of online
        # augmentation at 96 px (more epochs do not fit: bench/results/options_fp32.json);
        # GoogLeNet from random initialisation stays where a comparison needs it (chapter 3's
        # head-to-head, chapter 6's transfer vs scratch).
        name="default", n_lgg=76, n_hgg=259, n_slices=20, image_size=96,
        offline_aug=False, epochs=5, batch_size=64, extra_epochs=3, compare_train_slices=800,
        backbone="efficientnet_lite0",
        # VGG16 (138 M parameters) and Xception (the slowest in fp32) left to `paper`.
        compare_backbones=("googlenet", "inception_v3", "mobilenet_v2", "efficientnet_lite0"),
        # The cross-validation family (chapter 7's folds and site experiments, chapter 6's
        # shuffled and transfer runs): the full recipe (5 epochs of online augmentation) on 800
        # training slices per network, the option ranked best on validation patients among
        # those that keep the book within budget on AVX2 (bench/results/cv_options.json).
        cv_backbone="efficientnet_lite0", cv_train_slices=800, cv_light=False,
    ),
    "paper": Profile(
        name="paper", n_lgg=76, n_hgg=259, n_slices=20, image_size=224,
        offline_aug=True, epochs=100, batch_size=128, allow_random_init=False,
        extra_epochs=30, n_bootstrap=2000,
    ),
}


def get_profile(name: str, **overrides) -> Profile:
    """The named profile, with optional field overrides (``get_profile("smoke", seed=1)``).

    Args:
        name: ``smoke``, ``default`` or ``paper``.
        overrides: field = value replacements.

    Example:
        >>> get_profile('smoke', seed=1).seed
        1
    """
    try:
        profile = PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; choose one of {sorted(PROFILES)}") from None
    return replace(profile, **overrides) if overrides else profile


def project_root() -> Path:
    """The repository root (the folder holding ``glioma_lib``).

    Example:
        >>> (project_root() / "glioma_lib" / "config.py").exists()
        True
    """
    return Path(__file__).resolve().parents[1]


#: What :func:`checkout_commit` does not count as a change of the code: the benches' results.
RESULT_FILES = ("bench/results",)


#: Where a copy of the project without its git history (a container image) is told its
#: commit at build time (``docker build --build-arg GLIOMA_COMMIT=…``).
COMMIT_ENV = "GLIOMA_COMMIT"


def checkout_commit(root: Path | None = None) -> str | None:
    """The project checkout's short commit, with ``+changes`` when tracked files differ from
    it (what a benchmark result records as its provenance); outside a git checkout the commit
    the copy was made from (:data:`COMMIT_ENV`, a container image's), else None. Results
    (``bench/results/``, :data:`RESULT_FILES`) are outputs, not code: a bench that runs after
    another has written its JSON still runs on a clean tree.

    Args:
        root: the checkout (default: this project's).

    Example:
        >>> commit = checkout_commit()  # e.g. '42b0ac3', '42b0ac3+changes', or None without git
        >>> commit is None or len(commit.split("+")[0]) >= 7
        True
    """
    import subprocess

    root = root or project_root()
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, check=True,
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--",
                                ".", *(f":(exclude){p}" for p in RESULT_FILES)],
                               cwd=root, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return os.environ.get(COMMIT_ENV) or None
    return head + ("+changes" if dirty else "")


def build_origin() -> dict:
    """Where this process computes: torch's CPU capability (``AVX2``, ``AVX512``), the GPU
    (None without CUDA) and the checkout's commit (:func:`checkout_commit`, ``+changes`` for a
    modified tree): what a model card records of its training and every caption of the build.

    Example:
        >>> sorted(build_origin())
        ['commit', 'cpu_capability', 'gpu']
    """
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {"cpu_capability": torch.backends.cpu.get_cpu_capability(), "gpu": gpu,
            "commit": checkout_commit()}


def results_root() -> Path:
    """Where stages write: ``$GLIOMA_RESULTS`` or ``<repo>/results``."""
    return Path(os.environ.get("GLIOMA_RESULTS", project_root() / "results"))


def overrides(profile: Profile, base: Profile | None = None) -> dict:
    """The fields in which ``profile`` differs from ``base`` (default: the named profile it
    was made from), ``workers`` aside: what makes its runs other runs.

    Args:
        profile: a profile, perhaps with overrides.
        base: what to compare with (default ``PROFILES[profile.name]``; none: no overrides).

    Example:
        >>> overrides(get_profile("default", seed=1, workers=7))
        {'seed': 1}
    """
    base = base if base is not None else PROFILES.get(profile.name)
    if base is None:
        return {}
    return {k: v for k, v in profile.to_dict().items()
            if k != "workers" and getattr(base, k) != v}


def override_suffix(changed: dict) -> str:
    """A short, stable name for a set of overrides (``""`` for none): the first 8 hex digits
    of the SHA-256 of their canonical JSON.

    Args:
        changed: :func:`overrides`.

    Example:
        >>> override_suffix({"seed": 1})
        'fbe47f6d'
    """
    if not changed:
        return ""
    text = json.dumps(changed, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def run_name(profile: Profile | str) -> str:
    """The folder of a profile's runs under ``results/``: its name, or, for a profile with
    overrides (a seed, the sites' confounding, an image size…), the name and
    :func:`override_suffix` of them, so that two runs that differ never share a cache.

    Args:
        profile: a profile or its name.

    Example:
        >>> run_name(get_profile("default")), run_name(get_profile("default", seed=1))
        ('default', 'default-fbe47f6d')
    """
    if isinstance(profile, str):
        return profile
    suffix = override_suffix(overrides(profile))
    return f"{profile.name}-{suffix}" if suffix else profile.name


def stage_dir(profile: Profile | str, stage: str) -> Path:
    """``results/<profile>/<stage>/`` (not created); a profile with overrides has its own
    folder (:func:`run_name`).

    Args:
        profile: a profile or its name.
        stage: the stage's folder name.

    Example:
        >>> stage_dir('smoke', 'models').parts[-2:]
        ('smoke', 'models')
    """
    return results_root() / run_name(profile) / stage
