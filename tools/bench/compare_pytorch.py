#!/usr/bin/env python3
"""Side-by-side training speed of nabla, PyTorch and NumPy written by hand.

Each workload is trained the same way on every side: the same shapes, the
same initial weights and data (drawn here with a fixed NumPy seed), the same
loss and optimizer. The script checks that the sides agree on the first
losses and prints a Markdown table of the time per training step (forward,
backward and update).

Workloads (--only):
  tutorial  the 2-2-2 network of the classic back-propagation walk-through
            (its weights and its one sample; its first loss, 0.298371109, is
            checked too), the 2-3-1 test-score network
            (examples/test_score.pbtxt) and XOR 2-4-1 (examples/xor.pbtxt):
            sigmoid layers, mean squared error, SGD, the whole data set as
            one batch, float32
  mlp       a 784-256-128-10 ReLU MLP, sparse softmax cross-entropy, SGD,
            float32, batches of 64 and 256 (4 batches of generated data,
            trained in turn)
  cnn       convolutional networks on 28 x 28 images: the CNN of
            examples/fashion_mnist_cnn.pbtxt without its dropout (masks
            cannot match across sides) at batch 64, and LeNet-5 (6 and 16
            5 x 5 filters, 120-84-10) at batch 256; ReLU, max pooling,
            sparse softmax cross-entropy, SGD, float32, 4 batches of
            generated data. NumPy has no convolutions: it sits these out
  fashion   examples/fashion_mnist_mlp.pbtxt trained in full (train_graph)
            against the same training in PyTorch: the same held-out
            validation images and the same order of the batches in every
            epoch (both come from nabla's seeded generator, ported below),
            the same Adam and learning-rate schedule; initial weights are
            drawn from the same distributions. Wall time, test accuracy
            (within 0.5 points) and peak RSS. Takes many minutes: it only
            runs when asked for.
  fashion-cnn  the same for examples/fashion_mnist_cnn.pbtxt: its CNN with
            dropout (each side draws its own masks), glorot-uniform weights
            on both sides. Takes longer still.

Every process runs `losses` steps from the initial weights (their losses are
compared), `warmup` untimed steps, then `blocks` timed blocks of `steps`
steps; its time per step is the median of its blocks. The sides run in
alternation, one process each in every round, and the table shows the median
over the rounds (--repeats, at least 5 for figures worth quoting), so that
the host's slow phases hit every side alike.

nabla runs tools/bench/train_workload (and train_graph for fashion) with 1
and 2 threads; PyTorch with torch.set_num_threads(1) and (2). nabla picks
its kernels (portable, avx2, avx512) for the CPU at run time; --kernels
runs it once per named set (NABLA_KERNELS=set) in every round, --kernels
all with each set this CPU runs. PyTorch and NumPy multiply matrices with
OpenBLAS. When OPENBLAS_CORETYPE or OPENBLAS_L2_SIZE are set (they slow
OpenBLAS down on some hosts), PyTorch runs without both and, with
--torch-env both (the default), also with them; the table says which.
NumPy runs with them unset.

The output starts with the CPU, its vector extensions and the float32 FMA
peak of one core measured by tools/bench/fma_peak; a second table gives
nabla's MLP steps in GFLOP/s (mlp_step_flops) and as a share of that peak.
The binaries are those of the default build (no --config: the kernels are
chosen at run time, -march=native is not needed), found with
`bazel info bazel-bin`.

  ./tools/bench/setup_bench.sh     # Debian's python3-torch, numpy, OpenBLAS
  bazel build //tools/bench:train_workload //tools/bench:fma_peak //tools:train_graph
  python3 tools/bench/compare_pytorch.py [--only tutorial,mlp] [--repeats 5]

Without PyTorch (a quick self-check of nabla against NumPy):
  python3 tools/bench/compare_pytorch.py --only tutorial --repeats 1 --no-torch

On an AVX-512 machine, also with the AVX2 kernels forced:
  python3 tools/bench/compare_pytorch.py --kernels avx2,avx512

Exit status: 0 when every check passed, 1 when a loss or accuracy check
failed, 2 for a usage error or a process that failed.
"""

import argparse
import gzip
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

# Debian's NumPy and PyTorch live in the system Python; another python3 first
# on PATH (pyenv, a virtualenv) does not see them.
try:
    import numpy as np
except ImportError:
    if os.path.exists("/usr/bin/python3") and sys.executable != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("compare_pytorch: NumPy is missing: run tools/bench/setup_bench.sh",
          file=sys.stderr)
    sys.exit(2)


def fail(message, program="compare_pytorch"):
    """A usage error or a process that failed: the message, exit status 2."""
    print(f"{program}: {message}", file=sys.stderr)
    sys.exit(2)


OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
MAZUR_FIRST_LOSS = 0.298371109  # E_total of the 2-2-2 walk-through, step 1
# --omp-passive: OpenMP threads sleep instead of spinning between tasks.
OMP_PASSIVE = False

# ---------------------------------------------------------------------------
# Workloads: data, initial weights, and the nabla model file.


class Workload:
    """One training problem, the same on every side.

    kind: "sigmoid" (sigmoid layers, MSE) or "relu" (ReLU hidden layers,
    linear logits, sparse softmax cross-entropy). weights and biases are
    float32 arrays, weights laid out [in, out]. x is [N, in]; y is [N, out]
    for sigmoid and [N] int class indices for relu. Step i trains on batch
    i mod (N / batch), in sample order.
    """

    def __init__(self, name, kind, weights, biases, x, y, lr, batch,
                 losses, warmup, steps, blocks, layers=None):
        self.name, self.kind = name, kind
        # For kind "cnn": the layers in order, each {"op": "conv", "pad": p},
        # {"op": "relu"}, {"op": "maxpool"}, {"op": "flatten"} or
        # {"op": "dense"}; conv and dense take the next weights and biases
        # (conv weights [O, C, KH, KW], dense [in, out]); x is [N, 1, 28, 28].
        self.layers = layers
        self.weights, self.biases = weights, biases
        self.x, self.y, self.lr, self.batch = x, y, lr, batch
        self.losses, self.warmup = losses, warmup
        self.steps, self.blocks = steps, blocks

    def sizes(self):
        return [self.weights[0].shape[0]] + [w.shape[1] for w in self.weights]


def f32(values):
    return np.asarray(values, dtype=np.float32)


def tutorial_workloads():
    # The 2-2-2 walk-through: its own weights, biases and sample.
    mazur = Workload(
        "2-2-2 sigmoid, MSE", "sigmoid",
        [f32([[0.15, 0.25], [0.20, 0.30]]), f32([[0.40, 0.50], [0.45, 0.55]])],
        [f32([0.35, 0.35]), f32([0.60, 0.60])],
        f32([[0.05, 0.10]]), f32([[0.01, 0.99]]), 0.5, 1,
        losses=10, warmup=200, steps=2000, blocks=3)
    # examples/test_score.pbtxt: its data divided by each column's maximum
    # (its DIVIDE_BY_MAX normalisation), normal(0, 1) weights, zero biases.
    rng = np.random.default_rng(231)
    hours = f32([[2, 9], [1, 5], [3, 6]])
    score = f32([[92], [86], [89]])
    test_score = Workload(
        "2-3-1 sigmoid, MSE (test score)", "sigmoid",
        [f32(rng.standard_normal((2, 3))), f32(rng.standard_normal((3, 1)))],
        [np.zeros(3, np.float32), np.zeros(1, np.float32)],
        hours / hours.max(axis=0), score / score.max(axis=0), 2.0, 3,
        losses=10, warmup=200, steps=2000, blocks=3)
    # examples/xor.pbtxt: the four cases, uniform(-1, 1) weights.
    rng = np.random.default_rng(241)
    xor = Workload(
        "2-4-1 sigmoid, MSE (XOR)", "sigmoid",
        [f32(rng.uniform(-1, 1, (2, 4))), f32(rng.uniform(-1, 1, (4, 1)))],
        [np.zeros(4, np.float32), np.zeros(1, np.float32)],
        f32([[0, 0], [0, 1], [1, 0], [1, 1]]), f32([[0], [1], [1], [0]]),
        4.0, 4, losses=10, warmup=200, steps=2000, blocks=3)
    return [mazur, test_score, xor]


