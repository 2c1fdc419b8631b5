"""Helpers shared by the configs."""

import os

import ml_collections

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def data_root() -> str:
  """Real data sets: $POSE_REFINE_DATA, else ../shared/data beside the repository."""
  return os.environ.get("POSE_REFINE_DATA", os.path.join(os.path.dirname(_REPO), "shared", "data"))


def parse_arg(arg: str | None, **defaults) -> ml_collections.ConfigDict:
  """Parses "key=value,key=value" (the part after ':' in --config) into defaults.

  Values take the type of their default; booleans accept True/False/1/0.

  Raises:
    ValueError: for a key that is not among the defaults or a malformed pair.
  """
  parsed = ml_collections.ConfigDict(defaults)
  for item in filter(None, (arg or "").split(",")):
    if "=" not in item:
      raise ValueError(f"Config argument {item!r} is not of the form key=value.")
    key, value = (s.strip() for s in item.split("=", 1))
    if key not in defaults:
      raise ValueError(
          f"Unknown config argument {key!r}; known arguments: {sorted(defaults)}."
      )
    kind = type(defaults[key])
    if kind is bool:
      if value.lower() not in ("true", "false", "1", "0"):
        raise ValueError(f"Config argument {key}={value!r} is not a boolean.")
      parsed[key] = value.lower() in ("true", "1")
    else:
      parsed[key] = kind(value)
  return parsed


def base_config(arg) -> ml_collections.ConfigDict:
  """Settings every data set shares; data set configs override the rest."""
  config = ml_collections.ConfigDict()
  config.seed = 0
  # "seq2seq" (ours) or "temporal_mlp" (the SmoothNet-style peer; see set_model).
  config.model_kind = "seq2seq"
  config.model = dict(
      hidden=128,
      attention_size=128,
      attention=arg.attention,
      bidirectional=arg.bidirectional,
      residual=True,
      zero_init_output=False,
      aligned_output=False,
      interpolate_missing=True,
      # "reference" (Flax cells; faster on CPU) or "fused" (fewer, larger matmuls;
      # bfloat16 and hoisting options): same parameters and function.
      implementation="reference",
      # Matmul operand dtype: "bfloat16" for GPUs; parameters and loss stay float32.
      dtype="float32",
      # -1: offline (every output frame sees the whole window); k >= 0: output
      # frame i sees input frames up to i + k (streaming with lookahead k; needs
      # bidirectional=False, see models.PoseCorrector).
      lookahead=-1,
      # Soft threshold on each observed joint's correction, window units
      # (models.shrink_corrections); 0: off.
      deadzone=0.0,
  )
  config.window = 32
  config.stride = 8
  config.batch_size = 64
  config.num_epochs = 100
  config.num_train_steps = 0  # > 0 overrides num_epochs.
  # Decoder feedback y_{i-1} while training: "teacher_forcing", "own" or
  # "scheduled" (teacher forcing decaying to own predictions).
  config.feedback = "scheduled"
  config.scheduled_sampling_steps = 2000
  config.loss = "epe"
  # Weight of the acceleration term (SmoothNet's) added to the loss.
  config.acceleration_loss_weight = 0.0
  # The position loss of each window's last `edge_loss_frames` frames counts
  # `edge_loss_weight` times: the frames a stream reads at small lookahead
  # (pose_refine.streaming, sliding mode). 0: every frame counts once.
  config.edge_loss_frames = 0
  config.edge_loss_weight = 1.0
  # Weight of a concave term, scale * log(1 + distance / scale) in window units
  # (train.precision_loss), added to the position loss: it pays most for keeping
  # nearly right joints exact. 0: off.
  config.precision_loss_weight = 0.0
  config.precision_loss_scale = 0.02
  # Each joint's position loss counts 1 + speed_loss_weight * its true speed
  # (window units per frame, capped at 1; train.speed_weights): fast true
  # motion, which smoothing blurs, counts more. 0: off.
  config.speed_loss_weight = 0.0
  # Windows with fewer valid input joints than this fraction are left out of
  # the loss (see train.make_train_step).
  config.min_window_valid_fraction = 0.1
  # Windows whose ground truth lies farther than this from the window centre,
  # in window units (the median joint distance), are left out of the loss: a
  # degenerate input frame of reference (see train.make_train_step). 0: off.
  config.max_target_units = 0.0
  # Interpolate missing joints over the whole video (at confidence 0.01)
  # before windows are cut, in training and inference (windows.fill_missing).
  config.fill_missing = True
  # Frames per second of the training data at rate factor 1 (Penn Action's; the
  # other sets are treated alike). Refining a much slower track interpolates it up
  # to this rate first (Refiner.refine_track's fps).
  config.frame_rate = 30.0
  # Every RMSProp argument is explicit: optax's defaults differ from Keras's
  # (the paper's) and PyTorch's.
  config.optim = dict(
      learning_rate=0.01,
      schedule="constant",
      warmup_steps=0,
      decay=0.9,
      eps=1e-7,
      initial_scale=0.0,
      eps_in_sqrt=False,
      centered=False,
      momentum=0.0,
      nesterov=False,
      bias_correction=False,
      clip_global_norm=1.0,
  )
  # Training estimates drawn anew per window from the ground truth by the wide
  # error family (pose_refine/corruption.py), at several frame rates; off:
  # the data set's stored estimates.
  # absent_part_fraction: windows with a body part (the lower body, the legs or
  # one arm) absent throughout, as in upper-body framing; its labels leave the loss.
  config.corruption = dict(enabled=False, rate_factors=(1.0,), clean_fraction=0.15,
                            severity_power=1.0, absent_part_fraction=0.0)
  # Worker processes preparing batches (grain mp_prefetch); 0: in the training process.
  config.data_workers = 0
  config.augment = dict(max_rotation_degrees=30.0, flip_probability=0.5)
  # filter_row: the final report adds the best classical filter, tuned on
  # config.eval_split, beside raw and refined.
  # Whole-track post-smoother of Refiner.refine_track (baselines.adaptive_gaussian):
  # Gaussian smoothing as wide as the corrections the model made nearby,
  # sigma = max(clip(gain * (median correction / track size - offset), 0, max_sigma),
  # clip(floor_gain * (the network's median correction before the selector - floor_offset),
  # 0, floor)) frames at the model's frame rate. Where sigma > 0, spikes > 0 first takes
  # out one-frame spikes (baselines.despike) and motion > 0 then smooths further per joint
  # as far as the motion allows (baselines.motion_adaptive), their tolerances in units of
  # the joint's noise level, motion's at most motion_limit of the track's size (0: no
  # limit). gain and floor 0: off (training and evaluation never use it;
  # launch/tune_smoothing.py picks it for an export).
  config.smoothing = dict(gain=0.0, offset=0.0, max_sigma=2.0, window=121, floor=0.0,
                          floor_gain=0.0, floor_offset=0.0, spikes=0.0, motion=0.0,
                          motion_limit=0.0)
  # Input selector of Refiner.refine_track (pose_refine.selection), applied
  # before the smoother: a logistic regression that keeps the input where it is
  # likely closer to the truth than the model's output (probability above
  # threshold). No coefficients: off (launch/tune_selection.py fits one for an
  # export).
  config.selection = dict(features=[], mean=[], std=[], coef=[], threshold=0.5)
  # The selector of streams at lookahead 0 (pose_refine.selection.online_select):
  # the same regression over cues from frame t and the frames before it, then a
  # One-Euro filter (min_cutoff, beta at `rate` fps; min_cutoff 0: none) over the
  # selected output where the recent correction exceeds `level`. No
  # coefficients: off (launch/tune_online_selection.py fits one for an export).
  config.online_selection = dict(features=[], mean=[], std=[], coef=[], threshold=0.5,
                                 min_cutoff=0.0, beta=0.0, rate=30.0, level=0.0)
  config.eval = dict(stride=16, batch_size=256, pck_thresholds=(20.0, 10.0), filter_row=False)
  config.log_every_steps = 50
  config.eval_every_steps = 500
  config.checkpoint_every_steps = 500
  config.keep_checkpoints = 3
  config.init_from = ""
  config.data_dir = ""  # "" = TFDS's default (~/tensorflow_datasets or $TFDS_DATA_DIR).
  # Raw files of data sets that need them, and the data set's own joints when
  # they are not config.skeleton's ("" for none).
  config.manual_dir = ""
  config.source_skeleton = ""
  # A mixture to train on instead of config.train_split: dicts of dataset,
  # split, source_skeleton and manual_dir (see configs/pretrained.py).
  config.train_data = []
  config.deterministic = True
  return config


