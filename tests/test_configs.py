"""Config variants parse; bad arguments name themselves."""

import dataclasses

import pytest

from configs import common
from configs import synthetic


@pytest.mark.parametrize("attention", [True, False])
@pytest.mark.parametrize("bidirectional", [True, False])
def test_ablation_variants(attention, bidirectional):
  config = synthetic.get_config(f"attention={attention},bidirectional={bidirectional}")
  assert config.model.attention is attention
  assert config.model.bidirectional is bidirectional


def test_runlocal_shrinks_the_run():
  full, local = synthetic.get_config(), synthetic.get_config("runlocal=True")
  assert local.num_train_steps < full.num_train_steps
  assert local.model.hidden < full.model.hidden
  assert full.batch_size == 64 and full.optim.learning_rate == 0.01


def test_every_rmsprop_argument_is_explicit():
  optim = synthetic.get_config().optim
  for name in ("decay", "eps", "initial_scale", "eps_in_sqrt", "centered", "momentum",
               "nesterov", "bias_correction"):
    assert name in optim


@pytest.mark.parametrize(
    "arg,message",
    [("attention=maybe", "not a boolean"), ("colour=red", "Unknown config argument"),
     ("attention", "key=value")],
)
def test_bad_arguments(arg, message):
  with pytest.raises(ValueError, match=message):
    common.parse_arg(arg, attention=True)


def test_pretrained_eval_choices_keep_the_model_and_its_training_data():
  from configs import pretrained  # pylint: disable=g-import-not-at-top

  base = pretrained.get_config()
  for choice in ("youtube_weak", "youtube_strong", "synthetic"):
    config = pretrained.get_config(f"eval={choice}")
    assert config.train_data == base.train_data
    assert config.model == base.model and config.window == base.window
    assert config.dataset != base.dataset
  with pytest.raises(ValueError, match="eval='cvit'"):
    pretrained.get_config("eval=cvit")


def test_shipped_model_was_trained_by_the_committed_config():
  from configs import pretrained  # pylint: disable=g-import-not-at-top
  from pose_refine import checkpointing  # pylint: disable=g-import-not-at-top
  from pose_refine import inference  # pylint: disable=g-import-not-at-top
  from pose_refine import models  # pylint: disable=g-import-not-at-top
  from pose_refine import refiner  # pylint: disable=g-import-not-at-top
  from pose_refine import selection  # pylint: disable=g-import-not-at-top

  shipped = checkpointing.restore_config(refiner.DEFAULT_CHECKPOINT)
  config = pretrained.get_config()
  # The implementation is how, not what: both compute the same function.
  without = lambda model: {k: v for k, v in model.items() if k != "implementation"}
  # Fields added since then must hold the value the model had before them.
  current = config.model.to_dict()
  defaults = {f.name: f.default for f in dataclasses.fields(models.PoseCorrector)}
  for key in set(current) - set(shipped["model"]):
    assert current.pop(key) == defaults[key], key
  # The deadzone is written at export (launch.export --deadzone), not trained with.
  assert shipped["model"]["deadzone"] == config.export_deadzone and current["deadzone"] == 0.0
  current["deadzone"] = config.export_deadzone
  assert without(shipped["model"]) == without(current)
  for key in ("skeleton", "window", "stride", "batch_size", "num_train_steps", "seed", "loss",
              "max_target_units", "fill_missing", "acceleration_loss_weight"):
    assert shipped[key] == config[key], key
  assert shipped["corruption"] == config.corruption.to_dict() | {
      "rate_factors": list(config.corruption.rate_factors)}
  assert shipped["optim"] == config.optim.to_dict()
  assert shipped["eval"]["stride"] == config.eval.stride  # The refiner's default stride.
  # The post-smoother too is written at export; training has it off.
  # (Keys added to the rule later hold the value the model had before them: inference.load_config.)
  assert inference.load_config(refiner.DEFAULT_CHECKPOINT).smoothing.to_dict() == (
      config.export_smoothing.to_dict())
  assert config.smoothing.gain == 0.0
  # So is the input selector, fitted for this code's cues.
  assert shipped["selection"]["threshold"] == config.export_selection_threshold
  assert tuple(shipped["selection"]["features"]) == selection.FEATURES
  assert len(shipped["selection"]["coef"]) == 2 * len(selection.FEATURES) + 1
  assert config.selection.coef == []
  # And the lookahead-0 selector of streams, with its filter.
  online = shipped["online_selection"]
  selection.check(online, selection.ONLINE_FEATURES)
  assert {key: online[key] for key in config.export_online_selection} == (
      config.export_online_selection.to_dict())
  assert online["rate"] == shipped["frame_rate"]
  assert config.online_selection.coef == []
  # An empty list trains on config.dataset's train split.
  trained_on = shipped["train_data"] or [{"dataset": shipped["dataset"],
                                          "split": shipped["train_split"]}]
  assert [(d["dataset"], d["split"]) for d in trained_on] == [
      (d["dataset"], d["split"]) for d in config.train_data]
  assert checkpointing.latest_step(refiner.DEFAULT_CHECKPOINT) == config.num_train_steps
