r"""Makes docs/online_curve.png from several launch.online_curve runs over the same clips.

python docs/make_online_figure.py workdirs/accuracy/online_floor/online_curve.json \
    workdirs/accuracy/online/online_curve.json \
    workdirs/accuracy/online_parts2/online_curve.json

Each run's methods join one figure (launch.online_curve.plot) in the order
they first appear; a method two runs score (the filters, tuned alike) is
taken from the later file. The runs must share levels and lookaheads.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from launch import online_curve  # noqa: E402


def merge(records: list[dict]) -> dict:
  levels = {}
  for record in records:
    for level, condition in record.items():
      scores = levels.setdefault(level, {"scores": {}})["scores"]
      for lookahead, methods in condition["scores"].items():
        scores.setdefault(lookahead, {}).update(methods)
  return levels


def main():
  parser = argparse.ArgumentParser()
  parser.add_argument("runs", nargs="+", help="online_curve.json files")
  parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__),
                                                       "online_curve.png"))
  args = parser.parse_args()
  records = []
  for path in args.runs:
    with open(path) as f:
      records.append(json.load(f))
  online_curve.plot(merge(records), args.output)
  print(args.output)


if __name__ == "__main__":
  main()
