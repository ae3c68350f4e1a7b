#!/usr/bin/python3
"""PyTorch -> ONNX -> nabla round trip: nabla's predictions against torch's.

Defines a few PyTorch models with fixed seeds (an MLP, LeNet-5, LeNet-5
flattening with x.view(x.size(0), -1), the CNN of
examples/fashion_mnist_cnn.pbtxt, a small residual network with batch
normalisation, a pre-activation one), exports each with torch.onnx.export
(opset 13, a dynamic batch dimension), has train_graph import the .onnx file
and predict a batch of random samples (--predict_file), and compares
nabla's outputs with torch's. One line per model: name, max |nabla - torch|,
PASS or FAIL.

Then a fine-tuning round trip (unless --skip_finetune): the view-flattening
LeNet-5 (its ONNX output is the logits) is exported, named by a model file
`onnx { path: ... }` that adds a label placeholder, a
SparseSoftmaxCrossEntropy loss, Adam and a Fashion-MNIST idx source (the
first --finetune_samples training images), and train_graph trains it for
one epoch (--save, --export_onnx, --metrics_out). Checked: the loss over
those samples falls; the exported file passes onnx.checker (full_check);
train_graph's predictions from the exported file equal the fine-tuned
model's own (the checkpoint restored) within --reimport_tolerance; and
PyTorch, given the exported file's initializers as its weights, predicts
the same within --tolerance. Needs Debian's dataset-fashion-mnist.

Exits 1 when any model fails to export, to import, to predict, or differs
by more than --tolerance, or when a fine-tuning check fails; nabla's error
is printed as it said it.

Needs Debian's python3-torch and python3-onnx (run with /usr/bin/python3):

  /usr/bin/python3 tests/onnx/torch_roundtrip.py \
      --train_graph bazel-bin/tools/train_graph [--out_dir DIR] [--keep] \
      [--models a,b] [--skip_finetune]

The rows of --predict_file are the samples flattened in C order: an image
input [N, C, H, W] takes C*H*W values per line, which train_graph reshapes
to the placeholder's [C, H, W] per sample (core/run/prediction.cc).
"""

import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from torch import nn

OPSET = 13


# ---------------------------------------------------------------------------
# The models.


