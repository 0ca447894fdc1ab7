"""Tests of glioma_lib.reporting.bench."""

import pytest


def test_bench_summary_marks_targets_and_missing_files(tmp_path):
    import json

    from glioma_lib.reporting.bench import bench_summary, bench_table

    (tmp_path / "data.json").write_text(json.dumps({"slice_stage_over_bare": 1.88,
                                                    "synth_patients_per_s": 0.6}))
    (tmp_path / "predict.json").write_text(json.dumps({"command_with_mask_s": 4.0}))
    table = bench_summary(tmp_path)
    assert table.loc["slice stage time / bare NIfTI reading", "met"] == "no"
    assert table.loc["glioma-grade predict, one patient, 224 px (s)", "met"] == "yes"
    assert table.loc["smoke book (s)", "value"] == "not measured"
    scaled = "that build at the first machine's probe rate (its seconds × its probe / the " \
             "first's) (s)"
    assert table.loc[scaled, "value"] == "not measured"
    (tmp_path / "book_default_fp32_second_machine.json").write_text(json.dumps(
        {"total_with_cohort_s": 3300.0, "probe_img_s": 120.0}))
    (tmp_path / "book_default_fp32.json").write_text(json.dumps(
        {"total_with_cohort_s": 2200.0, "probe_img_s": 180.0}))
    table = bench_summary(tmp_path)
    assert table.loc[scaled, "value"] == "2,200" and table.loc[scaled, "met"] == "yes"
    one = bench_table(tmp_path / "predict.json", {"command_with_mask_s": "command (s)"})
    assert one.loc["command (s)", "value"] == "4.0"
    assert "not measured" in bench_table(tmp_path / "nope.json").iloc[0, 0]


def test_format_measure_keeps_three_digits_and_whole_large_numbers():
    from glioma_lib.reporting.bench import format_measure

    assert format_measure(0.71455) == "0.715"
    assert format_measure(2926.1) == "2,926"
    assert format_measure(1900) == "1,900"
    assert format_measure(4) == "4"
    assert format_measure("yes") == "yes"


def test_raw_results_lists_every_file(tmp_path):
    import json

    from glioma_lib.reporting.bench import raw_results

    (tmp_path / "b.json").write_text(json.dumps({"x": 1}))
    (tmp_path / "a.json").write_text(json.dumps({"y": 2}))
    text = raw_results(tmp_path)
    assert text.index("--- a.json") < text.index("--- b.json") and '"x": 1' in text


def test_targets_file_is_read_and_bounds_are_checked():
    from glioma_lib.reporting.bench import meets

    assert meets({"at_most": 5}, 4) and not meets({"at_most": 5}, 6)
    assert meets({"at_least": 0.9}, 1.0) and meets({}, 3) is None
    estimate = {"at_least": 0.75, "at_most": 1.25}  # a range: both sides are checked
    assert meets(estimate, 1.0) and not meets(estimate, 1.5) and not meets(estimate, 0.5)


