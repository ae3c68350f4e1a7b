#!/usr/bin/python3
"""Writes tensor_ops_torch_cases.txt: Transpose, Concat, Split, Slice and
Pad cases by PyTorch.

For each case: the op and its attributes as key=value (lists as 0,2,3),
the inputs x0, x1, ... and dL/dy (random, float64), and what PyTorch gives
for y and dL/dx0, dL/dx1, ... (Split has outputs y0, y1, ... and dL/dy0,
dL/dy1, ...). tests/ops/tensor_ops_test compares nabla's ops with them. Slices with negative steps go through index_select with
the indices of Python's own slicing, which PyTorch's slicing lacks; Pad's
[begins..., ends...] becomes F.pad's pairs from the last dimension.

  /usr/bin/python3 tests/ops/testdata/make_tensor_ops_cases.py > \\
      tests/ops/testdata/tensor_ops_torch_cases.txt

Needs python3-torch (tools/bench/setup_bench.sh installs it).
"""
import torch
import torch.nn.functional as F

from torch_case_format import emit

gen = torch.Generator().manual_seed(20261203)


def uniform(shape):
    return torch.rand(shape, generator=gen, dtype=torch.float64) * 2 - 1


def listed(values):
    return ",".join(str(v) for v in values)


def case(name, op, attrs, fn, shapes):
    xs = [uniform(s).requires_grad_(True) for s in shapes]
    y = fn(*xs)
    ys = list(y) if isinstance(y, tuple) else [y]
    dys = [uniform(part.shape) for part in ys]
    torch.autograd.backward(ys, dys)
    print("case", name)
    print("attrs", op, "|", " ".join(
        f"{k}={listed(v) if isinstance(v, (list, tuple)) else v}"
        for k, v in attrs.items()))
    for i, x in enumerate(xs):
        emit(f"x{i}", x)
    suffixes = [str(k) for k in range(len(ys))] if isinstance(y, tuple) else [""]
    for suffix, dy in zip(suffixes, dys):
        emit(f"dy{suffix}", dy)
    for suffix, part in zip(suffixes, ys):
        emit(f"y{suffix}", part)
    for i, x in enumerate(xs):
        emit(f"dx{i}", x.grad)


def sliced(x, starts, ends, axes, steps):
    for s, e, a, st in zip(starts, ends, axes, steps):
        index = list(range(x.shape[a]))[s:e:st]
        x = x.index_select(a, torch.tensor(index, dtype=torch.long))
    return x


def slice_case(name, shape, starts, ends, axes, steps):
    attrs = {"starts": starts, "ends": ends, "axes": axes, "steps": steps}
    case(name, "Slice", attrs,
         lambda x: sliced(x, starts, ends, axes, steps), [shape])


def padded(x, pads, mode, value):
    rank = x.dim()
    pairs = []
    for d in reversed(range(rank)):
        pairs += [pads[d], pads[rank + d]]
    # F.pad pads only the trailing dimensions it is given pairs for.
    while len(pairs) > 2 and pairs[-2:] == [0, 0]:
        pairs = pairs[:-2]
    torch_mode = {"constant": "constant", "reflect": "reflect",
                  "edge": "replicate"}[mode]
    if mode == "constant":
        return F.pad(x, pairs, mode="constant", value=value)
    return F.pad(x, pairs, mode=torch_mode)


def pad_case(name, shape, pads, mode, value=0.0):
    attrs = {"pads": pads, "mode": mode, "value": value}
    case(name, "Pad", attrs, lambda x: padded(x, pads, mode, value), [shape])


def main():
    case("transpose_nhwc", "Transpose", {"perm": [0, 2, 3, 1]},
         lambda x: x.permute(0, 2, 3, 1), [(2, 3, 4, 5)])
    case("transpose_default", "Transpose", {},
         lambda x: x.permute(2, 1, 0), [(2, 3, 4)])
    case("concat_channels", "Concat", {"axis": 1},
         lambda *xs: torch.cat(xs, 1), [(2, 1, 3), (2, 4, 3), (2, 2, 3)])
    case("concat_last", "Concat", {"axis": -1},
         lambda *xs: torch.cat(xs, -1), [(3, 2), (3, 5)])
    case("concat_one", "Concat", {"axis": 0},
         lambda *xs: torch.cat(xs, 0), [(2, 3)])
    slice_case("slice_steps", (5, 6), [1, 0], [4, 6], [0, 1], [1, 2])
    slice_case("slice_negative", (4, 7), [-2], [-7], [1], [-2])
    slice_case("slice_clamped", (3, 4, 5), [-100, 2], [2**62, 100], [2, 0],
               [1, 1])
    slice_case("slice_reverse", (6,), [2**62], [-2**62], [0], [-1])
    pad_case("pad_constant", (2, 3, 4), [0, 1, 2, 1, 0, 3], "constant", 0.5)
    pad_case("pad_reflect", (1, 2, 4, 5), [0, 0, 1, 2, 0, 0, 3, 1], "reflect")
    pad_case("pad_edge", (1, 2, 4, 5), [0, 0, 1, 2, 0, 0, 3, 1], "edge")
    pad_case("pad_reflect_1d", (2, 3, 6), [0, 0, 2, 0, 0, 4], "reflect")
    case("split_sizes", "Split", {"axis": 1, "split": [1, 3, 0, 2]},
         lambda x: torch.split(x, [1, 3, 0, 2], 1), [(2, 6, 3)])
    case("split_equal_last", "Split", {"axis": -1, "num_outputs": 3},
         lambda x: torch.split(x, 2, -1), [(3, 4, 6)])
    # ONNX's uneven parts: ceil(7 / 3) = 3, so 3, 3 and 1, as torch.split.
    case("split_uneven", "Split", {"axis": 0, "num_outputs": 3},
         lambda x: torch.split(x, 3, 0), [(7, 2)])


if __name__ == "__main__":
    main()
