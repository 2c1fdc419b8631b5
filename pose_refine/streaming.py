"""Online refinement: frames pushed one at a time, each refined frame out k frames later.

    stream = pose_refine.Refiner().stream(lookahead=4)
    for keypoints, confidence in frames:           # [joints, 2], [joints]
      refined = stream.push(keypoints, confidence)  # frame t - 4, or None at first
    rest = stream.flush()

The lookahead k is how many frames of the future a refined frame may see;
it is also the lag the stream adds. Two modes follow from it:

- sliding (0 <= k < window): every push runs the model on the track's last
  `window` frames (the front padded with missing frames until the track is
  that long: fixed shapes, one compiled program) and reads output position
  window - 1 - k, frame t - k. Any checkpoint serves; a model trained with
  lookahead k (models.PoseCorrector.lookahead) uses exactly those k frames.
  `flush` reads the track's last frames from its last window (with less
  lookahead, as offline refinement has at a track's end).
  With k >= 1 the checkpoint's input selector and whole-track smoother
  (config.selection and config.smoothing, as `Refiner.refine_track`
  applies them to whole tracks) run on each window's output before frame
  t - k is read; their 121-frame measure of the model's corrections sees
  the window's 32 here. For a full window they run on the device after the
  model (pose_refine.stream_finish: the same arithmetic in float32, compiled,
  not a hundred NumPy calls). They look past the frame they judge, so at k = 0
  the checkpoint's lookahead-0 selector runs instead
  (config.online_selection, selection.online_select: cues from frame t
  and the 120 frames before it, kept per track). `Refiner.stream(k,
  selection=False, smoothing=False)` turns them off.
- window (k >= window): offline refinement (inference.refine_videos) frame
  by frame: the same windows (windows.window_starts: starts, stride, the
  end-of-track window that `flush` runs), the same merge weights, and frame
  t - k leaves once every window covering it is done. A window runs k frames
  after its start, the latest its first frame allows. It starts at k =
  window, not window - 1: offline, a track ending at frame t has a last
  window [t - window + 1, t] that covers frame t - (window - 1), so that
  frame is final only once frame t + 1 exists.

Gap filling (config.fill_missing, windows.fill_missing) interpolates a
missing joint over the whole video offline; a stream knows only the frames
pushed so far. Here a window is filled when it runs, from the frames seen
until then (and each joint's last observation before the buffer): a gap
still open then is held at its last observation instead of interpolated
toward the next one, and a joint not seen yet stays missing (offline
refinement would hold its first observation back). Joints never seen so far
come out NaN (offline: never seen in the whole track). So window mode
equals offline refinement up to float rounding whenever every gap touching
a window has closed by the time it runs, k - window + 1 frames after its
last frame: always for input without missing joints (tests/test_streaming.py);
otherwise only the filled values of the joints in such open gaps, which
enter the model at confidence 0.01, differ. A checkpoint's whole-track
smoother and input selector (config.smoothing and config.selection) are
not applied in window mode, so the equality is with
`Refiner(smoothing=False, selection=False).refine_track`.

A motion gate (MotionGate, sliding mode only, off by default) hands a joint
to a light One-Euro filter instead of the model where the input continues
its own motion: the joint is observed in frames t - 2, t - 1 and t at a
confidence of at least `min_confidence`, and frame t lies within
`tolerance` of the pose's extent from the constant-velocity step of the two
before. At the window's edge the model lags fast true motion that the
input has right; the gate keeps such joints and leaves jumps, swaps and
gaps to the model (RESULTS.md, "Online refinement").

Memory is bounded whatever the stream's length: per track, ring buffers of
max(window, k + 1) frames (k + 3 with a gate; at k = 0 with the lookahead-0
selector, the measures of 120 more) and, per joint, its last observation before them.
Tracks that need the model on a push share one call (one program per batch
size up to 16, then powers of two).
"""

from collections.abc import Hashable, Mapping
import dataclasses
import functools
import json
import weakref

import jax
import numpy as np

from pose_refine import skeletons
from pose_refine import windows

# The confidence offline gap filling gives filled joints (windows.fill_missing).
FILLED_CONFIDENCE = 0.01

_PROGRAMS = weakref.WeakKeyDictionary()  # refiner.Refiner -> its streams' model call.


