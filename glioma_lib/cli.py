"""``glioma-grade``: the command line of the project."""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _book(args) -> int:
    from .pipeline import NotebookFailed, make_book, resolve_root

    try:
        make_book(args.profile, resolve_root(args.brats_root), only=args.only, seed=args.seed)
    except (NotebookFailed, ValueError) as err:
        print(f"glioma-grade book: {err}", file=sys.stderr)
        return 1
    return 0


def _train(args) -> int:
    from .training.grid import train_plan

    only = [g for item in (args.only or []) for g in item.split(",") if g]
    slurm = {k: v for k, v in (("partition", args.slurm_partition),
                               ("time", args.slurm_minutes), ("gpus", args.slurm_gpus),
                               ("cpus", args.slurm_cpus), ("python", args.slurm_python))
             if v is not None}
    try:
        summary = train_plan(args.profile, args.brats_root, args.executor, args.workers,
                             only or None, slurm=slurm)
    except ValueError as err:
        print(f"glioma-grade train: {err}", file=sys.stderr)
        return 2
    return 1 if (summary["status"] == "failed").any() else 0


def _synth(args) -> int:
    from .data.synth_cohort import make_cohort

    truth = make_cohort(args.out, args.n_lgg, args.n_hgg, seed=args.seed)
    print(f"wrote {len(truth)} patients to {args.out}")
    return 0


def _predict(args) -> int:
    from .predict import InputError, grade, write_png, write_report

    files = {"t1": args.t1, "t2": args.t2, "flair": args.flair, "seg": args.seg}
    try:
        report, figure = grade(files, args.models, args.protocol, gradcam=args.png is not None,
                               precision=args.precision, strict=args.strict)
    except InputError as err:
        print(f"glioma-grade predict: error: {err}", file=sys.stderr)
        return 2
    if args.png:
        write_png(figure, args.png)
    write_report(report, args.out)  # last: a report exists only when everything succeeded
    probs = ", ".join(f"{s.upper()} {v['probability_hgg']:.3f}"
                      for s, v in report["sequences"].items())
    for warning in report["warnings"]:
        print(f"glioma-grade predict: warning: {warning}", file=sys.stderr)
    print(f"{report['grade']} ({report['votes_hgg']} sequences vote HGG; p(HGG) per sequence: "
          f"{probs}) -> {args.out} [research use only, not for diagnosis]")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``glioma-grade``."""
    from . import __version__

    parser = argparse.ArgumentParser(prog="glioma-grade", description=__doc__)
    parser.add_argument("--version", action="version", version=f"glioma-grade {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    book = sub.add_parser("book", help="run the notebooks under a profile and build the book")
    book.add_argument("--profile", default="default", choices=["smoke", "default", "paper"])
    book.add_argument("--brats-root", default=None,
                      help="a real BraTS 2018/2019/2020 training folder (default: synthetic)")
    book.add_argument("--seed", type=int, default=None,
                      help="override the profile's seed (every chapter gets the same one)")
    book.add_argument("--only", action="append", metavar="NOTEBOOK",
                      help="rerun just this notebook (e.g. 09_performance; repeatable) and "
                           "reuse the others from the last run with the same profile")
    book.set_defaults(func=_book)

    train = sub.add_parser("train", help="train the book's missing networks (the plan), "
                                          "fanned out; `book` then only evaluates")
    train.add_argument("--profile", default="default", choices=["smoke", "default", "paper"])
    train.add_argument("--brats-root", default=None,
                       help="a real BraTS 2018/2019/2020 training folder (default: synthetic)")
    train.add_argument("--executor", default="local", choices=["local", "slurm", "debug"],
                       help="local: a process pool (one worker per GPU, or --workers CPU "
                            "workers); slurm: a submitit job array; debug: in-process")
    train.add_argument("--workers", type=int, default=None,
                       help="local workers (default: one per GPU, else 2 with the cores "
                            "split between them)")
    train.add_argument("--only", action="append", metavar="GROUPS",
                       help="plan groups, comma-separated: main, h2h, shuffled, transfer, cv, "
                            "sites (default: all)")
    train.add_argument("--slurm-partition", default=None)
    train.add_argument("--slurm-minutes", type=int, default=None,
                       help="time limit per SLURM task (default 1440)")
    train.add_argument("--slurm-gpus", type=int, default=None,
                       help="GPUs per SLURM task (default: 1 where the cluster's nodes have "
                            "GPUs, else 0)")
    train.add_argument("--slurm-python", default=None, metavar="CMD",
                       help="the command that starts Python in each SLURM task, e.g. "
                            "'apptainer exec --nv glioma.sif python' (default: this one)")
    train.add_argument("--slurm-cpus", type=int, default=None,
                       help="CPUs per SLURM task, also its training threads (default: from "
                            "the cluster: a GPU's share of a node, at most 8; on CPU-only "
                            "nodes half a node)")
    train.set_defaults(func=_train)

    synth = sub.add_parser("synth", help="write a synthetic BraTS-2019-layout cohort")
    synth.add_argument("--out", required=True)
    synth.add_argument("--n-lgg", type=int, default=76)
    synth.add_argument("--n-hgg", type=int, default=259)
    synth.add_argument("--seed", type=int, default=2022)
    synth.set_defaults(func=_synth)

    from .config import INTENDED_USE

    pred = sub.add_parser("predict", help="grade one patient with the models a book run trained",
                          description=f"Grade one patient (LGG or HGG). {INTENDED_USE}.")
    for seq in ("t1", "t2", "flair"):
        pred.add_argument(f"--{seq}", required=True, help=f"the {seq.upper()} NIfTI volume")
    pred.add_argument("--seg", default=None,
                      help="tumour mask (optional; else the slices are found automatically)")
    pred.add_argument("--models", required=True,
                      help="results/<profile>/models (or one protocol folder under it)")
    pred.add_argument("--protocol", default=None,
                      help="which protocol's models (default: patient, else slice)")
    pred.add_argument("--out", required=True, help="the JSON report to write")
    pred.add_argument("--png", default=None, help="also write a PNG with Grad-CAM overlays")
    pred.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16"],
                      help="inference arithmetic (default: as the book trains: bf16 autocast "
                           "where the CPU or GPU has it)")
    pred.add_argument("--strict", action="store_true",
                      help="refuse (exit 2) an input outside BraTS space (voxel size not 1 mm, "
                           "grid not 240x240x155, not skull-stripped) instead of grading it "
                           "with the warnings recorded in the report")
    pred.set_defaults(func=_predict)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
