"""Event files are valid TFRecords of Event protos."""

import struct

from pose_refine import tensorboard


def _read_records(path):
  data = path.read_bytes()
  records, offset = [], 0
  while offset < len(data):
    (length,) = struct.unpack_from("<Q", data, offset)
    (header_crc,) = struct.unpack_from("<I", data, offset + 8)
    assert header_crc == tensorboard._masked_crc(data[offset : offset + 8])
    body = data[offset + 12 : offset + 12 + length]
    (body_crc,) = struct.unpack_from("<I", data, offset + 12 + length)
    assert body_crc == tensorboard._masked_crc(body)
    records.append(body)
    offset += 16 + length
  return records


def test_crc32c_known_vector():
  assert tensorboard.crc32c(b"123456789") == 0xE3069283


def test_scalars_round_trip(tmp_path):
  writer = tensorboard.SummaryWriter(tmp_path)
  writer.scalars(7, {"train/loss": 0.25})
  writer.close()
  first, second = _read_records(writer.path)
  assert b"brain.Event:2" in first
  # step=7 as a varint after field 2's tag, and the float 0.25 after field 2 (fixed32).
  assert b"\x10\x07" in second
  assert b"train/loss" in second and b"\x15" + struct.pack("<f", 0.25) in second
