"""The library's shape, checked: imports run only down the layers, modules stay small,
chapters stay thin, package docstrings list their modules, and every ``Example:`` block
names only what it defines, ``gl``'s names or its own module's (the pure modules' examples
run as doctests, with their output)."""

from __future__ import annotations

import ast
import builtins
import doctest
import importlib
import inspect
import json
import pkgutil
import re
from pathlib import Path

import pytest

import glioma_lib as gl
from glioma_lib.config import project_root

LIB = project_root() / "glioma_lib"
#: config → data → models → training → evaluation → reporting → the commands.
LAYERS = {"config": 0, "store": 0, "paper": 0, "lazy": 0, "data": 1, "models": 2,
          "training": 3, "evaluation": 4, "reporting": 5, "experiments": 6, "pipeline": 6,
          "predict": 6, "real_sample": 6, "demo": 6, "cli": 6}
PURE = ("config", "evaluation.metrics", "evaluation.vote", "data.splits", "training.precision",
        "reporting.captions", "evaluation.uncertainty")


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if parts[0] == "glioma_lib" and len(parts) > 1 else None


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(LIB.rglob("*.py")):
        parts = path.relative_to(LIB.parent).with_suffix("").parts
        out.append((".".join(parts[:-1] if parts[-1] == "__init__" else parts), path))
    return out


def _imports(module: str, path: Path) -> list[tuple[int, str]]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{a.name}" for a in node.names]
            found += [(node.lineno, n if _layer(base) is None else base) for n in names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return found


def test_imports_run_only_down_the_layers():
    upward = []
    for module, path in _modules():
        mine = _layer(module)
        for line, target in _imports(module, path):
            theirs = _layer(target)
            if mine is not None and theirs is not None and theirs > mine:
                upward.append(f"{path.relative_to(LIB.parent)}:{line}: {module} → {target}")
    assert upward == [], "imports running back up the layers:\n" + "\n".join(upward)


def test_the_layer_check_sees_an_upward_import(tmp_path):
    bad = tmp_path / "glioma_lib" / "models" / "bad.py"
    bad.parent.mkdir(parents=True)
    bad.write_text("from ..reporting import plots\nfrom . import registry\n")
    found = _imports("glioma_lib.models.bad", bad)
    assert [_layer(t) for _, t in found] == [5, 2]


def test_no_module_is_above_400_lines():
    long = {str(p.relative_to(LIB.parent)): n for _, p in _modules()
            if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}


def test_no_notebook_cell_holds_more_than_10_lines_of_code():
    heavy = []
    for path in sorted((project_root() / "notebooks").glob("*.ipynb")):
        for i, cell in enumerate(json.loads(path.read_text())["cells"]):
            lines = [s for s in "".join(cell["source"]).splitlines()
                     if s.strip() and not s.strip().startswith("#")]
            if cell["cell_type"] == "code" and len(lines) > 10:
                heavy.append(f"{path.name} cell {i}: {len(lines)} lines")
    assert heavy == []


@pytest.mark.parametrize("package", ["data", "models", "training", "evaluation", "reporting",
                                     "experiments"])
def test_package_docstrings_list_their_modules(package):
    doc = importlib.import_module(f"glioma_lib.{package}").__doc__
    named = set(re.findall(r":mod:`\.(\w+)`", doc))
    present = {p.stem for p in (LIB / package).glob("*.py") if p.stem != "__init__"}
    assert named == present, f"named but absent: {named - present}; absent from the " \
                             f"docstring: {present - named}"


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_examples_run_as_doctests(module):
    mod = importlib.import_module(f"glioma_lib.{module}")
    result = doctest.testmod(mod, extraglobs={"gl": gl}, report=True,
                             optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result


def _example(doc: str) -> str | None:
    match = re.search(r"Example:\n(.*)", doc, re.S)
    if not match:
        return None
    return "\n".join(s.strip()[4:] for s in match.group(1).splitlines()
                     if s.strip().startswith((">>>", "...")))


def _undefined(code: str, module) -> set[str]:
    tree = ast.parse(code)
    defined = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            defined |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.arg):
            defined.add(node.arg)
    known = (set(gl.__all__) | {"gl"}) - {"data"}
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx,
                                                                               ast.Load)}
    return used - defined - known - set(dir(builtins)) - set(vars(module))


def test_every_example_names_only_what_it_defines_gl_or_its_module():
    stray = []
    for info in pkgutil.walk_packages(gl.__path__, "glioma_lib."):
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if getattr(obj, "__module__", None) != module.__name__ or not callable(obj):
                continue
            members = [v for v in vars(obj).values() if inspect.isfunction(v)] \
                if inspect.isclass(obj) else []
            for fn in [obj, *members]:
                code = _example(inspect.getdoc(fn) or "")
                if code and (names := _undefined(code, module)):
                    stray.append(f"{info.name}.{fn.__qualname__}: {sorted(names)}")
    assert stray == [], "\n".join(stray)