def mlp_workload(batch):
    """784-256-128-10 with He-uniform weights on 4 batches of random data.

    Only the first losses are compared: a float32 trajectory of this net
    soon meets a pre-activation so near a ReLU's kink that rounding decides
    its side, and from there the sides part. At batch 256, nabla's loss is
    1e-6 from NumPy's at step 9 and 1e-4 at step 12; NumPy run from weights
    one ulp away from these parts from NumPy in the same steps by the same
    amounts, so it is the problem's sensitivity, not a kernel's error.
    """
    rng = np.random.default_rng(784 + batch)
    sizes = [784, 256, 128, 10]
    weights = [f32(rng.uniform(-1, 1, (a, b)) * math.sqrt(6.0 / a))
               for a, b in zip(sizes, sizes[1:])]
    biases = [np.zeros(b, np.float32) for b in sizes[1:]]
    n = 4 * batch
    x = f32(rng.uniform(0, 1, (n, 784)))
    y = rng.integers(0, 10, n).astype(np.int64)
    return Workload(
        f"784-256-128-10 ReLU, softmax CE, batch {batch}", "relu",
        weights, biases, x, y, 0.05, batch, losses=10, warmup=2,
        steps=10 if batch <= 64 else 5, blocks=3)


def cnn_workload(name, convs, dense, pads, batch):
    """A convolutional network: `convs` (out channels, kernel size) blocks of
    convolution (padding `pads[i]`), ReLU and 2 x 2 max pooling, then dense
    layers of `dense` units (ReLU between them), on 28 x 28 images; He-uniform
    weights, zero biases, 4 batches of uniform images and random labels."""
    rng = np.random.default_rng(28 + batch)
    weights, biases, layers = [], [], []
    channels, side = 1, 28
    for (out, k), pad in zip(convs, pads):
        fan_in = channels * k * k
        weights.append(f32(rng.uniform(-1, 1, (out, channels, k, k))
                           * math.sqrt(6.0 / fan_in)))
        biases.append(np.zeros(out, np.float32))
        layers += [{"op": "conv", "pad": pad}, {"op": "relu"}, {"op": "maxpool"}]
        channels, side = out, (side + 2 * pad - k + 1) // 2
    layers.append({"op": "flatten"})
    sizes = [channels * side * side] + dense
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        weights.append(f32(rng.uniform(-1, 1, (a, b)) * math.sqrt(6.0 / a)))
        biases.append(np.zeros(b, np.float32))
        layers.append({"op": "dense"})
        if i < len(sizes) - 2:
            layers.append({"op": "relu"})
    n = 4 * batch
    x = f32(rng.uniform(0, 1, (n, 1, 28, 28)))
    y = rng.integers(0, 10, n).astype(np.int64)
    return Workload(name, "cnn", weights, biases, x, y, 0.01, batch,
                    losses=10, warmup=2, steps=5, blocks=3, layers=layers)


def cnn_workloads():
    return [cnn_workload("CNN 32-64 conv 3x3, 128-10, batch 64",
                         [(32, 3), (64, 3)], [128, 10], [1, 1], 64),
            cnn_workload("LeNet-5 6-16 conv 5x5, 120-84-10, batch 256",
                         [(6, 5), (16, 5)], [120, 84, 10], [2, 0], 256)]


def numbers(array):
    # repr of the float64 equal to each float32 reads back as that float32.
    return ", ".join(repr(v) for v in array.astype(np.float64).ravel().tolist())


def shape_text(shape):
    return "shape { " + " ".join(f"dim: {d}" for d in shape) + " }"


def variable_node(name, array):
    return (f'node {{\n  name: "{name}"\n  op: "Variable"\n'
            f'  attr {{ key: "shape" value {{ {shape_text(array.shape)} }} }}\n'
            f'  attr {{ key: "initializer" value {{ s: "values" }} }}\n'
            f'  attr {{ key: "values" value {{ tensor {{ '
            f'{shape_text(array.shape)} value: [{numbers(array)}] }} }} }}\n}}\n')


def write_idx(path, array, code):
    """An IDX file: code 0x08 (ubyte) or 0x0D (big-endian float32)."""
    dtype = {0x08: ">u1", 0x0D: ">f4"}[code]
    header = bytes([0, 0, code, array.ndim])
    header += b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with open(path, "wb") as f:
        f.write(header + np.ascontiguousarray(array, dtype=dtype).tobytes())


def cnn_nodes(w, out):
    """Appends the nodes of a "cnn" workload's layers to `out`; returns the
    name of the last (the logits)."""
    layer_input, used = "x", 0
    for i, layer in enumerate(w.layers):
        name = f"l{i + 1}"
        op = layer["op"]
        if op in ("conv", "dense"):
            out.append(variable_node(f"{name}_w", w.weights[used]))
            out.append(variable_node(f"{name}_b", w.biases[used]))
            used += 1
            if op == "conv":
                p = layer["pad"]
                out.append(f'node {{ name: "{name}" op: "Conv2D" input: "{layer_input}" '
                           f'input: "{name}_w" attr {{ key: "pads" value {{ list {{ '
                           f'i: [{p}, {p}, {p}, {p}] }} }} }} }}\n')
            else:
                out.append(f'node {{ name: "{name}" op: "MatMul" '
                           f'input: "{layer_input}" input: "{name}_w" }}\n')
            axis = 1 if op == "conv" else -1
            out.append(f'node {{ name: "{name}_bias" op: "BiasAdd" input: "{name}" '
                       f'input: "{name}_b" attr {{ key: "axis" value {{ i: {axis} }} }} }}\n')
            layer_input = f"{name}_bias"
            continue
        if op == "relu":
            out.append(f'node {{ name: "{name}" op: "ReLU" input: "{layer_input}" }}\n')
        elif op == "maxpool":
            out.append(f'node {{ name: "{name}" op: "MaxPool2D" input: "{layer_input}" '
                       f'attr {{ key: "kernel_shape" value {{ list {{ i: [2, 2] }} }} }} }}\n')
        else:
            out.append(f'node {{ name: "{name}" op: "Flatten" input: "{layer_input}" }}\n')
        layer_input = name
    return layer_input


