r"""Builds a data set's ArrayRecord files (training also does this on first use).

python -m launch.build_dataset --dataset=youtube_pose/weak --manual_dir=../shared/data/youtube_pose
python -m launch.build_dataset --dataset=penn_action --manual_dir=../shared/data/penn_action
python -m launch.build_dataset --dataset=cvit_sports --manual_dir=/data/cvit_sports
python -m launch.build_dataset --dataset=synthetic_pose

Writes to --data_dir (default: TFDS's, ~/tensorflow_datasets or $TFDS_DATA_DIR)
and prints the split sizes.
"""

from absl import app
from absl import flags

_DATASET = flags.DEFINE_string("dataset", None, "TFDS name[/config], e.g. youtube_pose/strong.")
_MANUAL_DIR = flags.DEFINE_string("manual_dir", None, "Raw files, for data sets that need them.")
_DATA_DIR = flags.DEFINE_string("data_dir", None, "Where the built data set goes.")
flags.mark_flags_as_required(["dataset"])


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top

  from pose_refine import datasets  # pylint: disable=g-import-not-at-top

  datasets.register()

  builder = tfds.builder(_DATASET.value, data_dir=_DATA_DIR.value, file_format="array_record")
  builder.download_and_prepare(
      download_config=tfds.download.DownloadConfig(manual_dir=_MANUAL_DIR.value)
  )
  for name, split in builder.info.splits.items():
    print(f"{_DATASET.value}:{name}: {split.num_examples} videos")
  print(f"in {builder.data_dir}")


if __name__ == "__main__":
  app.run(main)