def test_precision_and_option_tables_read_their_files(tmp_path):
    import json

    from glioma_lib.reporting.bench import options_table
    from glioma_lib.reporting.bench_precision import (
        equivalence_summary,
        equivalence_table,
        equivalence_verdict,
        throughput_table,
    )

    assert "not measured" in throughput_table(tmp_path / "none.json").iloc[0, 0]
    (tmp_path / "t.json").write_text(json.dumps({"rows": [
        {"backbone": "googlenet", "size": 96, "train_fp32_img_per_s": 90.0,
         "train_bf16_img_per_s": 180.0, "train_bf16_over_fp32": 2.0,
         "infer_fp32_img_per_s": 300.0, "infer_bf16_img_per_s": 450.0,
         "infer_bf16_over_fp32": 1.5}]}))
    assert throughput_table(tmp_path / "t.json").loc[("googlenet", 96), "train bf16 / fp32"] == 2
    runs = [{"precision": c, "seed": seed, "val_loss": 0.3, "val_accuracy": 0.9,
             "val_auc": auc, "train_seconds": t}
            for c, seed, auc, t in (("fp32", 1, 0.85, 300), ("fp32", 2, 0.95, 500),
                                    ("bf16", 1, 0.96, 200), ("bf16", 2, 0.98, 150),
                                    ("fp32", 3, 0.99, 310), ("bf16", 3, 0.97, 160))]
    (tmp_path / "e.json").write_text(json.dumps({"runs": runs}))
    two = equivalence_table(tmp_path / "e.json", seeds=[1, 2])
    assert two.loc["val auc", "bf16 within fp32's range"] == "no: better"  # 0.97 > 0.85-0.95
    assert two.loc["val loss", "bf16 within fp32's range"] == "yes"
    assert equivalence_table(tmp_path / "e.json").loc["val auc", "bf16 within fp32's range"] \
        == "yes"  # three seeds: 0.9667 within 0.85-0.99
    summary = equivalence_summary(runs, seeds=[1, 2])
    assert summary["train_speedup"] == 2.0 and summary["seeds"] == [1, 2]  # fastest runs
    assert not summary["bf16_within_fp32_spread"] and summary["bf16_not_worse_than_fp32_spread"]
    assert summary["summary"]["val_auc"]["bf16_side"] == "better"
    verdict = equivalence_verdict(tmp_path / "e.json", seeds=[1, 2])
    assert verdict.startswith("over 2 seeds, bf16's mean lies within fp32's range for val loss")
    assert "outside it for val auc, on the better side (bf16 0.970 against fp32 0.850–0.950; " \
           "the means differ with Welch p = 0.39)" in verdict
    assert 0 < summary["summary"]["val_auc"]["welch_p"] < 1
    runs[2]["val_loss_fp32_inference"] = 0.31  # bf16 seed 1 evaluated in fp32
    assert equivalence_summary(runs)["bf16_models_fp32_inference_loss_shift"] == \
        pytest.approx(0.01)
    assert verdict.endswith("2.00× faster")
    slow = [{**r, "train_seconds": r["train_seconds"] * (4 if r["precision"] == "bf16" else 1)}
            for r in runs]  # bf16 at 0.5× fp32's speed (a backbone bf16 does not help)
    (tmp_path / "slow.json").write_text(json.dumps({"runs": slow}))
    assert equivalence_verdict(tmp_path / "slow.json", seeds=[1, 2]).endswith(
        "bf16 trained slower, at 0.50× fp32's speed")
    rows = [{"image size (px)": s, "epochs": 5, "offline 6×": False, "book (min)": m,
             "fits": m <= 45, "how": "projected"} for s, m in ((96, 30.0), (128, 40.0),
                                                              (224, 90.0))]
    (tmp_path / "o.json").write_text(json.dumps({"rows": rows, "closest_to_paper": rows[1]}))
    table = options_table(tmp_path / "o.json")
    assert table["closest to the paper"].tolist() == ["", "◀", ""]
    assert table["fits"].tolist() == ["yes", "yes", "no"]


def test_realism_table_names_the_statistics(tmp_path):
    import json

    from glioma_lib.data.synth import GENERATOR_VERSION
    from glioma_lib.reporting.bench import realism_table

    assert "not measured" in realism_table(tmp_path / "none.json").iloc[0, 0]
    summary = {"tumour_cm3": {"real HGG": 90.0, "synthetic HGG": 60.0},
               "flair_ratio_2": {"real HGG": 1.8, "synthetic HGG": 1.9},
               "patients": {"real HGG": 2, "synthetic HGG": 12}}
    old = {"summary": summary, "generator_version": GENERATOR_VERSION - 1}
    (tmp_path / "r.json").write_text(json.dumps(old))
    refused = realism_table(tmp_path / "r.json").iloc[0, 0]
    assert "Warning" in refused and f"version {GENERATOR_VERSION - 1}" in refused
    (tmp_path / "r.json").write_text(json.dumps({"summary": summary,
                                                 "generator_version": GENERATOR_VERSION}))
    table = realism_table(tmp_path / "r.json")
    assert table.loc["FLAIR: label 2 / white matter", "real HGG"] == 1.8
    assert table.loc["patients", "synthetic HGG"] == 12
    summary = {"tumour_cm3": {"real, external (never fitted) HGG": 80.0,
                              "synthetic, calibrated LGG": 90.0},
               "patients": {"real, external (never fitted) HGG": 11,
                            "synthetic, calibrated LGG": 8}}
    (tmp_path / "r.json").write_text(json.dumps({"summary": summary,
                                                 "generator_version": GENERATOR_VERSION}))
    assert list(realism_table(tmp_path / "r.json").columns) == ["real external HGG",
                                                               "synthetic LGG"]


