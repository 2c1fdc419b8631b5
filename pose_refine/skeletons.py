"""Joint sets: names, left/right pairs, report groups and bones."""

import dataclasses
import warnings

import numpy as np


@dataclasses.dataclass(frozen=True)
class Skeleton:
  """A 2D joint set.

  Attributes:
    name: short identifier used in configs and on the command line.
    joints: joint names, in the order the arrays store them.
    left_right: pairs of joint indices that swap under a horizontal flip.
    groups: report groups (e.g. "Wrists") -> joint indices, in report order.
    bones: (parent, child) index pairs whose lengths a rigid body keeps.
  """

  name: str
  joints: tuple[str, ...]
  left_right: tuple[tuple[int, int], ...]
  groups: dict[str, tuple[int, ...]]
  bones: tuple[tuple[int, int], ...] = ()

  @property
  def num_joints(self) -> int:
    return len(self.joints)

  @property
  def flip_permutation(self) -> np.ndarray:
    """Index array p such that poses[..., p, :] swaps every left/right pair."""
    perm = np.arange(self.num_joints)
    for left, right in self.left_right:
      perm[left], perm[right] = right, left
    return perm

  def index(self, joint: str) -> int:
    return self.joints.index(joint)


def observed(keypoints, confidence) -> np.ndarray:
  """[..., joints] True where a joint is usable: finite and confidence > 0.

  The numpy twin of normalization.joint_validity (which runs inside the model).
  """
  return np.all(np.isfinite(keypoints), -1) & (np.asarray(confidence) > 0)


def person_size(ground_truth: np.ndarray, valid: np.ndarray) -> float:
  """Median over frames of the ground-truth box's longer side, pixels."""
  points = np.where(valid[..., None], ground_truth, np.nan)
  with warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)  # Frames without labels.
    sides = np.nanmax(points, 1) - np.nanmin(points, 1)
    longer = np.nanmax(sides, -1)
  longer = longer[np.isfinite(longer) & (longer > 0)]
  return float(np.median(longer)) if longer.size else 100.0



def _make(name, joints, pairs, groups, bones=()):
  index = {j: i for i, j in enumerate(joints)}
  return Skeleton(
      name=name,
      joints=tuple(joints),
      left_right=tuple((index[a], index[b]) for a, b in pairs),
      groups={g: tuple(index[j] for j in js) for g, js in groups.items()},
      bones=tuple((index[a], index[b]) for a, b in bones),
  )


def _pairs(names):
  """Left/right pairs among joint names that differ only by the side."""
  return [(n, "right" + n[4:]) for n in names if n.startswith("left") and "right" + n[4:] in names]


_LIMB_GROUPS = {
    "Shoulders": ["left_shoulder", "right_shoulder"],
    "Elbows": ["left_elbow", "right_elbow"],
    "Wrists": ["left_wrist", "right_wrist"],
    "Hips": ["left_hip", "right_hip"],
    "Knees": ["left_knee", "right_knee"],
    "Ankles": ["left_ankle", "right_ankle"],
}

# Penn Action's 13 joints, in the order of its label files. The order often
# quoted (head, left/right shoulder, ...) has left and right the wrong way
# round for these files: in the 327 "front" view training sequences (person
# facing the camera) joint 1 lies left of joint 2 in the image in 88% of
# frames, and in the 355 "back" view ones right of it in 75%; the other pairs
# agree. So the odd indices are the person's right side. Also the skeleton of
# the synthetic data set.
_PENN_ACTION_NAMES = [
    "head", "right_shoulder", "left_shoulder", "right_elbow", "left_elbow", "right_wrist",
    "left_wrist", "right_hip", "left_hip", "right_knee", "left_knee", "right_ankle", "left_ankle",
]
PENN_ACTION = _make(
    "penn_action",
    _PENN_ACTION_NAMES,
    _pairs(_PENN_ACTION_NAMES),
    {"Head": ["head"], **_LIMB_GROUPS},
    [
        ("left_shoulder", "left_elbow"),
        ("left_elbow", "left_wrist"),
        ("right_shoulder", "right_elbow"),
        ("right_elbow", "right_wrist"),
        ("left_hip", "left_knee"),
        ("left_knee", "left_ankle"),
        ("right_hip", "right_knee"),
        ("right_knee", "right_ankle"),
        ("left_shoulder", "right_shoulder"),
        ("left_hip", "right_hip"),
    ],
)

