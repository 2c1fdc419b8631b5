"""Streaming refinement: offline equality, sliding windows, tracks, memory, bad input."""

import json
import os
import subprocess
import sys

import jax
import ml_collections
import numpy as np
import pytest

from pose_refine import checkpointing
from pose_refine import models
from pose_refine import refiner
from pose_refine import skeletons
from pose_refine import streaming
from tests import conftest

WINDOW, STRIDE, JOINTS = 8, 3, 13  # A stride that leaves an end-of-track window.


def tiny_checkpoint(path, lookahead: int = -1):
  """An untrained (random, not identity) corrector with windows of WINDOW frames."""
  config = ml_collections.ConfigDict(dict(
      skeleton="penn_action", window=WINDOW, model_kind="seq2seq", fill_missing=True,
      eval=dict(stride=STRIDE, batch_size=16),
      model=dict(hidden=8, attention_size=8, bidirectional=lookahead < 0, aligned_output=True,
                 lookahead=lookahead)))
  model = models.create_model(config, skeletons.get_skeleton("penn_action"))
  params = models.init_params(model, jax.random.key(lookahead + 1), WINDOW, JOINTS)
  checkpointing.export(path, 1, params, config)
  return str(path)


@pytest.fixture(scope="module")
def offline_model(tmp_path_factory):
  return refiner.Refiner(tiny_checkpoint(tmp_path_factory.mktemp("offline")))


@pytest.fixture(scope="module")
def causal_model(tmp_path_factory):
  return refiner.Refiner(tiny_checkpoint(tmp_path_factory.mktemp("causal"), lookahead=2))


def track(length, seed=0, gaps=0, longest_gap=3):
  """A wandering person [length, JOINTS, 2] with confidences; `gaps` missing runs."""
  rng = np.random.default_rng(seed)
  poses = (rng.normal(200, 40, (1, JOINTS, 2))
           + np.cumsum(rng.normal(0, 3, (length, JOINTS, 2)), 0)).astype(np.float32)
  confidence = rng.uniform(0.3, 1.0, (length, JOINTS)).astype(np.float32)
  missing = np.zeros((length, JOINTS), bool)
  for _ in range(gaps):
    joint, start = rng.integers(JOINTS), rng.integers(length)
    run = missing[start: start + rng.integers(1, longest_gap + 1), joint]
    if not (missing[max(start - 1, 0): start + len(run) + 1, joint]).any():
      run[:] = True  # Gaps never touch, so none is longer than longest_gap.
  poses[missing], confidence[missing] = np.nan, 0.0
  return poses, confidence


def streamed(stream, poses, confidence, track_id=0):
  out = [stream.push(p, c, track_id) for p, c in zip(poses, confidence)]
  out = [f for f in out if f is not None] + stream.flush(track_id)
  assert [f.frame for f in out] == list(range(len(poses)))
  return np.stack([f.keypoints for f in out])


@pytest.mark.parametrize("length", [5, WINDOW, 23, 24])
def test_window_mode_equals_offline_refinement(offline_model, length):
  poses, confidence = track(length, seed=length)
  offline = offline_model.refine_track(poses, confidence, offline_model.skeleton)
  for lookahead in (WINDOW, WINDOW + 5):
    online = streamed(offline_model.stream(lookahead), poses, confidence)
    np.testing.assert_allclose(online, offline, rtol=1e-5, atol=1e-3)


def test_window_mode_is_exact_when_gaps_close_within_the_lookahead(offline_model):
  # Gaps of at most 3 frames close by the time a window runs at lookahead WINDOW + 2.
  poses, confidence = track(40, seed=1, gaps=25, longest_gap=3)
  offline = offline_model.refine_track(poses, confidence, offline_model.skeleton)
  online = streamed(offline_model.stream(WINDOW + 2), poses, confidence)
  np.testing.assert_allclose(online, offline, rtol=1e-5, atol=1e-3)
  # Longer gaps are held, not interpolated, while open: only such windows differ.
  poses, confidence = track(40, seed=1, gaps=25, longest_gap=12)
  offline = offline_model.refine_track(poses, confidence, offline_model.skeleton)
  online = streamed(offline_model.stream(WINDOW), poses, confidence)
  assert np.isfinite(online).all() and np.abs(online - offline).max() < 50


