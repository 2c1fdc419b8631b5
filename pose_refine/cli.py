"""pose-refine: the console script (refine, estimate, stream, demo); calls the library.

The absl launchers in launch/ stay for research runs; this is the command a
practitioner installs with `pip install .`.
"""

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import time
import warnings

import numpy as np

DESCRIPTION = """\
Correct 2D human pose estimates in videos with a trained sequence-to-sequence
model (the shipped one by default). Keypoints of any estimator go in; the same
file format comes out, refined.
"""

EPILOG = """\
commands:
  refine IN OUT       refine a keypoint file: COCO results JSON, a folder of
                      OpenPose JSON files, the estimator's .npz, or a plain
                      .npy/.npz array [frames, joints, 2 or 3]. OUT is written
                      in IN's format, atomically (a failed run leaves nothing).
                      With --video, also draw an overlay: estimate red,
                      refined yellow.
  estimate VIDEO OUT  run the MediaPipe estimator on a video file or a folder
                      of frames and write its keypoints (.npz). MediaPipe
                      needs its own environment (see ENVIRONMENT).
  stream [IN]         refine keypoints as they come: JSON lines, one frame of
                      one person each, from stdin or a file being written
                      (--follow); refined frames go out as JSON lines, each
                      --lookahead frames after its input (see its --help).
  demo [DIR]          write a synthetic clip with simulated estimator errors,
                      refine it and draw the overlay; no download.

examples:
  pose-refine refine results.json refined.json
  pose-refine refine openpose_json/ refined_json/ --video clip.mp4 --overlay overlay.mp4
  pose-refine refine poses.npy refined.npy --skeleton coco
  pose-refine estimate clip.mp4 keypoints.npz && pose-refine refine keypoints.npz refined.npz
  pose-refine demo /tmp/demo
  estimator | pose-refine stream --lookahead 4 > refined.jsonl

environment:
  POSE_REFINE_ESTIMATOR_PYTHON
                      the python of the estimator environment (default:
                      .venv-estimator/bin/python of the clone pose_refine
                      was installed from; create it there with
                      ./setup.sh requirements-estimator.txt .venv-estimator).
  POSE_REFINE_COMPILATION_CACHE
                      where refine keeps its compiled programs, so later runs
                      start faster (default: ~/.cache/pose_refine/jax); set
                      it empty to turn the cache off.

exit status:
  0 success; 2 bad input or usage (the message names the file and what was
  expected); 1 any other failure.

Run `pose-refine COMMAND --help` for a command's options.
"""

ESTIMATOR_PYTHON = "POSE_REFINE_ESTIMATOR_PYTHON"


class BadInput(Exception):
  """An input or output the user can fix; its message names it."""


class ProgressBars:
  """progress(stage, done, total) for refiner.refine_file, drawn with tqdm on long work."""

  UNITS = {"refining": "windows", "overlay": "frames"}

  def __init__(self, minimum: int = 200):
    self.minimum = minimum
    self.bars = {}

  def __call__(self, stage: str, done: int, total: int) -> None:
    if stage not in self.bars:
      from tqdm import tqdm  # pylint: disable=g-import-not-at-top

      # disable=None: drawn on a terminal only, never into a log file.
      self.bars[stage] = tqdm(total=total, desc=stage, unit=self.UNITS.get(stage, "it"),
                              disable=None if total >= self.minimum else True, leave=False)
    bar = self.bars[stage]
    bar.update(done - bar.n)

  def close(self) -> None:
    for bar in self.bars.values():
      bar.close()


