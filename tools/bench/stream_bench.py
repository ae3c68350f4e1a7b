#!/usr/bin/env python3
"""Trains on a CSV file larger than most users' memory budget, streamed from
disk (data.stream) and held in memory, side by side, and reports each run's
peak resident memory and training speed.

    bazel build //tools:train_graph
    python3 tools/bench/stream_bench.py [--gigabytes 2] [--dir /tmp]

The file has 16 features and a numeric target (their weighted sum plus
noise); to be written in seconds without numpy, it repeats 50,000 distinct
rows, each block of them in another shuffled order. The model is a
16-32-1 MLP trained with Adam, batch 256, shuffled, for one epoch, features
standardised. Reported per run: peak RSS of train_graph (getrusage of the
child), the epoch's samples/s as the epoch line prints it, and the wall
time, of which the data loading (or cache writing) is most.

Targets (issue 18): streamed, peak RSS under 400 MB and samples/s within
10% of the in-memory run. train_graph is found with `bazel info bazel-bin`
unless --train_graph names it.
"""
import argparse
import os
import random
import re
import subprocess
import sys
import time

FEATURES = 16
DISTINCT_ROWS = 50_000

MODEL = """graph {
  node { name: "x" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 16 } } } }
  node { name: "y" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 1 } } } }
  node { name: "h" op: "Dense" input: "x" attr { key: "units" value { i: 32 } } attr { key: "activation" value { s: "ReLU" } } }
  node { name: "out" op: "Dense" input: "h" attr { key: "units" value { i: 1 } } }
  node { name: "loss" op: "MeanSquaredError" input: "out" input: "y" }
}
training { loss: "loss" optimizer { name: "Adam" attr { key: "learning_rate" value { f: 0.001 } } } epochs: 1 batch_size: 256 shuffle: true seed: 1 }
data {
  source { name: "csv" attr { key: "path" value { s: "%(csv)s" } } attr { key: "target_columns" value { list { s: "t" } } } }
  normalize { placeholder: "x" method: STANDARDIZE }
  %(stream)s
}
"""


def write_csv(path, gigabytes):
    rng = random.Random(7)
    weights = [rng.uniform(-1, 1) for _ in range(FEATURES)]
    rows = []
    for _ in range(DISTINCT_ROWS):
        x = [rng.gauss(0, 1) for _ in range(FEATURES)]
        t = sum(w * v for w, v in zip(weights, x)) + rng.gauss(0, 0.1)
        rows.append(",".join(f"{v:.6f}" for v in x) + f",{t:.6f}\n")
    target = int(gigabytes * (1 << 30))
    written = 0
    with open(path, "w") as f:
        f.write(",".join(f"f{i}" for i in range(FEATURES)) + ",t\n")
        while written < target:
            rng.shuffle(rows)
            block = "".join(rows)
            f.write(block)
            written += len(block)
    return written


def train_graph_path(given):
    if given:
        return given
    done = subprocess.run(["bazel", "info", "bazel-bin"], capture_output=True,
                          text=True, check=True)
    return os.path.join(done.stdout.strip().splitlines()[-1],
                        "tools/train_graph")


def run(train_graph, model_path):
    """(peak RSS in MiB, the epoch's samples/s, wall seconds, output)."""
    start = time.time()
    child = subprocess.Popen([train_graph, model_path, "--threads", "2"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.time() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{model_path} failed:\n{output}")
    speed = re.findall(r"(\d+) samples/s", output)
    return usage.ru_maxrss / 1024, int(speed[-1]) if speed else 0, wall, output


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=2)
    parser.add_argument("--dir", default="/tmp")
    parser.add_argument("--train_graph")
    parser.add_argument("--keep", action="store_true",
                        help="keep the CSV file for another run")
    args = parser.parse_args()
    train_graph = train_graph_path(args.train_graph)
    csv = os.path.join(args.dir, f"nabla_stream_bench_{args.gigabytes}g.csv")
    if not os.path.exists(csv):
        started = time.time()
        size = write_csv(csv, args.gigabytes)
        print(f"wrote {csv}: {size / (1 << 30):.2f} GiB in "
              f"{time.time() - started:.0f} s")
    results = {}
    for name, stream in [("streamed", "stream { }"), ("in memory", "")]:
        model = os.path.join(args.dir, f"nabla_stream_bench_{len(results)}.pbtxt")
        with open(model, "w") as f:
            f.write(MODEL % {"csv": csv, "stream": stream})
        results[name] = run(train_graph, model)
        rss, speed, wall, output = results[name]
        header = next((l for l in output.splitlines()
                       if l.startswith("training ")), "")
        print(f"{name:9}: peak RSS {rss:7.1f} MiB, {speed:9d} samples/s, "
              f"{wall:6.1f} s wall   ({header})")
    streamed, in_memory = results["streamed"], results["in memory"]
    print(f"streamed/in-memory speed: {streamed[1] / in_memory[1]:.3f}; "
          f"streamed peak RSS {streamed[0]:.1f} MiB (target < 400)")
    if not args.keep:
        os.remove(csv)


if __name__ == "__main__":
    main()
