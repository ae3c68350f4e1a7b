#!/usr/bin/python3
"""Writes conv_transpose2d_torch_cases.txt: ConvTranspose2D cases by
PyTorch.

For each case: strides, dilations, pads [top, left, bottom, right],
output_padding and group; x, w and dL/dy (random, float64); and what
torch.nn.functional.conv_transpose2d gives for y, dL/dx and dL/dw.
tests/ops/conv_transpose2d_op_test compares nabla's op with them. PyTorch
pads both sides of an axis alike, so every case has symmetric pads.

  /usr/bin/python3 tests/ops/testdata/make_conv_transpose2d_cases.py > \\
      tests/ops/testdata/conv_transpose2d_torch_cases.txt

Needs python3-torch (tools/bench/setup_bench.sh installs it).
"""
import torch
import torch.nn.functional as F

from torch_case_format import emit

# name, x shape, w shape, stride, dilation, padding, output_padding, groups
CASES = [
    ("basic", (2, 3, 4, 4), (3, 2, 3, 3), (1, 1), (1, 1), (0, 0), (0, 0), 1),
    ("upsample", (1, 2, 5, 5), (2, 3, 3, 3), (2, 2), (1, 1), (1, 1), (1, 1),
     1),
    ("grouped", (2, 4, 3, 3), (4, 1, 2, 2), (2, 2), (1, 1), (0, 0), (0, 0), 2),
    ("dilated", (1, 2, 4, 5), (2, 2, 2, 3), (1, 2), (2, 2), (1, 0), (0, 1), 1),
    ("pointwise", (2, 3, 4, 4), (3, 5, 1, 1), (1, 1), (1, 1), (0, 0), (0, 0),
     1),
]


def main():
    gen = torch.Generator().manual_seed(20261203)

    def uniform(shape):
        return torch.rand(shape, generator=gen, dtype=torch.float64) * 2 - 1

    for name, xs, ws, stride, dilation, padding, extra, groups in CASES:
        x = uniform(xs).requires_grad_(True)
        w = uniform(ws).requires_grad_(True)
        y = F.conv_transpose2d(x, w, stride=stride, padding=padding,
                               output_padding=extra, groups=groups,
                               dilation=dilation)
        dy = uniform(y.shape)
        y.backward(dy)
        ph, pw = padding
        print("case", name)
        print("attrs", *stride, "|", *dilation, "|", ph, pw, ph, pw, "|",
              *extra, "|", groups)
        emit("x", x)
        emit("w", w)
        emit("dy", dy)
        emit("y", y)
        emit("dx", x.grad)
        emit("dw", w.grad)


if __name__ == "__main__":
    main()