def quiet_libraries(verbosity: int) -> None:
  """Shows the libraries' log lines and warnings only at --verbosity >= 1 (warnings) or 2 (info).

  JAX probes for TPUs at start-up and Orbax warns about read-only checkpoint
  folders (the shipped model is read-only on purpose): none of that is the user's business.
  """
  level = {0: logging.ERROR, 1: logging.WARNING}.get(verbosity, logging.INFO)
  logging.getLogger().setLevel(level)
  for name in ("absl", "jax", "orbax", "etils"):
    logging.getLogger(name).setLevel(level)
  try:
    from absl import logging as absl_logging  # pylint: disable=g-import-not-at-top

    absl_logging.set_verbosity({0: "error", 1: "warning"}.get(verbosity, "info"))
    absl_logging.set_stderrthreshold({0: "error", 1: "warning"}.get(verbosity, "info"))
  except ImportError:
    pass
  if verbosity == 0:
    warnings.simplefilter("ignore")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _refine(args) -> str:
  from pose_refine import checkpointing  # pylint: disable=g-import-not-at-top
  from pose_refine import keypoint_io  # pylint: disable=g-import-not-at-top
  from pose_refine import refiner  # pylint: disable=g-import-not-at-top
  from pose_refine import sharding  # pylint: disable=g-import-not-at-top

  # A second run loads the compiled programs (POSE_REFINE_COMPILATION_CACHE= turns it off).
  sharding.enable_compilation_cache(min_compile_time_s=0.0)

  bars = ProgressBars()
  try:
    return refiner.refine_file(
        args.input, args.output, checkpoint=args.checkpoint, skeleton=args.skeleton,
        input_format=args.format, output_format=args.output_format, video_path=args.video,
        overlay=args.overlay, stride=args.stride, fill_missing=args.fill_missing, fps=args.fps,
        filled_score=args.filled_score, progress=bars)
  except (keypoint_io.KeypointFileError, checkpointing.CheckpointError, FileNotFoundError,
          ValueError, OSError) as error:
    raise BadInput(str(error)) from error
  finally:
    bars.close()


def estimator_python() -> str:
  """The estimator environment's python, or BadInput saying how to create it."""
  checkout = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  python = os.environ.get(ESTIMATOR_PYTHON) or os.path.join(
      checkout, ".venv-estimator", "bin", "python")
  if not os.path.exists(os.path.join(checkout, "launch", "estimate.py")):
    raise BadInput(
        "estimate runs MediaPipe from a clone of pose_refine (launch/estimate.py), and this "
        f"pose_refine is installed at {checkout}; install it from a clone "
        "(pip install -e path/to/pose_refine) or run the clone's launch/refine_video.sh.")
  if not os.access(python, os.X_OK):
    raise BadInput(
        f"the estimator environment is missing ({python}); MediaPipe needs its own: "
        f"cd {checkout} && ./setup.sh requirements-estimator.txt .venv-estimator "
        f"(or set {ESTIMATOR_PYTHON} to a python with requirements-estimator.txt).")
  return python


def _estimate(args) -> str:
  python = estimator_python()
  if not os.path.exists(args.video):
    raise BadInput(f"{args.video} does not exist; expected a video file or a folder of frames.")
  checkout = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  # The estimator environment has its own packages (MediaPipe pins protobuf<5); it reads this
  # clone's code and none of the current environment's.
  env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
  env["PYTHONPATH"] = checkout
  run = subprocess.run(
      [python, "-m", "launch.estimate", f"--input={os.path.abspath(args.video)}",
       f"--output={os.path.abspath(args.output)}"],
      cwd=checkout, env=env, capture_output=True, text=True, check=False)
  if run.returncode:
    message = run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "no message"
    raise BadInput(f"estimating {args.video} failed: {message.removeprefix('error: ')}")
  return run.stdout.strip()


STREAM_HELP = """\
Each input line is one frame of one person:
  {"t": 12, "track": 0, "keypoints": [[x, y], ...], "confidence": [c, ...]}
"keypoints" may hold [x, y, c] triples instead of "confidence"; "t" (a
timestamp, increasing per track) and "track" (default 0) are optional. A
missing joint is null/NaN or has confidence 0. {"track": 0, "end": true}
ends a track (its remaining frames come out). Each output line is one
refined frame:
  {"t": 8, "track": 0, "frame": 8, "keypoints": [[x, y], ...]}
frame t - LOOKAHEAD of its track, "frame" counting the track's frames from 0
and "t" its input timestamp (the frame number without one); joints the model
cannot place are null. A bad line (not JSON, wrong joint count, NaN or
out-of-range confidence, a timestamp not after the track's previous one) is
reported on stderr with its line number and skipped; the stream goes on and
the exit status stays 0. At the end of the input (or --idle-timeout in
--follow mode, or Ctrl-C) every track's remaining frames come out.
"""


def _json_number(value: float):
  return None if not np.isfinite(value) else round(float(value), 3)


def _frame_line(frame, lag_ms: float | None = None) -> str:
  keypoints = [[_json_number(x), _json_number(y)] for x, y in frame.keypoints]
  t = frame.frame if frame.timestamp is None else frame.timestamp
  t = int(t) if float(t).is_integer() else t
  record = {"t": t, "track": frame.track_id, "frame": frame.frame, "keypoints": keypoints}
  if lag_ms is not None:
    record["lag_ms"] = round(lag_ms, 2)
  return json.dumps(record)