def write_model(w, directory):
    """Writes w as a nabla model file (weights inline) and returns its path.

    Sigmoid networks carry their data inline; the MLP's data goes to IDX
    files beside the model (float32 images, ubyte labels), read by the idx
    source without scaling.
    """
    stem = "".join(c if c.isalnum() else "_" for c in w.name)
    model = os.path.join(directory, stem + ".pbtxt")
    n_in, n_out = w.sizes()[0], w.sizes()[-1]
    out = ["# Written by tools/bench/compare_pytorch.py\nformat_version: 1\n",
           "graph {\n"]
    label_shape = "dim: -1" if w.kind != "sigmoid" else f"dim: -1 dim: {n_out}"
    x_shape = ("dim: -1 dim: 1 dim: 28 dim: 28" if w.kind == "cnn"
               else f"dim: -1 dim: {n_in}")
    out.append(f'node {{ name: "x" op: "Placeholder" attr {{ key: "shape" '
               f'value {{ shape {{ {x_shape} }} }} }} }}\n')
    out.append(f'node {{ name: "y" op: "Placeholder" attr {{ key: "shape" '
               f'value {{ shape {{ {label_shape} }} }} }} }}\n')
    layer_input = "x"
    last = len(w.weights) - 1
    if w.kind == "cnn":
        layer_input = cnn_nodes(w, out)
    for i, (weight, bias) in enumerate(zip(w.weights, w.biases)):
        if w.kind == "cnn":
            break
        out.append(variable_node(f"w{i + 1}", weight))
        out.append(variable_node(f"b{i + 1}", bias))
        out.append(f'node {{ name: "z{i + 1}" op: "MatMul" '
                   f'input: "{layer_input}" input: "w{i + 1}" }}\n')
        out.append(f'node {{ name: "z{i + 1}b" op: "BiasAdd" '
                   f'input: "z{i + 1}" input: "b{i + 1}" }}\n')
        layer_input = f"z{i + 1}b"
        if w.kind == "sigmoid" or i < last:
            activation = "Sigmoid" if w.kind == "sigmoid" else "ReLU"
            out.append(f'node {{ name: "a{i + 1}" op: "{activation}" '
                       f'input: "{layer_input}" }}\n')
            layer_input = f"a{i + 1}"
    loss = "MeanSquaredError" if w.kind == "sigmoid" else "SparseSoftmaxCrossEntropy"
    out.append(f'node {{ name: "loss" op: "{loss}" input: "{layer_input}" '
               f'input: "y" }}\n}}\n')
    out.append(f'training {{\n  loss: "loss"\n  optimizer {{ name: "SGD" '
               f'attr {{ key: "learning_rate" value {{ f: {w.lr!r} }} }} }}\n'
               f'  batch_size: {w.batch}\n}}\n')
    if w.kind == "sigmoid":
        out.append("data {\n")
        for name, array in (("x", w.x), ("y", w.y)):
            out.append(f'  feed {{ placeholder: "{name}" tensor {{ '
                       f'{shape_text(array.shape)} value: [{numbers(array)}] }} }}\n')
        out.append("}\n")
    else:
        write_idx(os.path.join(directory, stem + "-x.idx"), w.x, 0x0D)
        write_idx(os.path.join(directory, stem + "-y.idx"), w.y, 0x08)
        out.append(f'data {{ source {{ name: "idx"\n'
                   f'  attr {{ key: "images" value {{ s: "{stem}-x.idx" }} }}\n'
                   f'  attr {{ key: "labels" value {{ s: "{stem}-y.idx" }} }}\n'
                   f'  attr {{ key: "images_placeholder" value {{ s: "x" }} }}\n'
                   f'  attr {{ key: "labels_placeholder" value {{ s: "y" }} }}\n'
                   f'}} }}\n')
    with open(model, "w") as f:
        f.write("".join(out))
    return model


def save_arrays(w, directory):
    """The workload for the Python workers, as .npz plus a JSON spec."""
    stem = "".join(c if c.isalnum() else "_" for c in w.name)
    arrays = os.path.join(directory, stem + ".npz")
    named = {"x": w.x, "y": w.y}
    for i, (weight, bias) in enumerate(zip(w.weights, w.biases)):
        named[f"w{i}"], named[f"b{i}"] = weight, bias
    np.savez(arrays, **named)
    spec = os.path.join(directory, stem + ".json")
    with open(spec, "w") as f:
        json.dump({"arrays": arrays, "kind": w.kind, "layers": len(w.weights),
                   "cnn_layers": w.layers,
                   "lr": w.lr, "batch": w.batch, "losses": w.losses,
                   "warmup": w.warmup, "steps": w.steps, "blocks": w.blocks}, f)
    return spec


# ---------------------------------------------------------------------------
# The Python sides, run as worker processes: --worker numpy|torch --spec FILE.


def load_spec(path):
    with open(path) as f:
        spec = json.load(f)
    data = np.load(spec["arrays"])
    layers = spec["layers"]
    spec["weights"] = [data[f"w{i}"] for i in range(layers)]
    spec["biases"] = [data[f"b{i}"] for i in range(layers)]
    spec["x"], spec["y"] = data["x"], data["y"]
    return spec


def cut_batches(spec, convert):
    b = spec["batch"]
    count = len(spec["x"]) // b
    return [(convert(spec["x"][i * b:(i + 1) * b]),
             convert(spec["y"][i * b:(i + 1) * b])) for i in range(count)]


def run_phases(spec, batches, step):
    """The phases of tools/bench/train_workload.cc, for a Python side.

    step(batch, want_loss) trains once and returns the loss before the update
    when want_loss (reading it back costs a synchronisation in PyTorch).
    """
    count = [0]

    def run(n, want_loss):
        result = []
        for _ in range(n):
            loss = step(batches[count[0] % len(batches)], want_loss)
            count[0] += 1
            if want_loss:
                result.append(float(loss))
        return result

    losses = run(spec["losses"], True)
    run(spec["warmup"], False)
    blocks = []
    for _ in range(spec["blocks"]):
        start = time.perf_counter()
        run(spec["steps"], False)
        blocks.append((time.perf_counter() - start) / spec["steps"])
    median = statistics.median(blocks)
    return {"batch_size": spec["batch"], "losses": losses,
            "block_seconds_per_step": blocks, "seconds_per_step": median,
            "samples_per_sec": spec["batch"] / median}


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def numpy_sigmoid_step(spec):
    """Forward, backward and SGD by hand for the sigmoid/MSE networks."""
    ws, bs = spec["weights"], spec["biases"]
    lr = np.float32(spec["lr"])

    def step(batch, want_loss):
        x, y = batch
        acts = [x]
        for w, b in zip(ws, bs):
            acts.append(sigmoid(acts[-1] @ w + b))
        out = acts[-1]
        diff = out - y
        loss = np.mean(diff * diff)
        # d mean((out - y)^2) / d out = 2 (out - y) / size; sigmoid' = a(1-a).
        delta = (np.float32(2 / out.size) * diff) * out * (1 - out)
        for i in reversed(range(len(ws))):
            grad_w = acts[i].T @ delta
            grad_b = delta.sum(axis=0)
            if i > 0:
                a = acts[i]
                delta = (delta @ ws[i].T) * a * (1 - a)
            ws[i] -= lr * grad_w
            bs[i] -= lr * grad_b
        return loss

    return step


def numpy_relu_step(spec):
    """The same for the ReLU MLP with sparse softmax cross-entropy."""
    ws, bs = spec["weights"], spec["biases"]
    lr = np.float32(spec["lr"])

    def step(batch, want_loss):
        x, labels = batch
        n = len(x)
        acts = [x]
        for i, (w, b) in enumerate(zip(ws, bs)):
            z = acts[-1] @ w + b
            acts.append(np.maximum(z, 0) if i < len(ws) - 1 else z)
        logits = acts[-1]
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        rows = np.arange(n)
        loss = np.mean(np.log(total[:, 0]) - shifted[rows, labels])
        # d loss / d logits = (softmax - onehot) / N.
        delta = exp / total
        delta[rows, labels] -= 1
        delta *= np.float32(1 / n)
        for i in reversed(range(len(ws))):
            grad_w = acts[i].T @ delta
            grad_b = delta.sum(axis=0)
            if i > 0:
                delta = (delta @ ws[i].T) * (acts[i] > 0)
            ws[i] -= lr * grad_w
            bs[i] -= lr * grad_b
        return loss

    return step


def numpy_worker(spec):
    step = numpy_sigmoid_step(spec) if spec["kind"] == "sigmoid" else numpy_relu_step(spec)
    result = run_phases(spec, cut_batches(spec, lambda a: a), step)
    result["numpy"] = np.__version__
    return result