def test_window_mode_maps_other_skeletons_as_offline(offline_model):
  poses, confidence = track(20, seed=2)
  coco_poses, coco_confidence = skeletons.convert(poses, confidence, offline_model.skeleton,
                                                  skeletons.get_skeleton("coco"))
  coco_poses[:, :5] = np.array([100.0, 50.0]) + coco_poses[:, :1]  # Face points.
  coco_confidence[:, :5] = 0.9
  coco = skeletons.get_skeleton("coco")
  offline = offline_model.refine_track(coco_poses, coco_confidence, coco)
  online = streamed(offline_model.stream(WINDOW, skeleton="coco"), coco_poses, coco_confidence)
  np.testing.assert_allclose(online, offline, rtol=1e-5, atol=1e-3)


def test_sliding_mode_reads_the_last_window_at_window_minus_1_minus_k(causal_model):
  lookahead = 2
  poses, confidence = track(14, seed=3)
  online = streamed(causal_model.stream(lookahead), poses, confidence)
  padded_poses = np.concatenate([np.full((WINDOW - 1, JOINTS, 2), np.nan, np.float32), poses])
  padded_confidence = np.concatenate([np.zeros((WINDOW - 1, JOINTS), np.float32), confidence])
  # The window ending at frame t (front padding as missing frames), read at its
  # position WINDOW - 1 - k for frame t - k; the last k frames from the last window.
  ends = np.arange(lookahead, len(poses))
  cut = lambda values: np.stack([values[e: e + WINDOW] for e in ends])
  out = np.asarray(causal_model.model.apply({"params": causal_model.params},
                                            cut(padded_poses), cut(padded_confidence))["poses"])
  expected = np.concatenate([out[:, WINDOW - 1 - lookahead], out[-1, WINDOW - lookahead:]])
  np.testing.assert_allclose(online, expected, rtol=1e-5, atol=1e-3)
  # Frame t - k never depends on frames after t: change the future, keep the past.
  changed = poses.copy()
  changed[10:] += 30.0
  again = streamed(causal_model.stream(lookahead), changed, confidence)
  np.testing.assert_array_equal(again[:10 - lookahead], online[:10 - lookahead])


@pytest.mark.parametrize("lookahead", [1, WINDOW + 1])
def test_tracks_are_independent(offline_model, lookahead):
  a, b = track(17, seed=4, gaps=6), track(11, seed=5, gaps=6)
  alone = [streamed(offline_model.stream(lookahead), *t) for t in (a, b)]
  stream = offline_model.stream(lookahead)
  together = {"a": [], "b": []}
  for t in range(len(a[0])):
    people = {"a": (a[0][t], a[1][t])}
    if t < len(b[0]):
      people["b"] = (b[0][t], b[1][t])
    for frame in stream.push_many(people, timestamp=t):
      together[frame.track_id].append(frame)
    if t == len(b[0]) - 1:
      together["b"] += stream.flush("b")
  together["a"] += stream.flush()
  assert stream.tracks == []
  for name, expected in zip("ab", alone):
    frames = together[name]
    assert [f.frame for f in frames] == list(range(len(expected)))
    assert [f.timestamp for f in frames] == [float(f.frame) for f in frames]
    np.testing.assert_allclose(np.stack([f.keypoints for f in frames]), expected,
                               rtol=1e-5, atol=1e-3)


def test_memory_stays_bounded(causal_model):
  stream = causal_model.stream(lookahead=WINDOW + 3)
  poses, confidence = track(1000, seed=6, gaps=100)

  def held_bytes():
    state = vars(stream._tracks[0])  # pylint: disable=protected-access
    return sum(v.nbytes for v in state.values() if isinstance(v, np.ndarray)) + len(
        state["timestamps"])

  sizes = []
  for t in range(len(poses)):
    stream.push(poses[t], confidence[t], timestamp=t)
    if t in (100, 999):
      sizes.append(held_bytes())
  assert sizes[0] == sizes[1]
  assert len(stream.flush()) == WINDOW + 3