@dataclasses.dataclass(frozen=True)
class MotionGate:
  """Where the input continues its own motion, a One-Euro filter replaces the model.

  Attributes:
    tolerance: largest distance of frame t from 2 x_{t-1} - x_{t-2}, as a
      share of the pose's extent (its larger side over observed joints).
    min_confidence: smallest confidence of frame t's joint.
    min_cutoff, beta, rate: the One-Euro filter (baselines.one_euro, one
      step per push) that outputs the gated joints; it runs on every
      observed frame.
  Defaults: the shipped model's best on the tune half of the held-out
  protocol (mean PCK@0.05 at mild and hard errors, k = 0; launch.tune_gate;
  RESULTS.md "Online refinement").
  """

  tolerance: float = 0.05
  min_confidence: float = 0.5
  min_cutoff: float = 10.0
  beta: float = 0.1
  rate: float = 30.0

  def __post_init__(self):
    if not (self.tolerance >= 0 and 0 <= self.min_confidence <= 1 and self.min_cutoff > 0
            and self.beta >= 0 and self.rate > 0):
      raise ValueError(f"{self}: expected tolerance >= 0, min_confidence in [0, 1], "
                       "min_cutoff > 0, beta >= 0, rate > 0.")


@dataclasses.dataclass(frozen=True)
class RefinedFrame:
  """One refined frame of one track.

  Attributes:
    track_id: the track it belongs to.
    frame: its index in the track (0: the track's first push).
    timestamp: the timestamp pushed with it, or None.
    keypoints: [joints, 2] pixels in the stream's skeleton; NaN where the
      model cannot place a joint (never seen so far, or missing with
      fill_missing=False).
  """

  track_id: Hashable
  frame: int
  timestamp: float | None
  keypoints: np.ndarray


class _Recent:
  """A track's state for the lookahead-0 selector (stream_finish.finish_online): its output at
  the last 2 frames, the selection.frame_measures of the `size` frames before the current one
  (a ring: the medians read them in any order) and its filter's state."""

  def __init__(self, size: int, joints: int):
    self.count = 0
    self.previous = np.full((2, joints, 2), np.nan, np.float32)
    self.sides = np.full(size, np.nan, np.float32)
    self.moved = np.full((size, joints), np.nan, np.float32)
    self.state = (np.full((joints, 2), np.nan, np.float32),  # The filter's value and speed.
                  np.zeros((joints, 2), np.float32))

  def add(self, refined, side, moved) -> None:
    """Adds a frame's output (joints never seen NaN) and measures."""
    self.previous = np.stack([self.previous[1], refined])
    slot = self.count % len(self.sides)
    self.sides[slot], self.moved[slot] = side, moved
    self.count += 1


