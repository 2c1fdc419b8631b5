"""Checkpoints: the only module that talks to Orbax.

One CheckpointManager holds three items per step: "state" (parameters,
optimiser state, step), "config" (JSON) and "data" (the grain iterator's
state of this process). Orbax writes each step into a temporary directory
and renames it when complete, so a step directory that exists under its
final name was written whole; temporary leftovers of a killed run are
removed and never loaded.

Reading a model (restore_config, restore_params) needs Orbax only; grain is
imported by the Checkpointer, which saves the data iterator too.
"""

import json
import os

import jax
import orbax.checkpoint as ocp
from etils import epath


def _absolute(directory) -> epath.Path:
  """Orbax needs absolute paths; relative local ones are taken from the cwd."""
  text = os.fspath(directory)
  if "://" in text:  # gs://, s3://, ...
    return epath.Path(text)
  return epath.Path(os.path.abspath(text))


class CheckpointError(RuntimeError):
  """A checkpoint exists but cannot be loaded."""


class Checkpointer:
  """Saves and restores train state + config + data iterator state."""

  def __init__(self, directory, *, max_to_keep: int = 3, async_save: bool = True):
    import grain  # pylint: disable=g-import-not-at-top

    self._grain = grain
    self.directory = _absolute(directory)
    self._manager = ocp.CheckpointManager(
        self.directory,
        options=ocp.CheckpointManagerOptions(
            max_to_keep=max_to_keep,
            create=True,
            enable_async_checkpointing=async_save,
            cleanup_tmp_directories=True,
        ),
        item_handlers={
            "state": ocp.StandardCheckpointHandler(),
            "config": ocp.JsonCheckpointHandler(),
            "data": self._grain.checkpoint.CheckpointHandler(),
        },
    )

  def latest_step(self) -> int | None:
    return self._manager.latest_step()

  def save(self, step: int, state, config, data_iterator, *, force: bool = False) -> bool:
    """Starts an (asynchronous) save; returns whether one was started."""
    return self._manager.save(
        step,
        args=ocp.args.Composite(
            state=ocp.args.StandardSave(state),
            config=ocp.args.JsonSave(json.loads(config.to_json_best_effort())),
            data=self._grain.checkpoint.CheckpointSave(data_iterator),
        ),
        force=force,
    )

  def restore(self, step: int, abstract_state, data_iterator):
    """Restores `step` into the shapes/shardings of `abstract_state`.

    The data iterator is restored in place.

    Raises:
      CheckpointError: naming the step's directory if it cannot be read.
    """
    try:
      restored = self._manager.restore(
          step,
          args=ocp.args.Composite(
              state=ocp.args.StandardRestore(abstract_state),
              data=self._grain.checkpoint.CheckpointRestore(data_iterator),
          ),
      )
    except Exception as error:  # Orbax raises many types for bad files.
      raise CheckpointError(
          f"Checkpoint {self.directory / str(step)} is damaged or incompatible "
          f"with this config ({type(error).__name__}: {error}). Remove that "
          "directory to resume from the previous checkpoint, or use a new --workdir."
      ) from error
    return restored["state"]

  def close(self) -> None:
    """Waits until asynchronous saves are on disk, then releases the manager."""
    self._manager.wait_until_finished()
    self._manager.close()


def restore_params(directory, abstract_params):
  """Parameters of the latest checkpoint under `directory` (for init_from).

  Only the parameters are read, so the new run may use another optimiser.
  `directory` may also be a run's workdir or an `export`ed folder.
  """
  directory, manager, step = _open_latest(directory, {"state": ocp.PyTreeCheckpointHandler()})
  try:
    item = {"params": abstract_params}
    restored = manager.restore(
        step,
        args=ocp.args.Composite(
            state=ocp.args.PyTreeRestore(
                item,
                restore_args=ocp.checkpoint_utils.construct_restore_args(item),
                partial_restore=True,
            )
        ),
    )
  except Exception as error:
    raise CheckpointError(
        f"Cannot load parameters from {directory / str(step)}: {error}. The "
        "model config must match the one that checkpoint was trained with."
    ) from error
  manager.close()
  return restored["state"]["params"]