def test_bad_frames_raise_and_leave_the_stream_usable(causal_model):
  poses, confidence = track(12, seed=7, gaps=4)
  expected = streamed(causal_model.stream(1), poses, confidence)
  stream = causal_model.stream(1)
  nan_confidence = confidence[3].copy()
  nan_confidence[2] = np.nan
  bad = [
      ((poses[3][:12], confidence[3][:12]), {}, "12 joints"),
      ((poses[3], nan_confidence), {}, "NaN or infinite at joint"),
      ((poses[3], confidence[3] * 2), {}, "outside"),
      ((np.full((JOINTS, 2), np.inf), confidence[3]), {}, "infinite coordinates"),
      ((poses[3], confidence[3]), {"timestamp": 2.0}, "not after"),
      ((poses[3], confidence[3]), {"timestamp": 3.0}, "not after"),
      ((np.zeros((JOINTS, 4)), None), {}, "shape"),
  ]
  out = []
  for t in range(len(poses)):
    if t == 3:
      for args, kwargs, message in bad:
        with pytest.raises(ValueError, match=message):
          stream.push(*args, **kwargs)
    out.append(stream.push(poses[t], confidence[t], timestamp=t + 1))
  # Missing joints are fine: NaN coordinates (any confidence) or confidence 0.
  out = [f for f in out if f is not None] + stream.flush()
  np.testing.assert_allclose(np.stack([f.keypoints for f in out]), expected, rtol=1e-5,
                             atol=1e-3)


def test_flush_returns_the_rest_in_order(causal_model):
  poses, confidence = track(6, seed=8)
  for lookahead in (0, 3, WINDOW, 20):
    stream = causal_model.stream(lookahead)
    returned = [stream.push(p, c) for p, c in zip(poses, confidence)]
    assert sum(f is not None for f in returned) == max(len(poses) - lookahead, 0)
    rest = stream.flush()
    assert [f.frame for f in rest] == list(range(len(poses) - len(rest), len(poses)))
    assert stream.flush() == [] and stream.tracks == []


def test_replay_is_the_stream_over_many_tracks(offline_model):
  tracks = [track(n, seed=n, gaps=3) for n in (9, 4, 15)]
  replayed = streaming.replay(offline_model.stream(2), tracks)
  for (poses, confidence), out in zip(tracks, replayed):
    np.testing.assert_allclose(out, streamed(offline_model.stream(2), poses, confidence),
                               rtol=1e-5, atol=1e-3)


