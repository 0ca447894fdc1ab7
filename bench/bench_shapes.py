"""Refit the synthetic generator's tumour shapes from the calibration set's segmentations
(``../shared/brats-sample`` only; the external set is never read): writes
``glioma_lib/data/tumour_shapes.json``. A change of the shapes changes the generator, so
bump ``GENERATOR_VERSION`` with it."""

from __future__ import annotations

import glioma_lib as gl
from glioma_lib.data.synth_shapes import SHAPES_FILE, fit_shapes
from glioma_lib.real_sample import REAL_SETS
from glioma_lib.store import write_json


def main() -> None:
    root = gl.config.project_root().parent / "shared" / REAL_SETS["calibration"]
    cohort = gl.index_cohort(root)
    rows = [(r.patient_id, r.grade, r.seg) for r in cohort.itertuples()]
    write_json(SHAPES_FILE, fit_shapes(rows))
    print(f"{SHAPES_FILE}: {len(rows)} shapes from {root}")


if __name__ == "__main__":
    main()
