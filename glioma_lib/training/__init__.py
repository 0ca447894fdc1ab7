"""Training: augmentation (:mod:`.augment`), the training loop with checkpoints and resume
(:mod:`.train`), one cached protocol (:mod:`.experiment`) and the backbone head-to-head
(:mod:`.compare`)."""
