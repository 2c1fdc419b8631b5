#!/usr/bin/env bash
# The runs and tables of RESULTS.md "Accuracy on errors it never trained on".
#   bash launch/reproduce_accuracy.sh [WORKDIR]
# Training runs in parallel on one GPU (about 6 minutes each on an H200 with
# 3 data workers; hours on 2 CPU cores); the evaluation runs on CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-workdirs/accuracy}"
python=".venv/bin/python"
train() {  # NAME CONFIG_ARG [OVERRIDES...]
  local name=$1 arg=$2; shift 2
  "$python" -m launch.train --config="configs/penn_action.py:steps=3000,$arg" \
    --config.checkpoint_every_steps=500 --workdir="$out/$name" "$@"
}
for seed in 0 1 2; do
  train "robust_s$seed" "recipe=robust,seed=$seed"
done
train paper_s0 recipe=paper
train mlp_robust recipe=robust,model=temporal_mlp
# Ablations of the robust recipe (seed 0).
train robust_nocorrupt recipe=robust --config.corruption.enabled=False
train robust_nozero recipe=robust --config.model.zero_init_output=False
train robust_noaccel recipe=robust --config.acceleration_loss_weight=0.0
train robust_noaligned recipe=robust --config.model.aligned_output=False
train robust_30fps recipe=robust "--config.corruption.rate_factors=(1.0,)"
train robust_noattn recipe=robust,attention=False
train robust_nobidir recipe=robust,bidirectional=False
train robust_neither recipe=robust,attention=False,bidirectional=False
# Second and third stages: more clean and mild windows, lower learning rates.
stage() {  # NAME FROM LEARNING_RATE
  "$python" -m launch.train --config=configs/penn_action.py:recipe=robust,steps=1500 \
    --config.init_from="$out/$2" --config.corruption.clean_fraction=0.3 \
    --config.corruption.severity_power=2.0 --config.optim.learning_rate="$3" --workdir="$out/$1"
}
stage ft_s0 robust_s0 0.003
stage ft2_s0 ft_s0 0.001
# Longer runs on the later stages' distribution (30% clean windows, severity
# skewed to mild), from scratch: 3,500 and 5,500 steps, a wider model, half the
# windows clean; and a fourth stage (ft2 continued 3,000 steps at 0.001).
mild="--config.corruption.clean_fraction=0.3 --config.corruption.severity_power=2.0"
train mild_s0 recipe=robust,steps=3500 $mild
for seed in 0 1 2; do
  train "long_s$seed" "recipe=robust,steps=5500,seed=$seed" $mild
done
train longh256_s0 recipe=robust,steps=5500 $mild --config.model.hidden=256 \
  --config.model.attention_size=256
train longc5_s0 recipe=robust,steps=5500 --config.corruption.clean_fraction=0.5 \
  --config.corruption.severity_power=2.0
train ft3_s0 recipe=robust,steps=3000 $mild --config.optim.learning_rate=0.001 \
  --config.init_from="$out/ft2_s0"
# Fifth and sixth stages (2-core CPU, about 17 minutes each): ft3 continued at 0.0005
# (ft4); with body parts absent from 30% of windows (parts, then parts2 at 0.0005).
cpu_stage() {  # NAME FROM LEARNING_RATE ABSENT_PART_FRACTION
  train "$1" recipe=robust,steps=3000 $mild --config.optim.learning_rate="$3" \
    --config.max_target_units=20 --config.corruption.absent_part_fraction="$4" \
    --config.init_from="$out/$2"
}
cpu_stage ft4_s0 ft3_s0 0.0005 0.0
cpu_stage parts_s0 ft3_s0 0.001 0.3
cpu_stage parts2_s0 parts_s0 0.0005 0.3
# parts2 as shipped from 2026-11-26 to 2026-12-02: "shipped" in the tables of that time, from
# "Fast true motion" on, and "previous" in "The shipped model".
[ -d "$out/parts2_shipped" ] || "$python" -m launch.export --workdir="$out/parts2_s0" \
  --output="$out/parts2_shipped" --deadzone=0.03 --stride=24 --implementation=fused
was_shipped="shipped=$out/parts2_shipped"
# Streaming models (RESULTS.md "Online refinement"): output frame t sees input up to t + k.
train la0_s0 recipe=robust,steps=3500,lookahead=0 $mild
train la4_s0 recipe=robust,steps=3500,lookahead=4 $mild
train longla0_s0 recipe=robust,steps=5500,lookahead=0 $mild

