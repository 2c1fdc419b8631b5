"""Atomic writes of files and folders: a failed run leaves no partial output.

Standard library only, so the estimator environment (no JAX) uses it too.
Whatever is written goes to a temporary name beside the target and is
renamed into place once complete; on an error the temporary is removed.
"""

import contextlib
import os
import shutil
import tempfile


def check_writable(path) -> None:
  """Raises OSError naming `path` if its folder is missing or read-only."""
  path = os.path.abspath(os.fspath(path))
  parent = os.path.dirname(path)
  if not os.path.isdir(parent):
    raise OSError(f"Cannot write {path}: folder {parent} does not exist.")
  if not os.access(parent, os.W_OK):
    raise OSError(f"Cannot write {path}: folder {parent} is not writable.")


def _default_mode(directory: bool) -> int:
  """What open() / mkdir() would give under the current umask."""
  umask = os.umask(0)
  os.umask(umask)
  return (0o777 if directory else 0o666) & ~umask


@contextlib.contextmanager
def atomic_path(path):
  """Yields a temporary file name to write; it becomes `path` when the block ends.

  For writers that take a name rather than a file object (video encoders).
  The temporary name ends in `path`'s suffix, which such writers often read.

  Raises:
    OSError: naming `path` if its folder does not exist or is read-only.
  """
  path = os.path.abspath(os.fspath(path))
  check_writable(path)
  handle, temporary = tempfile.mkstemp(prefix=os.path.basename(path) + ".tmp-",
                                       suffix=os.path.splitext(path)[1],
                                       dir=os.path.dirname(path))
  os.close(handle)
  try:
    yield temporary
    os.chmod(temporary, _default_mode(directory=False))  # mkstemp makes it private.
    os.replace(temporary, path)
  except BaseException:
    if os.path.exists(temporary):
      os.remove(temporary)
    raise


@contextlib.contextmanager
def atomic_file(path, mode: str = "w"):
  """Yields a file object opened with `mode` ("w" or "wb"); see `atomic_path`."""
  with atomic_path(path) as temporary, open(temporary, mode) as f:
    yield f


@contextlib.contextmanager
def atomic_folder(path):
  """Yields a temporary folder to fill; it becomes `path` when the block ends.

  An existing empty folder at `path` is replaced; anything else there is
  an error rather than overwritten.

  Raises:
    OSError: naming `path` if it exists (and is not an empty folder) or its
      folder does not exist or is read-only.
  """
  path = os.path.abspath(os.fspath(path))
  check_writable(path)
  if os.path.exists(path) and (not os.path.isdir(path) or os.listdir(path)):
    raise OSError(f"Cannot write {path}: it exists; choose a new output folder or remove it.")
  temporary = tempfile.mkdtemp(prefix=os.path.basename(path) + ".tmp-",
                               dir=os.path.dirname(path))
  try:
    yield temporary
    os.chmod(temporary, _default_mode(directory=True))
    if os.path.isdir(path):
      os.rmdir(path)
    os.replace(temporary, path)
  except BaseException:
    shutil.rmtree(temporary, ignore_errors=True)
    raise


def write_text(path, text: str) -> None:
  """Writes `text` to `path` atomically."""
  with atomic_file(path, "w") as f:
    f.write(text)
