"""glioma_lib: the helper library behind the reproducible glioma-grading book.

One module per stage: cohort (:mod:`brats`, :mod:`synth`) → :mod:`slices` → :mod:`splits`
→ :mod:`augment` / :mod:`models` / :mod:`train` → :mod:`vote` → :mod:`metrics` → book.
"""

__version__ = "0.2.0"
