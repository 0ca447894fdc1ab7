"""The whole smoke book: papermill runs every notebook, Jupyter Book builds with -W."""

import pytest

from glioma_lib.pipeline import NotebookFailed, build_dir, make_book, run_notebooks


@pytest.mark.slow
def test_smoke_book_builds():
    html = make_book("smoke", log=lambda *_: None)
    pages = sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html"))
    assert "notebooks/01_data.html" in pages and "book/intro.html" in pages
    data_page = (html / "notebooks" / "01_data.html").read_text()
    assert "Traceback" not in data_page
    assert "profile <code" in data_page or "profile `smoke`" in data_page or "smoke" in data_page
    assert data_page.count("<img") >= 3  # montage, window, histograms


def test_unknown_profile_fails_fast():
    with pytest.raises(ValueError, match="unknown profile"):
        run_notebooks("nope")


def test_failing_notebook_is_named(tmp_path):
    import nbformat

    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    params = nbformat.v4.new_code_cell("profile = 'smoke'\nbrats_root = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("raise RuntimeError('broken on purpose')")]
    nbformat.write(nb, nbdir / "01_broken.ipynb")
    with pytest.raises(NotebookFailed, match="01_broken.ipynb: cell .* broken on purpose"):
        run_notebooks("smoke", root=tmp_path, log=lambda *_: None)
    assert build_dir(tmp_path).exists()