models="shipped=shipped,paper_s0=$out/paper_s0,robust_s0=$out/robust_s0,robust_s1=$out/robust_s1"
models="$models,robust_s2=$out/robust_s2,mlp_robust=$out/mlp_robust,ft_s0=$out/ft_s0,ft2_s0=$out/ft2_s0"
robustness() { "$python" -m launch.robustness --config=configs/penn_action.py "$@"; }
# Starts folder $out/$2 with $out/$1's file $3, so the run into it reuses the filters tuned there.
reuse() { mkdir -p "$out/$2" && cp "$out/$1/$3" "$out/$2/"; }
# launch.report on the report sets of "The shipped model" into $out/$1_SET (YouTube Pose told
# its frame spacing); the other arguments: --checkpoint=NAME=SPEC ...
report_sets() {
  local prefix=$1; shift
  for set in youtube_weak youtube_strong; do
    "$python" -m launch.report --config=configs/pretrained.py:eval=$set --fps=0.43 --overlays=0 "$@" \
      --output="$out/${prefix}_$set"
  done
  "$python" -m launch.report --config=configs/pretrained.py:eval=synthetic --overlays=0 "$@" \
    --output="$out/${prefix}_synthetic"
  "$python" -m launch.report --config=configs/penn_action.py --tune_split="train[:150]" --overlays=0 \
    "$@" --output="$out/${prefix}_penn_action"
}
# "The shipped model"'s tables for the models $2 (NAME=SPEC,...) into $out/$1_*: against error
# level with the peer (docs/robustness_shipped.png), frame rate, and the report sets told and not
# told YouTube Pose's frame spacing.
shipped_tables() {
  local prefix=$1 models=$2
  reuse main "${prefix}_eval" robustness.json
  robustness --output="$out/${prefix}_eval" --families=heldout,train --levels=0,1,2,3,4 \
    --models="$models,smoothnet_style=$out/mlp_robust"
  reuse rates_told "${prefix}_rates" robustness.json
  robustness --output="$out/${prefix}_rates" --models="$models" --families=heldout --levels=0,1,3 \
    --rates=0.5,2 --wrong_joint= --tell_fps=30
  cp "$out/${prefix}_eval/robustness.png" docs/robustness_shipped.png
  local checkpoints="--checkpoint=${models//,/ --checkpoint=}"
  report_sets "$prefix" $checkpoints
  for set in youtube_weak youtube_strong; do  # Not told the frame spacing.
    "$python" -m launch.report --config=configs/pretrained.py:eval=$set --overlays=0 $checkpoints \
      --output="$out/${prefix}_${set}_untold"
  done
}
# launch.online_curve into $out/$1, reusing the causal filters tuned by the first online run.
online_run() {
  local dir=$1; shift
  reuse online "$dir" online_curve.json
  "$python" -m launch.online_curve --config=configs/penn_action.py --output="$out/$dir" "$@"
}
robustness --output="$out/main" --models="$models" --families=heldout,train --levels=0,1,2,3,4
robustness --output="$out/rates" --models="$models" --families=heldout --levels=0,1,3 \
  --rates=0.5,2 --wrong_joint=
# The ablations reuse the filters tuned for the main tables.
ablations="robust_s0=$out/robust_s0,robust_s1=$out/robust_s1,robust_s2=$out/robust_s2"
for name in nocorrupt nozero noaccel noaligned 30fps noattn nobidir neither; do
  ablations="$ablations,robust_$name=$out/robust_$name"
done
reuse main ablations robustness.json
robustness --output="$out/ablations" --models="$ablations" --families=heldout --levels=0,1,3 \
  --wrong_joint=
longer="long_s0=$out/long_s0,long_s1=$out/long_s1,long_s2=$out/long_s2,ft3=$out/ft3_s0"
longer="$longer,longh256=$out/longh256_s0,longc5=$out/longc5_s0,mild=$out/mild_s0"
reuse main longer robustness.json
robustness --output="$out/longer" --models="$longer" --families=heldout --levels=0,1,3 \
  --wrong_joint=
"$python" -m launch.online_curve --config=configs/penn_action.py --output="$out/online" \
  --models="ft3=$out/ft3_s0,ours@0=$out/la0_s0,ours@4=$out/la4_s0,ours_long@0=$out/longla0_s0"