# YouTube Pose's 7 upper-body joints, in the order of the official .mat file.
YOUTUBE_POSE = _make(
    "youtube_pose",
    [
        "head",
        "right_wrist",
        "left_wrist",
        "right_elbow",
        "left_elbow",
        "right_shoulder",
        "left_shoulder",
    ],
    [
        ("right_wrist", "left_wrist"),
        ("right_elbow", "left_elbow"),
        ("right_shoulder", "left_shoulder"),
    ],
    {
        "Head": ["head"],
        "Wrists": ["right_wrist", "left_wrist"],
        "Elbows": ["right_elbow", "left_elbow"],
        "Shoulders": ["right_shoulder", "left_shoulder"],
    },
    [
        ("right_shoulder", "right_elbow"),
        ("right_elbow", "right_wrist"),
        ("left_shoulder", "left_elbow"),
        ("left_elbow", "left_wrist"),
        ("right_shoulder", "left_shoulder"),
    ],
)

_MEDIAPIPE_NAMES = [
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
    "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel",
    "right_heel", "left_foot_index", "right_foot_index",
]
_LIMB_BONES = [
    (f"{side}_{a}", f"{side}_{b}")
    for side in ("left", "right")
    for a, b in (("shoulder", "elbow"), ("elbow", "wrist"), ("hip", "knee"), ("knee", "ankle"))
]

# MediaPipe Pose (BlazePose) 33 landmarks; the estimator stage's output.
MEDIAPIPE = _make(
    "mediapipe", _MEDIAPIPE_NAMES, _pairs(_MEDIAPIPE_NAMES) + [("mouth_left", "mouth_right")],
    {"Head": ["nose"], **_LIMB_GROUPS}, _LIMB_BONES,
)

_COCO_NAMES = [
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
]
# COCO's 17 keypoints (OpenPose, Detectron, MMPose, YOLO-pose ...).
COCO = _make("coco", _COCO_NAMES, _pairs(_COCO_NAMES), {"Head": ["nose"], **_LIMB_GROUPS},
             _LIMB_BONES)

_LSP_NAMES = [
    "right_ankle", "right_knee", "right_hip", "left_hip", "left_knee", "left_ankle",
    "right_wrist", "right_elbow", "right_shoulder", "left_shoulder", "left_elbow",
    "left_wrist", "neck", "head_top",
]
# CVIT-Sports' 14 joints, in the LSP order its annotations use.
CVIT_SPORTS = _make(
    "cvit_sports", _LSP_NAMES, _pairs(_LSP_NAMES), {"Head": ["head_top"], **_LIMB_GROUPS},
    _LIMB_BONES,
)

_JHMDB_NAMES = [
    "neck", "belly", "face", "right_shoulder", "left_shoulder", "right_hip", "left_hip",
    "right_elbow", "left_elbow", "right_knee", "left_knee", "right_wrist", "left_wrist",
    "right_ankle", "left_ankle",
]
JHMDB = _make(
    "jhmdb", _JHMDB_NAMES, _pairs(_JHMDB_NAMES), {"Head": ["face"], **_LIMB_GROUPS},
    _LIMB_BONES,
)

_OPENPOSE_COCO18_NAMES = [
    "nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder",
    "left_elbow", "left_wrist", "right_hip", "right_knee", "right_ankle", "left_hip",
    "left_knee", "left_ankle", "right_eye", "left_eye", "right_ear", "left_ear",
]
# OpenPose's COCO model (18 keypoints: COCO's 17 in another order, plus the neck).
OPENPOSE_COCO18 = _make(
    "openpose_coco18", _OPENPOSE_COCO18_NAMES, _pairs(_OPENPOSE_COCO18_NAMES),
    {"Head": ["nose"], **_LIMB_GROUPS}, _LIMB_BONES,
)

