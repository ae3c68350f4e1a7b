#!/usr/bin/python3
"""Writes layer_norm_torch_cases.txt: LayerNorm cases by PyTorch.

For each case: axis and epsilon, x, scale, bias and dL/dy (random,
float64), and what torch.nn.functional.layer_norm gives for y, dL/dx,
dL/dscale and dL/dbias. tests/ops/layer_norm_op_test compares nabla's
LayerNorm with them.

  /usr/bin/python3 tests/ops/testdata/make_layer_norm_cases.py > \\
      tests/ops/testdata/layer_norm_torch_cases.txt

Needs python3-torch (tools/bench/setup_bench.sh installs it).
"""
import torch
import torch.nn.functional as F

from torch_case_format import emit

# name, x shape, axis, epsilon
CASES = [
    ("last", (4, 6), -1, 1e-5),
    ("two_dims", (3, 4, 5), 1, 1e-5),
    ("tokens", (2, 3, 8), -1, 1e-3),
    ("whole_sample", (2, 3, 2, 2), 1, 1e-5),
]


def main():
    gen = torch.Generator().manual_seed(20261203)

    def uniform(shape, lo, hi):
        return torch.rand(shape, generator=gen, dtype=torch.float64) * (
            hi - lo) + lo

    for name, xs, axis, epsilon in CASES:
        first = axis % len(xs)
        normalised = xs[first:]
        x = uniform(xs, -1, 1).requires_grad_(True)
        scale = uniform(normalised, 0.5, 1.5).requires_grad_(True)
        bias = uniform(normalised, -0.5, 0.5).requires_grad_(True)
        y = F.layer_norm(x, normalised, scale, bias, eps=epsilon)
        dy = uniform(y.shape, -1, 1)
        y.backward(dy)
        print("case", name)
        print("attrs", axis, "|", repr(epsilon))
        emit("x", x)
        emit("scale", scale)
        emit("bias", bias)
        emit("dy", dy)
        emit("y", y)
        emit("dx", x.grad)
        emit("dscale", scale.grad)
        emit("dbias", bias.grad)


if __name__ == "__main__":
    main()
