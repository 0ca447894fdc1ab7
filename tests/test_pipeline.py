"""The whole smoke book: papermill runs every notebook, Jupyter Book builds with -W, and
headless Chromium opens every page as a reader would."""


import re
import shutil
from pathlib import Path

import pytest

from glioma_lib.pipeline import NotebookFailed, build_dir, make_book, run_notebooks
from glioma_lib.reporting.layout import BROWSER_ARGS, table_fit_problems

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")




@pytest.fixture(scope="module")
def smoke_html() -> Path:
    return make_book("smoke", log=lambda *_: None)


@pytest.mark.slow
def test_smoke_book_has_every_chapter(smoke_html):
    pages = {p.relative_to(smoke_html).as_posix() for p in smoke_html.rglob("*.html")}
    for name in ("01_data", "02_augmentation", "03_backbones", "04_training", "05_results",
                 "06_beyond", "07_sites", "08_predict"):
        assert f"notebooks/{name}.html" in pages
    results = (smoke_html / "notebooks" / "05_results.html").read_text()
    # computed outputs, not the chapter's prose: the table's caption and the glued accuracy
    assert re.search(r'<caption><span class="caption-number">Table \d+ </span><span '
                     r'class="caption-text">(<span class="pasted-text">)?Table 2 on the '
                     r"slice-level test split \(\d+ slices\) — profile smoke", results)
    assert re.search(r"Our vote reaches <span[^>]*>\d+\.\d\s?%</span>", results)
    beyond = (smoke_html / "notebooks" / "06_beyond.html").read_text()
    assert "no conclusion should be drawn" in beyond  # glued from sample_size_caveat
    assert re.search(r'caption-text">(<span class="pasted-text">)?FLAIR network trained and '
                     r"tested on grades shuffled", beyond)
    predict = (smoke_html / "notebooks" / "08_predict.html").read_text()
    assert "$ glioma-grade predict --t1" in predict  # the command, as printed
    assert re.search(r'caption-text">(<span class="pasted-text">)?The report of '
                     r"BraTS19_\w+?_\d+_1", predict)  # the compact verdict
    assert re.search(r"<td[^>]*><p>majority vote</p></td>", predict)  # the report's vote row


#: The article's text without the chapters' code cells (an output, not code, is checked).
_SHOWN_OUTPUT = """() => {
  const article = document.querySelector('article').cloneNode(true);
  article.querySelectorAll('.cell_input, .toggle-details').forEach(e => e.remove());
  return article.textContent;
}"""

#: Tables and images of a page's article that have no numbered HTML caption: a table needs its
#: own <caption> or an enclosing <figure> with a <figcaption>, each with a caption number.
_UNNUMBERED = """() => {
  const numbered = el => !!el && !!el.querySelector('.caption-number');
  const bad = [];
  for (const t of document.querySelectorAll('article table')) {
    const cap = Array.from(t.children).find(c => c.tagName === 'CAPTION');
    const fig = t.closest('figure');
    if (!numbered(cap) && !numbered(fig && fig.querySelector('figcaption'))) {
      bad.push('table: ' + t.innerText.slice(0, 60));
    }
  }
  for (const i of document.querySelectorAll('article img')) {
    const fig = i.closest('figure');
    if (!numbered(fig && fig.querySelector('figcaption'))) bad.push('img: ' + i.src.slice(-40));
  }
  return bad;
}"""


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make test "
                    "installs it)")