def _open_latest(directory, item_handlers):
  """(directory, read-only manager, latest step) of a workdir or checkpoint folder.

  Raises:
    CheckpointError: if it does not exist or holds no complete checkpoint.
  """
  directory = checkpoint_directory(directory)
  if not directory.is_dir():
    raise CheckpointError(f"Checkpoint directory {directory} does not exist.")
  manager = ocp.CheckpointManager(
      directory, options=ocp.CheckpointManagerOptions(read_only=True),
      item_handlers=item_handlers,
  )
  step = manager.latest_step()
  if step is None:
    raise CheckpointError(
        f"{directory} holds no complete checkpoint; expected a training run's workdir, its "
        "'checkpoints' folder, or a folder written by launch/export.py."
    )
  return directory, manager, step


def checkpoint_directory(path) -> epath.Path:
  """A run's workdir (holding checkpoints/) or a checkpoint directory itself."""
  path = _absolute(path)
  return path / "checkpoints" if (path / "checkpoints").is_dir() else path


def latest_step(directory) -> int:
  """The newest complete checkpoint's step under a workdir or checkpoint folder."""
  _, manager, step = _open_latest(directory, {"config": ocp.JsonCheckpointHandler()})
  manager.close()
  return step


def restore_config(directory) -> dict:
  """The config (as JSON) saved with the latest checkpoint under `directory`.

  Raises:
    CheckpointError: naming the directory if it holds no readable checkpoint.
  """
  directory, manager, step = _open_latest(directory, {"config": ocp.JsonCheckpointHandler()})
  try:
    config = manager.restore(step, args=ocp.args.Composite(config=ocp.args.JsonRestore()))
  except Exception as error:
    raise CheckpointError(f"Cannot read the config of {directory / str(step)}: {error}") from error
  manager.close()
  return config["config"]


COMMIT_MARKER, COMMIT_MESSAGE = "commit_success.txt", "Checkpoint commit was successful."
# Config entries that name folders of the machine that trained.
MACHINE_PATHS = ("manual_dir", "data_dir", "init_from", "workdir")


def without_machine_paths(tree):
  """A JSON config whose absolute folders (MACHINE_PATHS entries) keep only their last name.

  "/home/me/data/penn_action" -> "penn_action": the data set stays readable,
  the training machine's layout (user names, mounts) does not ship.
  """
  if isinstance(tree, list):
    return [without_machine_paths(value) for value in tree]
  if not isinstance(tree, dict):
    return tree
  return {key: (os.path.basename(value.rstrip("/\\")) if key in MACHINE_PATHS and
                isinstance(value, str) and os.path.isabs(value) else without_machine_paths(value))
          for key, value in tree.items()}


def export(directory, step: int, params, config) -> None:
  """Writes parameters and config only (no optimiser or data state), e.g. to ship.

  The result loads with `restore_config` and `restore_params` like a run's
  checkpoints, at a third of their size. The config keeps no absolute
  folder of the training machine (see `without_machine_paths`).
  """
  manager = ocp.CheckpointManager(
      _absolute(directory),
      options=ocp.CheckpointManagerOptions(create=True, enable_async_checkpointing=False),
      item_handlers={"state": ocp.StandardCheckpointHandler(),
                     "config": ocp.JsonCheckpointHandler()},
  )
  manager.save(step, args=ocp.args.Composite(
      state=ocp.args.StandardSave({"params": params}),
      config=ocp.args.JsonSave(without_machine_paths(json.loads(config.to_json_best_effort()))),
  ), force=True)
  manager.wait_until_finished()
  manager.close()
  # Orbax's commit markers record the absolute folder written to; only their presence counts.
  step_directory = _absolute(directory) / str(step)
  for folder in (step_directory, step_directory / "state", step_directory / "config"):
    if (folder / COMMIT_MARKER).exists():
      (folder / COMMIT_MARKER).write_text(COMMIT_MESSAGE)


def abstract_like(tree):
  """ShapeDtypeStructs (with shardings) of a pytree of arrays."""
  return jax.tree.map(ocp.utils.to_shape_dtype_struct, tree)
