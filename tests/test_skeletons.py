"""Joint sets and the mappings between them."""

import numpy as np
import pytest

from pose_refine import skeletons as sk


def test_flip_permutations_are_involutions_that_swap_sides():
  for skeleton in sk.SKELETONS.values():
    perm = skeleton.flip_permutation
    np.testing.assert_array_equal(perm[perm], np.arange(skeleton.num_joints))
    for i, j in enumerate(perm):
      a, b = skeleton.joints[i], skeleton.joints[j]
      if i != j:
        assert {a.split("_")[0], b.split("_")[0]} <= {"left", "right", "mouth"} or (
            a.replace("left", "right") == b or a.replace("right", "left") == b
        ), (a, b)


def test_mediapipe_to_youtube_pose():
  rng = np.random.default_rng(0)
  points = rng.normal(100, 20, (4, 33, 2)).astype(np.float32)
  confidence = np.ones((4, 33), np.float32)
  out, out_confidence = sk.convert(points, confidence, sk.MEDIAPIPE, sk.YOUTUBE_POSE)
  mp = sk.MEDIAPIPE.index
  head = (points[:, mp("nose")] + points[:, mp("left_ear")] + points[:, mp("right_ear")]) / 3
  np.testing.assert_allclose(out[:, 0], head, rtol=1e-6)
  np.testing.assert_array_equal(out[:, sk.YOUTUBE_POSE.index("left_wrist")],
                                points[:, mp("left_wrist")])
  # A missing ear: the head is the mean of what is left.
  confidence[0, mp("left_ear")] = 0
  points[1, mp("nose")] = np.nan
  out, _ = sk.convert(points, confidence, sk.MEDIAPIPE, sk.YOUTUBE_POSE)
  np.testing.assert_allclose(out[0, 0], (points[0, mp("nose")] + points[0, mp("right_ear")]) / 2)
  np.testing.assert_allclose(
      out[1, 0], (points[1, mp("left_ear")] + points[1, mp("right_ear")]) / 2, rtol=1e-6
  )
  # Nothing to map from: NaN with confidence 0, never (0, 0).
  points[2] = np.nan
  out, out_confidence = sk.convert(points, confidence, sk.MEDIAPIPE, sk.YOUTUBE_POSE)
  assert np.all(np.isnan(out[2])) and np.all(out_confidence[2] == 0)


def test_cvit_head_top_is_left_to_the_corrector_and_head_from_neck():
  sources = sk.joint_sources(sk.MEDIAPIPE, sk.CVIT_SPORTS)
  assert sources[sk.CVIT_SPORTS.index("head_top")] == ()
  to_youtube = sk.joint_sources(sk.CVIT_SPORTS, sk.YOUTUBE_POSE)
  assert to_youtube[0] == (sk.CVIT_SPORTS.index("neck"), sk.CVIT_SPORTS.index("head_top"))


def test_wrong_joint_count_and_unknown_skeleton():
  with pytest.raises(ValueError, match="Expected 33 joints for skeleton 'mediapipe'"):
    sk.convert(np.zeros((2, 17, 2)), np.zeros((2, 17)), sk.MEDIAPIPE, sk.COCO)
  with pytest.raises(ValueError, match="Unknown skeleton 'nope'"):
    sk.get_skeleton("nope")
