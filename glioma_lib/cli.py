"""``glioma-grade``: the command line of the project."""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _book(args) -> int:
    from .pipeline import NotebookFailed, make_book

    try:
        make_book(args.profile, args.brats_root)
    except NotebookFailed as err:
        print(f"glioma-grade book: {err}", file=sys.stderr)
        return 1
    return 0


def _synth(args) -> int:
    from .synth import make_cohort

    truth = make_cohort(args.out, args.n_lgg, args.n_hgg, seed=args.seed)
    print(f"wrote {len(truth)} patients to {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``glioma-grade``."""
    parser = argparse.ArgumentParser(prog="glioma-grade", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    book = sub.add_parser("book", help="run the notebooks under a profile and build the book")
    book.add_argument("--profile", default="default", choices=["smoke", "default", "paper"])
    book.add_argument("--brats-root", default=None,
                      help="a real BraTS 2018/2019/2020 training folder (default: synthetic)")
    book.set_defaults(func=_book)

    synth = sub.add_parser("synth", help="write a synthetic BraTS-2019-layout cohort")
    synth.add_argument("--out", required=True)
    synth.add_argument("--n-lgg", type=int, default=76)
    synth.add_argument("--n-hgg", type=int, default=259)
    synth.add_argument("--seed", type=int, default=2022)
    synth.set_defaults(func=_synth)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
