"""No hand-typed figure in the book's prose or the README (issue 34): every number a sentence
holds is glued from a computation (``{glue:text}``), generated into README between markers
(``make readme``), or one of a short list of numbers that are not measurements, each taken
from the code that defines it so that it cannot drift:

* years, section and cross-reference numbers (chapter 6, Table 2, fold 0, issue 34…), version
  numbers, DOIs and arXiv ids, and figures in a paragraph that cites its source ({cite});
* the paper's own numbers (``glioma_lib.paper``: its cohort, protocol and tables);
* the value of a field of a shipped profile (``glioma_lib.config.PROFILES``: epochs, image
  size, training slices, folds…) and the build budgets (``glioma_lib.config.BUDGET_MIN``);
* the analysis plan's fixed constants (the 0.5 rule, 95 % intervals, a difference of 0) and
  the slice stage's normalisation range;
* counts up to ten (three sequences, two cores, five folds).
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import nbformat

from glioma_lib.config import BUDGET_MIN, PROFILES, project_root

ROOT = project_root()
NUMBER = re.compile(r"(?<![\w.\-/×^])[-−+±]?(\d+(?:[.,]\d+)*)(?:\s?(%|×|px|min|s\b|GiB|MiB|°))?"
                    r"(?![\w])")
REFERENCE = re.compile(r"(?:[Cc]hapters?|Tables?|Figs?\.|Figures?|folds?|[Ss]ections?|issues?|"
                       r"version|Python|epoch|step|Appendix)\s*(?:\d+\s*(?:[–,-]|and|or)\s*)*$")
#: Constants of the analysis plan and the slice stage, not measurements.
FIXED = {"0": "a difference of 0 / the bottom of a range", "0.5": "the paper's vote threshold",
         "95": "the intervals' confidence level", "99.5": "the normalisation's upper percentile",
         "255": "the uint8 range of the stored slices"}


def _literals(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            out |= _forms(node.value)
    return out


def _forms(value) -> set[str]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return set()
    if isinstance(value, int):
        return {str(value), f"{value:,}"}
    return {repr(value), f"{100 * value:.2f}".rstrip("0").rstrip("."), f"{100 * value:.1f}"}


def allowed_numbers() -> set[str]:
    """The numbers prose may hold without a glue: computed from the code that defines them."""
    numbers = _literals(ROOT / "glioma_lib" / "paper.py") | set(FIXED)
    for profile in PROFILES.values():
        numbers |= _forms(profile.n_lgg + profile.n_hgg)  # the cohort's patients
        for field in dataclasses.fields(profile):
            value = getattr(profile, field.name)
            for v in value if isinstance(value, tuple) else (value,):
                numbers |= _forms(v)
                if isinstance(v, float) and v < 1:
                    numbers.add(f"{round(100 * v)}")  # split fractions as percentages
    for minutes in BUDGET_MIN.values():
        numbers |= _forms(minutes)
    return numbers


def _prose(text: str) -> str:
    """The text a reader reads as sentences: no code, directives, roles, links or markers."""
    text = re.sub(r"<!-- ([\w-]+):start -->.*?<!-- \1:end -->", "", text, flags=re.S)
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    text = re.sub(r"^:::.*?^:::+\s*$", "", text, flags=re.S | re.M)
    text = re.sub(r"\{[\w:-]+\}`[^`]*`", "§", text)  # a glued value, reference or citation
    text = re.sub(r"`[^`]*`", "", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"<!--.*?-->|\$[^$]*\$|https?://\S+|doi:\S+|arXiv:\S+", "", text, flags=re.S)
    return text


def sources():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for i, cell in enumerate(nbformat.read(path, 4).cells):
            if cell.cell_type == "markdown":
                yield f"{path.name} cell {i}", cell.source
    for path in sorted((ROOT / "book").glob("*.md")):
        if path.name != "references.md":
            yield f"book/{path.name}", path.read_text()
    yield "README.md", (ROOT / "README.md").read_text()


def hand_typed(where: str, text: str, allowed: set[str]) -> list[str]:
    found = []
    for paragraph in re.split(r"\n\s*\n", text):
        cites = "{cite" in paragraph
        for line in _prose(paragraph).splitlines():
            line = re.sub(r"^\s*(#+\s+)?(\d+\.\s)?", "", line)
            if cites or line.startswith("|") and "{cite" in line:
                continue
            for m in NUMBER.finditer(line):
                value = m.group(1)
                if (re.fullmatch(r"(19|20)\d\d", value) or REFERENCE.search(line[:m.start()])
                        or value in allowed or value.replace(",", "") in allowed
                        or (value.isdigit() and int(value) <= 10)):
                    continue
                found.append(f"{where}: {m.group(0)!r} in {line.strip()[:100]!r}")
    return found


def test_no_hand_typed_figure_in_the_prose():
    allowed = allowed_numbers()
    found = [h for where, text in sources() for h in hand_typed(where, text, allowed)]
    assert not found, "glue or generate these figures:\n" + "\n".join(found)


def test_the_check_finds_a_typed_measurement_and_lets_the_rest_pass():
    allowed = allowed_numbers()
    assert hand_typed("x", "The book took 42.2 minutes on 2 cores.", allowed) == [
        "x: '42.2' in 'The book took 42.2 minutes on 2 cores.'"]
    ok = ("Chapter 7 tests 335 patients at 224 px in 2022 ({glue:text}`auc`), within 45 minutes; "
          "the intervals are 95 % intervals.\n\nOthers report 0.963 {cite}`zhuge2020`.")
    assert hand_typed("x", ok, allowed) == []