class _Track:
  """One person's ring buffers (frame f lives in slot f % size)."""

  def __init__(self, track_id: Hashable, size: int, input_joints: int, joints: int):
    self.track_id = track_id
    self.size = size
    self.count = 0  # Frames pushed.
    self.emitted = 0  # Frames returned.
    self.next_start = 0  # Window mode: the next regular window start to run.
    self.last_timestamp = None
    self.inputs = np.full((size, input_joints, 2), np.nan, np.float32)
    self.points = np.full((size, joints, 2), np.nan, np.float32)
    self.scores = np.zeros((size, joints), np.float32)
    self.timestamps = [None] * size
    # Each joint's last observation before the buffer, for gap filling.
    self.before = np.full((joints, 2), np.nan, np.float32)
    self.before_frame = np.full(joints, -1, np.int64)
    self.seen = np.zeros(joints, bool)
    # Window mode: weighted sums of window outputs per frame, as windows.merge.
    self.sums = np.zeros((size, joints, 2), np.float64)
    self.totals = np.zeros(size, np.float64)
    # Motion gate: the One-Euro filter's output per frame and its state per joint.
    self.smoothed = np.full((size, joints, 2), np.nan, np.float32)
    self.value = np.full((joints, 2), np.nan)
    self.speed = np.zeros((joints, 2))
    self.recent = None  # A _Recent, with the lookahead-0 selector.

  def smooth(self, step) -> None:
    """Runs a One-Euro filter's `step` (baselines.one_euro_step) on the last frame added."""
    slot = (self.count - 1) % self.size
    valid = skeletons.observed(self.points[slot], self.scores[slot])
    self.value, self.speed = step(self.value, self.speed, self.points[slot], valid)
    self.smoothed[slot] = self.value

  def steady(self, frame: int, gate: MotionGate) -> np.ndarray:
    """[joints] True where frame `frame` continues the constant-velocity step of the two before."""
    if frame < 2 or frame - 2 < self.count - self.size:
      return np.zeros(self.points.shape[1], bool)
    slots = [(frame - d) % self.size for d in (2, 1, 0)]
    return _steady(self.points[slots], self.scores[slots], gate)

  def add(self, inputs, points, scores, timestamp) -> None:
    slot = self.count % self.size
    if self.count >= self.size:  # Frame count - size leaves the buffer.
      leaving = skeletons.observed(self.points[slot], self.scores[slot])
      self.before[leaving] = self.points[slot][leaving]
      self.before_frame[leaving] = self.count - self.size
    self.inputs[slot], self.points[slot], self.scores[slot] = inputs, points, scores
    self.timestamps[slot] = timestamp
    self.seen |= skeletons.observed(points, scores)
    self.count += 1
    if timestamp is not None:
      self.last_timestamp = timestamp

  def window(self, start: int, length: int, fill_missing: bool, raw: bool = False):
    """Frames [start, start + length): poses [length, joints, 2], confidence [length, joints].

    Frames before 0 or not pushed yet are padding (NaN, confidence 0); with
    `fill_missing`, missing joints of pushed frames are interpolated from
    every observation so far (ends held), at FILLED_CONFIDENCE. `raw`: the
    frames as pushed follow (poses, confidence, raw poses, raw confidence).
    """
    frames = np.arange(start, start + length)
    real = (frames >= 0) & (frames < self.count)
    poses = np.full((length,) + self.points.shape[1:], np.nan, np.float32)
    scores = np.zeros((length,) + self.scores.shape[1:], np.float32)
    slots = frames[real] % self.size
    poses[real], scores[real] = self.points[slots], self.scores[slots]
    pushed = (poses.copy(), scores.copy()) if raw else ()
    if not fill_missing:
      return (poses, scores) + pushed
    observed = skeletons.observed(poses, scores)
    gaps = real[:, None] & ~observed
    if not gaps.any():
      return (poses, scores) + pushed
    oldest = max(self.count - self.size, 0)
    known_frames = np.arange(oldest, self.count)
    known_slots = known_frames % self.size
    known = skeletons.observed(self.points[known_slots], self.scores[known_slots])
    for j in np.flatnonzero(gaps.any(0)):
      times = known_frames[known[:, j]]
      values = self.points[known_slots[known[:, j]], j].astype(np.float64)
      if self.before_frame[j] >= 0:
        times = np.concatenate([[self.before_frame[j]], times])
        values = np.concatenate([self.before[j][None].astype(np.float64), values])
      if not len(times):
        continue  # Not seen yet: stays missing.
      missing = gaps[:, j]
      for c in range(2):
        poses[missing, j, c] = np.interp(frames[missing], times, values[:, c])
      scores[missing, j] = FILLED_CONFIDENCE
    return (poses, scores) + pushed


def _steady(points, scores, gate: MotionGate) -> np.ndarray:
  """[..., joints] the gate's test of frames (t - 2, t - 1, t) = points[..., 0:3, joints, 2]."""
  observed = skeletons.observed(points, scores)
  now = points[..., 2, :, :]
  seen = observed.all(-2)
  low = np.where(observed[..., 2, :, None], now, np.inf).min(-2)
  high = np.where(observed[..., 2, :, None], now, -np.inf).max(-2)
  extent = (high - low).max(-1, keepdims=True)  # Of the pose at t; -inf with no joint.
  deviation = np.linalg.norm(now - (2 * points[..., 1, :, :] - points[..., 0, :, :]), axis=-1)
  with np.errstate(invalid="ignore"):
    return (seen & (scores[..., 2, :] >= gate.min_confidence)
            & (deviation < gate.tolerance * extent))


