"""Where a benchmark result comes from, in one schema: every ``bench/results/*.json`` written
by ``bench/_common.write_result`` starts with ``bench/_common.envelope``'s
:data:`ENVELOPE_KEYS` (machine, CPU capability, torch, commit, clean-tree flag, profile,
backbone, the cross-validation recipe, the synthetic generator's version), and the book checks
a result against the recipe it quotes it for (:func:`provenance_problems`): a result from a
modified tree, with no commit, from another recipe or, for a result about the synthetic
cohort, from another generator version is shown with a visible warning
(:func:`provenance_warning`) or refused, never silently."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..data.synth import GENERATOR_VERSION
from .bench import read_result
from .origin import tree_state

#: The keys every result written since the envelope was introduced carries.
ENVELOPE_KEYS = ("machine", "cpu_capability", "torch", "commit", "clean", "profile",
                 "backbone", "recipe", "generator_version")


def generator_problem(result: dict) -> str | None:
    """Why a result about the synthetic cohort describes another cohort than this checkout
    makes (a generator version other than :data:`GENERATOR_VERSION`, or none recorded), or
    None.

    Args:
        result: a benchmark result (JSON object).

    Example:
        >>> generator_problem({"generator_version": 1})
        'made with synthetic generator version 1, not this checkout's 5'
    """
    found = result.get("generator_version")
    if found is None and isinstance(result.get("provenance"), dict):  # older schema
        found = result["provenance"].get("generator_version")
    if found == GENERATOR_VERSION:
        return None
    return ("synthetic generator version not recorded" if found is None else
            f"made with synthetic generator version {found}, not this checkout's "
            f"{GENERATOR_VERSION}")


def provenance_problems(result: dict, recipe: str | None = None,
                        cohort: bool = False) -> list[str]:
    """What keeps a result from being quoted as this checkout's measurement of ``recipe``.

    Args:
        result: a benchmark result (JSON object).
        recipe: the recipe the book quotes it for (:func:`~glioma_lib.training.crossval.
            cv_recipe_text`), or None when the result is not about a recipe.
        cohort: the result's figures describe the synthetic cohort (its generator version
            must be this checkout's).

    Example:
        >>> provenance_problems({"commit": "abc1234", "clean": True, "recipe": "x"}, "y")
        ["made with another recipe ('x', not 'y')"]
    """
    problems = []
    if cohort and (problem := generator_problem(result)):
        problems.append(problem)
    state = tree_state(result.get("commit"), result.get("clean"))
    if state is None:
        problems.append("no commit recorded")
    elif state[1]:
        problems.append(f"measured on a modified tree ({state[0]} with uncommitted changes)")
    if recipe is not None and result.get("recipe") != recipe:
        found = result.get("recipe")
        problems.append("no recipe recorded" if found is None else
                        f"made with another recipe ({found!r}, not {recipe!r})")
    return problems


def quotable(path, recipe: str | None = None, cohort: bool = True) -> tuple[bool, str]:
    """Whether the book may quote a result's figures, and the visible warning that goes with
    them: a result made with another recipe (or none recorded) or, about the synthetic
    cohort, by another generator version (another cohort) is refused; one from a modified
    tree or with no commit is quoted with its warning; a clean one silently.

    Args:
        path: the result's JSON.
        recipe: the recipe the book quotes it for.
        cohort: the result's figures describe the synthetic cohort.

    Example:
        >>> quotable("bench/results/cv_seeds.json", "another recipe")[0]
        False
    """
    result = read_result(path)
    if result is None:
        return True, ""
    problems = provenance_problems(result, recipe, cohort)
    if not problems:
        return True, ""
    refused = ((recipe is not None and result.get("recipe") != recipe)
               or (cohort and generator_problem(result) is not None))
    verdict = ("is not quoted as this book's measurement" if refused
               else "is quoted with a caveat")
    return not refused, f"⚠ Warning: {Path(path).name} {verdict}: {'; '.join(problems)}."


def provenance_warning(path, recipe: str | None = None) -> str:
    """A visible warning for a result the book quotes, or ``""`` when it may be quoted.

    Args:
        path: the result's JSON.
        recipe: the recipe the book quotes it for.

    Example:
        >>> provenance_warning("bench/results/cv_seeds.json", "x")[:9]
        '⚠ Warning'
    """
    result = read_result(path)
    if result is None:
        return ""
    problems = provenance_problems(result, recipe)
    return (f"⚠ Warning: {Path(path).name} is not quoted as this book's measurement: "
            f"{'; '.join(problems)}." if problems else "")


def _recipe_cell(result: dict) -> str:
    """The backbone and recipe of a result in one short cell (a recipe given per part, as a
    JSON object, is named, not spelled out: it is in the file)."""
    backbone, recipe = result.get("backbone"), result.get("recipe")
    if recipe is not None and not isinstance(recipe, str):
        recipe = "one per part (in the JSON)"
    if backbone and recipe and backbone in recipe:
        return recipe
    return ", ".join(x for x in (backbone, recipe) if x) or "not recorded"


def provenance_table(folder) -> pd.DataFrame:
    """Every benchmark result with its commit, clean flag, backbone and recipe (one column)
    and what is missing from its provenance (the appendix's audit).

    Args:
        folder: ``bench/results``.

    Example:
        >>> provenance_table("bench/results").loc["realism.json", "commit"]
    """
    rows = {}
    for path in sorted(Path(folder).glob("*.json")):
        result = read_result(path) or {}
        problems = provenance_problems(result)
        missing = [k for k in ENVELOPE_KEYS if k not in result]
        rows[path.name] = {"commit": result.get("commit") or "none",
                           "backbone, recipe": _recipe_cell(result),
                           "provenance": "; ".join(problems + ([
                               f"older schema: no {', '.join(missing)}"] if missing else []))
                           or "complete"}
    table = pd.DataFrame(rows).T
    table.index.name = "result"
    return table


def provenance_text(table: pd.DataFrame) -> str:
    """The audit table in one sentence: how many results carry a complete provenance and which
    do not.

    Args:
        table: :func:`provenance_table`'s.

    Example:
        >>> provenance_text(pd.DataFrame({"provenance": ["complete", "no commit recorded"]},
        ...                              index=["a.json", "b.json"]))[:48]
        '1 of 2 results carry a complete provenance (comm'
    """
    bad = [name for name, p in table["provenance"].items() if p != "complete"]
    good = len(table) - len(bad)
    text = (f"{good} of {len(table)} results carry a complete provenance (commit of a clean "
            "tree, machine, backbone, recipe)")
    if not bad:
        return text + "."
    return (text + f"; {', '.join(bad)} do not, and the chapters that quote them say so where "
            "they quote them.")
