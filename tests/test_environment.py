"""pyproject.toml and environment.yml list the same pip dependencies."""

import re

import tomllib
import yaml

from glioma_lib.config import project_root


def _norm(req: str) -> str:
    return re.sub(r"\s+", "", req).lower().replace("_", "-")


def test_environment_yml_mirrors_pyproject():
    root = project_root()
    deps = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    env = yaml.safe_load((root / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert {_norm(d) for d in deps} == {_norm(p) for p in pip if not p.startswith("-e")}