_OPENPOSE_BODY25_NAMES = [
    "nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder",
    "left_elbow", "left_wrist", "mid_hip", "right_hip", "right_knee", "right_ankle",
    "left_hip", "left_knee", "left_ankle", "right_eye", "left_eye", "right_ear", "left_ear",
    "left_big_toe", "left_small_toe", "left_heel", "right_big_toe", "right_small_toe",
    "right_heel",
]
# OpenPose's default BODY_25 model.
OPENPOSE_BODY25 = _make(
    "openpose_body25", _OPENPOSE_BODY25_NAMES, _pairs(_OPENPOSE_BODY25_NAMES),
    {"Head": ["nose"], **_LIMB_GROUPS}, _LIMB_BONES,
)

SKELETONS = {
    s.name: s
    for s in (PENN_ACTION, YOUTUBE_POSE, MEDIAPIPE, COCO, CVIT_SPORTS, JHMDB, OPENPOSE_COCO18,
              OPENPOSE_BODY25)
}

# Joints that no estimator names alike, as averages of joints it does have.
# The data sets' "head" is the head's centre, not the nose: on the 45
# non-Subset YouTube Pose videos, the mean of nose and ears is 5.1 px from it
# on average (nose alone 6.4 px, ears 6.1 px, eyes 9.7 px).
_DERIVED = {
    "head": [("nose", "left_ear", "right_ear"), ("neck", "head_top")],
    "face": [("nose",)],
    "neck": [("left_shoulder", "right_shoulder")],
    "belly": [("left_shoulder", "right_shoulder", "left_hip", "right_hip")],
    "head_top": [],  # No estimator landmark lies near it; left to the corrector.
    "mid_hip": [("left_hip", "right_hip")],
}

# Joints that no skeleton shares but which move with one that it has: when
# a refined pose is mapped back, they follow their anchors' correction.
_FACE = ("nose", "eye", "ear", "mouth", "face", "head_top")
_HAND = ("pinky", "index", "thumb")
_FOOT = ("heel", "foot_index", "big_toe", "small_toe")


def joint_sources(source: Skeleton, target: Skeleton) -> list[tuple[int, ...]]:
  """For every target joint, the source joints averaged to give it (() if none)."""
  sources = []
  for name in target.joints:
    options = list(_DERIVED.get(name, []))
    if name in source.joints:
      options.insert(0, (name,))
    found = next((o for o in options if all(j in source.joints for j in o)), ())
    sources.append(tuple(source.index(j) for j in found))
  return sources


def convert(keypoints, confidence, source: Skeleton, target: Skeleton):
  """Maps keypoints between skeletons.

  Each target joint is the mean of its valid source joints (finite, with
  positive confidence), with their mean confidence; a target joint without a
  valid source is NaN with confidence 0.

  Args:
    keypoints: [..., source joints, 2] pixels.
    confidence: [..., source joints].
    source: skeleton of the inputs.
    target: skeleton of the outputs.

  Returns:
    keypoints [..., target joints, 2] and confidence [..., target joints].

  Raises:
    ValueError: if the inputs do not have the source skeleton's joint count,
      or no target joint can be mapped.
  """
  keypoints = np.asarray(keypoints, np.float32)
  confidence = np.asarray(confidence, np.float32)
  if keypoints.shape[-2] != source.num_joints or confidence.shape[-1] != source.num_joints:
    raise ValueError(
        f"Expected {source.num_joints} joints for skeleton {source.name!r}, got keypoints "
        f"of shape {keypoints.shape} and confidence of shape {confidence.shape}."
    )
  table = joint_sources(source, target)
  if not any(table):
    raise ValueError(f"No joint of {target.name!r} can be made from {source.name!r}.")
  valid = observed(keypoints, confidence)
  out = np.full(keypoints.shape[:-2] + (target.num_joints, 2), np.nan, np.float32)
  out_confidence = np.zeros(keypoints.shape[:-2] + (target.num_joints,), np.float32)
  for t, joints in enumerate(table):
    if not joints:
      continue
    use = valid[..., joints]
    count = use.sum(-1)
    points = np.where(use[..., None], keypoints[..., joints, :], 0.0).sum(-2)
    with np.errstate(invalid="ignore", divide="ignore"):
      out[..., t, :] = np.where(count[..., None] > 0, points / count[..., None], np.nan)
      out_confidence[..., t] = np.where(
          count > 0, np.where(use, confidence[..., joints], 0.0).sum(-1) / count, 0.0
      )
  return out, out_confidence