# Later stages (RESULTS.md "Absent body parts, frame rate"): full body, upper body only
# (no hips, knees, ankles), and 15 / 60 fps with the models told the rate.
later="ft4=$out/ft4_s0,parts=$out/parts_s0,parts2=$out/parts2_s0"
later="$later,parts2_dz03=$out/parts2_s0#deadzone=0.03,ft4_dz03=$out/ft4_s0#deadzone=0.03"
reuse main later robustness.json
robustness --output="$out/later" --models="$later" --families=heldout,train --levels=0,1,3
lower=right_hip,left_hip,right_knee,left_knee,right_ankle,left_ankle
robustness --output="$out/upper" --models="shipped=shipped,$later" --families=heldout \
  --levels=0,1,3 --wrong_joint= --absent="$lower"
robustness --output="$out/rates_told" --models="parts2_dz03=$out/parts2_s0#deadzone=0.03" \
  --families=heldout --levels=0,1,3 --rates=0.5,2 --wrong_joint= --tell_fps=30
reuse rates_told rates_untold robustness.json
robustness --output="$out/rates_untold" --models="parts2_dz03=$out/parts2_s0#deadzone=0.03" \
  --families=heldout --levels=0,1,3 --rates=0.5 --wrong_joint=
for setting in weak strong; do  # Penn Action-joint models on YouTube Pose's sparse Subset.
  "$python" -m launch.report --config="configs/pretrained.py:eval=youtube_$setting" \
    --output="$out/youtube_$setting" --overlays=0 --checkpoint=shipped=shipped \
    --checkpoint="ft4=$out/ft4_s0" --checkpoint="parts=$out/parts_s0" \
    --checkpoint="parts2_dz03=$out/parts2_s0#deadzone=0.03"
done
# The edge of the window (RESULTS.md "Online refinement", ablation): parts2 continued 1,500 steps with
# and without the last 4 frames' position loss counted 8 times.
edge() {  # NAME [OVERRIDES...]
  local name=$1; shift
  "$python" -m launch.train --config="configs/penn_action.py:steps=1500,recipe=robust" $mild \
    --config.optim.learning_rate=0.0003 --config.max_target_units=20 \
    --config.corruption.absent_part_fraction=0.3 --config.init_from="$out/parts2_s0" \
    --config.checkpoint_every_steps=500 --workdir="$out/$name" "$@"
}
edge edge_s0 --config.edge_loss_frames=4 --config.edge_loss_weight=8
edge noedge_s0
online_run online_edge --models="edge=$out/edge_s0#deadzone=0.03,noedge=$out/noedge_s0#deadzone=0.03" \
  --lookaheads=0,4,offline
# Fast true motion (RESULTS.md "Fast true motion", and its online rows): the same continuation with
# a concave precision term or with each joint's loss weighted by its true speed; the robustness
# tables split PCK@0.05 by speed.
edge prec_s0 --config.precision_loss_weight=4 --config.precision_loss_scale=0.02
edge speed_s0 --config.speed_loss_weight=10
edge speed30_s0 --config.speed_loss_weight=30
edge speed30edge_s0 --config.speed_loss_weight=30 --config.edge_loss_frames=4 --config.edge_loss_weight=8
edge noedge_s1 --config.seed=1  # A second seed of the control and of speed30.
edge speed30_s1 --config.seed=1 --config.speed_loss_weight=30
edge noedgex2_s0 --config.init_from="$out/noedge_s0"  # Twice the budget: each continued again.
edge speed30x2_s0 --config.init_from="$out/speed30_s0" --config.speed_loss_weight=30
# Each NAME=RUN as NAME (the shipped deadzone 0.03) and NAME_dz0 (none), comma-separated.
dz_pairs() {
  local spec list=""
  for spec in "$@"; do
    list="$list,${spec%%=*}=$out/${spec#*=}#deadzone=0.03,${spec%%=*}_dz0=$out/${spec#*=}#deadzone=0"
  done
  echo "${list#,}"
}
# Scores --models=$2 into $out/$1 at levels 0, 1, 3 of both families, reusing the main run's filters.
ablation() {
  reuse main "$1" robustness.json
  robustness --output="$out/$1" --models="$2" --families=heldout,train --levels=0,1,3 --wrong_joint=
}
losses="$(dz_pairs control=noedge_s0 precision=prec_s0 speed10=speed_s0 speed30=speed30_s0)"
ablation losses "$was_shipped,$losses,speed30_edge=$out/speed30edge_s0#deadzone=0.03"
ablation losses_s1 "$(dz_pairs control=noedge_s1 speed30=speed30_s1)"
ablation losses_x2 "$(dz_pairs control_x2=noedgex2_s0 speed30_x2=speed30x2_s0)"
online_run online_losses --models="control=$out/noedge_s0#deadzone=0.03,speed30=$out/speed30_s0#deadzone=0.03,speed30_edge=$out/speed30edge_s0#deadzone=0.03" \
  --lookaheads=0,4
