"""Refine any estimator's keypoints with a trained corrector: the Python API.

    import pose_refine
    refined = pose_refine.refine(keypoints)   # [frames, joints, 2 or 3]
    pose_refine.refine_file("results.json", "refined.json")

The default model ships in pose_refine/pretrained (see its README.md). It
works in Penn Action's 13 joints; inputs in another skeleton (COCO 17,
MediaPipe 33, OpenPose, the data sets' own) are mapped to those joints,
refined, and mapped back: shared joints take the refined positions, the
others (face, hand and foot landmarks) move with their anchor joint's
correction (see skeletons.anchors).

Importing this module loads JAX, Flax and the checkpoint reader, not the
training stack (optax, grain, TFDS) nor OpenCV (only drawing an overlay
does).
"""

import functools
import os
import warnings

import numpy as np

from pose_refine import checkpointing
from pose_refine import files
from pose_refine import frames
from pose_refine import inference
from pose_refine import keypoint_io
from pose_refine import models
from pose_refine import sharding
from pose_refine import skeletons
from pose_refine import streaming
from pose_refine import video
from pose_refine import windows

DEFAULT_CHECKPOINT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "pretrained", "checkpoint")

# A track not told its frame rate whose joints move more than this between
# frames (`frame_step`, the median over observed joints and frame pairs, in
# units of the person's size) is not video at any rate near the model's: it
# is refined as SPARSE_FPS (its gaps interpolated, its present joints mostly
# kept) instead of smoothing unrelated poses together. Penn Action video at
# 15-60 fps stays below 0.09 even with the heaviest simulated errors;
# YouTube Pose's frames, about 2.3 s apart, are at 0.12-0.40 (RESULTS.md,
# "The shipped model").
SPARSE_STEP = 0.1
SPARSE_FPS = 1.0

# The smoother's spike and motion stages (config.smoothing.spikes and motion) read a
# joint's neighbouring frames as close in time: they run on tracks at this share of
# the model's frame rate or more (15 fps and up for a 30 fps model).
MOTION_FPS_SHARE = 0.5


def frame_step(points, scores) -> float:
  """The median step of observed joints between consecutive frames, relative to the person's size.

  Args:
    points: [frames, joints, 2]; scores: [frames, joints] (0: missing).

  Returns:
    The median of |x[t + 1] - x[t]| / size over joints observed in both
    frames (size: the median longer side of the pose's box); NaN with fewer
    than 3 pairs of consecutive frames sharing an observed joint, or a pose
    less than 2 px across (one joint has no size to measure steps by).
  """
  observed = skeletons.observed(points, scores)
  pairs = observed[1:] & observed[:-1]
  if pairs.any(-1).sum() < 3:
    return float("nan")
  from pose_refine import baselines  # pylint: disable=g-import-not-at-top  SciPy on demand.

  size = baselines.track_size(np.where(observed[..., None], points, np.nan))
  if size < 2.0:
    return float("nan")
  steps = np.linalg.norm(np.diff(np.asarray(points, np.float64), axis=0), axis=-1)
  return float(np.median(steps[pairs]) / size)


