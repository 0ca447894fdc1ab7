"""Publishing: the GitHub workflow that tests pull requests and deploys the book to Pages is
valid against GitHub's workflow schema (check-jsonschema's offline copy), and the book's
repository and launch-button settings agree with the README's badges. (The Chromium test of
the smoke book checks that the launch buttons render.)"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from glioma_lib.config import project_root

ROOT = project_root()
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"
CHECK = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or \
    shutil.which("check-jsonschema")


@pytest.mark.skipif(CHECK is None, reason="check-jsonschema is not installed (make test "
                    "installs it with the dev extras)")
def test_workflow_passes_githubs_workflow_schema():
    out = subprocess.run([CHECK, "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_workflow_tests_pull_requests_and_deploys_main_to_pages():
    flow = yaml.safe_load(WORKFLOW.read_text())
    on = flow[True] if True in flow else flow["on"]  # YAML 1.1 reads `on:` as True
    assert "pull_request" in on and on["push"]["branches"] == ["main"]
    jobs = flow["jobs"]
    test_steps = jobs["test"]["steps"]
    assert any(".ci/run" in s.get("run", "") or "make test" in s.get("run", "")
               for s in test_steps)
    upload = next(s for s in test_steps if s.get("uses", "").startswith(
        "actions/upload-artifact@"))
    assert upload["with"]["path"] == "_build/smoke/_build/html"
    build_steps = jobs["build"]["steps"]
    assert any(s.get("run") == "make book" for s in build_steps)
    pages = next(s for s in build_steps if s.get("uses", "").startswith(
        "actions/upload-pages-artifact@"))
    assert pages["with"]["path"] == "_build/html"
    assert jobs["deploy"]["needs"] == "build"
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert any(s.get("uses", "").startswith("actions/deploy-pages@")
               for s in jobs["deploy"]["steps"])
    assert "pull_request" in jobs["test"]["if"] and "pull_request" in jobs["build"]["if"]


def test_repository_and_launch_buttons_agree_with_the_readme():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url = config["repository"]["url"]
    assert url.startswith("https://github.com/") and config["repository"]["branch"] == "main"
    assert config["html"]["use_repository_button"] is True
    assert config["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    slug = url.removeprefix("https://github.com/")
    readme = (ROOT / "README.md").read_text()
    assert f"{url}/actions/workflows/book.yml/badge.svg" in readme
    assert f"https://mybinder.org/v2/gh/{slug}/main" in readme
    owner, name = slug.split("/")
    assert f"https://{owner}.github.io/{name}/" in readme
