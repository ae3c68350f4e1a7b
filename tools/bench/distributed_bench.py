#!/usr/bin/env python3
"""Data-parallel training: the speed of ranks on this machine, and a model
of the step time on N machines (docs/distributed.md).

    bazel build //tools:train_graph //tools/bench:allreduce_bench
    python3 tools/bench/distributed_bench.py [--rounds 3] [--table]

Speed (issue 16's target): the Fashion-MNIST MLP of the examples at batch
256, two epochs, trained as 1 rank of 1 thread, 2 ranks of 1 thread each
(mpirun) and 1 rank of 2 threads, the three one after the other in each
round; reported: the median over the rounds of the second epoch's
samples/s (the first builds the plans), its ratio to 1 rank of 1 thread,
and the time rank 0 waited per step for the gradient exchange after its
backward pass (the communication not hidden behind it).

Model of a step on N ranks: T(N) = (C(B/N) - U (1 - 1/N)) * max(1,
N*threads/cores) + R(N), where C(b) is the measured time of a training
step on b samples by one process of 1 thread (the MLP: its second epoch at
batch b, reading the batches included; the CNN, too slow for whole
epochs: train_graph --time, whose batches are read once), U that step's
optimizer update (train_graph --time), of which each rank does 1/N (the
update is sharded), and R(N) the exchange as nabla makes it. Between
machines: the gradients in buckets of up to 256 KiB (consecutive gradients in the order
the backward pass finishes them, reverse graph order here), each bucket
of G bytes reduce-scattered before the update and its updated weights
gathered after it, around a ring: 2(N-1) * alpha + 2(N-1)/N * G / beta
for both; a bucket of up to 16 KiB is summed whole by recursive doubling,
(log2 p + 2 [N > p]) * (alpha + G / beta) for p the largest power of two
<= N, then gathered around the ring, (N-1) * (alpha + G / (N beta));
then one small sum of the loss and stop votes. Between ranks of one
machine, which share the variables and read each other's gradients where
they are: 2 alpha + 2(N-1)/N * G / beta for all G bytes of gradients (two
barriers; each rank reads the others' parts of its gradients, then, in
the next forward pass, of the weights), then the loss and votes. On this
machine alpha and beta are fitted to allreduce_bench on 2 ranks (shared
memory), and the model's 2- and 4-rank step times are compared with
runs. With
--table, the model's step times, samples/s and speed-ups for N = 1 to 64
machines of one rank each, at 10 Gbit/s (alpha 20 us, TCP) and 100 Gbit/s
(alpha 2 us, RDMA), for the MLP and the Fashion-MNIST CNN, as Markdown.
"""
import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile

BATCH = 256
MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe"]
NETWORKS = [("10 Gbit/s", 10e9 / 8, 20e-6), ("100 Gbit/s", 100e9 / 8, 2e-6)]


def fail(message):
    sys.exit(f"distributed_bench: {message}")


