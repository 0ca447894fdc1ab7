"""A chapter run the way JupyterLab runs it: its own parameters cell (no papermill
injection), the kernel started in notebooks/."""

from __future__ import annotations

import pytest

from glioma_lib.config import project_root


@pytest.mark.slow
def test_a_chapter_runs_as_jupyterlab_runs_it():
    import nbformat
    from nbclient import NotebookClient

    folder = project_root() / "notebooks"
    nb = nbformat.read(folder / "01_data.ipynb", as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert 'profile = "smoke"' in params.source  # what a reader gets without changing it
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    outputs = "".join(str(o.get("text", "")) for c in nb.cells if c.cell_type == "code"
                      for o in c.get("outputs", []))
    assert "profile smoke; data: synthetic" in outputs
    assert not any(o.get("output_type") == "error" for c in nb.cells
                   if c.cell_type == "code" for o in c.get("outputs", []))
