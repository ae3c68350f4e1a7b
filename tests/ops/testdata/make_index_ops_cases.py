#!/usr/bin/python3
"""Writes index_ops_torch_cases.txt: ArgMax, ArgMin, OneHot and Gather
cases by PyTorch.

For each case: the op and its attributes as key=value, the inputs x0 (and
the indices x1), and what PyTorch gives for y; for Gather also dL/dy and
dL/dx0, which adds where an index repeats. Indices are integers stored as
float64, as nabla keeps them; negative ones are turned positive for
index_select. tests/ops/index_ops_test compares nabla's ops with them.

  /usr/bin/python3 tests/ops/testdata/make_index_ops_cases.py > \\
      tests/ops/testdata/index_ops_torch_cases.txt

Needs python3-torch (tools/bench/setup_bench.sh installs it).
"""
import torch
import torch.nn.functional as F

from torch_case_format import emit

gen = torch.Generator().manual_seed(20261203)


def steps(shape, values):
    """Elements drawn from `values`, so that ties occur."""
    index = torch.randint(len(values), shape, generator=gen)
    return torch.tensor(values, dtype=torch.float64)[index]


def header(name, op, attrs):
    print("case", name)
    print("attrs", op, "|", " ".join(f"{k}={v}" for k, v in attrs.items()))


def arg_case(name, op, x, axis, keep):
    header(name, op, {"axis": axis, "keep_dims": int(keep)})
    fn = torch.argmax if op == "ArgMax" else torch.argmin
    emit("x0", x)
    emit("y", fn(x, dim=axis, keepdim=keep).to(torch.float64))


def gather_case(name, x_shape, indices, axis):
    header(name, "Gather", {"axis": axis})
    x = (torch.rand(x_shape, generator=gen, dtype=torch.float64) * 2 - 1)
    x.requires_grad_(True)
    idx = torch.tensor(indices, dtype=torch.long)
    positive = torch.where(idx < 0, idx + x_shape[axis], idx)
    picked = x.index_select(axis, positive.reshape(-1))
    shape = x_shape[:axis] + tuple(idx.shape) + x_shape[axis + 1:]
    y = picked.reshape(shape)
    dy = torch.rand(y.shape, generator=gen, dtype=torch.float64) * 2 - 1
    y.backward(dy)
    emit("x0", x)
    emit("x1", idx.to(torch.float64))
    emit("dy", dy)
    emit("y", y)
    emit("dx0", x.grad)


def main():
    ties = [-1.0, 0.0, 2.0, 2.0]
    arg_case("argmax_last", "ArgMax", steps((3, 5), ties), -1, False)
    arg_case("argmin_first_keep", "ArgMin", steps((4, 3), ties), 0, True)
    arg_case("argmax_middle", "ArgMax", steps((2, 4, 3), ties), 1, False)
    nan = steps((2, 4), ties)
    nan[0, 2] = float("nan")
    arg_case("argmax_nan", "ArgMax", nan, 1, False)
    header("one_hot", "OneHot", {"depth": 4})
    labels = torch.randint(4, (2, 3), generator=gen)
    emit("x0", labels.to(torch.float64))
    emit("y", F.one_hot(labels, 4).to(torch.float64))
    gather_case("gather_rows_repeated", (5, 3), [1, 3, 1, -1], 0)
    gather_case("gather_middle_2d", (2, 4, 3), [[0, 3], [-2, 0]], 1)
    gather_case("gather_last", (3, 6), [5, 0, 5], 1)


if __name__ == "__main__":
    main()
