"""Imports run one way, as docs/architecture.md draws them."""

import ast
import pathlib

from tests import conftest

# docs/architecture.md's rows, top to bottom.
ROWS = (
    ("cli",),
    ("train", "robustness", "evaluation", "refiner"),
    ("inference", "streaming", "stream_finish", "input_pipeline", "video", "keypoint_io",
     "selection", "baselines", "demo"),
    ("models", "windows", "metrics", "noise", "corruption", "heldout_errors", "synthetic",
     "checkpointing", "sharding",
     "tensorboard", "estimator", "datasets"),
    ("normalization", "skeletons", "frames", "files"),
)
WITHIN_A_ROW = {("train", "evaluation"), ("robustness", "evaluation"),
                ("streaming", "baselines"), ("streaming", "selection"), ("selection", "baselines"),
                ("streaming", "stream_finish"), ("stream_finish", "selection"),
                ("stream_finish", "baselines")}


def _project_imports(path: pathlib.Path) -> set[str]:
  """pose_refine modules `path` imports, at module level or inside functions."""
  names = set()
  for node in ast.walk(ast.parse(path.read_text())):
    if isinstance(node, ast.ImportFrom) and node.module == "pose_refine":
      names.update(alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pose_refine."):
      names.add(node.module.split(".")[1])
  return names


def test_every_module_is_drawn_and_imports_only_lower_rows():
  row = {name: i for i, names in enumerate(ROWS) for name in names}
  modules = {p.stem: p for p in (conftest.ROOT / "pose_refine").glob("*.py")
             if p.stem != "__init__"}
  assert set(modules) == set(row), set(modules) ^ set(row)
  for name, path in modules.items():
    for imported in _project_imports(path):
      assert row[imported] > row[name] or (name, imported) in WITHIN_A_ROW, (
          f"pose_refine.{name} imports {imported}, which docs/architecture.md draws "
          "on its row or above it.")
