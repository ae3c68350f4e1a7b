#!/usr/bin/python3
"""Writes pool2d_torch_cases.txt: MaxPool2D and AvgPool2D cases by PyTorch.

For each case: the op and its attributes, x and dL/dy (random, float64),
and what torch.nn.functional.max_pool2d or avg_pool2d gives for y and
dL/dx. tests/ops/pool2d_op_test compares nabla's ops with them. PyTorch
pads both sides of an axis alike, so every case has symmetric pads.

  /usr/bin/python3 tests/ops/testdata/make_pool2d_cases.py > \
      tests/ops/testdata/pool2d_torch_cases.txt

Needs python3-torch (tools/bench/setup_bench.sh installs it).
"""
import torch
import torch.nn.functional as F

from torch_case_format import emit

# name, op, x shape, kernel, strides, dilations, padding (h, w), ceil_mode,
# count_include_pad
CASES = [
    ("max_basic", "MaxPool2D", (2, 3, 6, 6), (2, 2), (2, 2), (1, 1), (0, 0),
     False, False),
    ("max_overlapping_padded", "MaxPool2D", (1, 2, 7, 7), (3, 3), (2, 2),
     (1, 1), (1, 1), False, False),
    ("max_ceil", "MaxPool2D", (1, 2, 6, 7), (3, 3), (2, 2), (1, 1), (0, 0),
     True, False),
    ("max_ceil_padded", "MaxPool2D", (1, 2, 5, 5), (2, 2), (2, 2), (1, 1),
     (1, 1), True, False),
    ("max_dilated", "MaxPool2D", (1, 1, 7, 8), (2, 3), (1, 2), (2, 2),
     (1, 1), False, False),
    ("avg_basic", "AvgPool2D", (2, 3, 6, 6), (2, 2), (2, 2), (1, 1), (0, 0),
     False, False),
    ("avg_padded_include", "AvgPool2D", (1, 2, 5, 5), (3, 3), (2, 2), (1, 1),
     (1, 1), False, True),
    ("avg_padded_exclude", "AvgPool2D", (1, 2, 5, 5), (3, 3), (2, 2), (1, 1),
     (1, 1), False, False),
    ("avg_ceil_include", "AvgPool2D", (1, 2, 6, 7), (3, 3), (2, 2), (1, 1),
     (1, 1), True, True),
    ("avg_ceil_exclude", "AvgPool2D", (1, 2, 6, 7), (3, 3), (2, 2), (1, 1),
     (1, 1), True, False),
    ("avg_rectangular", "AvgPool2D", (1, 2, 5, 8), (2, 3), (1, 2), (1, 1),
     (1, 1), False, True),
]


def main():
    gen = torch.Generator().manual_seed(20261203)
    for (name, op, xs, kernel, strides, dilations, padding, ceil,
         include_pad) in CASES:
        x = torch.rand(xs, generator=gen, dtype=torch.float64) * 2 - 1
        x.requires_grad_(True)
        if op == "MaxPool2D":
            y = F.max_pool2d(x, kernel, strides, padding, dilations,
                             ceil_mode=ceil)
        else:
            y = F.avg_pool2d(x, kernel, strides, padding, ceil_mode=ceil,
                             count_include_pad=include_pad)
        dy = torch.rand(y.shape, generator=gen, dtype=torch.float64) * 2 - 1
        y.backward(dy)
        ph, pw = padding
        print("case", name)
        print("attrs", op, "|", " ".join(str(v) for v in kernel), "|",
              " ".join(str(v) for v in strides), "|",
              " ".join(str(v) for v in dilations), "|", ph, pw, ph, pw, "|",
              int(ceil), "|", int(include_pad))
        emit("x", x)
        emit("dy", dy)
        emit("y", y)
        emit("dx", x.grad)


if __name__ == "__main__":
    main()