def _lines(path: str, follow: bool, idle_timeout: float | None):
  """Input lines as they come: stdin ('-'), a file, or a file still being written."""
  if path == "-":
    yield from sys.stdin
    return
  with open(path, encoding="utf-8") as f:
    pending, idle_since = "", time.monotonic()
    while True:
      chunk = f.readline()
      if chunk:
        pending += chunk
        idle_since = time.monotonic()
        if pending.endswith("\n"):
          yield pending
          pending = ""
        continue
      if not follow:
        break
      if idle_timeout is not None and time.monotonic() - idle_since > idle_timeout:
        break
      time.sleep(0.01)
    if pending:
      yield pending


def _parse_line(line: str):
  """(track id, keypoints, confidence, timestamp, end) of one input line; ValueError if bad."""
  try:
    record = json.loads(line)
  except json.JSONDecodeError as error:
    raise ValueError(f"not JSON ({error})") from error
  if not isinstance(record, dict):
    raise ValueError("expected a JSON object with \"keypoints\"")
  track = record.get("track", 0)
  if not isinstance(track, (int, str)) or isinstance(track, bool):
    raise ValueError(f"\"track\" is {track!r}; expected a number or a string")
  if record.get("end"):
    return track, None, None, None, True
  if "keypoints" not in record:
    raise ValueError("no \"keypoints\"")
  t = record.get("t")
  if t is not None and (isinstance(t, bool) or not isinstance(t, (int, float))):
    raise ValueError(f"\"t\" is {t!r}; expected a number")
  number = lambda v: np.nan if v is None else v
  try:
    keypoints = np.array([[number(v) for v in joint] for joint in record["keypoints"]],
                         np.float64)
    confidence = record.get("confidence")
    confidence = None if confidence is None else np.array(
        [number(v) for v in confidence], np.float64)
  except (TypeError, ValueError) as error:
    raise ValueError(f"keypoints or confidence are not numbers ({error})") from error
  return track, keypoints, confidence, t, False


def _stream(args) -> None:
  if args.cpus:
    from pose_refine import sharding  # pylint: disable=g-import-not-at-top

    try:
      cores = [int(core) for core in args.cpus.split(",")]
    except ValueError as error:
      raise BadInput(f"--cpus {args.cpus}: expected core numbers separated by commas, e.g. 0 "
                     "or 0,1.") from error
    try:
      sharding.restrict_cores(cores)
    except (ValueError, OSError) as error:
      raise BadInput(f"--cpus {args.cpus}: {error}") from error
  from pose_refine import checkpointing  # pylint: disable=g-import-not-at-top
  from pose_refine import refiner  # pylint: disable=g-import-not-at-top
  from pose_refine import skeletons  # pylint: disable=g-import-not-at-top

  if args.lookahead < 0:
    raise BadInput(f"--lookahead {args.lookahead}: expected frames >= 0.")
  if args.input != "-" and not os.path.isfile(args.input):
    raise BadInput(f"{args.input} is not a file; expected JSON lines (or - for stdin).")
  try:
    model = refiner.load(args.checkpoint)
    skeleton = skeletons.get_skeleton(args.skeleton) if args.skeleton else None
  except (checkpointing.CheckpointError, FileNotFoundError, ValueError) as error:
    raise BadInput(str(error)) from error
  gate = None
  if args.gate:
    if args.lookahead >= model.config.window:
      raise BadInput(f"--gate: only for --lookahead below the model's window "
                     f"({model.config.window}); {args.lookahead} refines as offline.")
    from pose_refine import streaming  # pylint: disable=g-import-not-at-top
    gate = streaming.MotionGate()
  stream, bad = None, 0
  if skeleton is not None:  # Known before the first line: compile before it comes.
    stream = model.stream(args.lookahead, skeleton=skeleton, fill_missing=args.fill_missing,
                          gate=gate)
    stream.warm_up()
  out = sys.stdout
  arrivals = {}  # Track -> when its frames not yet returned were read (--timing).

  def write(frames):
    now = time.perf_counter()
    for frame in frames:
      lag = None
      if args.timing:
        lag = 1e3 * (now - arrivals[frame.track_id].pop(0))
      out.write(_frame_line(frame, lag) + "\n")
    out.flush()

  try:
    for number, line in enumerate(_lines(args.input, args.follow, args.idle_timeout), 1):
      if not line.strip():
        continue
      try:
        track, keypoints, confidence, t, end = _parse_line(line)
        if stream is None:
          if end:
            continue
          joint_set = skeleton or (model.skeleton if len(keypoints) == model.skeleton.num_joints
                                   else skeletons.infer_skeleton(len(keypoints)))
          stream = model.stream(args.lookahead, skeleton=joint_set,
                                fill_missing=args.fill_missing, gate=gate)
        if end:
          write(stream.flush(track))
          arrivals.pop(track, None)
          continue
        read = time.perf_counter()
        frame = stream.push(keypoints, confidence, track_id=track, timestamp=t)
        arrivals.setdefault(track, []).append(read)
      except ValueError as error:
        bad += 1
        print(f"pose-refine stream: line {number}: {error}; skipped", file=sys.stderr,
              flush=True)
        continue
      if frame is not None:
        write([frame])
  except KeyboardInterrupt:
    pass
  finally:
    if stream is not None:
      write(stream.flush())
  if bad:
    print(f"pose-refine stream: {bad} bad line(s) skipped", file=sys.stderr, flush=True)


