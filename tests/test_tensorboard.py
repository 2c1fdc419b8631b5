"""Event files are valid TFRecords of Event protos that TensorBoard reads."""

import pathlib
import struct

from tensorboardX import record_writer
from tensorboardX.proto import event_pb2

from pose_refine import tensorboard


def _read_events(path):
  """Every Event of a TFRecord file, checking each record's lengths and CRC32C."""
  data = path.read_bytes()
  events, offset = [], 0
  while offset < len(data):
    (length,) = struct.unpack_from("<Q", data, offset)
    (header_crc,) = struct.unpack_from("<I", data, offset + 8)
    assert header_crc == record_writer.masked_crc32c(data[offset : offset + 8])
    body = data[offset + 12 : offset + 12 + length]
    (body_crc,) = struct.unpack_from("<I", data, offset + 12 + length)
    assert body_crc == record_writer.masked_crc32c(body)
    events.append(event_pb2.Event.FromString(body))
    offset += 16 + length
  return events


def test_crc32c_known_vector():
  # The checksum TFRecord readers verify every record with (CRC-32C, Castagnoli).
  assert record_writer.crc32c(b"123456789") == 0xE3069283


def test_scalars_round_trip(tmp_path):
  writer = tensorboard.SummaryWriter(tmp_path / "tensorboard")
  writer.scalars(7, {"train/loss": 0.25, "train/grad_norm": 3.0})
  writer.scalars(8, {"train/loss": 0.125})
  writer.close()
  (path,) = pathlib.Path(tmp_path / "tensorboard").glob("events.out.tfevents.*")
  first, *scalars = _read_events(path)
  assert first.file_version == "brain.Event:2"
  logged = [(e.step, v.tag, v.simple_value) for e in scalars for v in e.summary.value]
  assert logged == [(7, "train/loss", 0.25), (7, "train/grad_norm", 3.0), (8, "train/loss", 0.125)]