class Refiner:
  """A trained corrector loaded once, refining whole tracks or streams of frames.

  Args:
    checkpoint: a training run's workdir, its checkpoints folder, or a folder
      written by launch/export.py; default: the shipped model.
    deadzone: soft threshold on the model's corrections in window units
      (models.shrink_corrections); default: the checkpoint's (0 if it has none).
    smoothing: False turns off the checkpoint's whole-track post-smoother
      (config.smoothing, baselines.adaptive_gaussian; the shipped model has
      one); None or True: the checkpoint's (off if it has none).
    selection: False turns off the checkpoint's input selectors
      (config.selection and, for streams at lookahead 0,
      config.online_selection; pose_refine.selection: they keep the input
      where it is likely closer to the truth than the model's output; the
      shipped model has both); None or True: the checkpoint's (off if it
      has none).
    motion: False turns off the smoother's spike and motion-adaptive stages
      (config.smoothing.spikes and motion; the shipped model has both);
      None or True: the checkpoint's.
  """

  def __init__(self, checkpoint: str | None = None, *, deadzone: float | None = None,
               smoothing: bool | None = None, selection: bool | None = None,
               motion: bool | None = None):
    self.checkpoint = os.fspath(checkpoint or DEFAULT_CHECKPOINT)
    self.config = inference.load_config(self.checkpoint)
    if deadzone is not None:
      if deadzone < 0 or self.config.model_kind != "seq2seq":
        raise ValueError(f"deadzone={deadzone}: needs a value >= 0 and a seq2seq checkpoint.")
      self.config.model.deadzone = float(deadzone)
    if smoothing is False:
      self.config.smoothing.gain = 0.0
      self.config.smoothing.floor = 0.0
    if motion is False:
      self.config.smoothing.spikes = 0.0
      self.config.smoothing.motion = 0.0
    if selection is False:
      self.config.selection.coef = []
      self.config.online_selection.coef = []
    self.skeleton = skeletons.get_skeleton(self.config.skeleton)
    self.model = models.create_model(self.config, self.skeleton)
    self.mesh = sharding.make_mesh()
    self.params = inference.load_params(self.model, self.mesh, self.config.window,
                                        self.skeleton.num_joints, self.checkpoint)
    self.predict_fn = inference.make_predict_fn(self.model, self.mesh)

  def windows(self, frames: int, stride: int | None = None, fps: float | None = None) -> int:
    """How many windows a track of `frames` frames (at `fps`) is cut into."""
    stride = stride or self.config.eval.stride
    factor = self.upsampling(fps)
    return len(windows.window_starts((frames - 1) * factor + 1, self.config.window, stride))

  @property
  def frame_rate(self) -> float:
    """Frames per second of the model's training data (before any rate mixture)."""
    return float(self.config.frame_rate)

  def upsampling(self, fps: float | None) -> int:
    """How many times a track at `fps` is interpolated up before refining (1: not).

    Tracks at less than 2/3 of the model's frame rate are brought up to it
    (the nearest integer factor); faster ones are refined as they are.
    """
    if fps is None:
      return 1
    if not fps > 0:
      raise ValueError(f"fps={fps}: expected frames per second > 0.")
    return max(1, round(self.frame_rate / fps)) if fps < self.frame_rate / 1.5 else 1

  def track_fps(self, points, scores, fps: float | None = None) -> float | None:
    """The frame rate a track is refined at: `fps` if given, else a guess.

    Args:
      points, scores: the track in the model's joints ([frames, joints, 2],
        [frames, joints]).
      fps: the rate the caller knows, or None.

    Returns:
      `fps` when given; otherwise SPARSE_FPS for a track whose frames lie far
      apart (frame_step above SPARSE_STEP), else None (the model's rate).
    """
    if fps is not None:
      return fps
    return SPARSE_FPS if frame_step(points, scores) > SPARSE_STEP else None

  def track_rates(self, tracks, skeleton: skeletons.Skeleton,
                  fps: float | None = None) -> list[float | None]:
    """`track_fps` of each track of a keypoint file (keypoint_io.Track, in `skeleton`'s joints)."""
    rates = []
    for track in tracks:
      points, scores = skeletons.convert(*_span(track), skeleton, self.skeleton)
      rates.append(self.track_fps(points, scores, fps))
    return rates

  def refine_track(self, keypoints, confidence, skeleton: skeletons.Skeleton, *,
                   fill_missing: bool = True, stride: int | None = None,
                   batch_size: int = 256, progress=None, fps: float | None = None) -> np.ndarray:
    """Refines one person's consecutive frames.

    Args:
      keypoints: [frames, joints, 2] pixels in `skeleton`'s joints; NaN where missing.
      confidence: [frames, joints]; 0 where missing.
      skeleton: the input's joint set.
      fill_missing: give missing joints refined positions (else they stay NaN).
      stride: frames between windows (default: the checkpoint's evaluation stride).
      batch_size: windows per model call.
      progress: optional callable(done_windows, total_windows).
      fps: the track's frame rate. Below 2/3 of the model's (`frame_rate`, 30
        for the Penn Action models) the track is interpolated up to it,
        refined, and read back at its own frames (`upsampling`), where the
        selector and the smoother then run (`finish`); None: the model's
        rate, or SPARSE_FPS for a track whose frames lie far apart
        (`track_fps`).

    Returns:
      [frames, joints, 2] refined pixels. Joints the model cannot place (not
      in its skeleton and without an anchor, or never seen in the track)
      keep their input values.

    Raises:
      ValueError: if no joint of the model's skeleton can be made from the input.
    """
    keypoints = np.asarray(keypoints, np.float32)
    confidence = np.asarray(confidence, np.float32)
    points, scores = skeletons.convert(keypoints, confidence, skeleton, self.skeleton)
    seen = skeletons.observed(points, scores)
    if not seen.any():
      raise ValueError(
          f"No joint of the model's skeleton ({self.skeleton.name}) is present in the "
          f"{skeleton.name} input: every joint it needs is missing."
      )
    if fps is None and (fps := self.track_fps(points, scores)) is not None:
      warnings.warn(f"This track's joints move {frame_step(points, scores):.2f} of the person's "
                    f"size per frame (median): too far for video near {self.frame_rate:g} fps. "
                    f"Refined as {fps:g} fps frames (gaps interpolated, present joints mostly "
                    "kept); pass fps= if that is wrong.", stacklevel=2)
    factor = self.upsampling(fps)
    track = {"poses": points, "confidence": scores}
    if factor > 1:
      track = dict(zip(("poses", "confidence"), windows.upsample(points, scores, factor)))
    refined = inference.refine_videos(
        self.predict_fn, self.params, [track],
        window=self.config.window, stride=stride or self.config.eval.stride,
        batch_size=batch_size, mesh=self.mesh, fill_missing=self.config.fill_missing,
        progress=progress,
    )[0]
    # An interpolated-up track is read back at its own frames and finished there (the
    # selector reads the input's frames, not interpolated ones; the smoother's time scales
    # follow the track's rate).
    refined = self.finish(refined[::factor], points, scores, fps)
    refined[:, ~seen.any(0)] = np.nan  # Joints never seen in the track are not guessed.
    if not fill_missing:
      refined[~seen] = np.nan

    return skeletons.apply_refinement(keypoints, points, refined, skeleton, self.skeleton,
                                      fill_missing)

  def finish(self, network, poses, confidence, fps: float | None = None, *,
             selection: bool = True, smoothing: bool = True, motion: bool = True) -> np.ndarray:
    """The checkpoint's input selector, then its smoother, on the model's output for a track.

    What `refine_track` does after the network (at the track's own frames),
    and streams do to each sliding window's output.

    Args:
      network: [frames, joints, 2] the model's output for `poses` (its skeleton).
      poses, confidence: the model's input.
      fps: the track's frame rate (see `smooth`).
      selection, smoothing: False skips the selector or the smoother.
      motion: False leaves out the smoother's spike and motion-adaptive stages (streams do).
    """
    refined, nearby = network, None
    if selection and self.selects:
      from pose_refine import baselines  # pylint: disable=g-import-not-at-top  SciPy on demand.
      from pose_refine import selection as selector  # pylint: disable=g-import-not-at-top

      # The selector's nearby_correction cue is the smoother's floor level at its window.
      nearby = baselines.correction_size(network, poses, confidence, selector.NEARBY_WINDOW)
      refined = self.select(network, poses, confidence, nearby=nearby)
    if smoothing:
      same = nearby is not None and self._smoothing_scale(fps)[1] == selector.NEARBY_WINDOW
      refined = self.smooth(refined, poses, confidence, fps, network=network,
                            network_level=nearby if same else None, motion=motion)
    return refined

  def select(self, refined, poses, confidence, nearby=None) -> np.ndarray:
    """The checkpoint's input selector (config.selection) on a refined track.

    Args:
      refined: [frames, joints, 2] the model's output for `poses` (its skeleton).
      poses, confidence: the model's input.
      nearby: optional, its cue (selection.features) if the caller has it.

    Returns:
      `refined` with the input kept where the selector finds it closer to
      the truth (pose_refine.selection.select), or as it is when the
      checkpoint has no selector.
    """
    rule = self.config.selection
    if not self.selects:
      return refined
    from pose_refine import selection  # pylint: disable=g-import-not-at-top  SciPy on demand.

    return selection.select(refined, poses, confidence, rule, nearby)

  @property
  def selects(self) -> bool:
    """Whether the checkpoint's input selector is on (it has coefficients)."""
    return len(self.config.selection.coef) > 0

  @property
  def online_selects(self) -> bool:
    """Whether the checkpoint has a selector for streams at lookahead 0 (config.online_selection)."""
    return len(self.config.online_selection.coef) > 0

  @property
  def smooths(self) -> bool:
    """Whether the checkpoint's whole-track post-smoother is on (a ramp with a gain)."""
    rule = self.config.smoothing
    return rule.gain > 0 or (rule.floor > 0 and rule.floor_gain > 0)

  def smooth(self, refined, poses, confidence, fps: float | None = None,
             network=None, network_level=None, motion: bool = True) -> np.ndarray:
    """The checkpoint's whole-track post-smoother (config.smoothing) on a refined track.

    Args:
      refined: [frames, joints, 2] the model's output for `poses` (its skeleton),
        after the input selector if there is one.
      poses, confidence: the model's input.
      fps: the track's frame rate (None: the model's); sigmas and window scale
        with it (they are set in the model's frames: at 15 fps, half as many
        frames). The spike and motion stages run from MOTION_FPS_SHARE of the
        model's rate up.
      network: the model's output before the selector (where the smoother's
        floor is measured); None: `refined`.
      network_level: optional, baselines.correction_size of `network` over
        the smoother's window at this fps, if the caller has it.
      motion: False leaves out the rule's spike and motion-adaptive stages
        (config.smoothing.spikes and motion: baselines.despike and
        baselines.motion_adaptive).

    Returns:
      `refined` smoothed (baselines.adaptive_gaussian), or as it is when the
      smoother is off.
    """
    rule = self.config.smoothing
    if not self.smooths:
      return refined
    from pose_refine import baselines  # pylint: disable=g-import-not-at-top  SciPy on demand.

    scale, window = self._smoothing_scale(fps)
    stages = (dict(spikes=rule.spikes, motion=rule.motion, motion_limit=rule.motion_limit)
              if motion and scale >= MOTION_FPS_SHARE else {})
    return baselines.adaptive_gaussian(
        refined, poses, confidence, gain=rule.gain * scale, offset=rule.offset,
        max_sigma=rule.max_sigma * scale, window=window, floor=rule.floor * scale,
        floor_gain=rule.floor_gain * scale, floor_offset=rule.floor_offset, network=network,
        network_level=network_level, motion_scale=scale, **stages)

  def _smoothing_scale(self, fps: float | None) -> tuple[float, int]:
    """The smoother's time scale at `fps` (its sigmas are set in the model's frames) and window."""
    scale = (fps or self.frame_rate) / self.frame_rate
    return scale, max(1, round(self.config.smoothing.window * scale))

  def stream(self, lookahead: int = 0, *, skeleton: str | skeletons.Skeleton | None = None,
             fill_missing: bool = True, stride: int | None = None,
             gate: streaming.MotionGate | None = None,
             selection: bool = True, smoothing: bool = True) -> streaming.Stream:
    """Refines frames as they come: `push` frame t, get frame t - lookahead back.

    Args:
      lookahead: frames of future each refined frame may see (and the lag).
        Below the window (32), every push runs the model on the last window
        and reads position window - 1 - lookahead; from the window up, the
        stream reproduces offline refinement (see pose_refine.streaming).
      skeleton: the pushed keypoints' joint set (default: the model's).
      fill_missing: give missing joints refined positions (else NaN).
      stride: frames between windows at lookahead >= window (default: the model's).
      gate: a streaming.MotionGate (lookahead < window): where the input
        continues its own motion, a light One-Euro filter's output replaces
        the model's (after the lookahead-0 selector, if on; the gate was
        measured without one: selection=False); None: the model everywhere.
      selection, smoothing: at 1 <= lookahead < window, the checkpoint's
        input selector and whole-track smoother (config.selection,
        config.smoothing) run on each window's output, as refine_track
        runs them on a whole track; False: off. At lookahead 0 the
        lookahead-0 selector (config.online_selection, with its One-Euro
        filter) runs on each frame instead; selection=False turns it off.

    Returns:
      A streaming.Stream: push(keypoints, confidence, track_id, timestamp),
      push_many, flush.
    """
    if isinstance(skeleton, str):
      skeleton = skeletons.get_skeleton(skeleton)
    return streaming.Stream(self, lookahead, skeleton, fill_missing=fill_missing, stride=stride,
                            gate=gate, selection=selection, smoothing=smoothing)

  def refine_tracks(self, tracks: list[keypoint_io.Track], skeleton: skeletons.Skeleton, *,
                    fill_missing: bool = True, stride: int | None = None,
                    filled_score: float = 0.0, progress=None,
                    fps: float | None = None,
                    rates: list[float | None] | None = None) -> list[keypoint_io.Track]:
    """Refines each track of a keypoint file on its own (see `refine_track`).

    A track is refined over its whole span, the frames where it is absent
    as missing joints; those frames stay absent in the result.

    Args:
      tracks: as read by keypoint_io.read, in `skeleton`'s joints.
      skeleton: the tracks' joint set.
      fill_missing: give missing joints refined positions.
      stride: frames between windows (default: the checkpoint's).
      filled_score: the score of joints that were missing and were given
        positions (see `refine_file`).
      progress: optional callable(done_windows, total_windows) over all tracks.
      fps: the tracks' frame rate (see `refine_track`; None: `track_fps`
        guesses each track's).
      rates: each track's rate as `track_rates(tracks, skeleton, fps)` gives
        it, if the caller has them (else computed here).

    Raises:
      ValueError: if `filled_score` is outside [0, 1].
    """
    if not 0.0 <= filled_score <= 1.0:
      raise ValueError(f"filled_score is {filled_score}; expected a score in [0, 1].")
    rates = self.track_rates(tracks, skeleton, fps) if rates is None else rates
    counts = [self.windows(int(t.frames.max() - t.frames.min()) + 1, stride, rate)
              for t, rate in zip(tracks, rates)]
    refined, done = [], 0
    for track, rate, count in zip(tracks, rates, counts):
      start = int(track.frames.min())
      points, scores = _span(track)
      report = None if progress is None else (
          lambda d, _, base=done: progress(base + d, sum(counts)))
      # A rate of None (the model's) goes as the model's rate: refine_track does not guess again.
      out = self.refine_track(points, scores, skeleton, fill_missing=fill_missing,
                              stride=stride, progress=report, fps=rate or self.frame_rate)
      done += count
      out = out[track.frames - start]
      filled = ~np.isfinite(track.keypoints).all(-1) & np.isfinite(out).all(-1)
      confidence = np.where(filled, np.float32(filled_score), track.confidence)
      refined.append(keypoint_io.Track(track.track_id, track.frames, out, confidence))
    return refined