def test_result_image_shows_a_png_or_says_it_is_missing(tmp_path):
    import matplotlib.pyplot as plt

    from glioma_lib.reporting.bench import result_image

    assert "not made yet" in result_image(tmp_path / "none.png")
    fig = plt.figure()
    fig.savefig(tmp_path / "x.png")
    assert result_image(tmp_path / "x.png").data[:4] == b"\x89PNG"


def test_site_results_read_one_cohort_with_provenance(tmp_path):
    import json

    from glioma_lib.reporting.bench import site_results

    rows, info = site_results(tmp_path / "sites.json")
    assert rows.empty and "not measured yet" in info["provenance"]
    from glioma_lib.data.synth import GENERATOR_VERSION

    older = {"profile": "default", "commit": "abc1234", "generator_version": 4,
             "cohorts": {"de-confounded": {"rows": []}}}
    (tmp_path / "sites.json").write_text(json.dumps(older))
    rows, info = site_results(tmp_path / "sites.json")
    assert rows.empty and "generator version 4" in info["provenance"]
    (tmp_path / "sites.json").write_text(json.dumps({
        "profile": "default", "commit": "abc1234", "generator_version": GENERATOR_VERSION,
        "cohorts": {"de-confounded": {"conclusion": "Graded …", "rows": [
            {"experiment": "leave-site-out", "auc": 0.6, "auc_low": 0.4, "auc_high": 0.8}]}}}))
    rows, info = site_results(tmp_path / "sites.json")
    assert rows.loc["leave-site-out", "auc"] == 0.6 and info["differences"] is None
    assert "commit abc1234" in info["provenance"]
    rows, info = site_results(tmp_path / "sites.json", "as in BraTS 2019")
    assert rows.empty and "no 'as in BraTS 2019' cohort" in info["provenance"]


@pytest.mark.parametrize("measure, mean, side", [
    ("val_auc", 0.5, "worse"), ("val_auc", 0.95, "better"), ("val_auc", 0.8, "within"),
    ("val_loss", 0.5, "better"), ("val_loss", 0.95, "worse"), ("val_loss", 0.7, "within")])
def test_outside_the_range_is_better_or_worse_by_the_measures_direction(measure, mean, side):
    from glioma_lib.reporting.bench_precision import _side

    assert _side(measure, mean, 0.6, 0.9) == side


def _gpu_result() -> dict:
    google = {"backbone": "googlenet", "model_alone_img_s": 100.0, "data_path_img_s": 95.0,
              "data_path_over_model_alone": 0.95, "inference_img_s": 400.0,
              "cudagraphs_data_path_img_s": 180.0, "train_peak_gpu_mib": 10.0}
    return {"throughput": {"googlenet": google, "backbones": [
                {"backbone": "vgg16", "model_alone_img_s": 50.0, "data_path_img_s": 49.0,
                 "data_path_over_model_alone": 0.98, "inference_img_s": 200.0},
                {"backbone": "xception", "error": "RuntimeError: out of memory"}]},
            "recipe": {"flair_cuda_vs_cpu": [{"epoch": 1, "train_loss_cuda": 0.4,
                                              "train_loss_cpu": 0.45}]},
            "projection": {"groups": [{"group": "slice split", "backbone": "googlenet",
                                       "networks": 3, "images_each": 1000, "img_s": 100.0,
                                       "mode": "eager", "seconds": 30.0}]}}


def test_gpu_tables_read_the_check_and_say_when_missing(tmp_path):
    import json

    from glioma_lib.reporting.bench_gpu import (
        gpu_projection_table,
        gpu_recipe_table,
        gpu_throughput_table,
    )

    path = tmp_path / "gpu_check.json"
    for fn in (gpu_throughput_table, gpu_projection_table, gpu_recipe_table):
        assert fn(path)["value"].iloc[0].startswith("not measured")
    path.write_text(json.dumps(_gpu_result()))
    table = gpu_throughput_table(path)
    assert table.loc["googlenet", "CUDA graphs data path (img/s)"] == 180.0
    assert table.loc["xception", "note"].startswith("RuntimeError")
    assert gpu_projection_table(path).loc["slice split", "hours"] == pytest.approx(30 / 3600)
    assert gpu_recipe_table(path).loc[1, "train_loss_cpu"] == 0.45


