"""What the book shows, formatted from results computed elsewhere (nothing here trains or
imports ``training``): metric tables as ``value [low, high]`` cells (:mod:`.cells`), results
beside the paper's (:mod:`.beside_paper`), the site experiments in words (:mod:`.sites`), an
experiment's values and tables as the chapters show them (:mod:`.section`), figures
(:mod:`.plots`), captions (:mod:`.captions`), numbered tables and figures with their captions
in the text (:mod:`.exhibit`), the benchmark tables (:mod:`.bench`, :mod:`.bench_gpu`,
:mod:`.bench_precision`, :mod:`.bench_cv`, :mod:`.bench_options`), the book's time per
option (:mod:`.budget`),
the build record (:mod:`.build_record`), whether a built book reads at laptop and phone
width (:mod:`.layout`), where each benchmark result comes from (:mod:`.provenance`) and which
synthetic generator's networks grade the real patients best (:mod:`.ablation`);
every caption names the CPU and commit that made it (:mod:`.origin`).

Submodules import on first attribute access (``gl.reporting.provenance``)."""


def __getattr__(name: str):  # submodules on first use: ``glioma_lib.reporting.<module>``
    from ..lazy import submodule

    return submodule(__name__, name)
