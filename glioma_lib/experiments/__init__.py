"""The chapters' experiments, one call each, and a chapter's set-up (:mod:`.chapter`:
profile, data stages, caption maker): they run (or reuse) the networks a chapter needs
through ``training``, score them with ``evaluation`` and hand back a
:class:`~glioma_lib.reporting.section.Section` that ``reporting`` formats — chapter 6's
side-by-side evaluations (:mod:`.beyond`), chapter 7's cross-validation, operating points
and site experiments (:mod:`.headline`), chapter 3's backbones head to head
(:mod:`.backbones`) and the site experiments scored (:mod:`.sites`). Everything under
``reporting`` only formats, plots and reads, and ``evaluation`` only scores; what trains for a
chapter is here or below."""


def __getattr__(name: str):  # submodules on first use: ``glioma_lib.experiments.<module>``
    from ..lazy import submodule

    return submodule(__name__, name)