def apply_gate(poses, confidence, refined, gate: MotionGate) -> np.ndarray:
  """A whole track's gated output: what a gated stream returns (in the same joints).

  Args:
    poses, confidence: the track's input, [time, joints, 2] and [time, joints].
    refined: the same stream's output without the gate, [time, joints, 2].
    gate: the MotionGate.

  Returns:
    `refined` with each steady joint replaced by the One-Euro filter's output;
    tuning a gate this way needs one model pass.
  """
  from pose_refine import baselines  # noqa: PLC0415  scipy only when asked.

  poses = np.asarray(poses, np.float32)
  confidence = np.asarray(confidence, np.float32)
  steady = np.zeros(confidence.shape, bool)
  if len(poses) > 2:
    triples = np.stack([poses[:-2], poses[1:-1], poses[2:]], 1)
    scores = np.stack([confidence[:-2], confidence[1:-1], confidence[2:]], 1)
    steady[2:] = _steady(triples, scores, gate)
  smoothed = baselines.one_euro(poses, confidence, min_cutoff=gate.min_cutoff, beta=gate.beta,
                                rate=gate.rate)
  return np.where(steady[..., None], smoothed, refined).astype(np.float32)


class Stream:
  """Refines tracks frame by frame with a fixed lookahead (see the module docstring).

  Made by `refiner.Refiner.stream`; the refiner gives the model, its
  parameters and config.

  Args:
    refiner: a loaded refiner.Refiner.
    lookahead: frames of future each refined frame sees (the lag), >= 0.
    skeleton: the pushed keypoints' joint set (default: the model's).
    fill_missing: give missing joints refined positions (else NaN).
    stride: window mode's frames between windows (default: the model's
      evaluation stride, as offline refinement).
    gate: a MotionGate for sliding mode (see the module docstring); None: off.
    selection: in sliding mode with lookahead >= 1, apply the checkpoint's
      input selector (config.selection, Refiner.select) to each
      window's output, and at lookahead 0 its lookahead-0 selector
      (config.online_selection) to each frame (see the module docstring);
      False: never.
    smoothing: likewise the checkpoint's whole-track smoother
      (config.smoothing, Refiner.smooth), after the selector.
  """

  def __init__(self, refiner, lookahead: int, skeleton: skeletons.Skeleton | None = None, *,
               fill_missing: bool = True, stride: int | None = None,
               gate: MotionGate | None = None, selection: bool = True,
               smoothing: bool = True):
    if lookahead < 0:
      raise ValueError(f"lookahead={lookahead}; expected a number of frames >= 0.")
    self.lookahead = int(lookahead)
    self.window = int(refiner.config.window)
    self.stride = int(stride or refiner.config.eval.stride)
    if not 0 < self.stride <= self.window:
      raise ValueError(f"stride={self.stride}; expected 1 to the window ({self.window}).")
    self.mode = "sliding" if self.lookahead < self.window else "window"
    if gate is not None and self.mode != "sliding":
      raise ValueError(f"gate: only for lookahead < the window ({self.window}); at "
                       f"lookahead={self.lookahead} the stream refines as offline.")
    self.gate = gate
    if gate is not None:
      from pose_refine import baselines  # noqa: PLC0415  scipy only when asked.

      self._smooth_step = functools.partial(baselines.one_euro_step, min_cutoff=gate.min_cutoff,
                                            beta=gate.beta, rate=gate.rate)
    # The selector's cues read frame t + 1, the smoother frames on both sides: from lookahead 1.
    sliding = self.mode == "sliding" and self.lookahead >= 1
    self._selection = selection and sliding and refiner.selects
    self._smoothing = smoothing and sliding and refiner.smooths
    self._position = self.window - 1 - self.lookahead  # The output frame read in sliding mode.
    # What follows the network on the device (stream_finish), as JSON: one program per rule
    # (_finish_fn).
    finish = None
    if self._selection or self._smoothing:
      from pose_refine import stream_finish  # noqa: PLC0415  scipy only when asked.

      if stream_finish.applies(self.window, refiner.config.smoothing):
        finish = {"window": {
            "selection": refiner.config.selection.to_dict() if self._selection else None,
            "smoothing": refiner.config.smoothing.to_dict() if self._smoothing else None,
            "window": self.window, "position": self._position}}
    if selection and self.mode == "sliding" and self.lookahead == 0 and refiner.online_selects:
      from pose_refine import selection as selector  # noqa: PLC0415  scipy only when asked.

      rule = refiner.config.online_selection.to_dict()
      selector.check(rule, selector.ONLINE_FEATURES)
      self._history = selector.ONLINE_WINDOW - 1  # Frames of measures the cues read besides t.
      finish = {"online": rule}
    self._finish_kind = next(iter(finish)) if finish else None
    # Streams leave out the smoother's spike and motion stages (stream_finish has neither).
    self._finish = functools.partial(refiner.finish, motion=False)
    self.model_skeleton = refiner.skeleton
    self.skeleton = skeleton or refiner.skeleton
    self.fill_missing = fill_missing
    self._fill_windows = bool(refiner.config.fill_missing)
    self._predict = _predict_fn(refiner)
    self._finish_program = finish and _finish_fn(json.dumps(finish, sort_keys=True))
    # The gate looks two frames further back than the frame it emits.
    self._size = max(self.window, self.lookahead + (3 if gate else 1))
    self._tracks: dict[Hashable, _Track] = {}

  def warm_up(self, people: int = 1) -> None:
    """Compiles the model call for `people` tracks now, so the first frames do not wait."""
    tracks = [_Track(None, self._size, self.skeleton.num_joints, self.model_skeleton.num_joints)
              for _ in range(people)]
    self._call(self._inputs(tracks, [0] * people), people)

  @property
  def tracks(self) -> list:
    """Ids of the tracks pushed and not flushed."""
    return list(self._tracks)

  def push(self, keypoints, confidence=None, track_id: Hashable = 0,
           timestamp: float | None = None) -> RefinedFrame | None:
    """Adds frame t of one track; returns its refined frame t - lookahead, or None.

    Args:
      keypoints: [joints, 2] pixels, or [joints, 3] with the confidence
        third. A joint is missing where its coordinates are NaN or its
        confidence is 0.
      confidence: optional [joints] in [0, 1]; overrides a third column
        (default: 1 for every finite joint).
      track_id: the person (any hashable); tracks are refined independently.
      timestamp: optional; must increase from frame to frame of a track.

    Raises:
      ValueError: for a wrong joint count or shape, a confidence that is
        NaN, infinite or outside [0, 1] at a joint with coordinates,
        infinite coordinates, or a timestamp not after the track's previous
        one. The stream is left as it was and takes the next frame.
    """
    out = self.push_many({track_id: (keypoints, confidence)}, timestamp)
    return out[0] if out else None

  def push_many(self, people: Mapping, timestamp: float | None = None) -> list[RefinedFrame]:
    """Adds one frame of several tracks at once, with one model call for all of them.

    Args:
      people: track id -> keypoints or (keypoints, confidence), as `push` takes them.
      timestamp: optional, for every one of them.

    Returns:
      The refined frames that became ready (at most one per track).

    Raises:
      ValueError: as `push`, naming the track; then no track takes the frame.
    """
    checked = []
    for track_id, person in people.items():
      keypoints, confidence = person if isinstance(person, tuple) else (person, None)
      checked.append((track_id,) + self._check(track_id, keypoints, confidence, timestamp))
    for track_id, inputs, points, scores in checked:
      track = self._tracks.get(track_id)
      if track is None:
        track = self._tracks[track_id] = _Track(track_id, self._size, self.skeleton.num_joints,
                                                self.model_skeleton.num_joints)
      track.add(inputs, points, scores, timestamp)
      if self.gate is not None:
        track.smooth(self._smooth_step)
    tracks = [self._tracks[track_id] for track_id, *_ in checked]
    if self.mode == "sliding":
      ready = [t for t in tracks if t.count > self.lookahead]
      outputs = self._run([(t, t.count - self.window) for t in ready])
      return [self._emit(t, t.count - 1 - self.lookahead, self._finished(t, *output))
              for t, output in zip(ready, outputs)]
    # Window mode: the regular window starting k frames ago runs now.
    due = [t for t in tracks if t.count - 1 - self.lookahead >= t.next_start]
    self._merge([(t, t.next_start) for t in due])
    for t in due:
      t.next_start += self.stride
    return [self._emit_merged(t, t.count - 1 - self.lookahead)
            for t in tracks if t.count > self.lookahead]

  def flush(self, track_id: Hashable | None = None) -> list[RefinedFrame]:
    """Returns every frame not returned yet, of one track or all, and forgets them.

    Window mode runs the windows offline refinement has that are still
    due, the end-of-track one included; sliding mode reads the last frames
    from each track's last window.
    """
    ids = self.tracks if track_id is None else [track_id]
    tracks = [self._tracks.pop(i) for i in ids if i in self._tracks]
    tracks = [t for t in tracks if t.count > t.emitted]
    out = []
    if self.mode == "sliding":
      for t, (output, *_) in zip(tracks, self._run([(t, t.count - self.window) for t in tracks])):
        output = self._selected(t, output)
        out += [self._emit(t, f, output[f - t.count + self.window])
                for f in range(t.emitted, t.count)]
      return out
    jobs = [(t, start) for t in tracks
            for start in windows.window_starts(t.count, self.window, self.stride)
            if start >= t.next_start or start % self.stride]  # Not run yet.
    self._merge(jobs)
    for t in tracks:
      out += [self._emit_merged(t, f) for f in range(t.emitted, t.count)]
    return out

  def _check(self, track_id, keypoints, confidence, timestamp):
    """The frame as (inputs, model-joint points, scores); ValueError naming what is wrong."""
    name = f"track {track_id!r}"
    joints = self.skeleton.num_joints
    try:
      array = np.asarray(keypoints, np.float64)
    except (TypeError, ValueError) as error:
      raise ValueError(f"{name}: keypoints are not a [joints, 2 or 3] array of numbers "
                       f"({error}).") from error
    if array.ndim != 2 or array.shape[-1] not in (2, 3):
      raise ValueError(f"{name}: keypoints have shape {array.shape}; expected [joints, 2 or 3].")
    if array.shape[0] != joints:
      raise ValueError(f"{name}: the frame has {array.shape[0]} joints; the stream's skeleton "
                       f"{self.skeleton.name!r} has {joints}.")
    points = array[:, :2]
    if np.isinf(points).any():
      raise ValueError(f"{name}: infinite coordinates at joint(s) "
                       f"{np.flatnonzero(np.isinf(points).any(-1)).tolist()}; a missing "
                       "joint is NaN.")
    if confidence is None:
      confidence = array[:, 2] if array.shape[-1] == 3 else np.where(
          np.isfinite(points).all(-1), 1.0, 0.0)
    try:
      confidence = np.asarray(confidence, np.float64)
    except (TypeError, ValueError) as error:
      raise ValueError(f"{name}: confidence is not an array of numbers ({error}).") from error
    if confidence.shape != (joints,):
      raise ValueError(f"{name}: confidence has shape {confidence.shape}; expected ({joints},).")
    located = np.isfinite(points).all(-1)
    bad = located & ~np.isfinite(confidence)
    if bad.any():
      raise ValueError(f"{name}: confidence is NaN or infinite at joint(s) "
                       f"{np.flatnonzero(bad).tolist()}, which have coordinates.")
    outside = located & ((confidence < 0) | (confidence > 1))
    if outside.any():
      raise ValueError(f"{name}: confidence {confidence[outside].tolist()} at joint(s) "
                       f"{np.flatnonzero(outside).tolist()} is outside [0, 1].")
    if timestamp is not None:
      timestamp = float(timestamp)
      if not np.isfinite(timestamp):
        raise ValueError(f"{name}: timestamp {timestamp} is not a finite number.")
      previous = self._tracks[track_id].last_timestamp if track_id in self._tracks else None
      if previous is not None and timestamp <= previous:
        raise ValueError(f"{name}: timestamp {timestamp:g} is not after the track's previous "
                         f"one ({previous:g}); frames must come in order, each once.")
    confidence = np.where(located, confidence, 0.0).astype(np.float32)
    points = points.astype(np.float32)
    missing = ~skeletons.observed(points, confidence)
    points[missing], confidence[missing] = np.nan, 0.0
    if self.skeleton is self.model_skeleton:
      return points, points, confidence
    model_points, model_scores = skeletons.convert(points, confidence, self.skeleton,
                                                   self.model_skeleton)
    return points, model_points, model_scores

  def _inputs(self, tracks, starts) -> list[np.ndarray]:
    """The model's inputs for windows of `tracks` from `starts`, then its finish's, batched
    (see `_finish_fn`)."""
    cut = [t.window(start, self.window, self._fill_windows, raw=bool(self._finish_kind))
           for t, start in zip(tracks, starts, strict=True)]
    if self._finish_kind == "online":  # The window as pushed enters as its last 3 frames.
      for t in tracks:
        if t.recent is None:
          t.recent = _Recent(self._history, self.model_skeleton.num_joints)
      cut = [(poses, scores, t.seen, raw_poses[-3:], raw_scores[-3:], t.recent.previous,
              np.int32(t.count), t.recent.sides, t.recent.moved, *t.recent.state)
             for t, (poses, scores, raw_poses, raw_scores) in zip(tracks, cut, strict=True)]
    # The model's batch: exact sizes up to 16 people, then powers of two: few programs
    # compile. Its finish (fast to run, slower to compile): powers of two.
    power = 1 << (len(cut) - 1).bit_length()
    batch = len(cut) if len(cut) <= 16 else power
    return [_stacked(parts, batch if i < 2 else power) for i, parts in enumerate(zip(*cut, strict=True))]

  def _run(self, jobs):
    """Runs the model on (track, start) windows in one call: [(output, weight, finished)] per job.

    A window's weight (window mode) is its reliability as
    inference.refine_videos has it: the fraction of its joints observed
    (after filling), plus 1e-3. `finished`: what the device computed after
    the network for the job (`_finish_fn`), or None.
    """
    if not jobs:
      return []
    arrays = self._inputs([t for t, _ in jobs], [start for _, start in jobs])
    outputs, finished = self._call(arrays, len(jobs))
    if finished is None:
      reliability = (skeletons.observed(arrays[0], arrays[1]).mean(axis=(1, 2)) + 1e-3
                     if self.mode == "window" else np.zeros(len(outputs)))
      return [(outputs[i], reliability[i], None) for i in range(len(jobs))]
    return [(outputs[i], 0.0, tuple(part[i] for part in finished)) for i in range(len(jobs))]

  def _call(self, arrays, count: int):
    """The model, then its finish if any, on `_inputs`' arrays for `count` windows: the
    model's outputs and the finish's (or None), as NumPy arrays."""
    outputs = np.asarray(self._predict(*arrays[:2]))
    if self._finish_program is None:
      return outputs, None
    return outputs, [np.asarray(part) for part in self._finish_program(
        _stacked(outputs[:count], len(arrays[2])), *arrays[2:])]

  def _finished(self, track: _Track, output, _, finished) -> np.ndarray:
    """A sliding window's output frame t - k after the selectors and smoother that are on.

    With a full window, the program's (stream_finish) where it is NumPy's
    branch; else `_selected`'s. At lookahead 0, the lookahead-0 selector's
    and its filter's, from the program.
    """
    if self._finish_kind == "window":
      frame, exact = finished
      if exact and track.count >= self.window:
        return frame
    if self._finish_kind != "online":
      return self._selected(track, output)[self._position]
    selected, refined, value, speed, side, moved = finished
    track.recent.add(refined, side, moved)
    track.recent.state = value, speed
    return selected

  def _selected(self, track: _Track, output: np.ndarray) -> np.ndarray:
    """A sliding window's output (the track's last frames) after the selector and smoother, if on.

    They read the window's frames as whole-track refinement reads a track:
    the input as pushed (not gap-filled) and the model's output, over the
    frames pushed so far (the front padding left out).
    """
    if not (self._selection or self._smoothing):
      return output
    start = track.count - self.window
    poses, scores = track.window(start, self.window, False)
    real = max(-start, 0)
    output = np.array(output, np.float32)
    output[real:] = self._finish(output[real:], poses[real:], scores[real:],
                                 selection=self._selection, smoothing=self._smoothing)
    return output

  def _merge(self, jobs) -> None:
    """Runs window-mode windows and adds their outputs to their frames' sums."""
    for (track, start), (output, weight, _) in zip(jobs, self._run(jobs)):
      for position in range(self.window):
        frame = start + position
        if frame >= track.count:
          break  # Padding past a short track's end.
        slot = frame % track.size
        track.sums[slot] += output[position].astype(np.float64) * weight
        track.totals[slot] += weight

  def _emit_merged(self, track: _Track, frame: int) -> RefinedFrame:
    slot = frame % track.size
    refined = (track.sums[slot] / track.totals[slot]).astype(np.float32)
    track.sums[slot], track.totals[slot] = 0.0, 0.0
    return self._emit(track, frame, refined)

  def _emit(self, track: _Track, frame: int, refined: np.ndarray) -> RefinedFrame:
    """Frame `frame` refined in the model's joints -> the stream's skeleton."""
    slot = frame % track.size
    refined = np.array(refined, np.float32)
    if self.gate is not None:
      steady = track.steady(frame, self.gate)
      refined[steady] = track.smoothed[slot][steady]
    refined[~track.seen] = np.nan  # Joints never seen so far are not guessed.
    points, scores = track.points[slot], track.scores[slot]
    if not self.fill_missing:
      refined[~skeletons.observed(points, scores)] = np.nan
    keypoints = track.inputs[slot]
    if self.skeleton is self.model_skeleton:  # skeletons.apply_refinement, faster.
      out = (np.where(np.isfinite(refined), refined, keypoints) if self.fill_missing
             else np.where(np.isfinite(keypoints), refined, np.nan))
    else:
      out = skeletons.apply_refinement(keypoints, points, refined, self.skeleton,
                                       self.model_skeleton, self.fill_missing)
    track.emitted = frame + 1
    return RefinedFrame(track.track_id, frame, track.timestamps[slot], out)