def set_recipe(config, recipe: str) -> None:
  """`paper` (the reference paper's training) or `robust` (RESULTS.md, "Accuracy").

  robust: estimates drawn from the wide error family at 15, 30 and 60 fps
  (15% of windows clean), a refiner that starts as the identity (zero output
  layers), the aligned output term and an acceleration loss.
  """
  if recipe == "robust":
    config.corruption = dict(enabled=True, rate_factors=(0.5, 1.0, 2.0), clean_fraction=0.15,
                             severity_power=1.0, absent_part_fraction=0.0)
    config.acceleration_loss_weight = 1.0
    if config.get("model_kind", "seq2seq") == "seq2seq":
      config.model.zero_init_output = True
      config.model.aligned_output = True
  elif recipe != "paper":
    raise ValueError(f"recipe={recipe!r}; use 'paper' or 'robust'.")


def set_model(config, model: str) -> None:
  """`seq2seq` (ours) or `temporal_mlp` (the SmoothNet-style peer, same budget)."""
  if model == "temporal_mlp":
    config.model_kind = "temporal_mlp"
    config.model = dict(hidden=256, blocks=3)
    config.acceleration_loss_weight = 1.0
  elif model != "seq2seq":
    raise ValueError(f"model={model!r}; use 'seq2seq' or 'temporal_mlp'.")


def shrink_for_runlocal(config, steps: int = 20) -> None:
  """A seconds-long run of the same program (`runlocal=True`): tiny model, `steps` steps."""
  config.model.hidden = 32
  if config.model_kind == "seq2seq":
    config.model.attention_size = 16
  config.num_epochs = 0
  config.num_train_steps = steps
  config.scheduled_sampling_steps = steps // 2
  config.log_every_steps = steps // 2
  config.eval_every_steps = steps
  config.checkpoint_every_steps = steps
