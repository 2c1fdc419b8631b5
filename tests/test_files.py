"""Atomic writes: whole outputs or none; frame numbers and frame folders."""

import os

import numpy as np
import pytest

from pose_refine import files
from pose_refine import frames


def test_atomic_file_appears_whole_with_ordinary_permissions(tmp_path):
  path = tmp_path / "out.txt"
  files.write_text(path, "hello")
  assert path.read_text() == "hello"
  umask = os.umask(0)
  os.umask(umask)
  assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask
  assert os.listdir(tmp_path) == ["out.txt"]


def test_failed_atomic_writes_leave_nothing(tmp_path):
  with pytest.raises(RuntimeError):
    with files.atomic_file(tmp_path / "out.npy", "wb") as f:
      np.save(f, np.zeros(3))
      raise RuntimeError("stop")
  with pytest.raises(RuntimeError):
    with files.atomic_folder(tmp_path / "folder") as folder:
      (tmp_path / "folder.txt").write_text("beside")
      open(os.path.join(folder, "a.json"), "w").close()
      raise RuntimeError("stop")
  assert os.listdir(tmp_path) == ["folder.txt"]


def test_atomic_folder_fills_an_empty_folder_and_keeps_a_full_one(tmp_path):
  (tmp_path / "empty").mkdir()
  with files.atomic_folder(tmp_path / "empty") as folder:
    open(os.path.join(folder, "a.json"), "w").close()
  assert os.listdir(tmp_path / "empty") == ["a.json"]
  with pytest.raises(OSError, match="exists; choose a new output folder"):
    with files.atomic_folder(tmp_path / "empty"):
      pass
  with pytest.raises(OSError, match="does not exist"):
    files.write_text(tmp_path / "missing" / "out.txt", "x")


def test_frame_numbers_and_folders(tmp_path):
  assert frames.frame_number("frame_000755.jpg", 3) == 755
  assert frames.frame_number("clip2_frame7.png", 0) == 7
  assert frames.frame_number("still.png", 3) == 3
  assert frames.frame_number(np.int64(12), 0) == 12
  from PIL import Image  # pylint: disable=g-import-not-at-top

  for name in ("b_0002.png", "a_0010.png", "notes.txt"):
    if name.endswith(".png"):
      Image.new("RGB", (8, 6), (10, 20, 30)).save(tmp_path / name)
    else:
      (tmp_path / name).write_text("x")
  read = list(frames.read_frames(str(tmp_path)))
  assert [number for number, _ in read] == [10, 2]  # Name order, numbers from the names.
  assert read[0][1].shape == (6, 8, 3) and tuple(read[0][1][0, 0]) == (10, 20, 30)
  assert frames.frame_count(str(tmp_path)) == (2, 25.0)
  with pytest.raises(FileNotFoundError, match="no frame file"):
    list(frames.read_frames(str(tmp_path), ["c_0001.png"]))
  with pytest.raises(FileNotFoundError, match="neither a video file nor a folder"):
    frames.frame_count(str(tmp_path / "nothing"))