# The acceleration term's weight (RESULTS.md "The acceleration term's weight"): the same continuation
# with the acceleration loss at 0.3 and 0.1 of the recipe's 1.0 (two seeds each); the robustness JSON also
# splits PCK@0.05 into the joints the input had right ("kept") and the others ("fixed").
edge acc03_s0 --config.acceleration_loss_weight=0.3
edge acc01_s0 --config.acceleration_loss_weight=0.1  # = configs/pretrained.py: the shipped model
edge acc03_s1 --config.seed=1 --config.acceleration_loss_weight=0.3
edge acc01_s1 --config.seed=1 --config.acceleration_loss_weight=0.1
edge acc01speed30edge_s0 --config.acceleration_loss_weight=0.1 --config.speed_loss_weight=30 \
  --config.edge_loss_frames=4 --config.edge_loss_weight=8
ablation acceleration "$was_shipped,$(dz_pairs control=noedge_s0 acc03=acc03_s0 acc01=acc01_s0 \
  control_s1=noedge_s1 acc03_s1=acc03_s1 acc01_s1=acc01_s1)"
ablation acceleration_speed_edge "$(dz_pairs acc01_speed30_edge=acc01speed30edge_s0)"
ablation acceleration_deadzone "shipped_dz02=$out/parts2_shipped#deadzone=0.02,acc01_dz01=$out/acc01_s0#deadzone=0.01,\
acc01_dz015=$out/acc01_s0#deadzone=0.015,acc01_dz02=$out/acc01_s0#deadzone=0.02,\
acc03_dz015=$out/acc03_s0#deadzone=0.015,acc03_dz02=$out/acc03_s0#deadzone=0.02,\
acc01_s1_dz02=$out/acc01_s1#deadzone=0.02"
online_run online_acceleration --models="control=$out/noedge_s0#deadzone=0.03,acc03=$out/acc03_s0#deadzone=0.03,acc01=$out/acc01_s0#deadzone=0.03,acc01_speed30_edge=$out/acc01speed30edge_s0#deadzone=0.03" \
  --lookaheads=0,4
# The then shipped model's other held-out checks on acceleration 0.1 at deadzone 0.02 (RESULTS.md, the end
# of "The acceleration term's weight"): frame rates, upper body, one wrong joint, streaming, report sets.
acc01_dz02="acc01_dz02=$out/acc01_s0#deadzone=0.02"
# The shipped model of 2026-12-02 (acc01_s0 at deadzone 0.02, stride 24; with the first whole-track
# smoother from the "smoother" block below on, no input selector).
[ -d "$out/shipped_1202" ] || "$python" -m launch.export --workdir="$out/acc01_s0" \
  --output="$out/shipped_1202" --deadzone=0.02 --stride=24 --implementation=fused \
  --smoothing=gain=120,offset=0.005,max_sigma=2,window=121
candidate="$was_shipped,$acc01_dz02"
reuse rates_told candidate_rates robustness.json
reuse upper candidate_upper robustness.json
reuse main candidate_wrong robustness.json
robustness --output="$out/candidate_rates" --models="$candidate" --families=heldout --levels=0,1,3 \
  --rates=0.5,2 --wrong_joint= --tell_fps=30
robustness --output="$out/candidate_upper" --models="$candidate" --families=heldout --levels=0,1,3 \
  --wrong_joint= --absent="$lower"
robustness --output="$out/candidate_wrong" --models="$candidate" --families=heldout --levels=0,1 \
  --wrong_joint=left_wrist
online_run candidate_online --models="$acc01_dz02" --lookaheads=0,4
for set in youtube_weak youtube_strong; do
  "$python" -m launch.report --config=configs/pretrained.py:eval=$set --fps=0.43 --overlays=0 \
    --checkpoint="$was_shipped" --checkpoint="$acc01_dz02" \
    --output="$out/candidate_$set"