def test_fp32_options_table_marks_the_chosen_option(tmp_path):
    import json

    from glioma_lib.reporting.bench import fp32_options_table

    path = tmp_path / "options_fp32.json"
    assert fp32_options_table(path)["value"].iloc[0].startswith("not measured")
    rows = [{"main backbone": "efficientnet_lite0", "epochs": 5, "book (min)": 50.0,
             "fits": False, "how": "projected"},
            {"main backbone": "efficientnet_lite0", "epochs": 3, "book (min)": 40.0,
             "fits": True, "how": "measured"}]
    path.write_text(json.dumps({"rows": rows, "closest_to_paper": rows[1]}))
    table = fp32_options_table(path)
    assert table.loc[("efficientnet_lite0", 3), "chosen"] == "◀"
    assert table.loc[("efficientnet_lite0", 5), "fits"] == "no"


def test_grid_table_shows_cpu_runs_and_gpu_projection(tmp_path):
    import json

    from glioma_lib.reporting.bench_gpu import grid_table

    path = tmp_path / "grid.json"
    assert grid_table(path)["value"].iloc[0].startswith("not measured")
    path.write_text(json.dumps({
        "cpu": [{"stage": "data", "seconds": 9},
                {"workers": 1, "threads_each": 2, "networks": 15, "seconds": 600},
                {"workers": 2, "threads_each": 1, "networks": 15, "seconds": 480}],
        "gpu": {"device": "H200", "networks": 43, "hours": {"1": 4.2, "8": 0.6}}}))
    table = grid_table(path)
    assert table.loc["CPU, 2 worker(s) × 1 thread(s)", "minutes"] == 8.0
    assert table.loc["8 × H200 (projected)", "hours"] == 0.6


def test_seed_spread_says_the_range_per_arithmetic(tmp_path):
    import json

    from glioma_lib.reporting.bench_precision import seed_spread

    assert "not measured" in seed_spread(tmp_path / "none.json")
    runs = [{"precision": p, "seed": s, "val_accuracy": a, "val_auc": 0.8}
            for p, s, a in (("fp32", 1, 0.74), ("fp32", 2, 0.81), ("bf16", 1, 0.70),
                            ("bf16", 2, 0.85))]
    (tmp_path / "e.json").write_text(json.dumps({"runs": runs, "profile": "default",
                                                 "sequence": "flair", "epochs": 5,
                                                 "image_size": 96}))
    text = seed_spread(tmp_path / "e.json")
    assert "2 seeds" in text and "bf16 0.70–0.85 and fp32 0.74–0.81" in text
    assert "validation AUC of bf16 0.80–0.80" in seed_spread(tmp_path / "e.json", "val_auc")


def test_layout_text_says_whether_the_book_reads_whole(tmp_path):
    import json

    from glioma_lib.reporting.bench import layout_text

    assert layout_text(tmp_path / "none.json").startswith("Not measured yet")
    base = {"profile": "default", "commit": "abc1234", "widths": [1280, 390], "tables": 40}
    (tmp_path / "ok.json").write_text(json.dumps({**base, "problems": []}))
    assert "40 tables checked in Chromium at 1280 px and 390 px: no caption is clipped" in \
        layout_text(tmp_path / "ok.json")
    (tmp_path / "bad.json").write_text(json.dumps(
        {**base, "problems": ["1280 px, notebooks/07_sites.html: Table 28 scrolls sideways"]}))
    assert "1 problems, first 1280 px, notebooks/07_sites.html: Table 28" in \
        layout_text(tmp_path / "bad.json")
    (tmp_path / "later.json").write_text(json.dumps(
        {**base, "book_commit": "def5678", "problems": []}))  # measured at a later checkout
    assert "built at commit def5678" in layout_text(tmp_path / "later.json")
