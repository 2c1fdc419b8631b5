"""Loading trained models: checkpoint configs of older code load under today's names."""

import jax.numpy as jnp
import ml_collections
import pytest

from pose_refine import checkpointing
from pose_refine import inference
from pose_refine import refiner


def test_shipped_config_loads_with_fill_missing():
  config = inference.load_config(refiner.DEFAULT_CHECKPOINT)
  assert config.fill_missing is True
  assert "fill_gaps" not in config


@pytest.mark.parametrize("old,expected", [({"fill_gaps": True}, True),
                                          ({"fill_gaps": False}, False),
                                          ({}, False)],
                         ids=["renamed_true", "renamed_false", "absent"])
def test_old_config_keys_are_mapped(tmp_path, old, expected):
  config = ml_collections.ConfigDict({"window": 8, **old})
  checkpointing.export(tmp_path / "model", 1, {"w": jnp.zeros(2)}, config)
  loaded = inference.load_config(tmp_path / "model")
  assert loaded.fill_missing is expected
  assert "fill_gaps" not in loaded and loaded.window == 8
