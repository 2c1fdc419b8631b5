r"""Accuracy against lookahead: streaming refiners and causal filters, frame by frame.

python -m launch.online_curve --config=configs/penn_action.py --config.data_dir=/work/tfds \
    --output=workdirs/online_curve --models=shipped=shipped,ours@0=workdirs/la0,ours@4=workdirs/la4

For each lookahead k (--lookaheads, frames a refined frame may see past
itself; "offline": whole tracks) and error level (--levels, of the held-out
family, pose_refine/robustness.py), the clips of `config.final_eval_split`
are corrupted; the causal filters (baselines.causal_baselines(k): One-Euro,
a fixed-lag Kalman smoother, a causal Savitzky-Golay) are tuned on the even
clips for each k, and every method is scored on the odd ones (PCK@0.05,
PCK@0.1, acceleration error; robustness.scores). Offline, the filters are
their offline forms (One-Euro, Kalman + RTS, centred Savitzky-Golay).

A model `name=checkpoint` ('shipped': the shipped model) serves every k by
streaming in sliding mode (pose_refine/streaming.py: the last window, read
k frames from its end; all report clips go through one stream as tracks,
one model call per frame) and the offline column by whole-track refinement.
`name@k=checkpoint` says the model was trained for lookahead k: models of
one name form one line, each k served by the model with the largest
trained lookahead <= k (none: that k is left out), and offline by the
model without @ if given, else the largest-lookahead one.

Writes online_curve.json (every score, tuned setting and which checkpoint
served each point), online_curve.md (the tables) and online_curve.png
(PCK@0.05 and acceleration error against lookahead, one line per method).
Tuned filter settings are kept in online_curve.json and reused on a rerun.
--max_clips cuts the clips for a quick check (--max_clips=8 --levels=1 with
the shipped model: 35 s on the 2-core CPU). Penn Action validation has 126
clips (median 55 frames, at most 374): 63 to tune on, 63 to report.
"""

import json

import numpy as np
from absl import app
from absl import flags
from etils import epath
from ml_collections import config_flags

from launch import common
from pose_refine import baselines
from pose_refine import evaluation
from pose_refine import files
from pose_refine import input_pipeline
from pose_refine import robustness
from pose_refine import skeletons

_CONFIG = config_flags.DEFINE_config_file("config", None, "Data set config.", lock_config=True)
_OUTPUT = flags.DEFINE_string("output", None, "Folder for online_curve.{json,md,png}.")
_MODELS = flags.DEFINE_list(
    "models", ["shipped=shipped"],
    "name=checkpoint or name@k=checkpoint (trained for lookahead k); 'shipped' is the "
    "shipped model; checkpoint#deadzone=D overrides its deadzone.")
_LOOKAHEADS = flags.DEFINE_list("lookaheads", ["0", "1", "2", "4", "8", "16", "offline"],
                                "Lookaheads in frames, and 'offline'.")
_LEVELS = flags.DEFINE_list("levels", ["1", "3"], "Error levels of the family (0 to 4).")
_FAMILY = flags.DEFINE_enum("family", "heldout", list(robustness.FAMILIES), "Error family.")
_SPLIT = flags.DEFINE_string("split", None, "Split (default: config.final_eval_split).")
_MAX_CLIPS = flags.DEFINE_integer("max_clips", 0, "Use only the first N clips (0: all).")
_GATE = flags.DEFINE_bool(
    "gate", False, "Serve the models' streams with streaming.MotionGate() (lookaheads below the "
    "window; the offline column is whole-track refinement as without it).")
flags.mark_flags_as_required(["config", "output"])

OFFLINE = robustness.OFFLINE
# Each causal filter's offline form, for the offline column.
OFFLINE_FORMS = {"one_euro": "one_euro", "kalman_fixed_lag": "kalman_rts",
                 "savitzky_golay_causal": "savitzky_golay"}
def _refiner(spec):
  from pose_refine import refiner  # noqa: PLC0415  Loads JAX only when asked.

  return refiner.from_spec(spec)


def _model_predictions(path, lookahead, report, skeleton):
  from pose_refine import streaming  # noqa: PLC0415

  model = _refiner(path)
  if lookahead == OFFLINE:
    return [model.refine_track(c["poses"], c["confidence"], skeleton) for c in report]
  gate = streaming.MotionGate() if _GATE.value and lookahead < model.config.window else None
  return streaming.replay(model.stream(lookahead, skeleton=skeleton, gate=gate),
                          [(c["poses"], c["confidence"]) for c in report])


def _filters(lookahead):
  """(registry tuned for this column, name it is reported under -> registry name)."""
  if lookahead == OFFLINE:
    return ({offline: baselines.BASELINES[offline] for offline in OFFLINE_FORMS.values()},
            OFFLINE_FORMS)
  return baselines.causal_baselines(lookahead), {name: name for name in OFFLINE_FORMS}


