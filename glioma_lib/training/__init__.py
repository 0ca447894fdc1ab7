"""Training: augmentation (:mod:`.augment`; batched on the device), training data placed on
the device once (:mod:`.device_data`), the training loop with checkpoints and resume
(:mod:`.train`), its arithmetic (:mod:`.precision`), one run described once and named by its
content (:mod:`.runspec`), trained and predicted once (:mod:`.experiment`),
every network the book trains declared once (:mod:`.recipe`), its work counted from patients
alone (:mod:`.workload`) and fanned out (:mod:`.grid`),
the backbone head-to-head (:mod:`.compare`), cross-validation (:mod:`.crossval`), the site
experiments (:mod:`.sites`) and this machine's training speed, probed in seconds
(:mod:`.probe`)."""


def __getattr__(name: str):  # submodules on first use: ``glioma_lib.training.<module>``
    from ..lazy import submodule

    return submodule(__name__, name)