def test_every_table_and_caption_fits_a_laptop_and_a_phone(smoke_html):
    """At 1280 × 800 (a laptop) no table scrolls sideways (but one whose caption says "Wide
    table:", with its first column sticky) and no caption is clipped; at 390 px (a phone) a
    wide table may scroll, but its caption is still read whole."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        problems = table_fit_problems(smoke_html, browser.new_page())
        browser.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.slow
def test_the_build_record_lists_every_chapter_with_its_commit_and_duration(smoke_html):
    record = (smoke_html / "book" / "build_record.html").read_text()
    for nb in sorted((smoke_html.parent / "src" / "notebooks").glob("0*.ipynb")):
        row = re.search(rf"<td[^>]*><p>{nb.stem}</p></td>(.*?)</tr>", record, re.S)
        assert row, f"{nb.stem} missing from the build record"
        cells = re.findall(r"<p>(.*?)</p>", row.group(1))
        assert re.fullmatch(r"\d+", cells[1]) and re.fullmatch(r"[0-9a-f]{7,}(\+changes)?|unknown",
                                                               cells[3]), cells


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make test "
                    "installs it)")
def test_every_page_loads_in_headless_chromium(smoke_html):
    from playwright.sync_api import sync_playwright

    pages = sorted(p for p in smoke_html.rglob("*.html")
                   if p.name not in ("genindex.html", "search.html") and "_static" not in p.parts)
    shots = build_dir(profile="smoke") / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 1600})
        remote: list[str] = []  # the book must read offline: nothing fetched from the web
        page.on("request", lambda r: remote.append(r.url)
                if not r.url.startswith(("file:", "data:", "blob:", "about:")) else None)
        for html in pages:
            page.goto(html.resolve().as_uri())
            page.wait_for_load_state("load")
            text = page.inner_text("body")
            assert "Traceback (most recent call last)" not in text, html
            assert not re.search(r"\b[A-Z]\w*Warning: ", text), f"{html}: a warning is shown"
            assert "Error" not in page.title(), html
            sizes = page.evaluate("Array.from(document.images).map(i => "
                                  "[i.src, i.naturalWidth, i.naturalHeight])")
            for src, w, h in sizes:
                assert w > 0 and h > 0, f"{html}: image {src} has no size"
            assert not re.search(r":::\{|```\{|\{glue:|\{numref\}", text), f"{html}: raw MyST"
            shown = page.evaluate(_SHOWN_OUTPUT)  # the page without the chapters' code
            assert not re.search(r'\{\s*"[a-z_]+"\s*:', shown), f"{html}: a JSON dump is shown"
            unnumbered = page.evaluate(_UNNUMBERED)
            assert unnumbered == [], f"{html}: exhibits without a number and caption: {unnumbered}"
            if html.parent.name == "notebooks":  # a chapter opens in Binder from its page
                launch = page.evaluate("Array.from(document.querySelectorAll('a')).map(a => "
                                       "a.href).filter(h => h.startsWith("
                                       "'https://mybinder.org/v2/gh/'))")
                assert any(h.endswith(f"notebooks/{html.stem}.ipynb") for h in launch), \
                    f"{html}: no Binder launch button ({launch})"
            if html.name in ("05_results.html", "06_beyond.html", "08_predict.html"):
                page.screenshot(path=str(shots / html.name.replace(".html", ".png")),
                                full_page=True)
        browser.close()
    assert remote == [], f"pages fetch remote resources: {sorted(set(remote))[:5]}"
    assert (shots / "05_results.png").stat().st_size > 10_000


def test_unknown_profile_fails_fast():
    with pytest.raises(ValueError, match="unknown profile"):
        run_notebooks("nope")


def _chapter(path: Path, *code: str) -> None:
    """A minimal chapter: the parameters cell, then one code cell per string."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    params = nbformat.v4.new_code_cell("profile = 'smoke'\nbrats_root = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, *(nbformat.v4.new_code_cell(c) for c in code)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def test_failing_notebook_is_named(tmp_path):
    _chapter(tmp_path / "notebooks" / "01_broken.ipynb", "raise RuntimeError('broken on purpose')")
    with pytest.raises(NotebookFailed, match="01_broken.ipynb: cell .* broken on purpose"):
        run_notebooks("smoke", root=tmp_path, log=lambda *_: None)
    assert build_dir(tmp_path, "smoke").exists()


