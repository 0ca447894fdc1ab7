"""README's measured book time comes from the build JSONs (glioma_lib.reporting.build_record),
never typed by hand."""

import json

import pytest

from glioma_lib.config import project_root
from glioma_lib.reporting.build_record import README_MARKERS, book_time_text, update_readme


def test_readme_book_time_is_the_generated_sentence():
    root = project_root()
    readme = (root / "README.md").read_text()
    start, end = README_MARKERS
    shown = readme.split(start, 1)[1].split(end, 1)[0].strip()
    assert shown == book_time_text(root / "bench" / "results"), "run `make readme`"


def test_book_time_text_and_update(tmp_path):
    (tmp_path / "book_default_fp32.json").write_text(json.dumps(
        {"book_s": 2000, "total_with_cohort_s": 2100.0, "precision": "fp32",
         "cpu_capability": "AVX2", "commit": "abc1234+changes", "machine": "x86_64, 2 cores"}))
    text = book_time_text(tmp_path)
    assert "35.0 minutes on a CPU without native bf16 (fp32, torch capability AVX2, commit " \
           "abc1234+changes)" in text and "not yet measured on a CPU with native bf16" in text
    readme = tmp_path / "README.md"
    readme.write_text(f"a\n{README_MARKERS[0]}\nold\n{README_MARKERS[1]}\nb\n")
    assert update_readme(readme, tmp_path) is True
    assert update_readme(readme, tmp_path) is False
    assert "\nold\n" not in readme.read_text() and readme.read_text().endswith("\nb\n")
    readme.write_text("no markers")
    with pytest.raises(ValueError, match="markers"):
        update_readme(readme, tmp_path)