done
"$python" -m launch.report --config=configs/penn_action.py --tune_split="train[:150]" --overlays=0 \
  --checkpoint="$was_shipped" --checkpoint="$acc01_dz02" \
  --output="$out/candidate_penn_action"
# The shipped model since 2026-12-02 (acc01_s0 at deadzone 0.02, pose_refine/pretrained; its
# whole-track smoother came later and is off here) against error level and parts2, then served
# frame by frame (RESULTS.md "Online refinement"; the filters' settings from the first online run).
reuse main shipped robustness.json
robustness --output="$out/shipped" --families=heldout,train --levels=0,1,2,3,4 \
  --models="shipped=$out/shipped_1202#smoothing=off,previous=$out/parts2_shipped,smoothnet_style=$out/mlp_robust"
online_run online_shipped --models="shipped=$out/shipped_1202#smoothing=off" \
  --lookaheads=0,1,2,4,8,16,offline
online_run online_parts2 --models="parts2=$out/parts2_shipped"
# The shipped model at k = 0 with larger deadzones (RESULTS.md "Online refinement").
online_run online_deadzone --lookaheads=0 \
  --models="dz02=$out/shipped_1202,dz03=$out/shipped_1202#deadzone=0.03,dz04=$out/shipped_1202#deadzone=0.04,dz05=$out/shipped_1202#deadzone=0.05"
# The motion gate (streaming.MotionGate; RESULTS.md "Online refinement"): its defaults tuned at k = 0,
# then the shipped model's streams through it.
"$python" -m launch.tune_gate --config=configs/penn_action.py --output="$out/tune_gate" \
  --checkpoint="$out/shipped_1202"
online_run online_gate --models="gated=$out/shipped_1202" --gate --lookaheads=0,1,2,4,8,16
"$python" -m launch.tune_gate --config=configs/penn_action.py --output="$out/tune_gate_k4" \
  --checkpoint="$out/shipped_1202" \
  --lookahead=4 --tolerance=0,0.01,0.02,0.03,0.05 --min_cutoff=10,30 --beta=0.1 --min_confidence=0.5
# The whole-track post-smoother (RESULTS.md "A smoother for the jitter the model leaves"): tuned on
# the training family's tune half (and with a tighter PCK tolerance), then the shipped model with it
# against error level (docs/robustness_shipped.png), frame rate and the report sets.
# (The grids of that day: pinned, as the later floor, floor offset and clean constraint widen them.)
grid_1202=(--gain=20,40,60,80,120,160 --floor=0 --clean_tolerance=inf)
"$python" -m launch.tune_smoothing --config=configs/penn_action.py --output="$out/tune_smoothing" \
  --checkpoint="$out/shipped_1202" "${grid_1202[@]}"
"$python" -m launch.tune_smoothing --config=configs/penn_action.py --output="$out/tune_smoothing_tol01" \
  --checkpoint="$out/shipped_1202" --tolerance=0.1 "${grid_1202[@]}"
was_1202="shipped=$out/shipped_1202,without_smoother=$out/shipped_1202#smoothing=off"
reuse main smoothed robustness.json
robustness --output="$out/smoothed" --families=heldout,train --levels=0,1,2,3,4 \
  --models="$was_1202,previous=$out/parts2_shipped,smoothnet_style=$out/mlp_robust"
reuse rates_told smoothed_rates robustness.json
robustness --output="$out/smoothed_rates" --models="$was_1202" \
  --families=heldout --levels=0,1,3 --rates=0.5,2 --wrong_joint= --tell_fps=30
report_sets smoothed --checkpoint="shipped=$out/shipped_1202" \
  --checkpoint="without_smoother=$out/shipped_1202#smoothing=off"
# The input selector (RESULTS.md "Keeping the input where it was right" and "The shipped model"):
# fitted on the training family's tune half, the smoother re-tuned after it (its export is
# pose_refine/pretrained since 2026-12-03), then the shipped model against error level
# (docs/robustness_shipped.png), frame rate and the report sets.
"$python" -m launch.tune_selection --config=configs/penn_action.py --checkpoint="$out/shipped_1202" \
  --output="$out/tune_selection"
[ -d "$out/selected" ] || "$python" -m launch.export --workdir="$out/shipped_1202" \
  --selection="$out/tune_selection/selection.json" --output="$out/selected"
