"""The project's TFDS builders, registered with TFDS by name (`tfds.builder("penn_action")`).

    from pose_refine import datasets
    datasets.register()
    builder = tfds.builder("synthetic_pose/small")

The builders live in the clone's top-level datasets/ folder (one folder per
data set, next to pose_refine/), which the package does not install: a
top-level module named `datasets` would shadow Hugging Face `datasets`. So
they are for research runs from a clone (`pip install -e .` or the repository
root as the working directory); `register` finds them beside this package and
imports them under their folder's name, ahead of any installed `datasets`.
"""

import os
import sys

CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILDERS = os.path.join(CHECKOUT, "datasets")


def _is_ours(module) -> bool:
  return os.path.dirname(os.path.abspath(getattr(module, "__file__", "") or "")) == BUILDERS


def register():
  """Imports the clone's TFDS builders, which registers them with TFDS; returns their package.

  Raises:
    ImportError: when pose_refine was installed without its clone (no
      datasets/ folder beside it), or another `datasets` package (Hugging
      Face's) was imported first in this process.
  """
  if not os.path.exists(os.path.join(BUILDERS, "__init__.py")):
    raise ImportError(
        f"The TFDS builders live in a clone of pose_refine (datasets/), not beside {CHECKOUT}; "
        "install from a clone with pip install -e, or run from the clone's root.")
  module = sys.modules.get("datasets")
  if module is not None and not _is_ours(module):
    raise ImportError(
        f"Another package named datasets ({getattr(module, '__file__', module)}) was imported "
        "first; register pose_refine's TFDS builders before importing it.")
  if module is None:
    if CHECKOUT not in sys.path:
      sys.path.insert(0, CHECKOUT)  # Ahead of site-packages, where Hugging Face's may be.
    import datasets  # pylint: disable=g-import-not-at-top

    module = datasets
    if not _is_ours(module):
      raise ImportError(f"import datasets found {module.__file__}, not {BUILDERS}.")
  return module
