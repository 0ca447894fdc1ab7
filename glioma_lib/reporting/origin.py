"""Which CPU and which commit made a table or figure, in words for its caption: the build's
own (every exhibit, :func:`built_line`), the trained networks' (their model cards'
``trained_on``, :func:`trained_text`) and a benchmark result's (its provenance envelope,
:func:`measured_line`). Cores of one kind differ in speed and arithmetic between machines, and
a result belongs to the code that made it, so every exhibit says both."""

from __future__ import annotations

from pathlib import Path

from ..config import build_origin
from .bench import read_result


def tree_state(commit: str | None, clean: bool | None = None) -> tuple[str, bool] | None:
    """A recorded commit as (short commit, whether the tree was modified), or None where no
    commit was recorded: the one reading of ``+changes`` and of an envelope's ``clean`` flag
    (captions here, the book's provenance check in :mod:`.provenance`).

    Args:
        commit: a short commit, ``+changes`` appended for a modified tree
            (:func:`glioma_lib.config.checkout_commit`'s form), or None.
        clean: the tree's clean flag where recorded apart (a benchmark envelope's).

    Example:
        >>> tree_state("ddcafe8+changes"), tree_state("unknown")
        (('ddcafe8', True), None)
    """
    base = (commit or "").replace("+changes", "")
    if not base or base == "unknown":
        return None
    return base, clean is False or str(commit).endswith("+changes")


def commit_text(commit: str | None, clean: bool | None = None) -> str:
    """A commit as a caption names it: ``commit ddcafe8 (clean)``, ``commit ddcafe8 with
    uncommitted changes`` or ``no commit recorded``.

    Args:
        commit: a short commit, ``+changes`` appended for a modified tree
            (:func:`glioma_lib.config.checkout_commit`'s form), or None.
        clean: the tree's clean flag where recorded apart (a benchmark envelope's).

    Example:
        >>> commit_text("ddcafe8+changes")
        'commit ddcafe8 with uncommitted changes'
    """
    state = tree_state(commit, clean)
    if state is None:
        return "no commit recorded"
    base, modified = state
    return f"commit {base} with uncommitted changes" if modified else f"commit {base} (clean)"


def origin_text(origin: dict) -> str:
    """A machine and commit in a few words: ``CPU AVX512, commit ddcafe8 (clean)``, with the
    GPU where one computed.

    Args:
        origin: :func:`glioma_lib.config.build_origin`'s keys (``cpu_capability``, ``gpu``,
            ``commit``; a benchmark envelope's ``clean`` too).

    Example:
        >>> origin_text({"cpu_capability": "AVX2", "gpu": None, "commit": "ddcafe8"})
        'CPU AVX2, commit ddcafe8 (clean)'
    """
    cpu = f"CPU {origin.get('cpu_capability') or 'not recorded'}"
    gpu = next((v for v in (origin.get("gpu"), origin.get("device")) if isinstance(v, str)
                and v != "cpu"), None)  # a GPU check's result names its GPU "device"
    gpu = f", GPU {gpu}" if gpu else ""
    return f"{cpu}{gpu}, {commit_text(origin.get('commit'), origin.get('clean'))}"


def built_line() -> str:
    """The last line of every caption: the CPU and commit of the build that made the exhibit.

    Example:
        >>> built_line()[:13]
        'Built on CPU '
    """
    return f"Built on {origin_text(build_origin())}."


def trained_text(cards: list[dict]) -> str:
    """Where the networks an exhibit shows were trained, from their model cards
    (``trained_on``; a network from a cache may come from another machine or commit than the
    build): each distinct origin once, and the cards that predate the record said so.

    Args:
        cards: model cards (:func:`glioma_lib.reporting.captions.model_cards`).

    Example:
        >>> trained_text([{"trained_on": {"cpu_capability": "AVX2", "commit": "ddcafe8"}}])
        'trained on CPU AVX2, commit ddcafe8 (clean)'
    """
    origins = sorted({origin_text(c["trained_on"]) if c.get("trained_on") else
                      "a machine and commit not recorded (an older model card)" for c in cards})
    return "trained on " + "; ".join(origins)


def measured_line(*paths: str | Path) -> str:
    """The line that says which CPU and commit measured the benchmark results an exhibit
    shows (their provenance envelopes), one per result.

    Args:
        paths: ``bench/results/*.json`` files the exhibit reads.

    Example:
        >>> measured_line("bench/results/grid.json")[:28]
        'Measured: grid.json on CPU A'
    """
    parts = []
    for path in paths:
        result = read_result(path)
        parts.append(f"{Path(path).name} not measured" if result is None else
                     f"{Path(path).name} on {origin_text(result)}")
    return "Measured: " + "; ".join(parts) + "."
