"""Whether a built book reads at laptop and phone width (issue 35): every table of every page in
headless Chromium at 1280 × 800 and 390 × 844 (:func:`glioma_lib.reporting.layout.
fit_report`), written to ``bench/results/layout_<profile>.json`` for the appendix.

    python bench/bench_layout.py                      # the default book in _build/html
    python bench/bench_layout.py --html DIR --profile default
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import envelope, write_result  # noqa: E402

from glioma_lib.config import get_profile  # noqa: E402
from glioma_lib.reporting.layout import BROWSER_ARGS, SIZES, fit_report  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    ap.add_argument("--profile", default="default")
    ap.add_argument("--commit", default=None, help="the commit that built the book "
                    "(default: this checkout's)")
    args = ap.parse_args()
    env = envelope(get_profile(args.profile))
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("bench_layout: Debian's chromium is not installed (make browser)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        report = fit_report(args.html, browser.new_page())
        browser.close()
    html = args.html.resolve()
    shown = html.relative_to(ROOT).as_posix() if html.is_relative_to(ROOT) else html.name
    result = {**env, "book_commit": args.commit or env["commit"], "html": shown,
              "widths": [w for w, _ in SIZES],
              "tables": report["tables"], "problems": report["problems"]}
    write_result(ROOT / "bench" / "results" / f"layout_{args.profile}.json", result)


if __name__ == "__main__":
    main()