def run(cmd):
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        fail(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done.stdout


def bazel_bin():
    return run(["bazel", "info", "bazel-bin"]).strip()


def cpu_line():
    flags, name = set(), "?"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name") and name == "?":
                name = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
    wanted = ["sse2", "avx2", "fma", "avx512f", "avx512vnni", "avx512bf16"]
    return f"{name}, {os.cpu_count()} cores, flags {' '.join(f for f in wanted if f in flags)}"


def train_speed(train, model, ranks, threads, tmp):
    """Second-epoch samples/s and the exchange wait per step (ms)."""
    log = os.path.join(tmp, f"m{ranks}x{threads}.jsonl")
    cmd = [train, model, "--epochs", "2", "--batch_size", str(BATCH),
           "--threads", str(threads), "--metrics_out", log]
    if ranks > 1:
        cmd = MPIRUN + ["-np", str(ranks)] + cmd
    out = run(cmd)
    with open(log) as lines:
        epochs = [json.loads(line) for line in lines]
    wait = re.search(r"([0-9.]+) ms per step in the gradient exchange", out)
    return epochs[-1]["samples_per_sec"], float(wait.group(1)) if wait else None


def step_ms(train, model, batch, iterations):
    out = run([train, model, "--batch_size", str(batch), "--time",
               "--time_iterations", str(iterations)])
    return float(re.search(r"TrainStep wall ([0-9.]+) ms/step", out).group(1))


def update_ms(train, model):
    """The optimizer update of one step (it does not depend on the batch)."""
    out = run([train, model, "--batch_size", "16", "--time",
               "--time_iterations", "20"])
    return float(re.search(r"^update\s+([0-9.]+)", out, re.M).group(1))


BUCKET_BYTES = 256 << 10
SMALL_SUM_BYTES = 16 << 10


def gradient_sizes(train, model):
    """Bytes of each trainable variable's gradient, in reverse graph order."""
    out = run([train, model, "--batch_size", "2", "--time", "--time_iterations", "1"])
    sizes = []
    for line in out.split("\n"):
        found = re.match(r"^\S+\s+Variable\s+\[([^\]]*)\]\s+(\S+)\s+(\S+)", line)
        if found and found.group(3) != "-":
            elements = math.prod(int(d) for d in found.group(1).split(",") if d.strip())
            sizes.append(4 * elements)
    if not sizes:
        fail(f"no trainable variables in the --time table of {model}")
    return sizes[::-1]


def buckets(sizes):
    fused = []
    for size in sizes:
        if fused and fused[-1] + size <= BUCKET_BYTES:
            fused[-1] += size
        else:
            fused.append(size)
    return fused


def doubling_ms(ranks, size, alpha, beta):
    """A whole sum of `size` bytes by recursive doubling."""
    p = 1 << (ranks.bit_length() - 1)
    messages = int(math.log2(p)) + (2 if ranks > p else 0)
    return 1e3 * messages * (alpha + size / beta)


def sharded(step, update, ranks):
    """A rank's compute: a one-process step but for the (N-1)/N of the
    update that the other ranks do."""
    return step - update * (1 - 1 / ranks)


def bucket_ms(ranks, size, alpha, beta):
    """A bucket's reduce-scatter and, after the update, its gather."""
    if ranks == 1:
        return 0.0
    gather = 1e3 * (ranks - 1) * (alpha + size / ranks / beta)
    if size <= SMALL_SUM_BYTES:
        return doubling_ms(ranks, size, alpha, beta) + gather
    return 1e3 * ((ranks - 1) * alpha + (ranks - 1) / ranks * size / beta) + gather


def ring_ms(ranks, sizes, alpha, beta):
    """All of a step's exchange: its buckets, then the loss and votes."""
    if ranks == 1:
        return 0.0
    return (sum(bucket_ms(ranks, b, alpha, beta) for b in buckets(sizes)) +
            doubling_ms(ranks, 16, alpha, beta))


def shared_ms(ranks, sizes, alpha, beta):
    """A step's exchange between ranks of one machine, which share the
    variables and read each other's gradients where they are: a barrier
    after the backward pass, each rank reading its parts of the others'
    gradients ((N-1)/N of them), a barrier after the update, the others'
    parts of the weights read in the next forward pass ((N-1)/N again),
    then the loss and votes."""
    if ranks == 1:
        return 0.0
    moved = 2 * (ranks - 1) / ranks * sum(sizes)
    return 1e3 * (2 * alpha + moved / beta) + doubling_ms(ranks, 16, alpha, beta)


def fit_shared_memory(bench, large_bytes):
    """alpha (s) and beta (bytes/s) of 2 ranks here, from a bucket of 8
    bytes (two messages: a sum and a gather) and one of `large_bytes`
    (two messages of half)."""
    out = run(MPIRUN + ["-np", "2", bench, "8", str(large_bytes)])
    small, large = [float(line.split()[1]) * 1e-6 for line in out.split("\n") if line]
    alpha = small / 2
    beta = large_bytes / (large - 2 * alpha)
    return alpha, beta


def speed(args, train, tmp):
    model = os.path.join(args.examples, "fashion_mnist_mlp.pbtxt")
    configs = [(1, 1), (2, 1), (1, 2)]
    results = {c: [] for c in configs}
    waits = []
    for _ in range(args.rounds):
        for ranks, threads in configs:
            sps, wait = train_speed(train, model, ranks, threads, tmp)
            results[(ranks, threads)].append(sps)
            if wait is not None:
                waits.append(wait)
    base = statistics.median(results[(1, 1)])
    print(f"Fashion-MNIST MLP, batch {BATCH}, median of {args.rounds} rounds "
          "(second epoch's samples/s):")
    for (ranks, threads), values in results.items():
        median = statistics.median(values)
        print(f"  {ranks} rank(s) x {threads} thread(s): {median:9.0f} samples/s  "
              f"{median / base:.2f}x  (rounds: {', '.join(f'{v:.0f}' for v in values)})")
    print(f"  2 ranks: exchange wait after the backward pass {statistics.median(waits):.3f} "
          f"ms per step (median; a step is {1e3 * BATCH / statistics.median(results[(2, 1)]):.3f} ms)")
    return statistics.median(results[(1, 1)]), statistics.median(results[(2, 1)])


def epoch_step_ms(train, model, batch, tmp):
    """One process's time per step at `batch`, from its second epoch."""
    cmd = [train, model, "--epochs", "2", "--batch_size", str(batch),
           "--metrics_out", os.path.join(tmp, "one.jsonl")]
    run(cmd)
    with open(os.path.join(tmp, "one.jsonl")) as lines:
        return 1e3 * batch / [json.loads(l) for l in lines][-1]["samples_per_sec"]


def check_model(args, train, bench, measured_two):
    model = os.path.join(args.examples, "fashion_mnist_mlp.pbtxt")
    sizes = gradient_sizes(train, model)
    update = update_ms(train, model)
    alpha, beta = fit_shared_memory(bench, max(buckets(sizes)))
    cores = os.cpu_count()
    print(f"\nthis machine (shared memory, 2 ranks): alpha {alpha * 1e6:.2f} us, "
          f"beta {beta / 1e9:.2f} GB/s; MLP gradients {sum(sizes)} bytes in buckets of "
          f"{', '.join(str(b) for b in buckets(sizes))}; update {update:.3f} ms per step")
    measured = {2: 1e3 * BATCH / measured_two}
    out = run(MPIRUN + ["-np", "4", train, model, "--epochs", "2", "--batch_size",
                        str(BATCH), "--metrics_out", os.path.join(args.tmp, "np4.jsonl")])
    with open(os.path.join(args.tmp, "np4.jsonl")) as lines:
        measured[4] = 1e3 * BATCH / [json.loads(l) for l in lines][-1]["samples_per_sec"]
    for ranks in (2, 4):
        compute = sharded(epoch_step_ms(train, model, BATCH // ranks, args.tmp),
                          update, ranks)
        exchange = shared_ms(ranks, sizes, alpha, beta)
        predicted = compute * max(1, ranks / cores) + exchange
        print(f"  {ranks} ranks: model {predicted:.3f} ms per step (compute {compute:.3f} ms"
              f" x {max(1, ranks / cores):g}, exchange {exchange:.3f} ms),"
              f" measured {measured[ranks]:.3f} ms ({(predicted / measured[ranks] - 1) * 100:+.0f}%)")


def table(args, train):
    for name in ("fashion_mnist_mlp", "fashion_mnist_cnn"):
        model = os.path.join(args.examples, name + ".pbtxt")
        sizes = gradient_sizes(train, model)
        update = update_ms(train, model)
        compute = {}
        for ranks in (1, 2, 4, 8, 16, 32, 64):
            alone = (epoch_step_ms(train, model, BATCH // ranks, args.tmp)
                     if name.endswith("mlp") else
                     step_ms(train, model, BATCH // ranks, 3))
            compute[ranks] = sharded(alone, update, ranks)
        print(f"\n{name}: {sum(sizes) / 1e6:.2f} MB of gradients in {len(buckets(sizes))} "
              f"buckets, update {update:.2f} ms, global batch {BATCH}, "
              "one rank of 1 thread per machine\n")
        header = "| N | shard | compute ms |"
        rule = "|---|---|---|"
        for network, _, _ in NETWORKS:
            header += f" {network}: exchange ms | step ms | samples/s | speed-up |"
            rule += "---|---|---|---|"
        print(header)
        print(rule)
        for ranks, c in compute.items():
            row = f"| {ranks} | {BATCH // ranks} | {c:.2f} |"
            for _, beta, alpha in NETWORKS:
                ring = ring_ms(ranks, sizes, alpha, beta)
                step = c + ring
                row += (f" {ring:.3f} | {step:.2f} | {1e3 * BATCH / step:.0f} |"
                        f" {compute[1] / step:.2f}x |")
            print(row)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--table", action="store_true",
                        help="also the model's table for N = 1 to 64 machines")
    parser.add_argument("--examples", default="examples")
    args = parser.parse_args()
    binaries = bazel_bin()
    train = os.path.join(binaries, "tools/train_graph")
    bench = os.path.join(binaries, "tools/bench/allreduce_bench")
    for path in (train, bench):
        if not os.access(path, os.X_OK):
            fail(f"{path} is missing: bazel build //tools:train_graph "
                 "//tools/bench:allreduce_bench")
    print("CPU:", cpu_line())
    print("kernels:", run([train, "--version"]).strip())
    with tempfile.TemporaryDirectory() as tmp:
        args.tmp = tmp
        measured_one, measured_two = speed(args, train, tmp)
        check_model(args, train, bench, measured_two)
        if args.table:
            table(args, train)


if __name__ == "__main__":
    main()