def evaluate_level(clips, lookaheads, models, skeleton, cached=None, log=print) -> dict:
  """Every method at every lookahead on one level's clips.

  Returns:
    {"scores": {lookahead: {method: METRICS (+ "checkpoint")}}, "tuned":
    {lookahead: {filter: (params, tune objective)}}}.
  """
  tune, report = robustness.halves(clips)
  out = {"scores": {}, "tuned": {}}
  raw = robustness.scores([c["poses"] for c in report], report)
  for lookahead in lookaheads:
    key = str(lookahead)
    registry, names = _filters(lookahead)
    tuned = (cached or {}).get(key)
    tuned = ({k: tuple(v) for k, v in tuned.items()} if tuned
             else robustness.tune_filters(tune, registry=registry))
    results = {"raw": raw}
    for name, registry_name in names.items():
      params, _ = tuned[registry_name]
      results[name] = robustness.scores(
          evaluation.run_baseline(registry_name, params, report, registry), report)
    for name, checkpoints in models.items():
      served = robustness.serving(checkpoints, lookahead)
      if served is None:
        continue
      trained, path = served
      results[name] = dict(robustness.scores(
          _model_predictions(path, lookahead, report, skeleton), report),
          checkpoint=path, trained_lookahead=trained)
    out["scores"][key], out["tuned"][key] = results, tuned
    log(f"  lookahead {key}: " + ", ".join(
        f"{name} {values['pck@0.05']:.1f}" for name, values in results.items()))
  return out


_LABELS = {"pck@0.05": "PCK@0.05 (%)", "pck@0.1": "PCK@0.1 (%)",
           "accel_error": "acceleration error (px/frame^2)"}


def markdown(levels: dict) -> str:
  """Per level ("family/level=x"), one table per metric: methods by lookahead."""
  parts = []
  for level, record in levels.items():
    columns = list(record["scores"])
    methods = list(dict.fromkeys(m for c in columns for m in record["scores"][c]))
    family, level = level.split("/")
    parts.append(f"### {family} errors, {level.replace('=', ' ')}\n")
    for metric, label in _LABELS.items():
      rows = [[method] + [f"{record['scores'][c][method][metric]:.2f}"
                          if method in record["scores"][c] else "-" for c in columns]
              for method in methods]
      header = [label] + [c if c == OFFLINE else f"k={c}" for c in columns]
      parts.append(evaluation.markdown_table(header, rows) + "\n")
  return "\n".join(parts)


def plot(levels: dict, path) -> None:
  import matplotlib  # noqa: PLC0415

  matplotlib.use("Agg")
  import matplotlib.pyplot as plt  # noqa: PLC0415

  figure, axes = plt.subplots(2, len(levels), figsize=(5 * len(levels), 7), squeeze=False)
  for column, (level, record) in enumerate(levels.items()):
    columns = list(record["scores"])
    numeric = sorted(int(c) for c in columns if c != OFFLINE)
    # Offline sits one step past the largest lookahead, on the same log-like axis.
    position = {str(k): i for i, k in enumerate(numeric)} | {OFFLINE: len(numeric)}
    methods = list(dict.fromkeys(m for c in columns for m in record["scores"][c]))
    for method in methods:
      points = sorted((position[c], record["scores"][c][method]) for c in columns
                      if method in record["scores"][c])
      xs = [x for x, _ in points]
      for row, metric in enumerate(("pck@0.05", "accel_error")):
        axes[row, column].plot(xs, [s[metric] for _, s in points], "o-", label=method)
    for row, metric in enumerate(("pck@0.05", "accel_error")):
      axes[row, column].set_xticks(list(position.values()), list(position))
      axes[row, column].set_ylabel(_LABELS[metric])
    axes[1, column].set_xlabel("lookahead (frames; the lag it adds)")
    axes[0, column].set_title(level.replace("/", " errors, ").replace("=", " "))
    axes[0, column].legend(fontsize=8)
  figure.tight_layout()
  figure.savefig(path, dpi=110)


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  common.setup()
  config = _CONFIG.value
  skeleton = skeletons.get_skeleton(config.skeleton)
  split = _SPLIT.value or config.final_eval_split
  try:
    models = robustness.parse_lookahead_models(_MODELS.value)
  except ValueError as error:
    raise app.UsageError(str(error)) from error
  lookaheads = [OFFLINE if k == OFFLINE else int(k) for k in _LOOKAHEADS.value]
  videos = input_pipeline.load_videos(config, split, skeleton)
  output = epath.Path(_OUTPUT.value)
  output.mkdir(parents=True, exist_ok=True)
  record = output / "online_curve.json"
  previous = json.loads(record.read_text()) if record.exists() else {}
  levels = {}
  for level in _LEVELS.value:
    clips = robustness.make_clips(videos, skeleton, _FAMILY.value, float(level))
    clips = clips[:_MAX_CLIPS.value] if _MAX_CLIPS.value else clips
    key = f"{_FAMILY.value}/level={float(level):g}"
    # Filters tuned by an earlier run on the same clips and grids are reused.
    fingerprint = [config.dataset, split, len(clips),
                   {n: g for n, (_, g) in baselines.CAUSAL_BASELINES.items()},
                   {n: baselines.BASELINES[n][1] for n in OFFLINE_FORMS.values()}]
    cached = previous.get(key, {})
    cached = cached.get("tuned") if cached.get("fingerprint") == fingerprint else None
    print(f"{key}: {len(clips)} clips", flush=True)
    levels[key] = evaluate_level(clips, lookaheads, models, skeleton, cached)
    levels[key]["fingerprint"] = fingerprint
  files.write_text(record, json.dumps(previous | levels, indent=1))
  files.write_text(output / "online_curve.md", markdown(levels))
  plot(levels, output / "online_curve.png")
  print(markdown(levels))


if __name__ == "__main__":
  app.run(main)
