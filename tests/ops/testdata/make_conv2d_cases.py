#!/usr/bin/python3
"""Writes conv2d_torch_cases.txt: Conv2D cases computed by PyTorch.

For each case: the attributes, x, w and dL/dy (random, float64), and what
torch.nn.functional.conv2d gives for y, dL/dx and dL/dw. tests/ops/
conv2d_op_test compares nabla's Conv2D with them. Asymmetric pads are
applied with F.pad before an unpadded conv2d.

  /usr/bin/python3 tests/ops/testdata/make_conv2d_cases.py > \
      tests/ops/testdata/conv2d_torch_cases.txt

Needs python3-torch (tools/bench/setup_bench.sh installs it).
"""
import torch
import torch.nn.functional as F

from torch_case_format import emit

# name, x shape, w shape, strides, dilations, pads [t, l, b, r], padding,
# group
CASES = [
    ("basic", (2, 3, 7, 6), (4, 3, 3, 3), (1, 1), (1, 1), (0, 0, 0, 0),
     "explicit", 1),
    ("strided_asymmetric_pads", (2, 3, 7, 6), (4, 3, 3, 2), (2, 3), (1, 1),
     (0, 1, 2, 0), "explicit", 1),
    ("same_dilated", (1, 2, 6, 7), (3, 2, 3, 3), (1, 1), (2, 1), (0, 0, 0, 0),
     "same", 1),
    ("same_even_kernel", (1, 2, 5, 6), (2, 2, 2, 4), (1, 1), (1, 1),
     (0, 0, 0, 0), "same", 1),
    ("groups", (2, 4, 5, 5), (6, 2, 3, 3), (1, 1), (1, 1), (1, 1, 1, 1),
     "explicit", 2),
    ("depthwise_strided", (1, 3, 6, 6), (3, 1, 3, 3), (2, 2), (1, 1),
     (1, 1, 1, 1), "explicit", 3),
    ("pointwise", (2, 4, 3, 3), (5, 4, 1, 1), (1, 1), (1, 1), (0, 0, 0, 0),
     "explicit", 1),
    ("valid_strided", (1, 1, 5, 4), (2, 1, 2, 2), (1, 2), (1, 1),
     (0, 0, 0, 0), "valid", 1),
]


def main():
    gen = torch.Generator().manual_seed(20261203)
    for name, xs, ws, strides, dilations, pads, padding, group in CASES:
        x = (torch.rand(xs, generator=gen, dtype=torch.float64) * 2 - 1)
        w = (torch.rand(ws, generator=gen, dtype=torch.float64) * 2 - 1)
        x.requires_grad_(True)
        w.requires_grad_(True)
        if padding == "same":
            y = F.conv2d(x, w, stride=strides, dilation=dilations,
                         padding="same", groups=group)
        else:
            top, left, bottom, right = pads
            padded = F.pad(x, (left, right, top, bottom))
            y = F.conv2d(padded, w, stride=strides, dilation=dilations,
                         groups=group)
        dy = torch.rand(y.shape, generator=gen, dtype=torch.float64) * 2 - 1
        y.backward(dy)
        print("case", name)
        print("attrs", " ".join(str(v) for v in strides), "|",
              " ".join(str(v) for v in dilations), "|",
              " ".join(str(v) for v in pads), "|", padding, "|", group)
        emit("x", x)
        emit("w", w)
        emit("dy", dy)
        emit("y", y)
        emit("dx", x.grad)
        emit("dw", w.grad)


if __name__ == "__main__":
    main()
