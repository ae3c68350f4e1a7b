#!/usr/bin/env python3
"""Predictions served one image per request: nabla's embedding API against
PyTorch's torch.inference_mode(), on the same trained model.

The Fashion-MNIST MLP (examples/fashion_mnist_mlp.pbtxt) is trained for
--epochs with train_graph and saved; its weights, read back with
inspect_checkpoint, become the same 784-256-128-10 network in PyTorch.
Then, with each thread count, every one of the 10000 test images is one
request: examples/embed/serve_predictions calls Model::Classify from that
many threads; the PyTorch side runs model(image).softmax(1).argmax(1) under
torch.inference_mode() from that many Python threads, one sample per call,
torch.set_num_threads(1) (one request is too small to share between
threads). Both sides must reach the same test accuracy (the same labels),
which shows they serve the same model.

The sides run in alternation, one process each per round; the table shows
the median requests/s over the rounds (--repeats) and nabla's ratio.

  ./tools/bench/setup_bench.sh
  bazel build //tools:train_graph //tools:inspect_checkpoint \\
      //examples/embed:serve_predictions //tools/bench:fma_peak
  python3 tools/bench/compare_serving.py [--threads 1,2,8] [--repeats 5]

Exit status: 0 when the sides agreed, 1 when their accuracies differ, 2 for
a usage error or a process that failed.
"""

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time

import compare_pytorch as common
from compare_pytorch import np

BINARIES = {"train_graph": ("tools", "train_graph"),
            "inspect_checkpoint": ("tools", "inspect_checkpoint"),
            "serve": ("examples", "embed", "serve_predictions"),
            "fma_peak": ("tools", "bench", "fma_peak")}
BUILD_COMMAND = ("bazel build //tools:train_graph //tools:inspect_checkpoint "
                 "//examples/embed:serve_predictions //tools/bench:fma_peak")
LAYERS = ("hidden1", "hidden2", "logits")


def fail(message):
    common.fail(message, "compare_serving")


def run(cmd, env=None):
    code, out, err, seconds, _ = common.run_process(cmd, env)
    if code != 0:
        fail(f"{' '.join(cmd)} failed ({code}):\n{err}")
    return out


def read_checkpoint(text):
    """{variable name: float32 array} from inspect_checkpoint's listing:
    a line `variable NAME float32[d0, d1]`, then one indented line of
    values per row (9 significant digits: float32 round-trips)."""
    variables, name, shape, rows = {}, None, None, []

    def finish():
        if name is not None:
            variables[name] = np.array(rows, dtype=np.float32).reshape(shape)

    for line in text.splitlines():
        if line.startswith("  ") and name is not None:
            rows.append([float(v) for v in line.split()])
            continue
        finish()
        name = None
        match = re.fullmatch(r"variable (\S+) float32\[([0-9, ]*)\]", line)
        if match:
            name, rows = match.group(1), []
            shape = [int(d) for d in match.group(2).split(",")]
    finish()
    return variables


def torch_worker(weights_path, threads):
    """Serves the test images from `threads` Python threads; prints JSON."""
    import torch
    torch.set_num_threads(1)
    weights = np.load(weights_path)
    layers = []
    for i, name in enumerate(LAYERS):
        w = weights[f"{name}/weights"]
        linear = torch.nn.Linear(w.shape[0], w.shape[1])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w.T.copy()))
            linear.bias.copy_(torch.from_numpy(weights[f"{name}/bias"]))
        layers.append(linear)
        if i + 1 < len(LAYERS):
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).eval()
    x, labels = common.fashion_split("t10k")
    images = torch.from_numpy(x)
    predicted = [0] * len(images)

    def serve(first):
        with torch.inference_mode():
            for r in range(first, len(images), threads):
                predicted[r] = model(images[r:r + 1]).softmax(1).argmax(1).item()

    servers = [threading.Thread(target=serve, args=(t,)) for t in range(threads)]
    start = time.perf_counter()
    for s in servers:
        s.start()
    for s in servers:
        s.join()
    seconds = time.perf_counter() - start
    accuracy = float(np.mean(np.array(predicted) == labels))
    print(json.dumps({"requests_per_s": len(images) / seconds,
                      "accuracy": accuracy}))


def serve_nabla(args, checkpoint, threads):
    out = run([args.serve, common.FASHION_MODEL, checkpoint, str(threads)],
              common.child_env(common.Side("nabla", threads, kernels=args.kernels)))
    rate = re.search(r"([0-9.]+) requests/s", out)
    accuracy = re.search(r"accuracy ([0-9.]+); ([0-9]+) answers differ", out)
    if not rate or not accuracy:
        fail(f"cannot read serve_predictions' output:\n{out}")
    if int(accuracy.group(2)) != 0:
        fail(f"serve_predictions: answers differ between threads:\n{out}")
    return {"requests_per_s": float(rate.group(1)),
            "accuracy": float(accuracy.group(1))}


