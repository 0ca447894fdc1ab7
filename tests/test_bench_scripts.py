"""Every benchmark script imports (its top level: the library names it uses exist), so a
moved function cannot leave a bench broken until someone runs it for an hour."""

from __future__ import annotations

import importlib.util

import pytest

from glioma_lib.config import project_root

SCRIPTS = sorted((project_root() / "bench").glob("*.py"))


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_bench_script_imports(path, monkeypatch):
    monkeypatch.syspath_prepend(str(path.parent))  # their shared _common module
    spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # runs the imports, not main (__name__ differs)
    assert module.__doc__, f"{path.name}: no docstring saying what it measures"
