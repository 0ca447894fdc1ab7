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


#: Scripts that write no ``bench/results`` JSON through the envelope: the GPU check runs on a
#: device machine without the checkout's git history (its JSON says which device and torch),
#: and bench_shapes refits the generator's shapes file, not a measurement.
NO_ENVELOPE = {"_common", "gpu_check", "bench_shapes"}


@pytest.mark.parametrize("path", [p for p in SCRIPTS if p.stem not in NO_ENVELOPE],
                         ids=[p.stem for p in SCRIPTS if p.stem not in NO_ENVELOPE])
def test_bench_script_records_provenance(path):
    """Every result records machine, CPU capability, commit, clean flag, backbone and recipe
    (``_common.envelope``) and is written atomically (``_common.write_result``)."""
    source = path.read_text()
    assert "envelope(" in source, f"{path.name}: its result has no provenance envelope"
    assert "write_result(" in source, f"{path.name}: writes its result without write_result"
    assert ".write_text(json.dumps" not in source, f"{path.name}: a non-atomic result write"


#: Scripts `make bench-book`, `make bench` and `make bench-cv` do not run: bench_shapes refits
#: the generator (a change of the generator, not a measurement), gpu_check runs on a device
#: machine (bench/gpu_check.sh), _common is their shared module.
NOT_IN_MAKE = {"_common", "gpu_check", "bench_shapes"}


def test_make_remakes_every_benchmark_result():
    makefile = (project_root() / "Makefile").read_text()
    absent = [p.name for p in SCRIPTS if p.stem not in NOT_IN_MAKE
              and f"bench/{p.name}" not in makefile]
    assert absent == [], f"not run by make bench-book / bench / bench-cv: {absent}"