def _stacked(parts, batch: int) -> np.ndarray:
  """[batch, ...]: `parts` stacked, then zeros."""
  array = np.zeros((batch,) + np.shape(parts[0]), np.asarray(parts[0]).dtype)
  array[:len(parts)] = parts
  return array


def _predict_fn(refiner):
  """Jitted (poses [batch, window, joints, 2], confidence) -> the refiner's model's output in
  pixels, one per refiner for all its streams.

  The parameters are compiled in as constants (host copies): XLA then folds
  the LSTMs' gate kernels together once, not on every call, and a
  one-window call on a 2-core CPU takes 1.2 ms instead of 1.5 (BENCHMARKS.md;
  outputs within float rounding, 1e-4 px, of passing them as arguments).
  """
  program = _PROGRAMS.get(refiner)
  if program is None:
    params, model = jax.tree.map(np.asarray, refiner.params), refiner.model
    program = _PROGRAMS[refiner] = jax.jit(lambda poses, confidence: model.apply(
        {"params": params}, poses, confidence)["poses"])
  return program


@functools.lru_cache(maxsize=8)
def _finish_fn(finish: str):
  """What follows the network in a stream, jitted and vmapped over the batch (stream_finish).

  Args:
    finish: JSON, {kind: arguments}: "window" (finish_window's selection and
      smoothing rules, window and position) or "online" (the lookahead-0
      rule, for finish_online).

  Returns:
    (refined [batch, window, joints, 2], then "window": the windows' poses
    and confidence as pushed -> (finished frames [batch, joints, 2], exact
    [batch]); "online": finish_online's arguments after `refined`, batched
    -> its outputs, batched).
  """
  from pose_refine import stream_finish  # noqa: PLC0415  scipy only when asked.

  (kind, spec), = json.loads(finish).items()
  if kind == "window":
    after = jax.vmap(stream_finish.finish_window(spec["selection"], spec["smoothing"],
                                                 spec["window"], spec["position"]))
    return jax.jit(after)
  after = jax.vmap(stream_finish.finish_online(spec))
  return jax.jit(lambda refined, *inputs: after(refined[:, -1], *inputs))


def replay(stream: Stream, tracks) -> list[np.ndarray]:
  """Refines whole tracks through `stream`, as if they arrived together frame by frame.

  Frame t of every track goes in one `push_many` (one model call), and a
  track is flushed after its last frame, so the result is what the stream
  returns live; evaluations use it to score streaming over many clips.

  Args:
    stream: a fresh Stream.
    tracks: (keypoints [time, joints, 2], confidence [time, joints]) per track.

  Returns:
    [time, joints, 2] refined keypoints per track.
  """
  refined = [[None] * len(poses) for poses, _ in tracks]

  def keep(frames):
    for frame in frames:
      refined[frame.track_id][frame.frame] = frame.keypoints

  for t in range(max((len(poses) for poses, _ in tracks), default=0)):
    keep(stream.push_many({i: (poses[t], confidence[t])
                           for i, (poses, confidence) in enumerate(tracks) if t < len(poses)}))
    for i, (poses, _) in enumerate(tracks):
      if t == len(poses) - 1:
        keep(stream.flush(i))
  return [np.stack(frames) for frames in refined]
