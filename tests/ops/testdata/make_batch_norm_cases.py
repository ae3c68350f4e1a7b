#!/usr/bin/python3
"""Writes batch_norm_torch_cases.txt: BatchNorm cases by PyTorch.

For each case: the mode, epsilon and momentum (nabla's: the weight of the
old running value, 1 - PyTorch's), x, scale, bias, the running mean and var
before the step and dL/dy (random, float64); then what
torch.nn.functional.batch_norm gives for y, dL/dx, dL/dscale, dL/dbias and,
in training, the running mean and var after the step.
tests/ops/batch_norm_op_test compares nabla's BatchNorm with them.

  /usr/bin/python3 tests/ops/testdata/make_batch_norm_cases.py > \
      tests/ops/testdata/batch_norm_torch_cases.txt

Needs python3-torch (tools/bench/setup_bench.sh installs it).
"""
import torch
import torch.nn.functional as F

from torch_case_format import emit

# name, training, x shape, epsilon, nabla's momentum
CASES = [
    ("train_nchw", True, (3, 4, 5, 5), 1e-5, 0.9),
    ("train_nc", True, (6, 5), 1e-5, 0.9),
    ("train_ncl", True, (4, 3, 7), 1e-5, 0.9),
    ("train_one_pixel", True, (8, 3, 1, 1), 1e-3, 0.5),
    ("train_shifted", True, (2, 3, 4, 6), 1e-5, 0.0),
    ("infer_nchw", False, (3, 4, 5, 5), 1e-5, 0.9),
    ("infer_nc", False, (6, 5), 1e-3, 0.9),
]


def main():
    gen = torch.Generator().manual_seed(20261203)

    def uniform(shape, lo, hi):
        return torch.rand(shape, generator=gen, dtype=torch.float64) * (
            hi - lo) + lo

    for name, training, xs, epsilon, momentum in CASES:
        channels = xs[1]
        x = uniform(xs, -1, 1)
        if name == "train_shifted":  # a mean far from zero
            x = x * 0.01 + 40
        x.requires_grad_(True)
        scale = uniform((channels,), 0.5, 1.5).requires_grad_(True)
        bias = uniform((channels,), -0.5, 0.5).requires_grad_(True)
        mean = uniform((channels,), -0.3, 0.3)
        var = uniform((channels,), 0.5, 2.0)
        running_mean, running_var = mean.clone(), var.clone()
        y = F.batch_norm(x, running_mean, running_var, scale, bias,
                         training=training, momentum=1 - momentum,
                         eps=epsilon)
        dy = uniform(y.shape, -1, 1)
        y.backward(dy)
        print("case", name)
        print("attrs", int(training), "|", repr(epsilon), "|", repr(momentum))
        emit("x", x)
        emit("scale", scale)
        emit("bias", bias)
        emit("mean", mean)
        emit("var", var)
        emit("dy", dy)
        emit("y", y)
        emit("dx", x.grad)
        emit("dscale", scale.grad)
        emit("dbias", bias.grad)
        emit("new_mean", running_mean)
        emit("new_var", running_var)


if __name__ == "__main__":
    main()
