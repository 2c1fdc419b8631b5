"""The ablation grid and its mean/std table."""

import json

import pytest

from launch import sweep


def test_grid_covers_both_switches_and_seeds():
  runs = sweep.grid(3, "runlocal=True")
  assert len(runs) == 12
  assert len({name for name, _ in runs}) == 12
  assert all(args.endswith(",runlocal=True") for _, args in runs)
  assert "attention=False-bidirectional=True-seed=2" in {name for name, _ in runs}
  assert ("attention=False-bidirectional=True-seed=2",
          "attention=False,bidirectional=True,seed=2,runlocal=True") in runs


def test_collect_means_and_stds(tmp_path):
  runs = sweep.grid(2)
  for (name, _), value in zip(runs[:2], (80.0, 90.0)):
    (tmp_path / name).mkdir()
    row = {"pck@20/Average": value, "pck@10/Average": value - 10, "mean_error": 5.0}
    (tmp_path / name / "results.json").write_text(json.dumps({"raw": row, "refined": row}))
  table = sweep.collect(tmp_path, runs)
  entry = table["attention=True-bidirectional=True"]
  assert entry["seeds"] == 2
  assert entry["mean"]["refined/pck@20/Average"] == pytest.approx(85.0)
  assert entry["std"]["refined/pck@20/Average"] == pytest.approx(5.0)
  assert "85.00 ± 5.00" in sweep.format_table(table)
