"""pose_refine: sequence-to-sequence correction of 2D human pose estimates.

    import pose_refine
    refined = pose_refine.refine(keypoints)  # [frames, joints, 2 or 3]
    pose_refine.refine_file("results.json", "refined.json")

Importing the package loads nothing heavy: `refine`, `refine_file` and
`Refiner` load JAX on first use, so the estimator environment can import
pose_refine.estimator.
"""


def __getattr__(name):
  if name in ("refine", "refine_file", "Refiner"):
    from pose_refine import refiner  # pylint: disable=g-import-not-at-top

    return getattr(refiner, name)
  raise AttributeError(f"module 'pose_refine' has no attribute {name!r}")
