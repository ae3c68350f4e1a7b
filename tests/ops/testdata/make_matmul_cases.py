#!/usr/bin/python3
"""Writes matmul_torch_cases.txt: batched MatMul cases by PyTorch.

For each case: transpose_a and transpose_b, a, b and dL/dproduct (random,
float64), and what torch.matmul gives for the product, dL/da and dL/db
(summed over the batches a broadcast operand met).
tests/ops/matmul_op_test compares nabla's MatMul with them.

  /usr/bin/python3 tests/ops/testdata/make_matmul_cases.py > \\
      tests/ops/testdata/matmul_torch_cases.txt

Needs python3-torch (tools/bench/setup_bench.sh installs it).
"""
import torch

from torch_case_format import emit

# name, a shape, b shape, transpose_a, transpose_b (shapes as stored)
CASES = [
    ("batch", (2, 3, 4), (2, 4, 5), False, False),
    ("broadcast_a", (3, 4), (2, 4, 5), False, False),
    ("broadcast_b", (2, 3, 3, 4), (4, 2), False, False),
    ("broadcast_both", (2, 1, 3, 4), (3, 4, 2), False, False),
    ("transposed", (2, 4, 3), (2, 5, 4), True, True),
    ("broadcast_transposed_b", (2, 2, 3, 4), (1, 5, 4), False, True),
]


def main():
    gen = torch.Generator().manual_seed(20261203)

    def uniform(shape):
        return torch.rand(shape, generator=gen, dtype=torch.float64) * 2 - 1

    for name, sa, sb, ta, tb in CASES:
        a = uniform(sa).requires_grad_(True)
        b = uniform(sb).requires_grad_(True)
        op_a = a.transpose(-1, -2) if ta else a
        op_b = b.transpose(-1, -2) if tb else b
        product = torch.matmul(op_a, op_b)
        g = uniform(product.shape)
        product.backward(g)
        print("case", name)
        print("attrs", int(ta), "|", int(tb))
        emit("a", a)
        emit("b", b)
        emit("g", g)
        emit("product", product)
        emit("da", a.grad)
        emit("db", b.grad)


if __name__ == "__main__":
    main()
