"""The data stages: real BraTS cohorts (:mod:`.brats`), the synthetic cohort (:mod:`.synth`),
the slice stage (:mod:`.slices`), splits (:mod:`.splits`) and a profile's cached stages
(:mod:`.stages`)."""