def _anchor_names(joint: str) -> tuple[str, ...]:
  side = joint.split("_")[0] if joint.startswith(("left_", "right_")) else None
  if any(part in joint for part in _FOOT) and side:  # Before hands: "foot_index".
    return (f"{side}_ankle",)
  if any(part in joint for part in _HAND) and side:
    return (f"{side}_wrist",)
  if any(part in joint for part in _FACE):
    return ("head",)
  if joint == "neck":
    return ("left_shoulder", "right_shoulder")
  if joint in ("mid_hip", "belly"):
    return ("left_hip", "right_hip")
  return ()


def anchors(source: Skeleton, target: Skeleton) -> list[tuple[tuple[int, ...], bool]]:
  """How each source joint takes a refinement made in `target`'s joints.

  Returns, for every source joint, (target joints, exact): exact joints are
  the same joint in both and take the refined position; the others move by
  the mean correction of their anchor joints (a hand landmark with its
  wrist, a face landmark with the head); () leaves a joint unchanged.
  """
  out = []
  for name in source.joints:
    if name in target.joints:
      out.append(((target.index(name),), True))
      continue
    names = [n for n in _anchor_names(name) if n in target.joints]
    out.append((tuple(target.index(n) for n in names), False))
  return out


def apply_refinement(keypoints, points, refined, source: Skeleton, target: Skeleton,
                     fill_missing: bool = True) -> np.ndarray:
  """Source-skeleton keypoints moved as a refinement made in `target`'s joints says.

  Joints of both skeletons take the refined position; the others move by
  their anchor joints' mean correction (see `anchors`); joints without an
  anchor keep their input values. Works per frame, so on whole tracks
  ([frames, ...]) and single frames alike.

  Args:
    keypoints: [..., source joints, 2] the input; NaN where missing.
    points: [..., target joints, 2] the input in `target`'s joints (`convert`).
    refined: [..., target joints, 2] the refinement of `points`; NaN where
      the model cannot place a joint.
    source: the input's skeleton.
    target: the model's skeleton.
    fill_missing: missing input joints take refined positions (else they stay NaN).

  Returns:
    [..., source joints, 2].
  """
  out = np.array(keypoints, np.float32)
  for j, (anchor, exact) in enumerate(anchors(source, target)):
    if not anchor:
      continue
    if exact:
      value = refined[..., anchor[0], :]
      if fill_missing:
        out[..., j, :] = np.where(np.isfinite(value), value, out[..., j, :])
      else:
        out[..., j, :] = np.where(np.isfinite(out[..., j, :]), value, np.nan)
      continue
    with warnings.catch_warnings():
      warnings.simplefilter("ignore", RuntimeWarning)  # All-NaN frames: no offset.
      offset = np.nanmean(refined[..., anchor, :] - points[..., anchor, :], axis=-2)
    out[..., j, :] = out[..., j, :] + np.nan_to_num(offset)
  return out


def infer_skeleton(num_joints: int) -> Skeleton:
  """The one known skeleton with this many joints.

  Raises:
    ValueError: if none or several have that count, listing the options.
  """
  matches = [s for s in SKELETONS.values() if s.num_joints == num_joints]
  if len(matches) != 1:
    known = ", ".join(f"{s.name} ({s.num_joints})" for s in SKELETONS.values())
    raise ValueError(
        f"Cannot tell the skeleton of {num_joints} joints; pass --skeleton (skeleton= in "
        f"Python) with one of: {known}."
    )
  return matches[0]


def get_skeleton(name: str) -> Skeleton:
  if name not in SKELETONS:
    raise ValueError(
        f"Unknown skeleton {name!r}; known skeletons: {sorted(SKELETONS)}."
    )
  return SKELETONS[name]
