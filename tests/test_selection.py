"""The input selector (pose_refine.selection): cues, fit, and the choice it makes."""

import numpy as np
import pytest

from pose_refine import selection

_WIDTH = 2 * len(selection.FEATURES)


def _rule(intercept: float, threshold: float = 0.5) -> dict:
  """A rule that ignores every cue: the input kept everywhere (intercept > 0) or nowhere."""
  return {"features": list(selection.FEATURES), "mean": [0.0] * _WIDTH, "std": [1.0] * _WIDTH,
          "coef": [0.0] * _WIDTH + [intercept], "threshold": threshold}


def _walk(time=50, joints=4, seed=0):
  rng = np.random.default_rng(seed)
  t = np.arange(time, dtype=np.float64)[:, None, None]
  start = rng.uniform(50, 150, (1, joints, 2))
  return (start + t * np.array([2.0, -1.0])).astype(np.float32)  # Constant velocity.


def test_features_measure_what_they_name():
  poses = _walk()
  confidence = np.full(poses.shape[:2], 0.8, np.float32)
  refined = poses + np.float32([3.0, 4.0])  # Every joint moved by 5 px.
  poses[20, 1, 0] += 10.0  # One input jump, 10 px to the right.
  poses[30:33, 2], confidence[30:33, 2] = np.nan, 0.0  # A gap.
  refined[:, 3] = np.nan  # A joint the model did not place.
  cues, choosable = selection.features(refined, poses, confidence)
  assert cues.shape == poses.shape[:2] + (len(selection.FEATURES),)
  index = {name: i for i, name in enumerate(selection.FEATURES)}
  # Not choosable: missing input or no output.
  assert not choosable[30:33, 2].any() and not choosable[:, 3].any()
  assert choosable[:30, :3].all() and choosable[33:, :3].all()
  sides = np.nanmax(np.nanmax(refined, 1) - np.nanmin(refined, 1), -1)
  size = np.median(sides)
  np.testing.assert_allclose(cues[10, 0, index["correction"]], 5.0 / size, rtol=1e-5)
  # A constant-velocity input has no curvature; the jump |x[19] + x[21] - 2 x[20]| / 2 = 10.
  assert cues[10, 0, index["input_curvature"]] == pytest.approx(0.0, abs=1e-6)
  np.testing.assert_allclose(cues[20, 1, index["input_curvature"]], 10.0 / size, rtol=1e-5)
  np.testing.assert_allclose(cues[10, 0, index["input_step_before"]],
                             np.hypot(2.0, 1.0) / size, rtol=1e-5)
  # Next to the gap, and at the track's ends, the missing neighbour gives 1.0.
  assert cues[29, 2, index["input_step_after"]] == 1.0
  assert cues[33, 2, index["input_step_before"]] == 1.0
  assert cues[0, 0, index["input_curvature"]] == 1.0
  assert cues[0, 0, index["correction_before"]] == 1.0
  np.testing.assert_allclose(cues[10, 0, index["output_speed"]], np.hypot(2.0, 1.0) / size,
                             rtol=1e-5)
  assert (cues[..., index["confidence"]][choosable] == np.float32(0.8)).all()
  np.testing.assert_allclose(cues[10, 0, index["nearby_correction"]], 5.0 / size, rtol=1e-3)
  np.testing.assert_allclose(cues[20, 0, index["frame_correction"]], 5.0 / size, rtol=1e-5)


def test_select_keeps_the_input_only_where_the_rule_says_and_only_where_it_can():
  poses = _walk()
  confidence = np.ones(poses.shape[:2], np.float32)
  refined = poses + np.float32([3.0, 4.0])
  poses[5:9, 0], confidence[5:9, 0] = np.nan, 0.0
  refined[:, 3] = np.nan
  kept = selection.select(refined, poses, confidence, _rule(50.0))
  np.testing.assert_array_equal(kept[:, 1:3], poses[:, 1:3])
  np.testing.assert_array_equal(kept[5:9, 0], refined[5:9, 0])  # No input there to keep.
  assert np.isnan(kept[:, 3]).all()  # Nor where the model placed nothing.
  np.testing.assert_array_equal(selection.select(refined, poses, confidence, _rule(-50.0)),
                                refined)
  off = dict(_rule(50.0), coef=[])
  np.testing.assert_array_equal(selection.select(refined, poses, confidence, off), refined)
  # The threshold: probability 1 / (1 + e^-1) = 0.73 keeps at 0.7, not at 0.75.
  np.testing.assert_array_equal(
      selection.select(refined, poses, confidence, _rule(1.0, 0.7))[:, 1], poses[:, 1])
  np.testing.assert_array_equal(
      selection.select(refined, poses, confidence, _rule(1.0, 0.75))[:, 1], refined[:, 1])