def _span(track: keypoint_io.Track) -> tuple[np.ndarray, np.ndarray]:
  """A track over its whole span, the frames where it is absent as missing joints."""
  start, end = int(track.frames.min()), int(track.frames.max()) + 1
  points = np.full((end - start,) + track.keypoints.shape[1:], np.nan, np.float32)
  scores = np.zeros(points.shape[:2], np.float32)
  points[track.frames - start], scores[track.frames - start] = track.keypoints, track.confidence
  return points, scores


@functools.lru_cache(maxsize=4)
def load(checkpoint: str | None = None) -> Refiner:
  """A Refiner, loaded once per checkpoint per process ("PATH[#option]...", see from_spec)."""
  return from_spec(os.fspath(checkpoint or ""))


def from_spec(spec: str) -> Refiner:
  """A Refiner from "CHECKPOINT[#deadzone=D][#smoothing=off][#selection=off][#motion=off]".

  "" or "shipped" is the shipped model; `deadzone`, `smoothing`,
  `selection` and `motion` as in Refiner.
  """
  path, *options = spec.split("#")
  settings = {}
  for option in options:
    key, _, value = option.partition("=")
    if key == "deadzone" and value:
      settings["deadzone"] = float(value)
    elif key in ("smoothing", "selection", "motion") and value in ("off", "on"):
      settings[key] = value == "on"
    else:
      raise ValueError(f"{spec!r}: unknown option {option!r}; expected #deadzone=D, "
                       "#smoothing=off, #selection=off or #motion=off.")
  return Refiner(None if path in ("", "shipped") else path, **settings)