def _demo(args) -> str:
  from pose_refine import demo  # pylint: disable=g-import-not-at-top
  from pose_refine import refiner  # pylint: disable=g-import-not-at-top

  folder = args.dir
  if os.path.exists(folder) and not os.path.isdir(folder):
    raise BadInput(f"{folder} is a file; expected a folder for the demo's files.")
  frames_dir = os.path.join(folder, "frames")
  if os.path.isdir(frames_dir):
    shutil.rmtree(frames_dir)  # A shorter --length must not leave old frames behind.
  noisy = os.path.join(folder, "noisy.npy")
  lines = [demo.write_clip(frames_dir, noisy, args.length, args.seed)]
  bars = ProgressBars()
  try:
    lines.append(refiner.refine_file(
        noisy, os.path.join(folder, "refined.npy"), video_path=frames_dir,
        overlay=os.path.join(folder, "overlay.mp4"), progress=bars))
  finally:
    bars.close()
  return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
  parser = argparse.ArgumentParser(
      prog="pose-refine", description=DESCRIPTION, epilog=EPILOG,
      formatter_class=argparse.RawDescriptionHelpFormatter)
  common = argparse.ArgumentParser(add_help=False)
  common.add_argument(
      "-v", "--verbosity", type=int, default=0, metavar="N",
      help="0: results and errors only (default); 1: library warnings too; 2: also their "
           "information lines.")
  commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

  refine = commands.add_parser(
      "refine", parents=[common], help="refine a keypoint file (see below)",
      description="Refine every person's track in a keypoint file and write it in kind.")
  refine.add_argument("input", metavar="IN", help="keypoint file or OpenPose JSON folder")
  refine.add_argument("output", metavar="OUT", help="where to write the refined keypoints")
  refine.add_argument("--video", help="video file or frame folder to draw an overlay on")
  refine.add_argument("--overlay", help="overlay video (.mp4) or frame folder "
                                        "(default: OUT's name + _overlay.mp4)")
  refine.add_argument("--checkpoint", help="a training workdir or launch.export output "
                                           "(default: the shipped model); a '#smoothing=off', "
                                           "'#selection=off' or '#deadzone=D' suffix overrides "
                                           "its setting, e.g. shipped#smoothing=off")
  refine.add_argument("--skeleton", help="the input's joint set (default: from the format or "
                                         "the joint count), e.g. coco, mediapipe, openpose_body25")
  refine.add_argument("--format", choices=["coco", "openpose", "estimator", "npy", "npz"],
                      help="input format (default: from the name)")
  refine.add_argument("--output-format", choices=["coco", "openpose", "estimator", "npy", "npz"],
                      help="output format (default: the input's)")
  refine.add_argument("--stride", type=int, help="frames between windows (default: the model's)")
  refine.add_argument("--fps", type=float,
                      help="the keypoints' frame rate (default: --video's; else the model's, 30, "
                           "or 1 for a track whose frames lie far apart, which the summary "
                           "line names); much slower tracks are interpolated up to the model's "
                           "rate first")
  refine.add_argument("--no-fill-missing", dest="fill_missing", action="store_false",
                      help="leave missing joints missing instead of giving them refined "
                           "positions (their score stays 0 either way)")
  refine.add_argument("--filled-score", type=float, default=0.0, metavar="S",
                      help="score written for missing joints that were given positions "
                           "(default: 0, they stay marked missing; e.g. 0.01 makes tools that "
                           "drop score-0 joints keep them)")
  refine.set_defaults(run=_refine)

  estimate = commands.add_parser(
      "estimate", parents=[common], help="run MediaPipe on a video",
      description="Run the MediaPipe pose estimator (its own environment) on every frame.",
      epilog=f"The estimator environment: .venv-estimator of the clone, or ${ESTIMATOR_PYTHON}.")
  estimate.add_argument("video", metavar="VIDEO", help="a video file or a folder of frames")
  estimate.add_argument("output", metavar="OUT", help="the keypoints file to write (.npz)")
  estimate.set_defaults(run=_estimate)

  stream = commands.add_parser(
      "stream", parents=[common], help="refine keypoints as they come (JSON lines)",
      description="Refine frames as they come, each LOOKAHEAD frames after it arrives.",
      epilog=STREAM_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
  stream.add_argument("input", metavar="IN", nargs="?", default="-",
                      help="JSON-lines file, or - for stdin (default)")
  stream.add_argument("--lookahead", type=int, default=4, metavar="K",
                      help="frames of future each refined frame sees, and the lag it adds "
                           "(default: 4; from the model's window, 32, up: offline refinement)")
  stream.add_argument("--follow", action="store_true",
                      help="keep reading IN as it grows, like tail -f")
  stream.add_argument("--idle-timeout", type=float, metavar="S",
                      help="with --follow, stop after S seconds without a new line "
                           "(default: never; Ctrl-C stops)")
  stream.add_argument("--checkpoint", help="a training workdir or launch.export output "
                                           "(default: the shipped model); a '#selection=off' "
                                           "suffix turns its selectors off (at lookahead 0: "
                                           "the lookahead-0 selector), e.g. shipped#selection=off")
  stream.add_argument("--skeleton", help="the input's joint set (default: the model's, or "
                                         "the one with that many joints)")
  stream.add_argument("--no-fill-missing", dest="fill_missing", action="store_false",
                      help="leave missing joints missing (null)")
  stream.add_argument("--gate", action="store_true",
                      help="where the input continues its own motion, output a light One-Euro "
                           "filter's position instead of the model's (streaming.MotionGate; "
                           "below the window; measured at lookahead 0 without the lookahead-0 "
                           "selector: --checkpoint shipped#selection=off; RESULTS.md)")
  stream.add_argument("--cpus", metavar="LIST",
                      help="run on these CPU cores only, e.g. --cpus 0 (Linux): one core "
                           "halved the slowest frames' latency on a 2-core CPU (BENCHMARKS.md)")
  stream.add_argument("--timing", action="store_true",
                      help="add \"lag_ms\" to each output line: from reading the frame's "
                           "line to writing its refined frame (the lookahead's wait included)")
  stream.set_defaults(run=_stream)

  demo = commands.add_parser(
      "demo", parents=[common], help="refine a synthetic clip, with an overlay",
      description="Write a synthetic clip (frames of a moving figure and keypoints with "
                  "simulated estimator errors) to DIR, refine it and draw the overlay "
                  "(DIR/overlay.mp4: estimate red, refined yellow).")
  demo.add_argument("dir", metavar="DIR", nargs="?", default="pose_refine_demo",
                    help="folder for the demo's files (created; default: pose_refine_demo)")
  demo.add_argument("--length", type=int, default=120, help="frames (default: 120)")
  demo.add_argument("--seed", type=int, default=3, help="which clip (default: 3)")
  demo.set_defaults(run=_demo)
  return parser


def main(argv: list[str] | None = None) -> int:
  """Runs a command; returns the exit status (2: bad input, with a message naming it)."""
  args = _parser().parse_args(argv)
  quiet_libraries(args.verbosity)
  try:
    result = args.run(args)
    if result is not None:  # stream writes its own lines as they come.
      print(result, flush=True)
  except BadInput as error:
    print(f"pose-refine {args.command}: error: {error}", file=sys.stderr, flush=True)
    return 2
  return 0


def run() -> None:
  """The console script's entry point."""
  argv = sys.argv[1:]
  if argv[:1] in (["refine"], ["demo"]):
    # Whole tracks are refined in batches: split over every core (a stream's one
    # window per call is not).
    from pose_refine import sharding  # pylint: disable=g-import-not-at-top

    sharding.split_host_cores()
  sys.exit(main(argv))


if __name__ == "__main__":
  run()
