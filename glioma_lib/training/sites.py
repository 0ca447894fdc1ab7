"""The site experiments of chapter 7, trained: is the network reading the tumour or the hospital?

All on FLAIR under the cross-validation recipe (:func:`.crossval.cv_recipe`), so they cost the
same and compare with the cross-validation's fold 0:

* **random patient split** — fold 0 of the patient-level cross-validation (the reference);
* **leave-site-out** — test on whole sites never seen in training
  (:func:`glioma_lib.data.splits.leave_site_out`);
* **tumour blanked** — fold 0 again, on slices whose dilated tumour is set to 0
  (:func:`glioma_lib.data.slices.blank_tumour`): grading well above chance without the
  tumour means the network reads something else, e.g. the site's signature;
* **site classifier** — fold 0's network trained to name the site instead of the grade.

Scoring them is :mod:`glioma_lib.experiments.sites`' job; saying what they show,
:mod:`glioma_lib.reporting.sites`'.
"""

from __future__ import annotations

from ..data.sites import BLANKED, LEAVE_SITE_OUT, REFERENCE, SITE_CLASSIFIER
from ..data.stages import Data
from .recipe import book_recipes, cv_recipe_for, leave_site_out_split, run_recipe

__all__ = ["BLANKED", "LEAVE_SITE_OUT", "REFERENCE", "SEQUENCE", "SITE_CLASSIFIER", "site_runs"]

SEQUENCE = "flair"


def site_runs(data: Data) -> dict[str, object]:
    """The four site experiments trained (cached): experiment name → ``ProtocolRun``, or →
    the reason it cannot run on this cohort (e.g. no group of whole sites holds both grades).

    Args:
        data: the prepared data stages.

    Example:
        >>> runs = site_runs(gl.prepare_data(gl.get_profile("smoke")))
        >>> runs["tumour blanked (CV fold 0)"].predictions.columns[:2].tolist()
        ['row', 'patient_id']
    """
    p, recipes = data.profile, book_recipes(data)
    runs: dict[str, object] = {REFERENCE: run_recipe(data, cv_recipe_for(p, "fold0", (SEQUENCE,)),
                                                      name="fold0")}
    if "leave-site-out" in recipes:
        runs[LEAVE_SITE_OUT] = run_recipe(data, recipes["leave-site-out"], name="leave-site-out")
    else:
        try:
            leave_site_out_split(data)
        except ValueError as err:
            runs[LEAVE_SITE_OUT] = str(err)
    runs[BLANKED] = run_recipe(data, recipes["blanked"], name="blanked")
    runs[SITE_CLASSIFIER] = run_recipe(data, recipes["site-classifier"], name="site-classifier")
    return runs
