#!/usr/bin/python3
"""Writes where_torch_cases.txt: Where and comparison cases by PyTorch.

For each case: the op, its inputs x0, x1 (and x2) as float64 and what
PyTorch gives for z; for Where also dL/dz and dL/da, dL/db (the condition
x0 takes no gradient). Values come from a few steps so that ties occur.
tests/ops/where_op_test compares nabla's ops with them.

  /usr/bin/python3 tests/ops/testdata/make_where_cases.py > \\
      tests/ops/testdata/where_torch_cases.txt

Needs python3-torch (tools/bench/setup_bench.sh installs it).
"""
import torch

from torch_case_format import emit

gen = torch.Generator().manual_seed(20261203)


def steps(shape, values):
    index = torch.randint(len(values), shape, generator=gen)
    return torch.tensor(values, dtype=torch.float64)[index]


def uniform(shape):
    return torch.rand(shape, generator=gen, dtype=torch.float64) * 2 - 1


def where_case(name, cond, a_shape, b_shape):
    a = uniform(a_shape).requires_grad_(True)
    b = uniform(b_shape).requires_grad_(True)
    z = torch.where(cond != 0, a, b)
    dz = uniform(z.shape)
    z.backward(dz)
    print("case", name)
    print("attrs Where")
    emit("x0", cond)
    emit("x1", a)
    emit("x2", b)
    emit("dz", dz)
    emit("z", z)
    emit("dx1", a.grad)
    emit("dx2", b.grad)


def compare_case(name, op, fn, a, b):
    print("case", name)
    print("attrs", op)
    emit("x0", a)
    emit("x1", b)
    emit("z", fn(a, b).to(torch.float64))


def main():
    where_case("where_broadcast", steps((3, 1), [0.0, 1.0]), (3, 4), (4,))
    where_case("where_scalar_b", steps((2, 3), [0.0, 2.0, -1.0]), (2, 3), ())
    where_case("where_all_stretched", steps((1, 4), [0.0, 1.0]), (3, 1), (1,))
    a = steps((3, 4), [-1.0, 0.0, 1.0])
    b = steps((4,), [-1.0, 0.0, 1.0])
    compare_case("greater", "Greater", torch.gt, a, b)
    compare_case("greater_or_equal", "GreaterOrEqual", torch.ge, a, b)
    compare_case("less", "Less", torch.lt, a, b)
    compare_case("less_or_equal", "LessOrEqual", torch.le, a, b)
    compare_case("equal", "Equal", torch.eq, a, b)


if __name__ == "__main__":
    main()