def torch_cnn(torch, spec):
    """The "cnn" workload's layers in PyTorch, holding its weights (conv
    weights as they are, OIHW; dense ones transposed)."""
    layers, used = [], 0
    for layer in spec["cnn_layers"]:
        op = layer["op"]
        if op in ("conv", "dense"):
            w, b = spec["weights"][used], spec["biases"][used]
            used += 1
            if op == "conv":
                module = torch.nn.Conv2d(w.shape[1], w.shape[0], w.shape[2],
                                         padding=layer["pad"])
                weight = w
            else:
                module = torch.nn.Linear(w.shape[0], w.shape[1])
                weight = w.T
            with torch.no_grad():
                module.weight.copy_(torch.from_numpy(np.ascontiguousarray(weight)))
                module.bias.copy_(torch.from_numpy(b))
            layers.append(module)
        elif op == "relu":
            layers.append(torch.nn.ReLU())
        elif op == "maxpool":
            layers.append(torch.nn.MaxPool2d(2))
        else:
            layers.append(torch.nn.Flatten())
    return torch.nn.Sequential(*layers)


def torch_network(torch, spec):
    """nn.Linear layers holding the workload's weights (transposed: Linear
    keeps [out, in])."""
    if spec["kind"] == "cnn":
        return torch_cnn(torch, spec)
    layers = []
    for i, (w, b) in enumerate(zip(spec["weights"], spec["biases"])):
        linear = torch.nn.Linear(w.shape[0], w.shape[1])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(w.T)))
            linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if spec["kind"] == "sigmoid":
            layers.append(torch.nn.Sigmoid())
        elif i < len(spec["weights"]) - 1:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def torch_worker(spec, threads):
    import torch
    torch.set_num_threads(threads)
    net = torch_network(torch, spec)
    optimizer = torch.optim.SGD(net.parameters(), lr=spec["lr"])
    loss_fn = (torch.nn.functional.mse_loss if spec["kind"] == "sigmoid"
               else torch.nn.functional.cross_entropy)

    def step(batch, want_loss):
        x, y = batch
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), y)
        loss.backward()
        optimizer.step()
        return loss.item() if want_loss else None

    result = run_phases(spec, cut_batches(spec, torch.from_numpy), step)
    result["torch"] = torch.__version__
    result["threads"] = torch.get_num_threads()
    return result


# ---------------------------------------------------------------------------
# nabla's seeded orders (core/random.cc, Dataset::HoldOut, EpochOrder),
# ported so that PyTorch trains on the same split in the same order.

MASK64 = (1 << 64) - 1


class MT19937_64:
    """std::mt19937_64, the generator the C++ standard specifies exactly."""

    def __init__(self, seed):
        state = [seed & MASK64]
        for i in range(1, 312):
            prev = state[-1]
            state.append((6364136223846793005 * (prev ^ (prev >> 62)) + i) & MASK64)
        self.state = np.array(state, dtype=np.uint64)
        self.out, self.next = [], 0

    def _twist(self):
        # mt[i] mixes mt[i], mt[i+1] and mt[i+156] (indices mod 312), with
        # the values already renewed in this pass: three runs that each read
        # only values final for them.
        mt = self.state
        upper, lower = np.uint64(0xFFFFFFFF80000000), np.uint64(0x7FFFFFFF)
        matrix = np.uint64(0xB5026F5AA96619E9)
        for lo, hi in ((0, 156), (156, 311), (311, 312)):
            idx = np.arange(lo, hi)
            y = (mt[idx] & upper) | (mt[(idx + 1) % 312] & lower)
            mag = np.where((y & np.uint64(1)) != 0, matrix, np.uint64(0))
            mt[idx] = mt[(idx + 156) % 312] ^ (y >> np.uint64(1)) ^ mag
        y = mt.copy()
        y ^= (y >> np.uint64(29)) & np.uint64(0x5555555555555555)
        y ^= (y << np.uint64(17)) & np.uint64(0x71D67FFFEDA60000)
        y ^= (y << np.uint64(37)) & np.uint64(0xFFF7EEE000000000)
        y ^= y >> np.uint64(43)
        self.out, self.next = y.tolist(), 0

    def __call__(self):
        if self.next == len(self.out):
            self._twist()
        self.next += 1
        return self.out[self.next - 1]


def derive_seed(seed, name):
    """FNV-1a of the seed's 8 bytes (little end first) and the name."""
    h = 14695981039346656037
    for byte in list(seed.to_bytes(8, "little")) + list(name.encode()):
        h = ((h ^ byte) * 1099511628211) & MASK64
    return h


def shuffle_in_place(items, rng):
    """Fisher-Yates from the end with rejection-sampled UniformIndex, as
    nabla shuffles."""
    for i in range(len(items) - 1, 0, -1):
        bound = i + 1
        limit = MASK64 - MASK64 % bound
        x = rng()
        while x >= limit:
            x = rng()
        j = x % bound
        items[i], items[j] = items[j], items[i]


def shuffled(n, seed):
    """iota(n) shuffled as nabla does."""
    order = list(range(n))
    shuffle_in_place(order, MT19937_64(seed))
    return order


def held_out_rows(labels, held, seed):
    """Dataset::HoldOut stratified by class labels (a classifier's default):
    each class gives its share of `held` (floors, then the largest
    remainders, ties to the smaller label); the classes' rows, in row order,
    are shuffled in label order by one generator and each gives its first
    rows. Returns the held rows, sorted."""
    n = len(labels)
    classes = sorted(set(int(v) for v in labels))
    rows_of = {c: [] for c in classes}
    for row, label in enumerate(labels):
        rows_of[int(label)].append(row)
    exact = [float(held) * float(len(rows_of[c])) / float(n) for c in classes]
    share = [int(math.floor(e)) for e in exact]
    given = sum(share)
    for _, k in sorted((-(e - math.floor(e)), k) for k, e in enumerate(exact)):
        if given >= held:
            break
        share[k] += 1
        given += 1
    rng = MT19937_64(seed)
    rows = []
    for k, c in enumerate(classes):
        shuffle_in_place(rows_of[c], rng)
        rows += rows_of[c][:share[k]]
    return sorted(rows)


def check_generator():
    # The C++ standard: the 10000th value of a default-seeded mt19937_64.
    rng = MT19937_64(5489)
    for _ in range(9999):
        rng()
    if rng() != 9981545732273789042:
        raise RuntimeError("the mt19937_64 port is wrong")


# ---------------------------------------------------------------------------
# Fashion-MNIST in PyTorch, as examples/fashion_mnist_mlp.pbtxt trains it.

FASHION_DIR = "/usr/share/datasets/fashion-mnist"
FASHION_SCALE = 0.00392156862745098  # the model's idx scale, 1/255