def refine(keypoints, confidence=None, *, skeleton: str | None = None,
           checkpoint: str | None = None, fill_missing: bool = True,
           stride: int | None = None, fps: float | None = None) -> np.ndarray:
  """Refines one person's keypoints over consecutive frames.

  Args:
    keypoints: [frames, joints, 2] (x, y pixels) or [frames, joints, 3]
      (x, y, confidence). Missing joints: NaN, or confidence 0.
    confidence: optional [frames, joints]; overrides a third column.
    skeleton: the joint set's name (see skeletons.SKELETONS); default: the one
      known skeleton with that many joints.
    checkpoint: a trained model (default: the shipped one).
    fill_missing: give missing joints refined positions (else NaN).
    stride: frames between windows (default: the model's).
    fps: the keypoints' frame rate; tracks much slower than the model's
      training data (30 fps for the shipped model) are interpolated up to it
      first (Refiner.refine_track). Default: the model's rate, or SPARSE_FPS
      when the frames lie far apart (Refiner.track_fps).

  Returns:
    Refined keypoints, the same shape as `keypoints` (a third column is
    returned as given).

  Raises:
    ValueError: for a wrong shape, an unknown skeleton, a skeleton whose
      joint count differs, or no usable joint.
  """
  array = np.asarray(keypoints, np.float32)
  if array.ndim != 3 or array.shape[-1] not in (2, 3):
    raise ValueError(
        f"keypoints have shape {array.shape}; expected [frames, joints, 2 or 3].")
  if confidence is not None and np.shape(confidence) != array.shape[:2]:
    raise ValueError(
        f"confidence has shape {np.shape(confidence)}; expected {array.shape[:2]} (frames, joints).")
  points, confidence = keypoint_io.missing_as_nan(array, confidence)
  joint_set = (skeletons.get_skeleton(skeleton) if skeleton
               else skeletons.infer_skeleton(array.shape[1]))
  if joint_set.num_joints != array.shape[1]:
    raise ValueError(
        f"Skeleton {joint_set.name!r} has {joint_set.num_joints} joints; the keypoints have "
        f"{array.shape[1]}.")
  refined = load(checkpoint).refine_track(points, confidence, joint_set,
                                          fill_missing=fill_missing, stride=stride, fps=fps)
  if array.shape[-1] == 3:
    return np.concatenate([refined, array[..., 2:]], -1)
  return refined


