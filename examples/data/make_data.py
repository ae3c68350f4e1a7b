#!/usr/bin/env python3
"""Writes the CSV files of the CSV examples, from known functions with
seeded noise, so that they can be made again and checked:

  regression.csv      x1, x2, x3 in [-2, 2]; y = 3 sin(x1) + 0.5 x2^2 - x3
                      plus Gaussian noise of standard deviation 0.1.
  blobs_train.csv     two features around three centres, one class each
  blobs_test.csv      (red, green, blue), standard deviation 1.0.

Run from this directory: python3 make_data.py
"""
import math
import random


def regression(rng, rows):
    out = ["x1,x2,x3,y"]
    for _ in range(rows):
        x = [rng.uniform(-2, 2) for _ in range(3)]
        y = 3 * math.sin(x[0]) + 0.5 * x[1] ** 2 - x[2] + rng.gauss(0, 0.1)
        out.append(",".join(f"{v:.5f}" for v in x + [y]))
    return "\n".join(out) + "\n"


CENTRES = {"red": (0.0, 2.0), "green": (-1.8, -1.0), "blue": (1.8, -1.0)}


def blobs(rng, per_class):
    rows = []
    for name, (cx, cy) in CENTRES.items():
        for _ in range(per_class):
            rows.append((rng.gauss(cx, 1.0), rng.gauss(cy, 1.0), name))
    rng.shuffle(rows)
    return "a,b,colour\n" + "".join(f"{a:.4f},{b:.4f},{c}\n" for a, b, c in rows)


def main():
    rng = random.Random(20261128)
    with open("regression.csv", "w") as f:
        f.write(regression(rng, 400))
    with open("blobs_train.csv", "w") as f:
        f.write(blobs(rng, 100))
    with open("blobs_test.csv", "w") as f:
        f.write(blobs(rng, 30))


if __name__ == "__main__":
    main()
