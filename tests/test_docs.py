"""Every library function a chapter calls documents its arguments and shows an example."""

from __future__ import annotations

import ast
import importlib
import inspect
import json

import pytest

from glioma_lib.config import project_root


def _chapter_calls() -> set[tuple[str, str]]:
    """(module, function) for each ``name.attr(...)`` call of a chapter on a glioma_lib module."""
    calls = set()
    for path in sorted((project_root() / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        code = "\n".join(line for line in code.splitlines() if not line.startswith("%"))
        tree = ast.parse(code)
        modules = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("glioma_lib"):
                        modules[a.asname or a.name] = a.name
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("glioma_lib"):
                for a in node.names:
                    modules[a.asname or a.name] = f"{node.module}.{a.name}"
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                chain, value = [node.func.attr], node.func.value
                while isinstance(value, ast.Attribute):  # gl.plots.roc_figure(...)
                    chain.insert(0, value.attr)
                    value = value.value
                if isinstance(value, ast.Name) and value.id in modules:
                    calls.add((modules[value.id], ".".join(chain)))
    return calls


CALLS = sorted(_chapter_calls())


def test_chapters_call_the_library():
    assert len(CALLS) > 30


@pytest.mark.parametrize("module, name", CALLS)
def test_called_functions_have_args_and_an_example(module, name):
    try:
        obj = importlib.import_module(module)
    except ModuleNotFoundError:  # "from glioma_lib.x import f" then "f.attr(...)"
        parent, _, attr = module.rpartition(".")
        obj = getattr(importlib.import_module(parent), attr)
    for attr in name.split("."):  # gl.plots.roc_figure: the alias, then the function
        obj = getattr(obj, attr)
    if not callable(obj) or inspect.isclass(obj):
        return
    doc = inspect.getdoc(obj) or ""
    assert "Example:" in doc, f"{module}.{name}: no Example"
    params = [p for p in inspect.signature(obj).parameters if p not in ("self", "cls")]
    if params:
        assert "Args:" in doc, f"{module}.{name}: no Args"


def test_every_notebook_cell_has_a_unique_id():
    # nbformat 4.5: a missing cell id is a warning now and "will become a hard error"
    for path in sorted((project_root() / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]  # raw: nbformat.read would add them
        ids = [cell.get("id") for cell in cells]
        assert all(ids) and len(set(ids)) == len(ids), path.name


#: Exhibits of a cell that reads benchmark results but whose figures are not a result's:
#: glue name → why no ``measured=``.
NOT_MEASURED = {
    "tbl_targets": "every result's value beside its target; the provenance table follows",
    "tbl_provenance": "the provenance of every result is the table itself",
    "tbl_table2": "computed in the build; the cell only glues the seed-spread sentence",
}


def test_every_exhibit_of_a_benchmark_result_says_which_cpu_and_commit_measured_it():
    missing = []
    for path in sorted((project_root() / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] != "code" or not any(
                    s in source for s in (".json", "bench/results", "gpu_check")):
                continue
            source = "\n".join(s for s in source.splitlines() if not s.startswith("%"))
            for node in ast.walk(ast.parse(source)):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr in ("table", "figure")
                        and "exhibit" in ast.unparse(node.func.value)):
                    name = ast.literal_eval(node.args[0])
                    if name not in NOT_MEASURED and \
                            "measured" not in {k.arg for k in node.keywords}:
                        missing.append(f"{path.name}: {name}")
    assert missing == [], "exhibits of bench results without measured=[…]"
