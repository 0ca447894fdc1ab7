"""The data stages: real BraTS cohorts (:mod:`.brats`), the synthetic cohort (:mod:`.synth`,
its generator stages :mod:`.synth_stages` and its calibration on the real sample
:mod:`.synth_calibration`), the acquisition sites (:mod:`.sites`), the slice stage
(:mod:`.slices`), a tumour mask from the images alone (:mod:`.automask`), splits
(:mod:`.splits`), image statistics (:mod:`.realism`) and a profile's cached stages
(:mod:`.stages`)."""
