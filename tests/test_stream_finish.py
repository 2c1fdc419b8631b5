"""A stream's post-processing in JAX (pose_refine.stream_finish) against its NumPy original."""

import jax
import ml_collections
import numpy as np

from pose_refine import refiner
from pose_refine import selection
from pose_refine import stream_finish

WINDOW, JOINTS = 32, 13


def _track(length, seed, jitter, jumps=0.05):
  """A walking person, its noisy input (jitter px, some jumps, gaps) and a "network" output
  that corrects part of the noise and adds its own."""
  rng = np.random.default_rng(seed)
  t = np.arange(length)[:, None, None]
  truth = (rng.uniform(100, 300, (1, JOINTS, 2)) + t * rng.normal(0, 2, (1, JOINTS, 2))
           + 20 * np.sin(t / rng.uniform(3, 9, (1, JOINTS, 1))))
  poses = truth + rng.normal(0, jitter, truth.shape)
  jumped = rng.random(truth.shape[:2]) < jumps
  poses[jumped] += rng.normal(0, 40, (jumped.sum(), 2))
  network = truth + rng.normal(0, jitter / 2, truth.shape)
  confidence = rng.uniform(0.2, 1.0, truth.shape[:2])
  confidence[jumped] *= 0.3
  missing = rng.random(truth.shape[:2]) < 0.03
  poses[missing], confidence[missing] = np.nan, 0.0
  return (poses.astype(np.float32), confidence.astype(np.float32), network.astype(np.float32),
          truth)


def _rule(names, cues, choosable, labels):
  """A rule that reads every cue: fitted on labels that depend on several of them."""
  rule = selection.fit(cues[choosable], labels, np.ones(labels.shape), names=names)
  assert min(abs(c) for c in rule["coef"]) > 1e-4
  return rule


def _window_rule():
  poses, confidence, network, truth = _track(400, 0, 4.0)
  cues, choosable = selection.features(network, poses, confidence)
  closer = (np.linalg.norm(np.nan_to_num(poses) - truth, axis=-1)
            < np.linalg.norm(network - truth, axis=-1))
  return _rule(selection.FEATURES, cues, choosable, closer[choosable])


def _numpy_refiner(selection_rule, smoothing_rule) -> refiner.Refiner:
  """A Refiner without a network: its `finish` (the NumPy post-processing) under these rules."""
  model = refiner.Refiner.__new__(refiner.Refiner)
  model.config = ml_collections.ConfigDict({"frame_rate": 30.0, "selection": selection_rule,
                                            "smoothing": smoothing_rule})
  return model


def test_a_windows_finished_frame_is_refiner_finish():
  selection_rule = _window_rule()
  # Streams leave out the motion-adaptive stage: what they return is finish(motion=False).
  smoothing_rule = {"gain": 100.0, "offset": 0.005, "max_sigma": 3.0, "window": 121,
                    "floor": 0.75, "floor_gain": 2000.0, "floor_offset": 0.0, "spikes": 4.0,
                    "motion": 2.0, "motion_limit": 0.01}
  numpy_model = _numpy_refiner(selection_rule, smoothing_rule)
  windows = []  # (network, poses, confidence) from tracks of little to much noise.
  for seed, jitter in enumerate((0.0, 0.5, 2.0, 8.0, 20.0)):
    poses, confidence, network, truth = _track(WINDOW + 30, seed + 1, jitter)
    if jitter == 0.0:  # Nothing corrected: sigma 0.
      network = np.where(np.isfinite(poses), poses, truth).astype(np.float32)
    windows += [(network[s:s + WINDOW], poses[s:s + WINDOW], confidence[s:s + WINDOW])
                for s in range(0, 31, 3)]
  network, poses, confidence = map(np.stack, zip(*windows, strict=True))
  network[0, :, 4] = np.nan  # A joint the network never places: NaN out, exact.
  network[-1, 5:9, 4] = np.nan  # One it places part of the time: NumPy's other branch.
  kept, sigmas = 0, set()
  both, selector_only, smoother_only = ((selection_rule, smoothing_rule),
                                         (selection_rule, None), (None, smoothing_rule))
  for lookahead, rules in ((1, both), (12, both), (4, selector_only), (4, smoother_only)):
    position = WINDOW - 1 - lookahead
    finish = jax.jit(jax.vmap(stream_finish.finish_window(*rules, WINDOW, position)))
    frames, exact = map(np.asarray, finish(network, poses, confidence))
    assert exact[:-1].all() and exact[-1] == (rules[1] is None)
    for i in range(len(windows)):
      expected = numpy_model.finish(network[i], poses[i], confidence[i],
                                    selection=rules[0] is not None,
                                    smoothing=rules[1] is not None, motion=False)[position]
      if exact[i]:
        np.testing.assert_allclose(frames[i], expected, rtol=0, atol=1e-3)
      if rules == (selection_rule, None):  # Selection only: the same bits.
        np.testing.assert_array_equal(frames[i], expected)
        kept += (expected == poses[i, position]).all(-1).sum()
      elif rules[0] is not None:
        alone = numpy_model.finish(network[i], poses[i], confidence[i], smoothing=False)
        sigmas.add(bool(np.abs(expected - alone[position]).max() > 1e-3))
  # Not vacuous: the selector kept some joints and not others, the smoother moved some
  # frames and left some.
  assert 0 < kept < 0.9 * len(windows) * JOINTS
  assert sigmas == {False, True}


