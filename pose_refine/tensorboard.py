"""TensorBoard scalar event files, written without TensorFlow (by tensorboardX).

The trainer logs a dict of scalars per step; this is that one call on top of
tensorboardX's writer, flushed at once so a crash loses no logged step.
"""

import tensorboardX


class SummaryWriter:
  """Appends scalar summaries to a new events file in `logdir` (created)."""

  def __init__(self, logdir):
    self._writer = tensorboardX.SummaryWriter(logdir=str(logdir))
    self.logdir = self._writer.logdir

  def scalars(self, step: int, values: dict[str, float]) -> None:
    for tag, value in values.items():
      self._writer.add_scalar(tag, float(value), step)
    self._writer.flush()

  def close(self) -> None:
    self._writer.close()
