"""README's measured figures (the default book's time, the GPU projection) come from the bench
JSONs (glioma_lib.reporting.build_record), never typed by hand."""

import json

import pytest

from glioma_lib.config import project_root
from glioma_lib.reporting.build_record import (
    README_BLOCKS,
    book_time_text,
    gpu_projection_text,
    update_readme,
)


@pytest.mark.parametrize("name", list(README_BLOCKS))
def test_readme_block_is_the_generated_sentence(name):
    root = project_root()
    readme = (root / "README.md").read_text()
    shown = readme.split(f"<!-- {name}:start -->", 1)[1].split(f"<!-- {name}:end -->", 1)[0]
    assert shown.strip() == README_BLOCKS[name](root / "bench" / "results"), "run `make readme`"


def test_book_time_text_and_update(tmp_path):
    (tmp_path / "book_default_fp32.json").write_text(json.dumps(
        {"book_s": 2000, "total_with_cohort_s": 2100.0, "precision": "fp32", "probe_img_s": 177.3,
         "cpu_capability": "AVX2", "commit": "abc1234+changes", "machine": "x86_64, 2 cores"}))
    text = book_time_text(tmp_path)
    assert "35.0 minutes on a CPU without native bf16 (fp32, torch capability AVX2, commit " \
           "abc1234+changes)" in text and "not yet measured on a CPU with native bf16" in text
    (tmp_path / "book_default_fp32_second_machine.json").write_text(json.dumps(
        {"total_with_cohort_s": 3000.0, "probe_img_s": 118.2, "commit": "def5678"}))
    assert "slower machine of that kind (probe 118 img/s), 50.0 minutes (commit def5678), " \
           "33.3 at the first machine's probe rate" in book_time_text(tmp_path)
    (tmp_path / "book_default.json").write_text(json.dumps(
        {"book_s": 1700, "total_with_cohort_s": 1800.0, "precision": "fp32", "probe_img_s": 200.0,
         "cpu_capability": "AVX512", "commit": "aaa1111", "machine": "x86_64, 2 cores"}))
    (tmp_path / "book_default_second_machine.json").write_text(json.dumps(
        {"total_with_cohort_s": 3000.0, "probe_img_s": 125.0, "commit": "bbb2222"}))
    text = book_time_text(tmp_path)  # each kind's second machine after its own first
    assert text.index("33.3 at the first") < text.index("30.0 minutes on a CPU with native")
    assert text.endswith("(probe 125 img/s), 50.0 minutes (commit bbb2222), 31.2 at the first "
                         "machine's probe rate (`bench/bench_book.py --cold`; the appendix has "
                         "every chapter).")
    assert gpu_projection_text(tmp_path).startswith("Not measured on a GPU yet")
    readme = tmp_path / "README.md"
    blocks = "".join(f"<!-- {n}:start -->\nold\n<!-- {n}:end -->\n" for n in README_BLOCKS)
    readme.write_text(f"a\n{blocks}b\n")
    assert update_readme(readme, tmp_path) is True
    assert update_readme(readme, tmp_path) is False
    assert "\nold\n" not in readme.read_text() and readme.read_text().endswith("\nb\n")
    readme.write_text("no markers")
    with pytest.raises(ValueError, match="markers"):
        update_readme(readme, tmp_path)


def test_gpu_projection_text_reads_the_plan_count():
    text = gpu_projection_text(project_root() / "bench" / "results")
    proj = json.loads((project_root() / "bench" / "results" / "gpu_check.json").read_text())
    assert f"book's {proj['projection']['networks']} networks" in text
