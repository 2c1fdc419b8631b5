"""pose_refine: sequence-to-sequence correction of 2D human pose estimates.

    import pose_refine
    refined = pose_refine.refine(keypoints)  # [frames, joints, 2 or 3]

Importing the package loads nothing heavy: `refine` and `Refiner` load JAX
on first use, so the estimator environment can import pose_refine.estimator.
"""


def __getattr__(name):
  if name in ("refine", "Refiner"):
    from pose_refine import refiner  # pylint: disable=g-import-not-at-top

    return getattr(refiner, name)
  raise AttributeError(f"module 'pose_refine' has no attribute {name!r}")