def test_a_failed_chapter_never_replaces_the_last_good_one(tmp_path):
    import nbformat

    from glioma_lib.pipeline import stale_notebooks

    _chapter(tmp_path / "notebooks" / "01_ch.ipynb", "print('good')")
    run_notebooks("smoke", root=tmp_path, log=lambda *_: None)
    executed = build_dir(tmp_path, "smoke") / "src" / "notebooks" / "01_ch.ipynb"
    good = executed.read_text()
    assert stale_notebooks("smoke", root=tmp_path) == []
    cells = nbformat.read(executed, as_version=4).cells
    injected = [c for c in cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and all("remove-cell" in c.metadata["tags"] for c in injected)
    _chapter(tmp_path / "notebooks" / "01_ch.ipynb", "print('good')",
             "raise RuntimeError('killed half-way')")
    with pytest.raises(NotebookFailed):
        run_notebooks("smoke", root=tmp_path, log=lambda *_: None)
    assert executed.read_text() == good  # the failed run stayed outside the book
    executed.write_text(executed.read_text().replace('"exception": null',
                                                     '"exception": true'))
    assert stale_notebooks("smoke", root=tmp_path) == ["01_ch"]  # papermill's failure mark


def test_a_relative_brats_root_is_resolved_before_the_kernels_change_folder(tmp_path,
                                                                            monkeypatch):
    from glioma_lib.pipeline import resolve_root

    (tmp_path / "brats").mkdir()
    monkeypatch.chdir(tmp_path)
    assert resolve_root("brats") == str(tmp_path / "brats")
    assert resolve_root(None) is None
    with pytest.raises(ValueError, match="not a folder"):
        resolve_root("missing")


def test_stale_notebooks_know_the_parameters_they_ran_with(tmp_path):
    import json

    from glioma_lib.pipeline import stale_notebooks

    (tmp_path / "notebooks").mkdir()
    for stem in ("01_a", "02_b", "03_c"):
        (tmp_path / "notebooks" / f"{stem}.ipynb").write_text("{}")
    out = build_dir(tmp_path) / "src" / "notebooks"
    out.mkdir(parents=True)

    def executed(stem, brats_root):
        meta = {"papermill": {"parameters": {"profile": "default", "brats_root": brats_root}}}
        (out / f"{stem}.ipynb").write_text(json.dumps({"metadata": meta}))

    executed("01_a", None)
    executed("02_b", "/data/brats2019")
    assert stale_notebooks("default", root=tmp_path) == ["02_b", "03_c"]
    assert stale_notebooks("default", root=tmp_path, rerun=["02_b", "03_c"]) == []
    assert stale_notebooks("default", "/data/brats2019", root=tmp_path,
                           rerun=["03_c"]) == ["01_a"]
    assert stale_notebooks("smoke", root=tmp_path) == ["01_a", "02_b", "03_c"]  # own folder


def test_only_the_default_book_builds_into_build_html(tmp_path):
    assert build_dir(tmp_path) == tmp_path / "_build"
    assert build_dir(tmp_path, "smoke") == tmp_path / "_build" / "smoke" / "_build"


def test_make_book_only_refuses_unknown_or_stale_notebooks():
    with pytest.raises(ValueError, match="unknown notebook"):
        make_book("smoke", only=["99_nothing"])
    with pytest.raises(ValueError, match="build the whole book first"):
        make_book("paper", only=["09_performance"])


def test_forecast_says_the_cpu_and_scales_a_reference(tmp_path, monkeypatch):
    import json

    from glioma_lib import pipeline
    from glioma_lib.reporting import budget
    from glioma_lib.training import precision, probe

    monkeypatch.setattr(probe, "probe_rate", lambda *a, **k: 50.0)
    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: False)
    lines = []
    assert pipeline.forecast("smoke", log=lines.append, results=tmp_path) is None
    assert "native bf16: no" in lines[0] and "no time estimate" in lines[-1]
    from glioma_lib.config import get_profile

    (tmp_path / "book_smoke_fp32.json").write_text(json.dumps(
        {"probe_img_s": 100.0, "notebooks_s": {"01_data": 60, "02_augmentation": 30},
         "cohort_s": 0, "commit": "abc", "cpu_capability": "AVX2",
         "profile_fingerprint": budget.profile_fingerprint(get_profile("smoke"))}))
    lines.clear()
    expected = pipeline.forecast("smoke", log=lines.append, results=tmp_path)
    assert expected == {"01_data": 120.0, "02_augmentation": 60.0}
    assert "expected about 3 min" in lines[-1]


def test_a_cell_past_the_time_limit_is_one_line_naming_the_chapter(tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("GLIOMA_CELL_TIMEOUT_S", "3")
    _chapter(tmp_path / "notebooks" / "01_sleeps.ipynb", "import time\ntime.sleep(120)")
    with pytest.raises(NotebookFailed, match=r"^01_sleeps.ipynb: a cell ran past the 3 s "
                                             r"limit of profile smoke"):
        run_notebooks("smoke", root=tmp_path, log=lambda *_: None)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "without encryption" not in err  # in the kernel log


def test_a_killed_kernel_is_one_line_naming_the_chapter(tmp_path):
    _chapter(tmp_path / "notebooks" / "01_killed.ipynb",
             "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    with pytest.raises(NotebookFailed, match=r"^01_killed.ipynb: the kernel died while a cell "
                                             r"ran \(killed, e.g. out of memory"):
        run_notebooks("smoke", root=tmp_path, log=lambda *_: None)
    executed = build_dir(tmp_path, "smoke") / "src" / "notebooks" / "01_killed.ipynb"
    assert not executed.exists()  # nothing half-run enters the book


def test_progress_lines_and_the_build_record_of_a_chapter(tmp_path):
    import json

    from glioma_lib.reporting.build_record import build_record_page

    _chapter(tmp_path / "notebooks" / "01_trains.ipynb",
             "from glioma_lib.store import progress\nimport time\n"
             "progress('cv-fold0/flair (efficientnet_lite0): epoch 1/5')\ntime.sleep(2.5)")
    lines = []
    out = run_notebooks("smoke", root=tmp_path, log=lines.append, expected={"01_trains": 600})
    shown = [line for line in lines if line.startswith("[train]")]
    assert shown == ["[train] cv-fold0/flair (efficientnet_lite0): epoch 1/5; chapter about "
                     "10 min left"]
    meta = json.loads((out / "01_trains.ipynb").read_text())["metadata"]["glioma_build"]
    assert meta["machine"]["cores"] >= 1 and meta["packages"]["torch"] != "—"
    page = build_record_page(out, root=tmp_path)
    assert "| 01_trains |" in page and "profile=smoke" in page
    assert "| no |" in page or "yes: ran at" in page  # tmp_path is no checkout: commit unknown
    assert "yes: ran at" in build_record_page(out, rerun=["02_other"], root=tmp_path)
