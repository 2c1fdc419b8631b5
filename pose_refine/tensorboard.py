"""TensorBoard scalar event files, written without TensorFlow.

An event file is a TFRecord stream of `Event` protocol buffers; scalars need
only a few fields, encoded here by hand: Event{wall_time=1, step=2,
file_version=3, summary=5}, Summary{value=1}, Summary.Value{tag=1,
simple_value=2}. TensorBoard reads these files as it reads its own.
"""

import socket
import struct
import time

from etils import epath


def _crc32c_table():
  table = []
  for byte in range(256):
    crc = byte
    for _ in range(8):
      crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    table.append(crc)
  return table


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
  crc = 0xFFFFFFFF
  for byte in data:
    crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
  return crc ^ 0xFFFFFFFF


def _masked_crc(data: bytes) -> int:
  crc = crc32c(data)
  return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(value: int) -> bytes:
  out = bytearray()
  value &= (1 << 64) - 1
  while True:
    bits = value & 0x7F
    value >>= 7
    if value:
      out.append(bits | 0x80)
    else:
      out.append(bits)
      return bytes(out)


def _field(number: int, wire_type: int, payload: bytes) -> bytes:
  return _varint((number << 3) | wire_type) + payload


def _length_delimited(number: int, payload: bytes) -> bytes:
  return _field(number, 2, _varint(len(payload)) + payload)


def encode_event(step: int, wall_time: float, scalars=None, file_version=None) -> bytes:
  """Serialises one Event with scalar summaries {tag: value}."""
  event = _field(1, 1, struct.pack("<d", wall_time)) + _field(2, 0, _varint(step))
  if file_version:
    event += _length_delimited(3, file_version.encode())
  if scalars:
    summary = b"".join(
        _length_delimited(
            1, _length_delimited(1, tag.encode()) + _field(2, 5, struct.pack("<f", value))
        )
        for tag, value in scalars.items()
    )
    event += _length_delimited(5, summary)
  return event


def _record(data: bytes) -> bytes:
  header = struct.pack("<Q", len(data))
  return header + struct.pack("<I", _masked_crc(header)) + data + struct.pack(
      "<I", _masked_crc(data)
  )


class SummaryWriter:
  """Appends scalar summaries to a new events file in `logdir`."""

  def __init__(self, logdir):
    logdir = epath.Path(logdir)
    logdir.mkdir(parents=True, exist_ok=True)
    name = f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}"
    self.path = logdir / name
    self._file = self.path.open("wb")
    self._file.write(_record(encode_event(0, time.time(), file_version="brain.Event:2")))
    self._file.flush()

  def scalars(self, step: int, values: dict[str, float]) -> None:
    self._file.write(_record(encode_event(step, time.time(), scalars=values)))
    self._file.flush()

  def close(self) -> None:
    self._file.close()