def _check_video(path: str, source: keypoint_io.KeypointFile) -> float:
  """The video's frames per second, once its frame count fits the keypoints."""
  count, fps = frames.frame_count(path)
  dense = source.format in ("npy", "npz", "estimator")
  if (dense and count != source.num_frames) or (not dense and count < source.num_frames):
    raise ValueError(
        f"Video {path} has {count} frames but {source.path} has keypoints for "
        f"{'' if dense else 'frame indices up to '}{source.num_frames}"
        f"{'' if dense else ' - 1'} frames; pass the video the keypoints were estimated on.")
  return fps


def refine_file(input: str, output: str, *,  # pylint: disable=redefined-builtin
                checkpoint: str | None = None,
                skeleton: str | None = None, input_format: str | None = None,
                output_format: str | None = None, video_path: str | None = None,
                overlay: str | None = None, stride: int | None = None,
                fill_missing: bool = True, filled_score: float = 0.0, progress=None,
                fps: float | None = None) -> str:
  """Refines every track of a keypoint file and writes them in kind, atomically.

  Args:
    input: a keypoint file or OpenPose folder (see keypoint_io for formats).
    output: where to write the refined keypoints.
    checkpoint: a trained model (default: the shipped one).
    skeleton: the input's joint set (default: known from the format, else
      the one known skeleton with that many joints).
    input_format: default: from the name (keypoint_io.detect_format).
    output_format: default: the input's.
    video_path: a video file or frame folder to draw an overlay on (initial
      estimate red, refined yellow); its frame count must fit the keypoints.
    overlay: the overlay video (.mp4, ...) or frame folder; default
      <output>_overlay.mp4.
    stride: frames between windows (default: the model's).
    fill_missing: give missing joints refined positions (else they stay missing).
    filled_score: the score written for those filled joints. 0 (the default)
      keeps them marked missing, as the estimator had them: a score is the
      estimator's confidence, and the model's fill has none. Tools that drop
      score-0 joints also drop the fill; a small positive score (e.g. 0.01),
      below any estimator's detection threshold, makes them keep it while
      saying "filled, not seen".
    progress: optional callable(stage, done, total), stage "refining"
      (windows) or "overlay" (frames).
    fps: the keypoints' frame rate (see `refine`); default: the video's when
      `video_path` is given, else each track's guess (Refiner.track_fps).

  Returns:
    A one-line summary of what was refined and written.

  Raises:
    keypoint_io.KeypointFileError, checkpointing.CheckpointError,
    FileNotFoundError, ValueError, OSError: naming the bad input or output.
  """
  overlay = overlay or os.path.splitext(output.rstrip("/"))[0] + "_overlay.mp4"
  files.check_writable(output)
  if video_path:
    files.check_writable(overlay)
  source = keypoint_io.read(input, input_format)
  name = skeleton or source.skeleton
  joint_set = skeletons.get_skeleton(name) if name else skeletons.infer_skeleton(source.num_joints)
  if joint_set.num_joints != source.num_joints:
    raise ValueError(f"{input}: {source.num_joints} joints per person, but skeleton "
                     f"{joint_set.name!r} has {joint_set.num_joints}; pass the right --skeleton.")
  video_fps = _check_video(video_path, source) if video_path else None
  fps = fps or video_fps

  model = load(checkpoint)
  rates = model.track_rates(source.tracks, joint_set, fps)
  sparse = 0 if fps else sum(rate == SPARSE_FPS for rate in rates)
  refined = model.refine_tracks(
      source.tracks, joint_set, fill_missing=fill_missing, stride=stride,
      filled_score=filled_score, progress=progress and functools.partial(progress, "refining"),
      fps=fps, rates=rates)
  keypoint_io.write(source, refined, output, output_format)
  summary = (f"Refined {len(refined)} track(s), {sum(len(t.frames) for t in source.tracks)} "
             f"poses of {joint_set.num_joints} joints ({joint_set.name}) with "
             f"{checkpointing.checkpoint_directory(model.checkpoint)} -> {output}")
  if sparse:
    summary += (f"; {sparse} track(s) move too far between frames for video at "
                f"{model.frame_rate:g} fps and were refined as {SPARSE_FPS:g} fps frames "
                "(gaps interpolated, present joints mostly kept): pass --fps if that is wrong")
  if video_path:
    stack = lambda tracks: keypoint_io.dense(tracks, source.num_frames)[..., :2]
    video.render_overlay(
        video_path, overlay, joint_set,
        [(stack(source.tracks), video.INITIAL), (stack(refined), video.REFINED)],
        video_fps, progress=progress and functools.partial(progress, "overlay"))
    summary += f"; overlay -> {overlay}"
  return summary