def read_idx_gz(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def fashion_split(kind):
    images = read_idx_gz(f"{FASHION_DIR}/{kind}-images-idx3-ubyte.gz")
    labels = read_idx_gz(f"{FASHION_DIR}/{kind}-labels-idx1-ubyte.gz")
    # As the idx source: byte * scale in double, then float32.
    x = (images.reshape(len(images), -1).astype(np.float64) * FASHION_SCALE)
    return x.astype(np.float32), labels.astype(np.int64)


def fashion_cnn(torch):
    """examples/fashion_mnist_cnn.pbtxt's network, glorot-uniform weights
    (the default of its Conv2DLayer and Dense nodes) and zero biases."""
    nn = torch.nn
    layers = [nn.Unflatten(1, (1, 28, 28)),
              nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
              nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
              nn.Flatten(), nn.Dropout(0.25), nn.Linear(3136, 128), nn.ReLU(),
              nn.Dropout(0.5), nn.Linear(128, 10)]
    with torch.no_grad():
        for layer in layers:
            if isinstance(layer, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(layer.weight)
                layer.bias.zero_()
    return nn.Sequential(*layers)


def fashion_worker(settings, threads):
    """Trains the example's network (settings["network"]: "mlp" or "cnn");
    prints one JSON record per epoch."""
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(settings["seed"])
    check_generator()
    x, y = fashion_split("train")
    n = len(x)
    held = int(math.floor(settings["validation_fraction"] * n + 0.5))
    # The examples are classifiers: nabla holds out by class.
    val_rows = held_out_rows(y, held, derive_seed(settings["holdout_seed"], "holdout"))
    held_set = set(val_rows)
    train_rows = [r for r in range(n) if r not in held_set]
    train_x, train_y = torch.from_numpy(x[train_rows]), torch.from_numpy(y[train_rows])
    val_x, val_y = torch.from_numpy(x[val_rows]), torch.from_numpy(y[val_rows])
    test_x, test_y = (torch.from_numpy(a) for a in fashion_split("t10k"))

    if settings["network"] == "cnn":
        net = fashion_cnn(torch)
    else:
        layers = [torch.nn.Linear(784, 256), torch.nn.ReLU(),
                  torch.nn.Linear(256, 128), torch.nn.ReLU(),
                  torch.nn.Linear(128, 10)]
        with torch.no_grad():
            # The example's Dense initializers: he_uniform, he_uniform, and
            # the default glorot_uniform for the logits; biases zero.
            torch.nn.init.kaiming_uniform_(layers[0].weight, nonlinearity="relu")
            torch.nn.init.kaiming_uniform_(layers[2].weight, nonlinearity="relu")
            torch.nn.init.xavier_uniform_(layers[4].weight)
            for layer in layers[::2]:
                layer.bias.zero_()
        net = torch.nn.Sequential(*layers)
    optimizer = torch.optim.Adam(net.parameters(), lr=settings["learning_rate"])
    decay_rate, decay_steps = settings["decay_rate"], settings["decay_steps"]
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda t: decay_rate ** (t / decay_steps))
    loss_fn = torch.nn.functional.cross_entropy
    batch = settings["batch_size"]

    def evaluate(ex, ey):
        net.eval()  # dropout off, as nabla's inference mode
        with torch.no_grad():
            correct, total_loss = 0, 0.0
            for i in range(0, len(ex), 1000):
                logits = net(ex[i:i + 1000])
                total_loss += loss_fn(logits, ey[i:i + 1000], reduction="sum").item()
                correct += (logits.argmax(dim=1) == ey[i:i + 1000]).sum().item()
            return total_loss / len(ex), correct / len(ex)

    start = time.perf_counter()
    for epoch in range(1, settings["epochs"] + 1):
        epoch_start = time.perf_counter()
        order = torch.tensor(shuffled(len(train_x), derive_seed(
            settings["seed"], f"data_order/{epoch}")))
        loss_sum = 0.0
        net.train()
        for i in range(0, len(order), batch):
            rows = order[i:i + batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(net(train_x[rows]), train_y[rows])
            loss.backward()
            optimizer.step()
            schedule.step()
            loss_sum += loss.item() * len(rows)
        val_loss, val_accuracy = evaluate(val_x, val_y)
        test_loss, test_accuracy = evaluate(test_x, test_y)
        now = time.perf_counter()
        print(json.dumps({
            "epoch": epoch, "loss": loss_sum / len(train_x),
            "val_loss": val_loss, "val_accuracy": val_accuracy,
            "test_loss": test_loss, "test_accuracy": test_accuracy,
            "samples_per_sec": len(train_x) / (now - epoch_start),
            "seconds": now - start, "epoch_seconds": now - epoch_start}),
            flush=True)


# ---------------------------------------------------------------------------
# Running the sides in alternation.

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The default build: the kernels are chosen at run time, so it is the fast
# one (no --config=opt, -march=native).
BUILD_COMMAND = ("bazel build //tools/bench:train_workload //tools/bench:fma_peak "
                 "//tools:train_graph")
KERNEL_SETS = ("portable", "avx2", "avx512")  # NABLA_KERNELS's values


class Side:
    """One column of the table: a program and its thread count.

    env: "as set" (the environment as it is), "unset" (without
    OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE). kernels: nabla's kernel set
    (NABLA_KERNELS), None for the one nabla picks itself.
    """

    def __init__(self, program, threads, env="as set", kernels=None):
        self.program, self.threads, self.env = program, threads, env
        self.kernels = kernels

    @property
    def key(self):
        if self.program == "nabla":
            return " ".join(filter(None, ("nabla", self.kernels, f"{self.threads}t")))
        return f"{self.program} {self.threads}t ({self.env})"


def child_env(side):
    env = dict(os.environ)
    if side.program == "nabla":
        env.pop("NABLA_KERNELS", None)
        if side.kernels:
            env["NABLA_KERNELS"] = side.kernels
        return env
    if side.env == "unset":
        for var in OPENBLAS_VARS:
            env.pop(var, None)
    # OpenBLAS's OpenMP build and PyTorch's OpenMP pool use this many.
    env["OMP_NUM_THREADS"] = env["OPENBLAS_NUM_THREADS"] = str(side.threads)
    if OMP_PASSIVE:
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    return env


def run_process(cmd, env=None):
    """Runs cmd; returns (exit code, stdout, stderr, seconds, peak RSS MiB)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        # wait4 gives this child's own resource usage (getrusage of all
        # children would mix the runs).
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return proc.returncode, out.read(), err.read(), seconds, usage.ru_maxrss / 1024


def run_side(side, workload, args):
    if side.program == "nabla":
        cmd = [args.nabla_bin, workload.model, "--threads", str(side.threads),
               "--losses", str(workload.losses), "--warmup", str(workload.warmup),
               "--steps", str(workload.steps), "--repeats", str(workload.blocks)]
    else:
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", side.program,
               "--spec", workload.spec, "--threads", str(side.threads)]
    code, out, err, _, _ = run_process(cmd, child_env(side))
    if code != 0:
        fail(f"{' '.join(cmd)} failed ({code}):\n{err}")
    result = json.loads(out.strip().splitlines()[-1])
    if side.kernels and result.get("kernels") != side.kernels:
        fail(f"{' '.join(cmd)} ran the {result.get('kernels')} "
             f"kernels, not {side.kernels}: rebuild train_workload")
    return result


def sides_for(args, torch_envs):
    sides = [Side("nabla", t, kernels=k) for k in args.kernels for t in args.threads]
    if not args.no_torch:
        sides += [Side("torch", t, env) for env in torch_envs for t in args.threads]
    if not args.no_numpy:
        sides.append(Side("numpy", 1, "unset"))
    return sides


def run_rounds(workloads, sides, args):
    """results[workload name][side key] = one result per round. Each round
    runs every side once per workload, starting one side later each round."""
    results = {w.name: {s.key: [] for s in sides
                        if not (s.program == "numpy" and w.kind == "cnn")}
               for w in workloads}
    repeats = args.repeats
    for r in range(repeats):
        for w in workloads:
            for i in range(len(sides)):
                side = sides[(i + r) % len(sides)]
                if side.program == "numpy" and w.kind == "cnn":
                    continue
                print(f"round {r + 1}/{repeats}: {w.name}: {side.key}",
                      file=sys.stderr, flush=True)
                results[w.name][side.key].append(run_side(side, w, args))
    return results


# ---------------------------------------------------------------------------
# Checks and the table.


def close(a, b, rtol):
    return abs(a - b) <= rtol * max(abs(a), abs(b)) + 1e-12


def check_losses(w, runs, rtol):
    """Problems found in one workload's losses (an empty list when none).

    nabla's losses do not depend on the thread count: within one kernel set
    they must be bit-identical to that set's first run. Other kernel sets
    (the portable set rounds differently from the fused ones), PyTorch and
    NumPy must be within rtol of the first nabla column.
    """
    problems = []
    first = {}  # a nabla key without its thread count -> the set's first key
    for key in runs:
        if key.startswith("nabla"):
            first.setdefault(key.rsplit(" ", 1)[0], key)
    reference_key = next(iter(first.values()))
    reference = runs[reference_key][0]["losses"]
    if w.name.startswith("2-2-2") and not close(reference[0], MAZUR_FIRST_LOSS, 1e-6):
        problems.append(f"{w.name}: nabla's first loss {reference[0]:.9g} is not the "
                        f"walk-through's {MAZUR_FIRST_LOSS}")
    for key, results in runs.items():
        checks = [(reference_key, rtol)]
        if key.startswith("nabla"):
            checks.insert(0, (first[key.rsplit(" ", 1)[0]], 0))
        problem = next(filter(None, (
            loss_problem(key, r, result["losses"], ref, runs[ref][0]["losses"], tol)
            for r, result in enumerate(results) for ref, tol in checks)), None)
        if problem:
            problems.append(f"{w.name}: {problem}")
    return problems


def loss_problem(key, r, losses, reference_key, reference, rtol):
    """What is wrong with one run's losses against a reference run's, or
    None. rtol 0 asks for bit-identical losses."""
    if len(losses) != len(reference):
        return f"{key} round {r + 1}: {len(losses)} losses, expected {len(reference)}"
    if rtol == 0:
        if losses != reference:
            return (f"{key} round {r + 1}: losses are not bit-identical to "
                    f"{reference_key} round 1")
        return None
    for step, (a, b) in enumerate(zip(reference, losses)):
        if not close(a, b, rtol):
            return (f"{key} round {r + 1}, step {step + 1}: loss {b:.9g}, "
                    f"{reference_key} {a:.9g} (relative difference "
                    f"{abs(a - b) / max(abs(a), abs(b)):.2e} > {rtol:g})")
    return None


def median_time(results):
    return statistics.median(r["seconds_per_step"] for r in results)


def format_time(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def column_name(side, torch_envs):
    if side.program == "nabla":
        return side.key
    if side.program == "numpy":
        return "NumPy"
    name = f"PyTorch {side.threads}t"
    if len(torch_envs) == 1:
        return name
    return name + (" (OpenBLAS vars unset)" if side.env == "unset"
                   else " (OpenBLAS vars as set)")


def print_table(workloads, sides, results, problems, torch_envs):
    # Ratios are against nabla's last kernel set (with --kernels all, the
    # best), the same thread count for PyTorch and 1 thread for NumPy.
    nabla = {s.threads: s for s in sides if s.program == "nabla"}
    ratios = []
    for s in sides:
        if s.program == "torch" and s.threads in nabla:
            ratios.append((s, nabla[s.threads]))
        elif s.program == "numpy" and 1 in nabla:
            ratios.append((s, nabla[1]))
    header = (["workload"] + [column_name(s, torch_envs) for s in sides]
              + [f"{column_name(a, torch_envs)} / {column_name(b, torch_envs)}"
                 for a, b in ratios] + ["losses"])
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---"] + ["---:"] * (len(header) - 2) + ["---"]) + "|")
    for w in workloads:
        runs = results[w.name]
        cells = [w.name] + [format_time(median_time(runs[s.key])) if s.key in runs
                            else "-" for s in sides]
        cells += [f"{median_time(runs[a.key]) / median_time(runs[b.key]):.2f}"
                  if a.key in runs else "-" for a, b in ratios]
        cells.append("agree" if not problems[w.name] else "**MISMATCH**")
        print("| " + " | ".join(cells) + " |")


def mlp_step_flops(sizes, batch):
    """The FLOPs of the matrix products of one training step of a dense
    network with layer sizes `sizes` at batch `batch`; 2 per multiply-add.

    For 784-256-128-10 at batch B:
      forward           2·B·(784·256 + 256·128 + 128·10)   x·W per layer
      weight gradients  2·B·(784·256 + 256·128 + 128·10)   xᵀ·dz per layer
      input gradients   2·B·(256·128 + 128·10)             dz·Wᵀ, layers 2, 3
    1,007,104·B in all. The first layer's input gradient is not computed
    (the data needs none). Bias adds, activations, the loss and the update
    are left out: they are not products, and the FMA peak bounds products.
    """
    products = [a * b for a, b in zip(sizes, sizes[1:])]
    return 2 * batch * (2 * sum(products) + sum(products[1:]))


def nabla_figures(workloads, sides, results, peak):
    """figures[nabla column][workload name]: the kernels the runs used, the
    median time per step and, for the MLPs, the GFLOP/s of the step's
    products and their share of the FMA peak (None when not measured)."""
    figures = {}
    for s in (s for s in sides if s.program == "nabla"):
        figures[s.key] = {}
        for w in workloads:
            runs = results[w.name][s.key]
            entry = {"kernels": runs[0].get("kernels"), "threads": s.threads,
                     "seconds_per_step": median_time(runs)}
            if w.kind == "relu":
                gflops = mlp_step_flops(w.sizes(), w.batch) / entry["seconds_per_step"] / 1e9
                entry["gflops"] = gflops
                entry["peak_share"] = gflops / peak if peak else None
            figures[s.key][w.name] = entry
    return figures


def print_peak_table(workloads, figures, peak):
    mlps = [w for w in workloads if w.kind == "relu"]
    if not mlps:
        return
    peak_text = f"{peak:.1f} GFLOP/s" if peak else "not measured"
    print(f"\nnabla's MLP steps: GFLOP/s of their matrix products (mlp_step_flops "
          f"over the median time per step) and share of the FMA peak of one core "
          f"({peak_text}); with 2 threads the share can pass 100%.\n")
    header = ["workload", "MFLOP per step"] + list(figures)
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
    for w in mlps:
        cells = [w.name, f"{mlp_step_flops(w.sizes(), w.batch) / 1e6:.1f}"]
        for column in figures.values():
            e = column[w.name]
            share = e["peak_share"]
            cells.append(f"{e['gflops']:.1f}"
                         + (f" ({100 * share:.0f}%)" if share is not None else ""))
        print("| " + " | ".join(cells) + " |")


# ---------------------------------------------------------------------------
# Fashion-MNIST: whole training runs.

# The whole-run workloads: their example and the network fashion_worker
# builds for it.
FASHION_MODELS = {
    "fashion": (os.path.join(ROOT, "examples", "fashion_mnist_mlp.pbtxt"), "mlp"),
    "fashion-cnn": (os.path.join(ROOT, "examples", "fashion_mnist_cnn.pbtxt"), "cnn"),
}


def fashion_settings(model, network, epochs):
    """The example's training settings, read from its text so that a change
    there cannot leave the PyTorch side behind unnoticed."""
    import re
    with open(model) as f:
        text = f.read()

    def find(pattern, convert):
        match = re.search(pattern, text)
        if not match:
            fail(f"{model}: no match for {pattern}: "
                 "update fashion_settings() and fashion_worker()")
        return convert(match.group(1))

    number = r"([-+0-9.eE]+)"
    settings = {
        "learning_rate": find(r'"learning_rate" value \{ f: ' + number, float),
        "decay_rate": find(r'"decay_rate" value \{ f: ' + number, float),
        "decay_steps": find(r'"decay_steps" value \{ i: ' + number, int),
        "epochs": find(r"\n  epochs: " + number, int),
        "batch_size": find(r"\n  batch_size: " + number, int),
        "seed": find(r"\n  seed: " + number, int),
        "validation_fraction": find(r"validation_fraction: " + number, float),
        "holdout_seed": find(r"holdout_seed: " + number, int),
    }
    expected = ['name: "Adam"', 'name: "exponential"', "shuffle: true",
                '"SparseSoftmaxCrossEntropy"']
    if network == "cnn":
        expected += ['i: 32', 'i: 64', 'op: "MaxPool2D"', 'f: 0.25', 'f: 0.5',
                     'i: 128']
    for e in expected:
        if e not in text:
            fail(f"{model} no longer has {e}: update fashion_cnn()")
    settings["network"] = network
    settings["model"] = model
    if epochs:
        settings["epochs"] = epochs
    return settings


def read_records(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def run_fashion_nabla(args, settings, directory):
    metrics = os.path.join(directory, "fashion_metrics.jsonl")
    cmd = [args.train_graph, settings["model"], "--threads", str(args.fashion_threads),
           "--epochs", str(settings["epochs"]), "--metrics_out", metrics]
    # With --kernels, the last set (as the ratios of the step table).
    side = Side("nabla", args.fashion_threads, kernels=args.kernels[-1])
    code, _, err, seconds, rss = run_process(cmd, child_env(side))
    if code != 0:
        fail(f"{' '.join(cmd)} failed ({code}):\n{err}")
    with open(metrics) as f:
        return {"records": read_records(f.read()), "wall": seconds, "rss": rss}


def run_fashion_torch(args, settings, directory, env):
    spec = os.path.join(directory, "fashion_settings.json")
    with open(spec, "w") as f:
        json.dump(settings, f)
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", "fashion",
           "--spec", spec, "--threads", str(args.fashion_threads)]
    side = Side("torch", args.fashion_threads, "unset" if env == "unset" else "as set")
    code, out, err, seconds, rss = run_process(cmd, child_env(side))
    if code != 0:
        fail(f"{' '.join(cmd)} failed ({code}):\n{err}")
    return {"records": read_records(out), "wall": seconds, "rss": rss}


def fashion_summary(runs):
    """Medians over runs of the figures in the table."""
    def med(f):
        return statistics.median(f(run) for run in runs)
    return {
        "wall time (s)": med(lambda r: r["wall"]),
        "training + evaluation per epoch (s)": med(
            lambda r: statistics.median(e["epoch_seconds"] for e in r["records"])),
        "samples/s (median epoch)": med(
            lambda r: statistics.median(e["samples_per_sec"] for e in r["records"])),
        "epoch 1 loss": med(lambda r: r["records"][0]["loss"]),
        "last epoch loss": med(lambda r: r["records"][-1]["loss"]),
        "validation accuracy": med(lambda r: r["records"][-1]["val_accuracy"]),
        "test accuracy": med(lambda r: r["records"][-1]["test_accuracy"]),
        "peak RSS (MiB)": med(lambda r: r["rss"]),
    }


def run_fashion(args, directory, env, name):
    model, network = FASHION_MODELS[name]
    settings = fashion_settings(model, network, args.fashion_epochs)
    runs = {"nabla": [], "torch": []}
    for r in range(args.fashion_repeats):
        for program in ("nabla", "torch") if r % 2 == 0 else ("torch", "nabla"):
            print(f"{name} round {r + 1}/{args.fashion_repeats}: {program}, "
                  f"{settings['epochs']} epochs", file=sys.stderr, flush=True)
            runs[program].append(
                run_fashion_nabla(args, settings, directory) if program == "nabla"
                else run_fashion_torch(args, settings, directory, env))
    nabla, torch = fashion_summary(runs["nabla"]), fashion_summary(runs["torch"])
    t = args.fashion_threads
    print(f"\nFashion-MNIST, {os.path.relpath(model, ROOT)}: {settings['epochs']} "
          f"epochs of batch {settings['batch_size']}, Adam and the exponential "
          f"schedule; medians of {args.fashion_repeats} run(s) each; PyTorch with "
          f"OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE {env}\n")
    print(f"| | nabla {t}t | PyTorch {t}t | PyTorch / nabla |")
    print("|---|---:|---:|---:|")
    for name in nabla:
        # A ratio of losses or accuracies says nothing: their gap is below.
        ratio = (f"{torch[name] / nabla[name]:.2f}"
                 if "loss" not in name and "accuracy" not in name else "")
        print(f"| {name} | {nabla[name]:.4g} | {torch[name]:.4g} | {ratio} |")
    gap = abs(nabla["test accuracy"] - torch["test accuracy"])
    print(f"\ntest accuracy gap: {100 * gap:.2f} points (at most 0.5 expected)")
    problems = []
    if gap > 0.005:
        problems.append(f"{name}: test accuracy differs by {100 * gap:.2f} "
                        "points (more than 0.5)")
    return runs, problems


# ---------------------------------------------------------------------------
# Main.


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="tutorial,mlp",
                        help="comma-separated workloads: tutorial, mlp, cnn, fashion, "
                             "fashion-cnn "
                             "(default tutorial,mlp)")
    parser.add_argument("--repeats", type=int, default=5,
                        help="rounds; each side runs once per round (default 5)")
    parser.add_argument("--threads", default="1,2",
                        help="thread counts for nabla and PyTorch (default 1,2)")
    parser.add_argument("--no-torch", action="store_true",
                        help="run nabla and NumPy only")
    parser.add_argument("--no-numpy", action="store_true", help="skip NumPy")
    parser.add_argument("--torch-env", choices=("unset", "as-set", "both"),
                        default="both",
                        help="run PyTorch without OPENBLAS_CORETYPE and "
                             "OPENBLAS_L2_SIZE, with them as set, or both "
                             "(default; the same when neither is set)")
    parser.add_argument("--omp-passive", action="store_true",
                        help="run PyTorch and NumPy with OMP_WAIT_POLICY=PASSIVE: "
                             "on a host shared with other jobs, OpenMP threads "
                             "that spin while waiting slow 2-thread PyTorch down "
                             "many times")
    parser.add_argument("--rtol", type=float, default=1e-4,
                        help="relative tolerance of the first losses (default 1e-4)")
    parser.add_argument("--fashion-epochs", type=int, default=0,
                        help="epochs for fashion (default: the model's)")
    parser.add_argument("--fashion-repeats", type=int, default=1,
                        help="runs of each side for fashion (default 1)")
    parser.add_argument("--fashion-threads", type=int, default=2,
                        help="threads of both sides for fashion (default 2)")
    parser.add_argument("--kernels", metavar="LIST",
                        help="nabla's kernel sets, comma-separated: portable, "
                             "avx2, avx512, or all (every set this CPU runs); "
                             "nabla runs once per set and round with "
                             "NABLA_KERNELS=set, and the ratios are against the "
                             "last set (default: the set nabla picks)")
    # The binaries; by default those of the default build (see BUILD_COMMAND).
    parser.add_argument("--nabla-bin", help="tools/bench/train_workload")
    parser.add_argument("--train-graph", help="tools/train_graph")
    parser.add_argument("--fma-peak", help="tools/bench/fma_peak")
    parser.add_argument("--keep", metavar="DIR",
                        help="write the model files and data here and keep them")
    parser.add_argument("--json", metavar="FILE", help="also write every result here")
    # Internal: one Python side of one workload.
    parser.add_argument("--worker", choices=("numpy", "torch", "fashion"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.only = [o.strip() for o in args.only.split(",") if o.strip()]
    unknown = set(args.only) - {"tutorial", "mlp", "cnn", *FASHION_MODELS}
    if unknown:
        parser.error(f"--only: unknown workload {', '.join(sorted(unknown))}")
    args.threads = [int(t) for t in args.threads.split(",")]
    if args.kernels is not None:
        args.kernels = list(dict.fromkeys(
            k.strip() for k in args.kernels.split(",") if k.strip()))
        if not args.kernels or ("all" in args.kernels and len(args.kernels) > 1):
            parser.error("--kernels: a list of portable, avx2, avx512, or all")
    if args.repeats < 1 or args.fashion_repeats < 1 or min(args.threads) < 1:
        parser.error("--repeats, --fashion-repeats and --threads must be >= 1")
    return args


def run_worker(args):
    if args.worker == "fashion":
        with open(args.spec) as f:
            fashion_worker(json.load(f), args.threads[0])
        return
    spec = load_spec(args.spec)
    result = (numpy_worker(spec) if args.worker == "numpy"
              else torch_worker(spec, args.threads[0]))
    print(json.dumps(result))


def bazel_bin():
    """(folder, where its name came from): the default build's output folder,
    as `bazel info bazel-bin` names it. The bazel-bin symlink follows the
    last build, whatever its --config (asan, tsan), so it serves only when
    Bazel does not answer."""
    try:
        done = subprocess.run(["bazel", "info", "bazel-bin"], cwd=ROOT,
                              capture_output=True, text=True)
        problem = None if done.returncode == 0 else (
            done.stderr.strip().splitlines() or ["failed"])[-1]
    except FileNotFoundError:
        problem = "bazel is not on the PATH"
    except OSError as e:
        problem = str(e)
    if problem is None:
        return done.stdout.strip().splitlines()[-1], "bazel info bazel-bin"
    return (os.path.join(ROOT, "bazel-bin"),
            f"the bazel-bin symlink, which follows the last build's "
            f"--config: bazel info bazel-bin: {problem}")


def find_binaries(args, names=None):
    """Fills in the binaries not given on the command line (names: argument
    -> path under bazel-bin) from the default build's output folder, and
    says where they came from."""
    names = names or {"nabla_bin": ("tools", "bench", "train_workload"),
                      "train_graph": ("tools", "train_graph"),
                      "fma_peak": ("tools", "bench", "fma_peak")}
    if all(getattr(args, name) for name in names):
        return "as given"
    directory, source = bazel_bin()
    for name, parts in names.items():
        if not getattr(args, name):
            setattr(args, name, os.path.join(directory, *parts))
    return f"{directory} ({source})"


def measure_peak(fma_peak):
    """fma_peak --json: the CPU with its vector extensions and the float32
    FMA peak of one core in GFLOP/s ("fma256", "fma512", "peak"; null for a
    width this CPU lacks)."""
    code, out, err, _, _ = run_process([fma_peak, "--json"])
    if code not in (0, 1) or not out.strip():
        fail(f"{fma_peak} --json failed ({code}):\n{err}")
    return json.loads(out.strip().splitlines()[-1])


def kernels_line(train_graph, kernels):
    """(exit code, line) of `train_graph --version` under NABLA_KERNELS=
    kernels (None: unset): the kernels in use, or why the set was refused."""
    env = child_env(Side("nabla", 1, kernels=kernels))
    code, out, err, _, _ = run_process([train_graph, "--version"], env)
    return code, (out if code == 0 else err).strip()


def resolve_kernels(args):
    """Replaces args.kernels by the sets to run ([None]: the one nabla
    picks; "all": each set this CPU runs) and returns {set: its
    `train_graph --version` line}. A named set train_graph refuses ends the
    script with train_graph's message."""
    wanted = args.kernels or [None]
    every = wanted == ["all"]
    lines = {}
    for kernels in KERNEL_SETS if every else wanted:
        code, line = kernels_line(args.train_graph, kernels)
        if code == 0:
            lines[kernels] = line
        elif not every:
            fail(f"--kernels {kernels}: {line}")
    args.kernels = list(lines)
    return lines


def split_cpu(cpu):
    """"AMD EPYC (sse2 avx2 fma)" (ops/kernel_isa.h's CpuDescription) ->
    ("AMD EPYC", ["sse2", "avx2", "fma"])."""
    model, _, extensions = cpu.rpartition(" (")
    return (model, extensions.rstrip(")").split()) if model else (cpu, [])


def host_record(machine, kernel_lines):
    """The start of the --json output: the CPU, the FMA peak, nabla's kernels."""
    model, extensions = split_cpu(machine["cpu"])
    return {"host": {"cpu": model, "extensions": extensions, "cores": os.cpu_count(),
                     "fma_peak_gflops": {k: machine.get(k)
                                         for k in ("fma256", "fma512", "peak")}},
            "kernels": {k or "default": line for k, line in kernel_lines.items()}}


def describe_environment(torch_envs, machine, kernel_lines, binaries):
    blas = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
    openblas = ", ".join(f"{v}={os.environ[v]!r}" if v in os.environ else f"{v} not set"
                         for v in OPENBLAS_VARS)
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"host: {machine['cpu']}, {os.cpu_count()} cores, load average {load} "
          "at the start")
    widths = ", ".join(f"{w} {machine[w]:.1f}" for w in ("fma256", "fma512")
                       if machine.get(w) is not None)
    print("float32 FMA peak of one core (tools/bench/fma_peak): "
          + (f"{widths} GFLOP/s; peak {machine['peak']:.1f} GFLOP/s"
             if machine.get("peak") else "not measured (no FMA)"))
    for line in kernel_lines.values():
        print("nabla: " + line.replace(f" on {machine['cpu']}", ""))
    print(f"nabla binaries: {binaries}")
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, "
          f"libblas.so.3 -> {blas}")
    print(f"environment: {openblas}; PyTorch runs "
          + (" and ".join({"unset": "with both unset",
                           "as set": "with them as set"}[e] for e in torch_envs)
             if torch_envs != ["not set"] else "with them not set (nothing to unset)")
          + "; NumPy with both unset"
          + ("; OMP_WAIT_POLICY=PASSIVE for both" if OMP_PASSIVE else "")
          + (f"; NABLA_KERNELS={os.environ['NABLA_KERNELS']!r} is not passed on "
             "(--kernels names the sets)" if "NABLA_KERNELS" in os.environ else ""))