def test_a_windows_finish_needs_one_median_per_measure():
  rule = {"window": 121}
  assert stream_finish.applies(61, rule) and not stream_finish.applies(62, rule)
  assert not stream_finish.applies(32, {"window": 41})


def test_the_lookahead_0_choice_frame_by_frame_is_the_whole_tracks():
  poses, confidence, network, truth = _track(180, 7, 4.0)
  poses[:20, 1:], confidence[:20, 1:] = np.nan, 0.0  # One joint seen at first: box of size 0.
  poses[:, 5], confidence[:, 5] = np.nan, 0.0  # A joint never seen.
  seen = np.logical_or.accumulate(np.isfinite(poses).all(-1) & (confidence > 0), axis=0)
  network = np.where(seen[..., None], network, np.nan)  # As a stream emits it.
  cues, choosable, recent = selection.online_features(network, poses, confidence)
  closer = (np.linalg.norm(np.nan_to_num(poses) - truth, axis=-1)
            < np.linalg.norm(np.nan_to_num(network) - truth, axis=-1))
  rule = _rule(selection.ONLINE_FEATURES, cues, choosable, closer[choosable])
  # Half the joints kept: the threshold halfway between two probabilities at the median.
  ordered = np.sort(selection.probability(rule, cues[choosable]))
  middle = len(ordered) // 2
  rule |= {"threshold": float(ordered[middle - 1:middle + 1].mean()), "min_cutoff": 0.0,
           "beta": 0.0, "rate": 30.0, "level": 0.0}
  filtered = rule | {"min_cutoff": 3.0, "beta": 0.1, "level": float(np.median(recent))}
  cue_of = jax.jit(stream_finish.online_cues)
  outputs = []
  for case in (rule, filtered):
    finish = jax.jit(stream_finish.finish_online(case))
    size = selection.ONLINE_WINDOW - 1
    previous = np.full((2, JOINTS, 2), np.nan, np.float32)
    sides, moved = np.full(size, np.nan, np.float32), np.full((size, JOINTS), np.nan, np.float32)
    state = np.full((JOINTS, 2), np.nan, np.float32), np.zeros((JOINTS, 2), np.float32)
    padded_poses = np.concatenate([np.full((2, JOINTS, 2), np.nan, np.float32), poses])
    padded_confidence = np.concatenate([np.zeros((2, JOINTS), np.float32), confidence])
    frames = []
    for t in range(len(poses)):
      arguments = (padded_poses[t:t + 3], padded_confidence[t:t + 3], previous, np.int32(t + 1),
                   sides, moved)
      out, refined, *state, side, moved_now = map(
          np.asarray, finish(network[t], seen[t], *arguments, *state))
      frames.append(out)
      if case is rule:  # The cues, frame by frame, are the whole track's.
        values, observed, *_ = cue_of(refined, *arguments)
        np.testing.assert_allclose(np.stack([values[name] for name in selection.ONLINE_FEATURES],
                                            -1), cues[t], rtol=1e-4, atol=1e-6)
        np.testing.assert_array_equal(observed, choosable[t])
      previous = np.stack([previous[1], refined])
      sides[t % size], moved[t % size] = side, moved_now
    outputs.append(np.stack(frames))
  # The choice is the whole track's to the bit; the filter's output to float rounding.
  np.testing.assert_array_equal(outputs[0], selection.online_select(network, poses, confidence,
                                                                    rule))
  np.testing.assert_allclose(outputs[1], selection.online_select(network, poses, confidence,
                                                                 filtered), rtol=0, atol=1e-3)
  kept = selection.online_keep(rule, cues, choosable)
  assert 0.45 < kept[choosable].mean() < 0.55
  moved_by_filter = np.abs(np.nan_to_num(outputs[1] - outputs[0])).max((1, 2)) > 0.01
  assert 0.3 < moved_by_filter.mean() < 0.7