def serve_torch(weights_path, threads):
    env = common.child_env(common.Side("torch", 1, "unset"))
    out = run([sys.executable, os.path.abspath(__file__), "--worker",
               "--weights", weights_path, "--threads", str(threads)], env)
    return json.loads(out.strip().splitlines()[-1])


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", default="1,2,8",
                        help="serving thread counts (default 1,2,8)")
    parser.add_argument("--repeats", type=int, default=5,
                        help="rounds; the table shows medians (default 5)")
    parser.add_argument("--epochs", type=int, default=1,
                        help="epochs to train the served model (default 1)")
    parser.add_argument("--kernels", choices=common.KERNEL_SETS,
                        help="nabla's kernel set (NABLA_KERNELS); default: "
                             "the one nabla picks for this CPU")
    parser.add_argument("--keep", metavar="DIR", help="keep the files here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--weights", help=argparse.SUPPRESS)
    for name in BINARIES:
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name,
                            help=f"the {name} binary (default: bazel-bin's)")
    args = parser.parse_args()
    try:
        args.threads = [int(t) for t in args.threads.split(",")]
    except ValueError:
        parser.error(f"--threads: not a list of numbers: {args.threads!r}")
    if any(t < 1 for t in args.threads):
        parser.error("--threads: each count must be at least 1")
    if args.repeats < 1 or args.epochs < 1:
        parser.error("--repeats and --epochs must be at least 1")
    return args


def main():
    args = parse_args()
    if args.worker:
        return torch_worker(args.weights, args.threads[0])
    import importlib.util
    if importlib.util.find_spec("torch") is None:
        fail("PyTorch is missing: run tools/bench/setup_bench.sh")
    binaries = common.find_binaries(args, BINARIES)
    for name in BINARIES:
        if not os.access(getattr(args, name), os.X_OK):
            fail(f"{getattr(args, name)} is missing: {BUILD_COMMAND}")
    machine = common.measure_peak(args.fma_peak)
    directory = args.keep or tempfile.mkdtemp(prefix="compare_serving.")
    os.makedirs(directory, exist_ok=True)

    checkpoint = os.path.join(directory, "fashion.ckpt")
    run([args.train_graph, common.FASHION_MODEL, "--epochs", str(args.epochs),
         "--save", checkpoint])
    weights = read_checkpoint(run([args.inspect_checkpoint, checkpoint]))
    missing = [f"{n}/{p}" for n in LAYERS for p in ("weights", "bias")
               if f"{n}/{p}" not in weights]
    if missing:
        fail(f"{checkpoint} lacks {', '.join(missing)}")
    weights_path = os.path.join(directory, "weights.npz")
    np.savez(weights_path, **weights)

    code, version = common.kernels_line(args.train_graph, args.kernels)
    if code != 0:
        fail(f"--kernels {args.kernels}: {version}")
    print(f"host: {machine['cpu']}, {os.cpu_count()} cores, load average "
          + " ".join(f"{v:.2f}" for v in os.getloadavg()) + " at the start")
    print(f"nabla: {version.replace(' on ' + machine['cpu'], '')}")
    print(f"nabla binaries: {binaries}")
    results = {t: {"nabla": [], "torch": []} for t in args.threads}
    for round_number in range(args.repeats):
        for t in args.threads:
            sides = [("nabla", lambda: serve_nabla(args, checkpoint, t)),
                     ("torch", lambda: serve_torch(weights_path, t))]
            if round_number % 2:
                sides.reverse()
            for side, serve in sides:
                results[t][side].append(serve())

    print(f"\nRequests per second, one test image per request, median of "
          f"{args.repeats} round(s); model trained {args.epochs} epoch(s). "
          "A ratio above 1 means nabla serves more.\n")
    print("| threads | nabla | PyTorch inference_mode | ratio | accuracy nabla / PyTorch |")
    print("|---:|---:|---:|---:|---|")
    problems = []
    for t in args.threads:
        nabla = statistics.median(r["requests_per_s"] for r in results[t]["nabla"])
        torch = statistics.median(r["requests_per_s"] for r in results[t]["torch"])
        a = results[t]["nabla"][0]["accuracy"]
        b = results[t]["torch"][0]["accuracy"]
        print(f"| {t} | {nabla:,.0f} | {torch:,.0f} | {nabla / torch:.2f}x | "
              f"{a:.4f} / {b:.4f} |")
        if abs(a - b) > 0.0005:
            problems.append(f"{t} threads: accuracy {a} (nabla) against {b} "
                            "(PyTorch): not the same model")
    print("\nload average at the end: "
          + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    for p in problems:
        print(f"PROBLEM: {p}")
    if not args.keep:
        import shutil
        shutil.rmtree(directory, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
