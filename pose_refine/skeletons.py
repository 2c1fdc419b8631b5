"""Joint sets: names, left/right pairs, report groups and bones."""

import dataclasses

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


def _make(name, joints, pairs, groups, bones=()):
  index = {j: i for i, j in enumerate(joints)}
  return Skeleton(
      name=name,
      joints=tuple(joints),
      left_right=tuple((index[a], index[b]) for a, b in pairs),
      groups={g: tuple(index[j] for j in js) for g, js in groups.items()},
      bones=tuple((index[a], index[b]) for a, b in bones),
  )


# Penn Action's 13 joints; also the skeleton of the synthetic data set.
PENN_ACTION = _make(
    "penn_action",
    [
        "head",
        "left_shoulder",
        "right_shoulder",
        "left_elbow",
        "right_elbow",
        "left_wrist",
        "right_wrist",
        "left_hip",
        "right_hip",
        "left_knee",
        "right_knee",
        "left_ankle",
        "right_ankle",
    ],
    [
        ("left_shoulder", "right_shoulder"),
        ("left_elbow", "right_elbow"),
        ("left_wrist", "right_wrist"),
        ("left_hip", "right_hip"),
        ("left_knee", "right_knee"),
        ("left_ankle", "right_ankle"),
    ],
    {
        "Head": ["head"],
        "Shoulders": ["left_shoulder", "right_shoulder"],
        "Elbows": ["left_elbow", "right_elbow"],
        "Wrists": ["left_wrist", "right_wrist"],
        "Hips": ["left_hip", "right_hip"],
        "Knees": ["left_knee", "right_knee"],
        "Ankles": ["left_ankle", "right_ankle"],
    },
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

SKELETONS = {s.name: s for s in (PENN_ACTION, YOUTUBE_POSE)}


def get_skeleton(name: str) -> Skeleton:
  if name not in SKELETONS:
    raise ValueError(
        f"Unknown skeleton {name!r}; known skeletons: {sorted(SKELETONS)}."
    )
  return SKELETONS[name]