def test_fit_learns_a_rule_that_separates_the_examples_and_weighs_by_stake():
  rng = np.random.default_rng(0)
  cues = rng.lognormal(-3.5, 1.0, (4000, len(selection.FEATURES)))
  cues[:, selection.FEATURES.index("confidence")] = rng.uniform(0, 1, 4000)
  # The input is closer where the model moved the joint little and the input is smooth.
  correction = cues[:, selection.FEATURES.index("correction")]
  curvature = cues[:, selection.FEATURES.index("input_curvature")]
  closer = correction * curvature < 0.03**2
  rule = selection.fit(cues[:3000], closer[:3000], np.ones(3000))
  selection.check(rule)
  predicted = selection.probability(rule, cues[3000:]) > 0.5
  assert 0.3 < closer.mean() < 0.7 and (predicted == closer[3000:]).mean() > 0.95
  # Examples with no stake do not count: flipping their labels changes nothing.
  flipped = closer[:3000].copy()
  flipped[:1000] = ~flipped[:1000]
  stake = np.r_[np.zeros(1000), np.ones(2000)]
  np.testing.assert_allclose(selection.fit(cues[:3000], flipped, stake)["coef"],
                             selection.fit(cues[1000:3000], closer[1000:3000],
                                           np.ones(2000))["coef"], atol=1e-6)


def test_a_rule_for_other_cues_is_refused_with_the_fix():
  rule = _rule(1.0)
  rule["features"] = rule["features"][:-1] + ["something_else"]
  with pytest.raises(ValueError, match="refit it"):
    selection.check(rule)
  with pytest.raises(ValueError, match="damaged"):
    selection.check(dict(_rule(1.0), coef=[0.0] * 3))


def _online_rule(threshold: float = 0.5, **filter_setting) -> dict:
  """A lookahead-0 rule that keeps the input where its confidence is above 0.625 (logit 4 (c -
  0.5) / 0.5 above 1), with the One-Euro filter of `filter_setting` (default: none)."""
  width = 2 * len(selection.ONLINE_FEATURES)
  index = selection.ONLINE_FEATURES.index("confidence")
  rule = {"features": list(selection.ONLINE_FEATURES), "mean": [0.0] * width,
          "std": [1.0] * width, "coef": [0.0] * (width + 1),
          "threshold": 1 / (1 + np.exp(-1.0)) if threshold == 0.5 else threshold,
          "min_cutoff": 0.0, "beta": 0.0, "rate": 30.0, "level": 0.0}
  rule["coef"][index], rule["mean"][index], rule["std"][index] = 4.0, 0.5, 0.5
  return dict(rule, **filter_setting)


