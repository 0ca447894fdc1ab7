"""Tests of glioma_lib.reporting.bench."""


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