def test_motion_gate_keeps_steady_joints_smoothed_and_leaves_jumps_to_the_model(offline_model):
  from pose_refine import baselines  # pylint: disable=g-import-not-at-top

  # Every joint moves at constant velocity, confidence 1; joint 5 jumps 80 px at frame 9.
  frames = np.arange(16, dtype=np.float32)[:, None, None]
  poses = (np.random.default_rng(3).uniform(100, 300, (1, JOINTS, 2))
           + frames * np.array([4.0, -2.0])).astype(np.float32)
  poses[9, 5] += 80.0
  confidence = np.ones((16, JOINTS), np.float32)
  gate = streaming.MotionGate()
  for lookahead in (0, 2):
    gated = streamed(offline_model.stream(lookahead, gate=gate), poses, confidence)
    plain = streamed(offline_model.stream(lookahead), poses, confidence)
    euro = baselines.one_euro(poses, confidence, min_cutoff=gate.min_cutoff, beta=gate.beta)
    steady = np.ones((16, JOINTS), bool)
    steady[:2] = False  # No two frames before them.
    steady[9:12, 5] = False  # The jump, and the two frames whose step it breaks.
    np.testing.assert_allclose(gated[steady], euro[steady], rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(gated[~steady], plain[~steady], rtol=1e-5, atol=1e-3)
  # Low confidence turns the gate off for that joint.
  confidence[:, 2] = 0.3
  gated = streamed(offline_model.stream(0, gate=gate), poses, confidence)
  plain = streamed(offline_model.stream(0), poses, confidence)
  np.testing.assert_allclose(gated[:, 2], plain[:, 2], rtol=1e-5, atol=1e-3)
  # The whole-track form (for tuning) equals the gated stream, gaps and all.
  poses, confidence = track(20, seed=12, gaps=5)
  for lookahead in (0, 3):
    plain = streamed(offline_model.stream(lookahead), poses, confidence)
    np.testing.assert_allclose(
        streaming.apply_gate(poses, confidence, plain, streaming.MotionGate(tolerance=0.2)),
        streamed(offline_model.stream(lookahead, gate=streaming.MotionGate(tolerance=0.2)),
                 poses, confidence), rtol=1e-5, atol=1e-3)
  with pytest.raises(ValueError, match="only for lookahead < the window"):
    offline_model.stream(WINDOW, gate=gate)
  with pytest.raises(ValueError, match="tolerance >= 0"):
    streaming.MotionGate(tolerance=-1.0)


def test_online_curve_picks_the_model_that_serves_each_lookahead():
  from pose_refine import robustness  # noqa: PLC0415

  models = robustness.parse_lookahead_models(["ours@0=a", "ours@4=b", "ours=c", "peer@2=d"])
  assert models == {"ours": {0: "a", 4: "b", None: "c"}, "peer": {2: "d"}}
  assert [robustness.serving(models["ours"], k) for k in (0, 3, 8, "offline")] == [
      (0, "a"), (0, "a"), (4, "b"), (None, "c")]
  assert robustness.serving(models["peer"], 1) is None
  assert robustness.serving(models["peer"], "offline") == (2, "d")


def _stream_cli(*args, stdin=None, **kwargs):
  return subprocess.run([sys.executable, "-m", "pose_refine.cli", "stream", *args],
                        cwd=conftest.ROOT, env=conftest.subprocess_env(), input=stdin,
                        capture_output=True, text=True, check=False, **kwargs)


def _json_lines(poses, confidence, track=0):
  for t, (p, c) in enumerate(zip(poses, confidence)):
    points = [[None if np.isnan(x) else float(x) for x in joint] for joint in p]
    yield json.dumps({"t": t, "track": track, "keypoints": points,
                      "confidence": c.tolist()})


def test_stream_command_reads_stdin_and_skips_bad_lines(causal_model, tmp_path):
  poses, confidence = track(12, seed=9, gaps=4)
  lines = list(_json_lines(poses, confidence))
  lines[5:5] = ["not json", json.dumps({"t": 3, "keypoints": poses[5].tolist()}),
                json.dumps({"t": 50, "keypoints": poses[5][:3].tolist()})]
  # A second person, seen twice, then gone: "end" returns their frames at once.
  other = list(_json_lines(poses[:2] + 5.0, confidence[:2], track="b"))
  lines[2:2] = other + [json.dumps({"track": "b", "end": True})]
  out = _stream_cli("--lookahead=2", f"--checkpoint={causal_model.checkpoint}",
                    stdin="\n".join(lines) + "\n")
  assert out.returncode == 0, out.stderr
  assert "line 9: not JSON" in out.stderr and "line 10" in out.stderr
  assert "not after" in out.stderr and "line 11" in out.stderr and "3 joints" in out.stderr
  frames = [json.loads(line) for line in out.stdout.splitlines()]
  assert [(f["track"], f["frame"]) for f in frames if f["track"] == "b"] == [("b", 0), ("b", 1)]
  frames = [f for f in frames if f["track"] == 0]
  assert [f["t"] for f in frames] == list(range(12))
  expected = streamed(causal_model.stream(2), poses, confidence)
  np.testing.assert_allclose(np.array([f["keypoints"] for f in frames], np.float64), expected,
                             atol=2e-3)


def test_stream_command_gate(offline_model):
  poses, confidence = track(10, seed=11)
  lines = "\n".join(_json_lines(poses, confidence)) + "\n"
  out = _stream_cli("--lookahead=1", "--gate", f"--checkpoint={offline_model.checkpoint}",
                    stdin=lines)
  assert out.returncode == 0, out.stderr
  got = np.array([json.loads(line)["keypoints"] for line in out.stdout.splitlines()], np.float64)
  expected = streamed(offline_model.stream(1, gate=streaming.MotionGate()), poses, confidence)
  np.testing.assert_allclose(got, expected, atol=2e-3)
  out = _stream_cli(f"--lookahead={WINDOW}", "--gate", f"--checkpoint={offline_model.checkpoint}",
                    stdin=lines)
  assert out.returncode != 0 and "--gate: only for --lookahead below" in out.stderr


def test_stream_command_follows_a_file_being_written(causal_model, tmp_path):
  poses, confidence = track(10, seed=10)
  lines = [line + "\n" for line in _json_lines(poses, confidence, track="a")]
  source = tmp_path / "live.jsonl"
  source.write_text("".join(lines[:4]))
  process = subprocess.Popen(
      [sys.executable, "-m", "pose_refine.cli", "stream", str(source), "--follow",
       "--idle-timeout=4", "--lookahead=1", f"--checkpoint={causal_model.checkpoint}"],
      cwd=conftest.ROOT, env=conftest.subprocess_env(), stdout=subprocess.PIPE,
      stderr=subprocess.PIPE, text=True)
  first = process.stdout.readline()  # Frame 0 comes out while the file is still short.
  assert json.loads(first)["frame"] == 0
  with source.open("a") as f:
    f.write("".join(lines[4:]))
  # Read on through the same buffered reader (communicate() would skip what it holds).
  rest = process.stdout.read()
  assert process.wait(timeout=60) == 0, process.stderr.read()
  frames = [json.loads(first)] + [json.loads(line) for line in rest.splitlines()]
  assert [f["frame"] for f in frames] == list(range(10))
  assert {f["track"] for f in frames} == {"a"}


def _variant(offline_model, folder, **keys):
  """The offline model's network exported to `folder` with config `keys` replaced, loaded."""
  config = checkpointing.restore_config(offline_model.checkpoint)
  config.update(keys)
  checkpointing.export(folder, 1, offline_model.params, ml_collections.ConfigDict(config))
  return refiner.Refiner(str(folder))


def _confidence_selector() -> dict:
  """A selector that keeps the input where its confidence c is above 0.625.

  Its one cue, the confidence, enters with logit 4 (c - 0.5) / 0.5, kept above 1.
  """
  from pose_refine import selection  # pylint: disable=g-import-not-at-top
  from tests import test_selection  # pylint: disable=g-import-not-at-top

  rule = test_selection._rule(0.0, threshold=1 / (1 + np.exp(-1.0)))  # pylint: disable=protected-access
  rule["coef"][selection.FEATURES.index("confidence")] = 4.0
  rule["mean"][selection.FEATURES.index("confidence")] = 0.5
  rule["std"][selection.FEATURES.index("confidence")] = 0.5
  return rule


def _sliding_expected(offline_model, poses, confidence, lookahead, finish):
  """What a sliding-mode stream should give: each window ending at frame e (its frames
  before 0 left out) refined, passed through finish(output, poses, confidence) as a
  whole track, and read at frame e - k; the last k frames come from the last window."""
  padded_poses = np.concatenate([np.full((WINDOW - 1, JOINTS, 2), np.nan, np.float32), poses])
  padded_confidence = np.concatenate([np.zeros((WINDOW - 1, JOINTS), np.float32), confidence])
  expected = []
  for end in range(lookahead, len(poses)):
    out = np.asarray(offline_model.model.apply(
        {"params": offline_model.params}, padded_poses[None, end: end + WINDOW],
        padded_confidence[None, end: end + WINDOW])["poses"])[0]
    first = max(end - WINDOW + 1, 0)
    window = finish(out[WINDOW - 1 - (end - first):], poses[first: end + 1],
                    confidence[first: end + 1])
    expected.append(window[-1 - lookahead] if end < len(poses) - 1 else window[-1 - lookahead:])
  return np.concatenate([np.stack(expected[:-1]), expected[-1]])


def test_sliding_windows_go_through_the_checkpoints_input_selector(offline_model, tmp_path):
  # The same network with a selector that keeps the input where its confidence is above 0.625.
  selected = _variant(offline_model, tmp_path / "selected", selection=_confidence_selector())
  poses, confidence = track(20, seed=5, gaps=4)
  keep = ((confidence > 0.625) & np.isfinite(poses).all(-1))[..., None]
  for lookahead in (1, 3):  # Frames read mid-window and, at the end, by flush.
    plain = streamed(offline_model.stream(lookahead), poses, confidence)
    np.testing.assert_array_equal(streamed(selected.stream(lookahead), poses, confidence),
                                  np.where(keep, poses, plain))
    np.testing.assert_array_equal(
        streamed(selected.stream(lookahead, selection=False), poses, confidence), plain)
  # Lookahead 0 (its cues need frame t + 1) and window mode go without it.
  for lookahead in (0, WINDOW):
    np.testing.assert_array_equal(streamed(selected.stream(lookahead), poses, confidence),
                                  streamed(offline_model.stream(lookahead), poses, confidence))


def test_sliding_windows_go_through_the_checkpoints_smoother(offline_model, tmp_path):
  from pose_refine import baselines  # pylint: disable=g-import-not-at-top

  # A config of before the floor: the smoother loads without one.
  smoothed = _variant(offline_model, tmp_path / "smoothed",
                      smoothing={"gain": 400.0, "offset": 0.0, "max_sigma": 1.5, "window": 11})
  lookahead = 2
  poses, confidence = track(14, seed=4)
  online = streamed(smoothed.stream(lookahead), poses, confidence)
  expected = _sliding_expected(
      offline_model, poses, confidence, lookahead,
      lambda out, p, c: baselines.adaptive_gaussian(out, p, c, gain=400, offset=0, max_sigma=1.5,
                                                    window=11))
  np.testing.assert_allclose(online, expected, rtol=1e-5, atol=1e-3)
  assert np.abs(online - streamed(offline_model.stream(lookahead), poses, confidence)).max() > 0.1
  np.testing.assert_array_equal(
      streamed(smoothed.stream(lookahead, smoothing=False), poses, confidence),
      streamed(offline_model.stream(lookahead), poses, confidence))
  np.testing.assert_array_equal(streamed(smoothed.stream(0), poses, confidence),
                                streamed(offline_model.stream(0), poses, confidence))


def test_sliding_windows_measure_the_smoothers_floor_before_the_selector(offline_model, tmp_path):
  from pose_refine import baselines  # pylint: disable=g-import-not-at-top

  # The selector above (input kept where the confidence is above 0.625) and a smoother
  # with only its floor.
  smoother = {"gain": 0.0, "offset": 0.0, "max_sigma": 1.5, "window": 11, "floor": 1.0,
              "floor_gain": 2000.0}
  model = _variant(offline_model, tmp_path / "both", selection=_confidence_selector(),
                   smoothing=smoother)
  lookahead = 2
  poses, confidence = track(14, seed=4)
  online = streamed(model.stream(lookahead), poses, confidence)

  def finish(network, p, c):
    selected = np.where((c > 0.625)[..., None], p, network)
    return baselines.adaptive_gaussian(selected, p, c, network=network, **smoother)

  expected = _sliding_expected(offline_model, poses, confidence, lookahead, finish)
  np.testing.assert_allclose(online, expected, rtol=1e-5, atol=1e-3)
  only_selected = streamed(model.stream(lookahead, smoothing=False), poses, confidence)
  assert np.abs(online - only_selected).max() > 0.1  # The floor smoothed here.


def test_lookahead_0_goes_through_the_checkpoints_online_selector(offline_model, tmp_path):
  from pose_refine import selection  # pylint: disable=g-import-not-at-top

  # A person seen by one joint only for 20 frames (a pose box of size 0), a joint never
  # seen, gaps; longer than the selector's 121 frames; a second person at the same time.
  poses, confidence = track(150, seed=6, gaps=8)
  poses[:20, 1:], confidence[:20, 1:] = np.nan, 0.0
  poses[:, 5], confidence[:, 5] = np.nan, 0.0
  other_poses, other_confidence = track(130, seed=7, gaps=3)
  people = [(poses, confidence), (other_poses, other_confidence)]
  plain = streaming.replay(offline_model.stream(0), people)  # One model call for both, as here.
  # A rule that reads every cue: fitted on labels that depend on several of them, the filter
  # on at about half the frames.
  cues, choosable, recent = selection.online_features(plain[0], poses, confidence)
  index = {name: i for i, name in enumerate(selection.ONLINE_FEATURES)}
  score = (cues[..., index["confidence"]] + 20 * cues[..., index["input_step_before"]]
           - 20 * cues[..., index["correction"]])[choosable]
  labels = score > np.median(score)
  rule = selection.fit(cues[choosable], labels, np.ones(labels.shape),
                       names=selection.ONLINE_FEATURES)
  assert min(abs(c) for c in rule["coef"]) > 1e-4
  rule |= {"min_cutoff": 3.0, "beta": 0.1, "rate": 30.0, "level": float(np.median(recent))}
  model = _variant(offline_model, tmp_path / "online", online_selection=rule)
  both = streaming.replay(model.stream(0), people)
  # The stream's choices (stream_finish, in float32) are the whole track's (NumPy, float64).
  for person, (p, c) in enumerate(people):  # Its filter's state is float32 (stream_finish).
    np.testing.assert_allclose(both[person], selection.online_select(plain[person], p, c, rule),
                               rtol=0, atol=1e-3)
  kept = selection.online_keep(rule, cues, choosable)
  assert 0.1 < kept[choosable].mean() < 0.9
  selected = np.where(kept[..., None], poses, plain[0])
  calm = recent <= rule["level"]  # The filter leaves these frames as selected.
  assert 0.2 < calm.mean() < 0.8
  np.testing.assert_array_equal(both[0][calm], selected[calm])
  assert not np.allclose(both[0][~calm][1:], selected[~calm][1:], equal_nan=True)
  np.testing.assert_array_equal(
      streamed(model.stream(0, selection=False), poses, confidence),
      streamed(offline_model.stream(0), poses, confidence))
  # It is for lookahead 0 only, and a checkpoint without one has none.
  np.testing.assert_array_equal(streamed(model.stream(1), poses, confidence),
                                streamed(offline_model.stream(1), poses, confidence))
  assert not offline_model.online_selects and model.online_selects


def test_warm_up_compiles_for_several_people_and_changes_no_output(offline_model, tmp_path):
  from tests import test_selection  # pylint: disable=g-import-not-at-top

  model = _variant(offline_model, tmp_path / "both", selection=_confidence_selector(),
                   online_selection=test_selection._online_rule(min_cutoff=3.0, beta=0.1))  # pylint: disable=protected-access
  poses, confidence = track(12, seed=3, gaps=2)
  for lookahead in (0, 2, WINDOW):  # The lookahead-0 selector, the window finish, window mode.
    stream = model.stream(lookahead)
    stream.warm_up(3)
    assert not stream.tracks
    np.testing.assert_array_equal(streamed(stream, poses, confidence),
                                  streamed(model.stream(lookahead), poses, confidence))


def test_stream_command_on_one_core(causal_model):
  poses, confidence = track(8, seed=12)
  lines = "\n".join(_json_lines(poses, confidence)) + "\n"
  core = sorted(os.sched_getaffinity(0))[-1]
  out = _stream_cli("--lookahead=1", f"--cpus={core}", f"--checkpoint={causal_model.checkpoint}",
                    stdin=lines)
  assert out.returncode == 0, out.stderr
  got = np.array([json.loads(line)["keypoints"] for line in out.stdout.splitlines()], np.float64)
  np.testing.assert_allclose(got, streamed(causal_model.stream(1), poses, confidence), atol=2e-3)
  for bad, message in ((f"{core + 1000}", "this process may use"), ("0,x", "core numbers")):
    out = _stream_cli(f"--cpus={bad}", stdin=lines)
    assert out.returncode == 2 and f"--cpus {bad}: " in out.stderr and message in out.stderr
