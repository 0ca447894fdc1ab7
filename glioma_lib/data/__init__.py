"""The data stages: real BraTS cohorts (:mod:`.brats`), the synthetic cohort (:mod:`.synth`:
one patient in four stages on the anatomy of :mod:`.synth_anatomy`, its tumour drawn by
:mod:`.synth_tumour` with an outline from real segmentations (:mod:`.synth_shapes`), its
site's scanner and its own scan from :mod:`.synth_scanner`, calibrated on the real sample as
:mod:`.synth_calibration` records, written as a BraTS-layout cohort by :mod:`.synth_cohort`
with :mod:`.nifti_write`), the acquisition sites (:mod:`.sites`), the slice
stage (:mod:`.slices`), a tumour mask from the images alone (:mod:`.automask`), splits
(:mod:`.splits`), image statistics (:mod:`.realism`) and a profile's cached stages
(:mod:`.stages`)."""


def __getattr__(name: str):  # submodules on first use: ``glioma_lib.data.<module>``
    from ..lazy import submodule

    return submodule(__name__, name)
