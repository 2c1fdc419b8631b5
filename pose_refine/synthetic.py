"""Plausible 2D human motion from a jointed skeleton, for the embedded data set.

A person is a kinematic tree (pelvis -> torso -> neck -> head and arms;
pelvis -> legs). Each joint angle is a rest angle plus a few random
sinusoids, so motion is smooth and varied; the body turns (yaw shrinks the
shoulder and hip widths), the camera follows with a drifting root and a
slowly changing zoom. Joints are in the Penn Action order
(`skeletons.PENN_ACTION`).
"""

import numpy as np

from pose_refine import skeletons

SKELETON = skeletons.PENN_ACTION
FRAME_SIZE = (640, 480)  # width, height in pixels

# Segment lengths in torso units (torso = mid-hip to neck).
_HEAD = 0.45
_SHOULDER_HALF = 0.42
_HIP_HALF = 0.22
_UPPER_ARM = 0.55
_FOREARM = 0.5
_THIGH = 0.85
_SHIN = 0.8


def _smooth_signal(rng, time, fps, num, amplitude, low_hz, high_hz):
  """Sum of `num` random sinusoids: [time] array with ~`amplitude` size."""
  t = np.arange(time) / fps
  freq = rng.uniform(low_hz, high_hz, num)
  phase = rng.uniform(0, 2 * np.pi, num)
  amp = amplitude * rng.uniform(0.3, 1.0, num) / np.sqrt(num)
  return (amp[:, None] * np.sin(2 * np.pi * freq[:, None] * t + phase[:, None])).sum(0)


def _direction(angle):
  """Unit vector for an image-plane angle; 0 points down (+y), pi/2 right."""
  return np.stack([np.sin(angle), np.cos(angle)], -1)


def generate_motion(rng: np.random.Generator, time: int, fps: float = 30.0):
  """Generates one person's joint tracks.

  Args:
    rng: source of randomness.
    time: number of frames.
    fps: frames per second; sets the speed of the sinusoids.

  Returns:
    poses: [time, 13, 2] pixels in a 640x480 frame, Penn Action joint order.
    torso: [time] torso length in pixels (the person's scale).
  """
  sig = lambda amp, lo=0.1, hi=1.2, n=3: _smooth_signal(rng, time, fps, n, amp, lo, hi)
  energy = rng.uniform(0.3, 1.0)  # calm standing .. vigorous action

  torso = rng.uniform(55, 110) * np.exp(sig(0.25, 0.02, 0.15, 2))
  width, height = FRAME_SIZE
  root = np.stack(
      [
          width / 2 + rng.uniform(-120, 120) + sig(90, 0.02, 0.2),
          height * 0.58 + rng.uniform(-40, 40) + sig(40, 0.02, 0.2),
      ],
      -1,
  )
  root += rng.normal(0, 0.6, root.shape)  # handheld camera shake
  yaw = rng.uniform(-0.9, 0.9) + sig(0.5 * energy, 0.02, 0.2)
  lean = rng.uniform(-0.15, 0.15) + sig(0.25 * energy)
  width_factor = np.clip(np.abs(np.cos(yaw)), 0.15, 1.0) * np.sign(np.cos(yaw))

  up = np.pi + lean  # torso points up from the pelvis
  neck = root + torso[:, None] * _direction(up)
  head = neck + _HEAD * torso[:, None] * _direction(up + sig(0.25 * energy))
  side = _direction(up + np.pi / 2) * width_factor[:, None]  # towards the left

  def limb(base, rest, first_length, bend_rest, second_length, scale):
    swing = rest + sig(1.2 * energy * scale)
    # Elbows and knees bend one way only: the sign of `bend_rest`.
    bend = np.sign(bend_rest) * (abs(bend_rest) + np.abs(sig(1.4 * energy * scale)))
    a = base + first_length * torso[:, None] * _direction(swing)
    b = a + second_length * torso[:, None] * _direction(swing + bend)
    return a, b

  joints = {"head": head}
  for sign, name in ((1, "left"), (-1, "right")):
    shoulder = neck + sign * _SHOULDER_HALF * torso[:, None] * side
    hip = root + sign * _HIP_HALF * torso[:, None] * side
    elbow, wrist = limb(
        shoulder, lean + sign * rng.uniform(0.05, 0.5), _UPPER_ARM,
        sign * rng.uniform(0.1, 0.9), _FOREARM, 1.0,
    )
    knee, ankle = limb(
        hip, lean + sign * rng.uniform(0.0, 0.15), _THIGH,
        -sign * rng.uniform(0.0, 0.3), _SHIN, 0.4,
    )
    joints.update({
        f"{name}_shoulder": shoulder, f"{name}_elbow": elbow,
        f"{name}_wrist": wrist, f"{name}_hip": hip,
        f"{name}_knee": knee, f"{name}_ankle": ankle,
    })
  poses = np.stack([joints[j] for j in SKELETON.joints], 1)
  return poses.astype(np.float32), torso.astype(np.float32)