"$python" -m launch.tune_smoothing --config=configs/penn_action.py --checkpoint="$out/selected" \
  --output="$out/tune_smoothing_selected" "${grid_1202[@]}"
[ -d "$out/shipped_1203" ] || "$python" -m launch.export --workdir="$out/selected" \
  --smoothing=gain=80,offset=0,max_sigma=3,window=121 --output="$out/shipped_1203"
shipped_tables selected \
  "shipped=$out/shipped_1203,without_selector=$out/shipped_1203#selection=off,previous=$out/shipped_1202"
# Streams with the selector and smoother from k = 1 (RESULTS.md "Online refinement").
online_run online_selected \
  --models="shipped=$out/shipped_1203,without_selector=$out/shipped_1203#selection=off"
# The smoother's floor (RESULTS.md "A floor for the jitter the selector keeps" and "The shipped
# model"): the smoother re-tuned on the training family's tune half with a floor in its grid (the
# export is pose_refine/pretrained since 2026-12-03, afternoon), then the shipped model against
# error level (docs/robustness_shipped.png), frame rate, the report sets and lookahead
# (docs/online_curve.png).
# (Its grid then had no floor offset and no clean constraint; with both, the same rule wins.)
"$python" -m launch.tune_smoothing --config=configs/penn_action.py --checkpoint="$out/selected" \
  --output="$out/tune_smoothing_floor" --floor_offset=0 --clean_tolerance=inf
shipped_tables floor \
  "shipped=shipped,without_floor=$out/shipped_1203,without_selector=shipped#selection=off"
# (Since the lookahead-0 selector joined the shipped model, this run's k = 0 column has it; the
# column without it is the online_k0_selector_off run at the end.)
online_run online_floor --models="shipped=shipped,without_floor=$out/shipped_1203"
"$python" docs/make_online_figure.py "$out"/online_floor/online_curve.json \
  "$out"/online/online_curve.json "$out"/online_parts2/online_curve.json
# Lookahead 0 (RESULTS.md "Online refinement", "The shipped network with speed and edge weights"):
# the shipped network continued 1,500 steps with speed-weighted positions and the window's last
# frames weighted, exported as shipped, served at k = 0 with and without the motion gate.
"$python" -m launch.train --config=configs/pretrained.py:init_from=pose_refine/pretrained/checkpoint \
  --workdir="$out/k0_speed_edge" --config.speed_loss_weight=30 --config.edge_loss_frames=4 \
  --config.edge_loss_weight=8
[ -d "$out/k0_speed_edge_export" ] || "$python" -m launch.export --workdir="$out/k0_speed_edge" \
  --deadzone=0.02 --stride=24 --implementation=fused --output="$out/k0_speed_edge_export"
online_run online_k0_speed_edge --models="speed_edge=$out/k0_speed_edge_export" --lookaheads=0
online_run online_k0_speed_edge_gate --models="speed_edge=$out/k0_speed_edge_export" --lookaheads=0 \
  --gate
# Deadzone 0 with its own selector and smoother (RESULTS.md "Without the deadzone", not shipped):
# the shipped parameters exported at deadzone 0, a selector fitted on them, the smoother tuned anew.
[ -d "$out/dz0" ] || "$python" -m launch.export --workdir=pose_refine/pretrained/checkpoint \
  --deadzone=0 --selection=off --smoothing=off --online_selection=off --output="$out/dz0"
"$python" -m launch.tune_selection --config=configs/penn_action.py --checkpoint="$out/dz0" \
  --output="$out/tune_selection_dz0"
[ -d "$out/dz0_selected" ] || "$python" -m launch.export --workdir="$out/dz0" \
  --selection="$out/tune_selection_dz0/selection.json" --output="$out/dz0_selected"
"$python" -m launch.tune_smoothing --config=configs/penn_action.py --checkpoint="$out/dz0_selected" \
  --output="$out/tune_smoothing_dz0" --gain=60,80,100,120,160
# The lookahead-0 selector (RESULTS.md "A selector for lookahead 0", in pose_refine/pretrained):
# fitted on the training family's tune half on the shipped network's streams (its selectors off),
# written into the shipped model's config (the parameters stay), then the shipped model against
# lookahead (docs/online_curve.png).
"$python" -m launch.tune_online_selection --config=configs/penn_action.py --checkpoint=shipped \
  --output="$out/tune_online_selection"
