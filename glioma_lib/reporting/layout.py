"""Whether a built book reads at laptop and phone width: every table of every page, in a real
browser (Chromium through Playwright), at 1280 × 800 and 390 × 844. A caption must never be
clipped; at 1280 px a table must not scroll sideways unless its caption declares it wide
("Wide table: …", first column sticky). The smoke book's test and ``bench/bench_layout.py``
(the default book, for the appendix) both call :func:`table_fit_problems`."""

from __future__ import annotations

from pathlib import Path

#: Each table of a page's article at the current width: its number, whether its box scrolls
#: sideways, whether its visible caption is clipped (its box extends past the article's
#: column or past the scrolling box around it, or its text overflows its own box), and whether
#: its caption declares it wide.
TABLE_FIT_JS = """() => {
  const article = document.querySelector('article').getBoundingClientRect();
  const boxOf = t => t.closest('.pst-scrollable-table-container, .output, .cell_output') ||
                     t.parentElement;
  return Array.from(document.querySelectorAll('article table')).map((t, i) => {
    const box = boxOf(t);
    let cap = box.previousElementSibling;
    if (!(cap && cap.classList.contains('table-caption-shown'))) cap = t.querySelector('caption');
    const number = ((cap && cap.querySelector('.caption-number')) || {}).textContent
                   || `unnumbered table ${i + 1}`;
    let clipped = !cap;
    if (cap) {
      const r = cap.getBoundingClientRect();
      clipped = r.left < article.left - 1 || r.right > article.right + 1 ||
                cap.scrollWidth > cap.clientWidth + 1;
      const scroller = cap.closest('.pst-scrollable-table-container, .output');
      if (scroller) {
        const s = scroller.getBoundingClientRect();
        clipped = clipped || r.left < s.left - 1 || r.right > s.right + 1;
      }
    }
    return {number: number.trim(), scrolls: box.scrollWidth > box.clientWidth + 1,
            clipped, table_px: box.scrollWidth, box_px: box.clientWidth,
            declared_wide: !!cap && /Wide table:/.test(cap.textContent)};
  });
}"""
#: The widths checked: a common laptop and a phone.
SIZES = ((1280, 800), (390, 844))
#: Headless Chromium's flags here: no sandbox (root) and no background network (offline).
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync"]


def book_pages(html_root: Path) -> list[Path]:
    """A built book's reading pages: every HTML page but the index redirect, search, the
    general index and theme files.

    Args:
        html_root: the built book's ``_build/html``.

    Example:
        >>> [p.name for p in book_pages(Path("_build/html"))][:1]
        ['analysis_plan.html']
    """
    return sorted(p for p in Path(html_root).rglob("*.html")
                  if p.name not in ("genindex.html", "search.html", "index.html")
                  and "_static" not in p.parts)


def fit_report(html_root: Path, page, sizes=SIZES) -> dict:
    """Every page of a built book at each width, in one walk: the tables checked (at the
    first width) and the problems: tables whose box scrolls sideways at 1280 px (unless
    declared wide) and captions clipped at any width, as "width px, page: Table N …" lines.

    Args:
        html_root: the built book's ``_build/html``.
        page: a Playwright page (Chromium).
        sizes: (width, height) viewports.

    Example:
        >>> from playwright.sync_api import sync_playwright
        >>> with sync_playwright() as pw:
        ...     page = pw.chromium.launch(executable_path="/usr/bin/chromium").new_page()
        ...     fit_report(Path("_build/html"), page)["problems"]
        []
    """
    problems, tables = [], 0
    for k, (width, height) in enumerate(sizes):
        page.set_viewport_size({"width": width, "height": height})
        for html in book_pages(html_root):
            page.goto(html.resolve().as_uri())
            page.wait_for_load_state("load")
            name = html.relative_to(html_root).as_posix()
            found = page.evaluate(TABLE_FIT_JS)
            tables += len(found) if k == 0 else 0
            for t in found:
                if t["clipped"]:
                    problems.append(f"{width} px, {name}: {t['number']} has its caption clipped")
                if width >= 1280 and t["scrolls"] and not t["declared_wide"]:
                    problems.append(f"{width} px, {name}: {t['number']} scrolls sideways "
                                    f"({t['table_px']} px in a {t['box_px']} px column)")
    return {"tables": tables, "problems": problems}


def table_fit_problems(html_root: Path, page, sizes=SIZES) -> list[str]:
    """:func:`fit_report`'s problems alone; empty when the book reads whole.

    Args:
        html_root, page, sizes: as :func:`fit_report`.

    Example:
        >>> from playwright.sync_api import sync_playwright
        >>> browser = sync_playwright().start().chromium.launch(executable_path="/usr/bin/chromium")
        >>> table_fit_problems(Path("_build/smoke/_build/html"), browser.new_page())
        []
    """
    return fit_report(html_root, page, sizes)["problems"]
