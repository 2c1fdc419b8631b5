"""End-to-end training on the synthetic data: it must beat its noisy input."""

import json

import pytest

from configs import synthetic
from pose_refine import train


@pytest.fixture(scope="module")
def trained(data_dir, tmp_path_factory):
  config = synthetic.get_config("runlocal=True")
  config.data_dir = data_dir
  workdir = tmp_path_factory.mktemp("train")
  results = train.train_and_evaluate(config, str(workdir))
  return config, workdir, results


def test_training_beats_raw_input_on_held_out_videos(trained):
  _, _, results = trained
  raw, refined = results["raw"], results["refined"]
  # Error rate = share of joints more than 20 px off (100 - PCK@20).
  assert 100 - refined["pck@20/Average"] < 100 - raw["pck@20/Average"] - 0.5, results


def test_workdir_holds_metrics_results_and_checkpoints(trained):
  config, workdir, _ = trained
  lines = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]
  steps = [line["step"] for line in lines if "loss" in line]
  assert steps == list(range(1, config.num_train_steps + 1))
  assert any("validation/refined/pck@20/Average" in line for line in lines)
  assert json.loads((workdir / "results.json").read_text())["refined"]
  assert "| refined |" in (workdir / "results.md").read_text()
  assert (workdir / "checkpoints" / str(config.num_train_steps)).is_dir()


def test_rerun_with_finished_workdir_resumes_without_training(trained):
  config, workdir, results = trained
  # Timings differ between runs, so an unchanged timing log means no step ran again.
  timing = (workdir / "timing.jsonl").read_text()
  again = train.train_and_evaluate(config, str(workdir))
  assert again == results
  assert (workdir / "timing.jsonl").read_text() == timing


def test_non_finite_loss_stops_with_a_clear_error(data_dir, tmp_path):
  config = synthetic.get_config("runlocal=True")
  config.data_dir = data_dir
  config.optim.learning_rate = 1e30
  config.optim.clip_global_norm = 0.0
  config.optim.schedule = "constant"
  config.log_every_steps = 5
  config.num_train_steps = 20
  with pytest.raises(train.NonFiniteLossError, match="Loss is .* at step"):
    train.train_and_evaluate(config, str(tmp_path))