[ -d "$out/shipped_online" ] || "$python" -m launch.export \
  --workdir=pose_refine/pretrained/checkpoint \
  --online_selection="$out/tune_online_selection/online_selection.json" \
  --output="$out/shipped_online"
online_run online_k0_selector --models="shipped=$out/shipped_online"
online_run online_k0_selector_off --lookaheads=0 \
  --models="shipped=$out/shipped_online,without_online=$out/shipped_online#selection=off"
"$python" docs/make_online_figure.py "$out"/online_floor/online_curve.json \
  "$out"/online/online_curve.json "$out"/online_parts2/online_curve.json \
  "$out"/online_k0_selector/online_curve.json
# The shipped model on YouTube Pose's 40 training videos, which it never trained on (RESULTS.md
# "The shipped model"; the filters tuned on the validation videos as for the test split).
for set in youtube_weak youtube_strong; do
  "$python" -m launch.report --config=configs/pretrained.py:eval=$set --split=train --fps=0.43 \
    --overlays=0 --checkpoint=shipped=shipped --output="$out/shipped_${set}_train"
done
# The smoother's spike and motion stages (RESULTS.md "Spikes and steady motion" and "The shipped
# model"): the smoother re-tuned on the training family's tune half with both stages in its grid
# (its export is pose_refine/pretrained since 2026-12-08; "motion only" from a first grid without
# the spike stage), then the shipped model against error level with the peer
# (docs/robustness_shipped.png), frame rate, the report sets and lookahead.
until_1208="$out/shipped_online"
"$python" -m launch.tune_smoothing --config=configs/penn_action.py --checkpoint="$until_1208" \
  --output="$out/tune_smoothing_spikes" --gain=80,100,120 --offset=0,0.005 --max_sigma=3 \
  --floor=0.75,1 --floor_offset=0,0.0025
"$python" -m launch.tune_smoothing --config=configs/penn_action.py --checkpoint="$until_1208" \
  --output="$out/tune_smoothing_motion" --gain=80,100,120 --offset=0,0.005 --max_sigma=3 \
  --floor=0.5,0.75,1 --floor_offset=0,0.0025 --spikes=0 --motion=0,1,2,3 \
  --motion_limit=0.005,0.01,0.02
motion_only="gain=100,offset=0.005,max_sigma=3,floor=0.75,floor_gain=2000,motion=1,motion_limit=0.02"
[ -d "$out/motion_only" ] || "$python" -m launch.export --workdir="$until_1208" \
  --smoothing="$motion_only,window=121" --output="$out/motion_only"
spikes="gain=80,offset=0,max_sigma=3,floor=0.75,floor_gain=2000,spikes=4,motion=1,motion_limit=0.02"
[ -d "$out/shipped_1208" ] || "$python" -m launch.export --workdir="$until_1208" \
  --smoothing="$spikes,window=121" --output="$out/shipped_1208"
reuse main spikes robustness.json
robustness --output="$out/spikes" --families=heldout,train --levels=0,1,2,3,4 \
  --models="shipped=$out/shipped_1208,previous=$until_1208,motion_only=$out/motion_only"
reuse main spikes_off robustness.json
robustness --output="$out/spikes_off" --families=heldout,train --levels=0,1,2,3,4 --wrong_joint= \
  --models="stages_off=$out/shipped_1208#motion=off"
reuse rates_told spikes_rates robustness.json
robustness --output="$out/spikes_rates" --models="shipped=$out/shipped_1208,previous=$until_1208" \
  --families=heldout,train --levels=0,1,3 --rates=0.5,2 --wrong_joint= --tell_fps=30
reuse main spikes_peer robustness.json
robustness --output="$out/spikes_peer" --families=heldout,train --levels=0,1,2,3,4 --wrong_joint= \
  --models="shipped=$out/shipped_1208,until_1208=$until_1208,smoothnet_style=$out/mlp_robust"
cp "$out/spikes_peer/robustness.png" docs/robustness_shipped.png
report_sets spikes --checkpoint="shipped=$out/shipped_1208" --checkpoint="previous=$until_1208"
for set in youtube_weak youtube_strong; do
  "$python" -m launch.report --config=configs/pretrained.py:eval=$set --split=train --fps=0.43 \
    --overlays=0 --checkpoint="shipped=$out/shipped_1208" --checkpoint="previous=$until_1208" \
    --output="$out/spikes_${set}_train"
done
online_run online_spikes --models="shipped=$out/shipped_1208"