class Mlp(nn.Module):
    """4-16-3 with ReLU."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 16)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class LeNet5(nn.Module):
    """LeNet-5 on 1x28x28: conv 5x5 (6, padded to keep 28x28), average pool,
    conv 5x5 (16), average pool, dense 120, 84, 10; tanh as in the original
    for the convolutions, ReLU in the dense layers."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, padding=2)
        self.pool1 = nn.AvgPool2d(2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.pool2 = nn.AvgPool2d(2)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool1(torch.tanh(self.conv1(x)))
        x = self.pool2(torch.tanh(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        return self.fc3(x)


class LeNet5View(LeNet5):
    """LeNet5 flattening with x.view(x.size(0), -1): exported with a dynamic
    batch, the flatten is Shape -> Gather(0) -> Unsqueeze -> Concat(-1) ->
    Reshape rather than torch.flatten's Flatten. Its output is the logits,
    which the fine-tuning test trains with a softmax cross-entropy."""

    def forward(self, x):
        x = self.pool1(torch.tanh(self.conv1(x)))
        x = self.pool2(torch.tanh(self.conv2(x)))
        x = x.view(x.size(0), -1)
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        return self.fc3(x)


class FashionMnistCnn(nn.Module):
    """examples/fashion_mnist_cnn.pbtxt: conv 3x3 same 32 (ReLU), max pool 2,
    conv 3x3 same 64 (ReLU), max pool 2, flatten, dropout 0.25, dense 128
    (ReLU), dropout 0.5, dense 10 (the logits), softmax (the model's
    prediction output, "probabilities")."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3, padding=1)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3, padding=1)
        self.pool2 = nn.MaxPool2d(2)
        self.flat = nn.Flatten()
        self.drop1 = nn.Dropout(0.25)
        self.hidden = nn.Linear(64 * 7 * 7, 128)
        self.drop2 = nn.Dropout(0.5)
        self.logits = nn.Linear(128, 10)

    def forward(self, x):
        x = self.pool1(torch.relu(self.conv1(x)))
        x = self.pool2(torch.relu(self.conv2(x)))
        x = self.drop1(self.flat(x))
        x = self.drop2(torch.relu(self.hidden(x)))
        return torch.softmax(self.logits(x), dim=1)


class ResidualBlock(nn.Module):
    """conv 3x3, BN, ReLU, conv 3x3, BN; + the block's input; ReLU."""

    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(x + y)


class SmallResNet(nn.Module):
    """Like examples/fashion_mnist_resnet.pbtxt: stem conv 3x3 16 (no bias),
    BN, ReLU, max pool 2; two residual blocks; global average pool, flatten,
    dense 10."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 16, 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(16)
        self.pool = nn.MaxPool2d(2)
        self.block1 = ResidualBlock(16)
        self.block2 = ResidualBlock(16)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.stem_bn(self.stem(x))))
        x = self.block2(self.block1(x))
        return self.fc(torch.flatten(self.gap(x), 1))


class PreActBlock(nn.Module):
    """Pre-activation (ResNet v2): BN, ReLU, conv 3x3, BN, ReLU, conv 3x3;
    + the block's input."""

    def __init__(self, channels):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)

    def forward(self, x):
        y = self.conv1(torch.relu(self.bn1(x)))
        y = self.conv2(torch.relu(self.bn2(y)))
        return x + y


class PreActResNet(nn.Module):
    """torch.onnx.export in eval mode folds a BatchNorm that follows a Conv
    into the Conv's weights, so SmallResNet's ONNX graph has no
    BatchNormalization. Here the first BN of each block and the final one
    follow a MaxPool or an Add: they stay BatchNormalization nodes, with the
    running statistics for nabla's importer to read. Stem conv 3x3 16, max
    pool 2, two pre-activation blocks, BN, ReLU, global average pool,
    flatten, dense 10."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 16, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.block1 = PreActBlock(16)
        self.block2 = PreActBlock(16)
        self.bn = nn.BatchNorm2d(16)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.block2(self.block1(self.pool(self.stem(x))))
        x = self.gap(torch.relu(self.bn(x)))
        return self.fc(torch.flatten(x, 1))


def settle_batch_norm(model, input_shape, generator):
    """Gives every BatchNorm non-trivial statistics and affine parameters:
    random weight and bias, then a few training-mode passes over inputs
    whose mean and spread are far from 0 and 1, with momentum raised so the
    running statistics move well away from their initial (0, 1)."""
    norms = [
        m for m in model.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm)
    ]
    if not norms:
        return
    with torch.no_grad():
        for bn in norms:
            shape = bn.weight.shape
            bn.weight.copy_(0.5 + torch.rand(shape, generator=generator))
            bn.bias.copy_(0.2 * torch.randn(shape, generator=generator))
            bn.momentum = 0.5
        model.train()
        for _ in range(5):
            x = torch.randn((16,) + input_shape, generator=generator)
            x = 0.7 + 2.0 * x
            model(x)
        for bn in norms:
            bn.momentum = 0.1
    model.eval()


def image_batch(batch, shape, generator):
    """Pixels in [0, 1), like the scaled Fashion-MNIST images."""
    return torch.rand((batch,) + shape, generator=generator)


def normal_batch(batch, shape, generator):
    return torch.randn((batch,) + shape, generator=generator)


class Spec:
    """A model of the round trip. `tap`: (ONNX op type, torch module name):
    the input of the first node of that op type in the exported graph is
    compared too, against the module's output, through train_graph --output
    with the ONNX value's name (':' read as '_'); e.g. the logits under a
    Softmax, which the probabilities' small values could hide. `ops`: op
    types the exported graph must hold, so that the model still tests the
    pattern it was written for (a newer torch may export it otherwise)."""

    def __init__(self, name, make, shape, make_input, tap=None, ops=()):
        self.name = name
        self.make = make
        self.shape = shape
        self.make_input = make_input
        self.tap = tap
        self.ops = ops


MODELS = [
    Spec("mlp", Mlp, (4,), normal_batch),
    Spec("lenet5", LeNet5, (1, 28, 28), image_batch),
    Spec("lenet5_view", LeNet5View, (1, 28, 28), image_batch,
         ops=("Shape", "Gather", "Unsqueeze", "Concat", "Reshape")),
    Spec("fashion_mnist_cnn", FashionMnistCnn, (1, 28, 28), image_batch,
         tap=("Softmax", "logits")),
    Spec("small_resnet", SmallResNet, (1, 28, 28), image_batch),
    Spec("preact_resnet", PreActResNet, (1, 28, 28), image_batch),
]


# ---------------------------------------------------------------------------
# Export, nabla, comparison.


def export(model, example, path):
    torch.onnx.export(
        model.eval(),
        example,
        path,
        opset_version=OPSET,
        input_names=["input"],
        output_names=["output"],
        dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
    )


def onnx_nodes(path):
    import onnx  # pylint: disable=import-outside-toplevel

    return list(onnx.load(path).graph.node)


def op_types(nodes):
    """The op types of the graph, in order of first use."""
    seen = []
    for node in nodes:
        if node.op_type not in seen:
            seen.append(node.op_type)
    return seen


def write_rows(path, x):
    """One sample per line, flattened in C order; %.9g reads back the same
    float32."""
    rows = x.reshape(x.shape[0], -1).numpy().astype(np.float32)
    with open(path, "w") as f:
        for row in rows:
            f.write(",".join("%.9g" % v for v in row) + "\n")


def parse_predictions(stdout, rows, width):
    """The outputs of train_graph's "predict [inputs] -> [outputs]" lines
    (a model without a training section is no classifier: its outputs are
    printed as values, float32 to 9 significant digits)."""
    outputs = []
    for line in stdout.splitlines():
        if not line.startswith("predict ["):
            continue
        marker = line.rfind("] -> [")
        if marker < 0 or not line.endswith("]"):
            raise ValueError("unexpected prediction line: %s" % line[:200])
        fields = line[marker + len("] -> [") : -1].split(",")
        outputs.append([float(v) for v in fields])
    if len(outputs) != rows:
        raise ValueError(
            "train_graph printed %d prediction lines for %d rows; its output "
            "ends:\n%s" % (len(outputs), rows, stdout[-2000:])
        )
    result = np.array(outputs, dtype=np.float64)
    if result.shape[1] != width:
        raise ValueError(
            "train_graph printed %d values per row, torch has %d"
            % (result.shape[1], width)
        )
    return result


class NablaError(Exception):
    pass


def run_train_graph(args, flags):
    """Runs train_graph with `flags` (the model file first) on one thread;
    its standard output, or NablaError with the command and what train_graph
    said."""
    command = [args.train_graph] + list(flags) + ["--threads", "1"]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=args.timeout,
            check=False)
    except subprocess.TimeoutExpired:
        raise NablaError("%s\ntimed out after %d s"
                         % (" ".join(command), args.timeout))
    if done.returncode != 0:
        message = done.stderr.strip() or done.stdout.strip()
        raise NablaError("%s\nexited %d:\n%s"
                         % (" ".join(command), done.returncode, message))
    return done.stdout


def run_nabla(args, model_path, rows_path, width, output=None, rows=None,
              flags=()):
    """train_graph's predictions for the rows, [rows, width] float64
    (rows: default --batch)."""
    command = [model_path, "--predict_file", rows_path] + list(flags)
    if output is not None:
        command += ["--output", output]
    stdout = run_train_graph(args, command)
    try:
        return parse_predictions(stdout, rows or args.batch, width)
    except ValueError as e:
        raise NablaError("%s\n%s"
                         % (" ".join([args.train_graph] + command), e))


class Result:
    def __init__(self, name):
        self.name = name
        self.passed = False
        # max |nabla - torch| and max |torch| over every value compared (the
        # output, and the tapped value if any).
        self.difference = None
        self.scale = None
        self.ops = []
        self.messages = []


def check_model(spec, args):
    result = Result(spec.name)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    model = spec.make()
    settle_batch_norm(model, spec.shape, generator)
    model.eval()
    x = spec.make_input(args.batch, spec.shape, generator)
    tapped = {}

    def keep_output(_module, _inputs, output):
        tapped["value"] = output.detach().clone()
        # None: the module's output stays as it is.

    hook = None
    if spec.tap is not None:
        module = dict(model.named_modules())[spec.tap[1]]
        hook = module.register_forward_hook(keep_output)
    with torch.no_grad():
        expected = {None: model(x).reshape(args.batch, -1).double().numpy()}
    if hook is not None:
        hook.remove()  # before the export traces the model

    onnx_path = os.path.join(args.out_dir, spec.name + ".onnx")
    rows_path = os.path.join(args.out_dir, spec.name + "_rows.csv")
    try:
        export(model, x, onnx_path)
    except Exception as e:  # pylint: disable=broad-except
        result.messages.append("torch.onnx.export failed: %s" % e)
        return result
    write_rows(rows_path, x)
    nodes = onnx_nodes(onnx_path)
    result.ops = op_types(nodes)
    missing = [op for op in spec.ops if op not in result.ops]
    if missing:
        result.messages.append(
            "the exported graph has no %s node (ops: %s): it no longer tests "
            "what it was written for" % (", ".join(missing),
                                         " ".join(result.ops)))
        return result
    if spec.tap is not None:
        feeding = [n.input[0] for n in nodes if n.op_type == spec.tap[0]]
        if not feeding:
            result.messages.append(
                "the exported graph has no %s node" % spec.tap[0])
            return result
        name = feeding[0].replace(":", "_")
        tap = tapped["value"].reshape(args.batch, -1)
        expected[name] = tap.double().numpy()

    differences, scales = [], []
    for output, want in expected.items():
        try:
            got = run_nabla(args, onnx_path, rows_path, want.shape[1], output)
        except NablaError as e:
            result.messages.append(str(e))
            return result
        difference = float(np.max(np.abs(got - want)))
        differences.append(difference)
        scales.append(float(np.max(np.abs(want))))
        if len(expected) > 1:
            what = "output" if output is None else "--output " + output
            result.messages.append(
                "%s: max |nabla - torch| = %.3g (max |torch| %.3g)"
                % (what, difference, scales[-1]))
        if not np.isfinite(difference) or difference > args.tolerance:
            result.messages.append(
                "%s differs by %.3g, more than %g"
                % (output or "output", difference, args.tolerance))
    result.difference = max(differences)
    result.scale = max(scales)
    result.passed = all(np.isfinite(d) and d <= args.tolerance
                        for d in differences)
    return result


# ---------------------------------------------------------------------------
# Fine-tuning: an exported model trained further by train_graph through a
# model file's onnx section, exported again with --export_onnx, and read
# back by train_graph and by PyTorch.

FASHION_MNIST = "/usr/share/datasets/fashion-mnist"  # dataset-fashion-mnist
# 1/255 as in examples/fashion_mnist_cnn.pbtxt: pixels in [0, 1], the range
# of image_batch. The torch model is only initialised, never trained, so
# any scaling would do as long as nabla and torch see the same: the loss
# and the predictions below are computed on the same scaled images.
PIXEL_SCALE = 0.00392156862745098
FINETUNE_BATCH = 32
FINETUNE_LEARNING_RATE = 0.002
# Fashion-MNIST test images whose predictions are compared.
FINETUNE_ROWS = 8

# The images are [N, 28 * 28] (the source's flatten: true, the default);
# each sample's 784 values take the ONNX input placeholder's [1, 28, 28]
# in row-major order, as they do the image placeholder of
# examples/fashion_mnist_cnn.pbtxt. The test section reads the very samples
# trained on: train_graph --eval then gives the untrained model's loss on
# them, and the training run the fine-tuned model's (test_loss).
FINETUNE_SOURCE = """source {
    name: "idx"
    attr { key: "images" value { s: "%(images)s" } }
    attr { key: "labels" value { s: "%(labels)s" } }
    attr { key: "images_placeholder" value { s: "%(input)s" } }
    attr { key: "labels_placeholder" value { s: "label" } }
    attr { key: "scale" value { f: %(scale).17g } }
    attr { key: "limit" value { i: %(limit)d } }
  }"""

FINETUNE_MODEL = """# Written by tests/onnx/torch_roundtrip.py: %(onnx)s, torch.onnx.export's
# LeNet5View, fine-tuned on the first %(limit)d Fashion-MNIST training
# images. The ONNX graph's input and output keep their ONNX names.
format_version: 1
onnx { path: "%(onnx)s" }
graph {
  node { name: "label" op: "Placeholder"
         attr { key: "shape" value { shape { dim: -1 } } } }
  node { name: "loss" op: "SparseSoftmaxCrossEntropy"
         input: "%(output)s" input: "label" }
}
training {
  loss: "loss"
  optimizer { name: "Adam"
              attr { key: "learning_rate" value { f: %(learning_rate)g } } }
  epochs: 1
  batch_size: %(batch)d
  shuffle: true
  seed: %(seed)d
}
data {
  %(source)s
  test {
    %(test_source)s
  }
}
"""

# The same graph without training: train_graph prints a classifier's
# predictions (a model whose loss is a classification loss) as "class k
# p=0.xxx", whatever node --output names, so the fine-tuned model's own
# values are read through this file restoring the fine-tuning checkpoint
# (its variables have the same names; the Adam slots are ignored).
PREDICT_MODEL = """# Written by tests/onnx/torch_roundtrip.py: %(onnx)s for prediction,
# the fine-tuned weights restored with --resume.
format_version: 1
onnx { path: "%(onnx)s" }
"""


def read_idx(path, limit):
    """The first `limit` entries of a gzipped IDX file of bytes (MNIST's
    format: a 0x00000800 | rank magic, rank big-endian int32 sizes, the
    data), as a numpy uint8 array."""
    with gzip.open(path, "rb") as f:
        magic = np.frombuffer(f.read(4), dtype=">u4")[0]
        if magic >> 8 != 0x08:
            raise ValueError("%s: not an IDX file of bytes (magic %#x)"
                             % (path, magic))
        rank = int(magic & 0xFF)
        sizes = [int(v) for v in np.frombuffer(f.read(4 * rank), dtype=">i4")]
        count = min(sizes[0], limit)
        per = int(np.prod(sizes[1:], dtype=np.int64))
        data = np.frombuffer(f.read(count * per), dtype=np.uint8)
    if data.size != count * per:
        raise ValueError("%s ends early" % path)
    return data.reshape([count] + sizes[1:])


def scaled_images(raw):
    """IDX images [N, 28, 28] as the model's input [N, 1, 28, 28], scaled as
    the idx source scales them (the byte times the scale in double, then
    float32)."""
    images = (raw.astype(np.float64) * PIXEL_SCALE).astype(np.float32)
    return torch.from_numpy(images.reshape(raw.shape[0], 1, 28, 28))


def torch_loss(model, images, labels):
    """Mean softmax cross-entropy of `model` over the samples, in batches;
    float64 accumulation."""
    total = 0.0
    with torch.no_grad():
        for start in range(0, images.shape[0], 500):
            logits = model(images[start:start + 500])
            total += float(nn.functional.cross_entropy(
                logits.double(), labels[start:start + 500], reduction="sum"))
    return total / images.shape[0]


def test_loss_line(stdout):
    """The loss of train_graph's "test: N samples  loss X ..." line."""
    found = re.findall(r"^test: (\d+) samples\s+loss (\S+)", stdout, re.M)
    if not found:
        raise ValueError("train_graph printed no test line; its output "
                         "ends:\n%s" % stdout[-2000:])
    return int(found[-1][0]), float(found[-1][1])


def parse_classes(stdout, rows):
    """(class, p) of a classifier's "predict [...] -> class k  p=0.xxx"
    lines."""
    found = re.findall(r"^predict \[.*\] -> class (\d+)(?: \([^)]*\))?"
                       r"\s+p=(\S+)$", stdout, re.M)
    if len(found) != rows:
        raise ValueError("train_graph printed %d class predictions for %d "
                         "rows; its output ends:\n%s"
                         % (len(found), rows, stdout[-2000:]))
    return [(int(k), float(p)) for k, p in found]


class FineTuneResult:
    def __init__(self):
        self.passed = False
        self.lines = []  # the figures
        self.failures = []  # what failed


def check_finetune(args):
    """The fine-tuning round trip; a FineTuneResult."""
    import onnx  # pylint: disable=import-outside-toplevel
    from onnx import numpy_helper  # pylint: disable=import-outside-toplevel

    result = FineTuneResult()
    say = result.lines.append

    def fail(message):
        result.failures.append(message)

    paths = {
        name: os.path.join(FASHION_MNIST, name + "-idx%d-ubyte.gz" % rank)
        for name, rank in [("train-images", 3), ("train-labels", 1),
                           ("t10k-images", 3)]
    }
    absent = [p for p in paths.values() if not os.path.isfile(p)]
    if absent:
        fail("no %s: install Debian's dataset-fashion-mnist, or pass "
             "--skip_finetune" % ", ".join(absent))
        return result
    limit = args.finetune_samples
    train_images = scaled_images(read_idx(paths["train-images"], limit))
    train_labels = torch.from_numpy(
        read_idx(paths["train-labels"], limit).astype(np.int64))
    rows = scaled_images(read_idx(paths["t10k-images"], FINETUNE_ROWS))

    # The torch model and its export: the model to fine-tune.
    torch.manual_seed(args.seed)
    model = LeNet5View().eval()
    directory = args.out_dir
    base_onnx = os.path.join(directory, "finetune_base.onnx")
    try:
        export(model, rows[:2], base_onnx)
    except Exception as e:  # pylint: disable=broad-except
        fail("torch.onnx.export failed: %s" % e)
        return result
    base_graph = onnx.load(base_onnx).graph
    onnx_input = base_graph.input[0].name.replace(":", "_")
    onnx_output = base_graph.output[0].name.replace(":", "_")
    rows_path = os.path.join(directory, "finetune_rows.csv")
    write_rows(rows_path, rows)

    model_path = os.path.join(directory, "finetune.pbtxt")
    source = FINETUNE_SOURCE % {
        "images": paths["train-images"], "labels": paths["train-labels"],
        "input": onnx_input, "scale": PIXEL_SCALE, "limit": limit}
    with open(model_path, "w") as f:
        f.write(FINETUNE_MODEL % {
            # Relative: the model file's directory.
            "onnx": os.path.basename(base_onnx), "output": onnx_output,
            "limit": limit, "learning_rate": FINETUNE_LEARNING_RATE,
            "batch": FINETUNE_BATCH, "seed": args.seed, "source": source,
            "test_source": source.replace("\n", "\n  ")})
    predict_path = os.path.join(directory, "finetune_predict.pbtxt")
    with open(predict_path, "w") as f:
        f.write(PREDICT_MODEL % {"onnx": os.path.basename(base_onnx)})
    checkpoint = os.path.join(directory, "ft.ckpt")
    tuned_onnx = os.path.join(directory, "ft.onnx")
    metrics_path = os.path.join(directory, "ft_metrics.jsonl")

    # Does the loss fall? The figure compared is the mean loss over the
    # very samples trained on, of the model before training (train_graph
    # --eval: the test section reads those samples) and after it (the test
    # evaluation at the end of the run). Both are whole passes with the
    # weights fixed: deterministic, free of the noise of single batches,
    # and unlike the epoch's running mean (printed too) not mixed with the
    # loss of the early, untrained batches. The untrained model is near
    # ln 10 = 2.30; one epoch of Adam brings it well below, so a fall of
    # at least 10% is asked (a broken gradient or an optimizer that does not
    # update leaves it where it was). torch computes both losses too, from
    # its own reading of the files: that the four agree checks that nabla
    # fed the samples and labels as torch sees them.
    try:
        stdout = run_train_graph(args, [model_path, "--eval"])
        _, before = test_loss_line(stdout)
        started = time.time()
        stdout = run_train_graph(args, [
            model_path, "--save", checkpoint, "--export_onnx", tuned_onnx,
            "--metrics_out", metrics_path])
        seconds = time.time() - started
        samples, after = test_loss_line(stdout)
        with open(metrics_path) as f:
            epochs = [json.loads(line) for line in f if line.strip()]
    except (NablaError, ValueError) as e:
        fail(str(e))
        return result
    if samples != limit:
        fail("train_graph evaluated %d samples, not %d" % (samples, limit))
    if len(epochs) != 1:
        fail("%s holds %d epochs, not 1" % (metrics_path, len(epochs)))
        return result
    after = epochs[0].get("test_loss", after)  # all its digits
    running = epochs[0]["loss"]
    torch_before = torch_loss(model, train_images, train_labels)
    say("trained %s: %d Fashion-MNIST training images, 1 epoch, batch %d, "
        "Adam %g, %.1f s" % (os.path.basename(model_path), limit,
                             FINETUNE_BATCH, FINETUNE_LEARNING_RATE, seconds))
    say("loss over the %d samples: before %.6f (torch %.6f), after %.6f; "
        "the epoch's running mean %.6f"
        % (limit, before, torch_before, after, running))
    if not after < 0.9 * before:
        fail("the loss did not fall by 10%%: %.6f before, %.6f after"
             % (before, after))
    # train_graph prints 6 significant digits in the --eval line.
    if abs(before - torch_before) > 1e-4:
        fail("nabla's loss of the untrained model, %.6f, is not torch's "
             "%.6f" % (before, torch_before))

    # The exported file.
    try:
        tuned = onnx.load(tuned_onnx)
        onnx.checker.check_model(tuned, full_check=True)
        say("onnx.checker.check_model(ft.onnx, full_check=True): passed "
            "(opset %s, %d nodes)"
            % (",".join(str(o.version) for o in tuned.opset_import),
               len(tuned.graph.node)))
    except Exception as e:  # pylint: disable=broad-except
        fail("onnx.checker.check_model(%s, full_check=True): %s"
             % (tuned_onnx, e))
        return result

    # Re-import: the exported file's predictions against the fine-tuned
    # model's own, through train_graph; and the untrained model's, which
    # they must not be (else the checkpoint or the export held the
    # untrained weights and the comparison proves nothing).
    width = 10
    try:
        reimported = run_nabla(args, tuned_onnx, rows_path, width,
                               rows=FINETUNE_ROWS)
        own = run_nabla(args, predict_path, rows_path, width, onnx_output,
                        rows=FINETUNE_ROWS, flags=["--resume", checkpoint])
        untrained = run_nabla(args, base_onnx, rows_path, width,
                              rows=FINETUNE_ROWS)
        classes = parse_classes(
            run_train_graph(args, [model_path, "--resume", checkpoint,
                                   "--predict_file", rows_path,
                                   "--output", onnx_output]),
            FINETUNE_ROWS)
    except (NablaError, ValueError) as e:
        fail(str(e))
        return result
    difference = float(np.max(np.abs(reimported - own)))
    moved = float(np.max(np.abs(reimported - untrained)))
    say("train_graph ft.onnx vs the fine-tuned model (--resume ft.ckpt), "
        "%d rows: max |difference| = %.3g (the untrained model's differ by "
        "%.3g)" % (FINETUNE_ROWS, difference, moved))
    if not difference <= args.reimport_tolerance:
        fail("ft.onnx's predictions differ from the fine-tuned model's by "
             "%.3g, more than %g" % (difference, args.reimport_tolerance))
    if not moved > 1e-3:
        fail("ft.onnx predicts as the untrained model (max |difference| "
             "%.3g): the fine-tuned weights were not exported" % moved)
    # finetune.pbtxt itself, a classifier, prints the class and its
    # probability (3 decimals): they must be those of ft.onnx's logits.
    probabilities = torch.softmax(torch.from_numpy(reimported), 1).numpy()
    wrong = [
        r for r, (k, p) in enumerate(classes)
        if k != int(np.argmax(reimported[r]))
        or abs(p - probabilities[r].max()) > 6e-4
    ]
    say("finetune.pbtxt --resume ft.ckpt --output %s: the classes and "
        "probabilities of ft.onnx's logits in %d of %d rows"
        % (onnx_output, FINETUNE_ROWS - len(wrong), FINETUNE_ROWS))
    if wrong:
        fail("finetune.pbtxt --resume ft.ckpt predicts %s for rows %s; "
             "ft.onnx's logits give %s"
             % ([classes[r] for r in wrong], wrong,
                [(int(np.argmax(reimported[r])),
                  round(float(probabilities[r].max()), 3)) for r in wrong]))

    # torch with ft.onnx's initializers: nabla keeps the variables' names,
    # which are the names the first export gave the initializers, the
    # torch parameters' (conv1.weight, ...). The other initializers are the
    # constants the export adds (shapes, pads).
    initializers = {i.name: numpy_helper.to_array(i)
                    for i in tuned.graph.initializer}
    tuned_model = LeNet5View().eval()
    state = tuned_model.state_dict()
    problems = []
    for name, value in state.items():
        if name not in initializers:
            problems.append("%s is not an initializer of ft.onnx" % name)
        elif tuple(initializers[name].shape) != tuple(value.shape):
            problems.append("ft.onnx's %s is %s, torch's %s"
                            % (name, list(initializers[name].shape),
                               list(value.shape)))
        else:
            state[name] = torch.from_numpy(initializers[name].copy())
    if problems:
        fail("; ".join(problems))
        return result
    tuned_model.load_state_dict(state)
    with torch.no_grad():
        expected = tuned_model(rows).double().numpy()
    difference = float(np.max(np.abs(reimported - expected)))
    torch_after = torch_loss(tuned_model, train_images, train_labels)
    say("train_graph ft.onnx vs torch with ft.onnx's %d weights, %d rows: "
        "max |difference| = %.3g (max |torch| %.3g); torch's loss after "
        "%.6f" % (len(state), FINETUNE_ROWS, difference,
                  float(np.max(np.abs(expected))), torch_after))
    if not difference <= args.tolerance:
        fail("ft.onnx's predictions differ from torch's by %.3g, more than "
             "%g" % (difference, args.tolerance))
    if abs(after - torch_after) > 1e-4:
        fail("nabla's loss of the fine-tuned model, %.6f, is not torch's "
             "%.6f" % (after, torch_after))
    result.passed = not result.failures
    return result


def default_train_graph():
    here = os.path.dirname(os.path.abspath(__file__))  # tests/onnx
    root = os.path.dirname(os.path.dirname(here))
    return os.path.join(root, "bazel-bin", "tools", "train_graph")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--train_graph",
        default=default_train_graph(),
        help="the train_graph binary (default: bazel-bin/tools/train_graph "
        "of this checkout)",
    )
    parser.add_argument(
        "--out_dir",
        default=None,
        help="where the .onnx files and rows go (default: a temporary "
        "directory, removed at the end unless --keep)",
    )
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary --out_dir")
    parser.add_argument("--batch", type=int, default=3,
                        help="samples per model")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--tolerance", type=float, default=1e-5,
        help="largest max |nabla - torch| that passes")
    parser.add_argument("--timeout", type=int, default=300,
                        help="seconds per train_graph run")
    parser.add_argument(
        "--models",
        default="",
        help="comma-separated subset of: " + ",".join(m.name for m in MODELS),
    )
    parser.add_argument(
        "--verbose", action="store_true",
        help="print each exported graph's op types")
    parser.add_argument(
        "--skip_finetune", action="store_true",
        help="skip the fine-tuning round trip (it reads Fashion-MNIST from "
        + FASHION_MNIST + ")")
    parser.add_argument(
        "--finetune_samples", type=int, default=3000,
        help="Fashion-MNIST training images the fine-tuning trains on")
    parser.add_argument(
        "--reimport_tolerance", type=float, default=1e-6,
        help="largest max |difference| that passes between the fine-tuned "
        "model's predictions and those of its exported .onnx file")
    args = parser.parse_args()

    if not (os.path.isfile(args.train_graph)
            and os.access(args.train_graph, os.X_OK)):
        print("torch_roundtrip: no train_graph binary at %s (--train_graph)"
              % args.train_graph, file=sys.stderr)
        return 2
    args.train_graph = os.path.abspath(args.train_graph)
    chosen = [m for m in args.models.split(",") if m]
    unknown = set(chosen) - {m.name for m in MODELS}
    if unknown:
        print("torch_roundtrip: unknown --models %s"
              % ",".join(sorted(unknown)), file=sys.stderr)
        return 2
    specs = [m for m in MODELS if not chosen or m.name in chosen]
    if args.finetune_samples < 1:
        # The idx source would read all 60000 for a limit of 0.
        print("torch_roundtrip: --finetune_samples must be >= 1",
              file=sys.stderr)
        return 2

    temporary = args.out_dir is None
    if temporary:
        args.out_dir = tempfile.mkdtemp(prefix="torch_roundtrip_")
    else:
        os.makedirs(args.out_dir, exist_ok=True)
    args.out_dir = os.path.abspath(args.out_dir)
    torch.set_num_threads(1)

    print(
        "torch %s, opset %d, %d samples per model, tolerance %g, files in %s"
        % (torch.__version__, OPSET, args.batch, args.tolerance, args.out_dir)
    )
    failures = 0
    checks = len(specs)
    try:
        for spec in specs:
            result = check_model(spec, args)
            shown, scale = "-", ""
            if result.difference is not None:
                shown = "%.3g" % result.difference
                scale = "(max |torch| %.3g)" % result.scale
            print(
                "%-18s max |nabla - torch| = %-9s %-20s %s"
                % (spec.name, shown, scale, "PASS" if result.passed else "FAIL")
            )
            if args.verbose and result.ops:
                print("    ops: " + " ".join(result.ops))
            for message in result.messages:
                for line in message.splitlines():
                    print("    " + line)
            failures += not result.passed
            sys.stdout.flush()
        if not args.skip_finetune:
            result = check_finetune(args)
            print("%-18s %s" % ("finetune", "PASS" if result.passed
                                else "FAIL"))
            for message in result.lines + result.failures:
                for line in message.splitlines():
                    print("    " + line)
            failures += not result.passed
            checks += 1
    finally:
        if temporary and not args.keep:
            shutil.rmtree(args.out_dir, ignore_errors=True)
    if failures:
        print("%d of %d checks failed" % (failures, checks))
        return 1
    print("all %d checks passed" % checks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