def test_online_features_see_only_the_past_and_measure_what_they_name():
  poses = _walk(time=150)
  confidence = np.full(poses.shape[:2], 0.8, np.float32)
  refined = poses + np.float32([3.0, 4.0])  # Every joint moved by 5 px.
  poses[20, 1, 0] += 10.0  # One input jump, 10 px to the right.
  poses[30:33, 2], confidence[30:33, 2] = np.nan, 0.0  # A gap.
  cues, choosable, recent = selection.online_features(refined, poses, confidence)
  assert cues.shape == poses.shape[:2] + (len(selection.ONLINE_FEATURES),)
  index = {name: i for i, name in enumerate(selection.ONLINE_FEATURES)}
  size = np.max(refined[0].max(0) - refined[0].min(0))  # The box keeps its size.
  np.testing.assert_allclose(cues[10, 0, index["correction"]], 5.0 / size, rtol=1e-5)
  assert cues[10, 0, index["input_curvature_before"]] == pytest.approx(0.0, abs=1e-6)
  # The jump at 20 bends the input at 20 (t, t-1, t-2 = 20, 19, 18) and at 22 (22, 21, 20).
  np.testing.assert_allclose(cues[20, 1, index["input_curvature_before"]], 10.0 / size, rtol=1e-4)
  np.testing.assert_allclose(cues[22, 1, index["input_curvature_before"]], 10.0 / size, rtol=1e-4)
  assert cues[21, 1, index["input_curvature_before"]] > 19.0 / size  # 20 px: out and back.
  np.testing.assert_allclose(cues[10, 0, index["input_step_before"]], np.hypot(2.0, 1.0) / size,
                             rtol=1e-5)
  np.testing.assert_allclose(cues[10, 0, index["output_step_before"]], np.hypot(2.0, 1.0) / size,
                             rtol=1e-5)
  assert cues[0, 0, index["output_step_before"]] == 0.0  # No frame before the first.
  # After the gap and at the start, the missing frames before give 1.0.
  assert cues[33, 2, index["input_step_before"]] == 1.0
  assert cues[34, 2, index["input_curvature_before"]] == 1.0
  assert cues[1, 0, index["input_curvature_before"]] == 1.0
  assert cues[34, 2, index["correction_before_2"]] == 1.0
  np.testing.assert_allclose(cues[34, 2, index["correction_before"]], 5.0 / size, rtol=1e-5)
  assert not choosable[30:33, 2].any()
  np.testing.assert_allclose(recent, 5.0 / size, rtol=1e-5)
  np.testing.assert_allclose(cues[50, :, index["frame_correction"]], 5.0 / size, rtol=1e-5)
  # Causal: frame t's cues do not change with anything after t.
  later = poses.copy()
  later[100:] += 40.0
  moved, _, _ = selection.online_features(refined, later, confidence)
  np.testing.assert_array_equal(moved[:100], cues[:100])
  assert (moved[100:] != cues[100:]).any()


def test_online_select_keeps_the_input_then_filters_where_the_model_corrected_much():
  from pose_refine import baselines  # pylint: disable=g-import-not-at-top

  rng = np.random.default_rng(0)
  poses = _walk(time=80) + rng.normal(0, 2, (80, 4, 2)).astype(np.float32)
  confidence = rng.uniform(0.3, 1.0, poses.shape[:2]).astype(np.float32)
  refined = poses + rng.normal(0, 4, poses.shape).astype(np.float32)
  keep = (confidence > 0.625)[..., None]
  selected = np.where(keep, poses, refined)
  # No filter: the input where the rule keeps it, the output elsewhere.
  np.testing.assert_array_equal(
      selection.online_select(refined, poses, confidence, _online_rule()), selected)
  # The filter at every frame (level 0; the model moved every joint): One-Euro over the
  # selected track, from its first frame.
  filtered = selection.online_select(refined, poses, confidence,
                                     _online_rule(min_cutoff=3.0, beta=0.1))
  expected = baselines.one_euro(selected, np.ones(poses.shape[:2], np.float32), min_cutoff=3.0,
                                beta=0.1)
  np.testing.assert_allclose(filtered, expected, atol=1e-4)
  assert np.abs(filtered - selected).max() > 1.0
  # Only at frames whose recent correction exceeds the level (the filter runs throughout).
  _, _, recent = selection.online_features(refined, poses, confidence)
  level = float(np.median(recent))
  partly = selection.online_select(refined, poses, confidence,
                                   _online_rule(min_cutoff=3.0, beta=0.1, level=level))
  above = recent > level
  assert 0.2 < above.mean() < 0.8
  np.testing.assert_array_equal(partly[~above], selected[~above])
  np.testing.assert_array_equal(partly[above], filtered[above])
  np.testing.assert_array_equal(selection.online_select(
      refined, poses, confidence, _online_rule(min_cutoff=3.0, beta=0.1, level=1.0)), selected)
  # Off (no coefficients) or fitted on other cues.
  np.testing.assert_array_equal(
      selection.online_select(refined, poses, confidence, dict(_online_rule(), coef=[])), refined)
  with pytest.raises(ValueError, match="tune_online_selection"):
    selection.online_select(refined, poses, confidence, dict(_online_rule(), features=["x"]))