def main():
    args = parse_args()
    if args.worker:
        return run_worker(args)
    global OMP_PASSIVE
    OMP_PASSIVE = args.omp_passive
    if not args.no_torch:
        import importlib.util
        if importlib.util.find_spec("torch") is None:
            fail("PyTorch is missing: run "
                 "tools/bench/setup_bench.sh, or pass --no-torch")
    vars_set = any(v in os.environ for v in OPENBLAS_VARS)
    torch_envs = (["unset", "as set"] if args.torch_env == "both" else
                  [args.torch_env.replace("-", " ")]) if vars_set else ["not set"]
    directory = args.keep or tempfile.mkdtemp(prefix="compare_pytorch.")
    os.makedirs(directory, exist_ok=True)

    workloads = []
    if "tutorial" in args.only:
        workloads += tutorial_workloads()
    if "mlp" in args.only:
        workloads += [mlp_workload(64), mlp_workload(256)]
    if "cnn" in args.only:
        workloads += cnn_workloads()
    binaries = find_binaries(args)
    needed = [args.fma_peak, args.train_graph] + ([args.nabla_bin] if workloads else [])
    for binary in needed:
        if not os.access(binary, os.X_OK):
            fail(f"{binary} is missing: {BUILD_COMMAND}")
    machine = measure_peak(args.fma_peak)
    kernel_lines = resolve_kernels(args)
    for w in workloads:
        w.model, w.spec = write_model(w, directory), save_arrays(w, directory)

    describe_environment(torch_envs, machine, kernel_lines, binaries)
    problems, dump = {}, host_record(machine, kernel_lines)
    if workloads:
        sides = sides_for(args, [e if e != "not set" else "as set" for e in torch_envs])
        results = run_rounds(workloads, sides, args)
        problems = {w.name: check_losses(w, results[w.name], args.rtol)
                    for w in workloads}
        print(f"\nTime per training step (forward, backward, SGD update), float32: "
              f"median of {args.repeats} round(s), each the median of one process's "
              f"timed blocks. A ratio above 1 means nabla is faster. "
              f"First {workloads[0].losses} losses checked to {args.rtol:g} relative.\n")
        print_table(workloads, sides, results, problems, torch_envs)
        figures = nabla_figures(workloads, sides, results, machine.get("peak"))
        print_peak_table(workloads, figures, machine.get("peak"))
        dump["workloads"], dump["nabla"] = results, figures
    for name in FASHION_MODELS:
        if name in args.only:
            dump[name], problems[name] = run_fashion(args, directory,
                                                     torch_envs[0], name)
    print("\nload average at the end: "
          + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    found = [p for ps in problems.values() for p in ps]
    for p in found:
        print(f"PROBLEM: {p}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dump, f, indent=1)
    if not args.keep:
        import shutil
        shutil.rmtree(directory, ignore_errors=True)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
