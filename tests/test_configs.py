"""Config variants parse; bad arguments name themselves."""

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
