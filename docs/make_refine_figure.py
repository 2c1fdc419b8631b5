r"""Makes docs/refine_overlay.png from the README's demo (launch.render_synthetic + launch.refine).

python docs/make_refine_figure.py --demo=/tmp/demo --frames=23,51,100

Picks the given overlay frames (written by launch.refine --overlay), crops each
around the person and puts them side by side.
"""

import argparse
import os

import numpy as np
from PIL import Image


def main():
  parser = argparse.ArgumentParser()
  parser.add_argument("--demo", default="/tmp/demo")
  parser.add_argument("--frames", default="23,51,100")
  parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__),
                                                       "refine_overlay.png"))
  args = parser.parse_args()
  truth = np.load(os.path.join(args.demo, "noisy_truth.npy"))
  tiles = []
  for frame in (int(f) for f in args.frames.split(",")):
    low = np.maximum(truth[frame].min(0) - 45, 0)
    high = np.minimum(truth[frame].max(0) + 45, [639, 479])
    image = Image.open(os.path.join(args.demo, "overlay", f"frame_{frame:06d}.png"))
    tile = image.crop((int(low[0]), int(low[1]), int(high[0]), int(high[1])))
    tiles.append(tile.resize((int(tile.width * 1.6), int(tile.height * 1.6))))
  height = max(t.height for t in tiles)
  figure = Image.new("RGB", (sum(t.width for t in tiles) + 10 * (len(tiles) - 1), height),
                     (255, 255, 255))
  x = 0
  for tile in tiles:
    figure.paste(tile, (x, 0))
    x += tile.width + 10
  figure.save(args.output, optimize=True)
  print(f"{args.output}: {figure.size[0]}x{figure.size[1]}")


if __name__ == "__main__":
  main()
