#!/usr/bin/python3
"""Writes elementwise_torch_cases.txt: Abs, Sqrt, Clip, Pow, Max, Min,
ReduceMax, ReduceMin, Erf, Floor, Ceil, Round and Trunc cases by PyTorch.

For each case: the op and its attributes as key=value (axes as 0,2), the
inputs a (and b) and dL/dz (random, float64), and what PyTorch gives for
z, dL/da (and dL/db). tests/ops/elementwise_ops_test compares nabla's ops
with them. Ties, zeros and values on Clip's bounds are placed on purpose:
that is where the ops' gradients make choices.

  /usr/bin/python3 tests/ops/testdata/make_elementwise_cases.py > \
      tests/ops/testdata/elementwise_torch_cases.txt

Needs python3-torch (tools/bench/setup_bench.sh installs it).
"""
import torch

from torch_case_format import emit

gen = torch.Generator().manual_seed(20261203)


def uniform(shape, lo, hi):
    return torch.rand(shape, generator=gen, dtype=torch.float64) * (hi - lo) + lo


def steps(shape, values):
    """Elements drawn from `values`, so that ties and exact values occur."""
    index = torch.randint(len(values), shape, generator=gen)
    return torch.tensor(values, dtype=torch.float64)[index]


def case(name, op, attrs, fn, a, b=None):
    a = a.clone().requires_grad_(True)
    inputs = [a]
    if b is not None:
        b = b.clone().requires_grad_(True)
        inputs.append(b)
    z = fn(*inputs)
    dz = uniform(z.shape, -1, 1)
    z.backward(dz)
    print("case", name)
    print("attrs", op, "|", " ".join(f"{k}={v}" for k, v in attrs.items()))
    emit("a", a)
    if b is not None:
        emit("b", b)
    emit("dz", dz)
    emit("z", z)
    emit("da", a.grad)
    if b is not None:
        emit("db", b.grad)


def main():
    case("abs", "Abs", {}, torch.abs, steps((3, 4), [-1.5, -0.25, 0.0, 0.5, 2.0]))
    case("sqrt", "Sqrt", {}, torch.sqrt, uniform((3, 4), 0.1, 4))
    case("clip", "Clip", {"min": -0.5, "max": 0.25},
         lambda x: torch.clamp(x, -0.5, 0.25),
         steps((3, 5), [-1.0, -0.5, -0.125, 0.25, 0.75]))
    case("clip_min_only", "Clip", {"min": 0.0},
         lambda x: torch.clamp(x, min=0.0), uniform((2, 6), -1, 1))
    case("pow_broadcast", "Pow", {}, torch.pow, uniform((3, 4), 0.2, 2),
         uniform((4,), -2, 3))
    case("pow_square", "Pow", {}, torch.pow,
         steps((2, 3), [0.0, 0.5, 1.0, 2.0]), torch.tensor(2.0, dtype=torch.float64))
    case("max_ties", "Max", {}, torch.maximum, steps((3, 4), [-1.0, 0.0, 1.0]),
         steps((3, 4), [-1.0, 0.0, 1.0]))
    case("max_broadcast", "Max", {}, torch.maximum, uniform((2, 3), -1, 1),
         uniform((3,), -1, 1))
    case("min_ties", "Min", {}, torch.minimum, steps((3, 4), [-1.0, 0.0, 1.0]),
         steps((3, 4), [-1.0, 0.0, 1.0]))
    case("min_broadcast", "Min", {}, torch.minimum, uniform((2, 1), -1, 1),
         uniform((1, 3), -1, 1))
    x = steps((3, 4, 5), [-2.0, -1.0, 0.0, 1.0, 2.0])
    case("reduce_max_axis1", "ReduceMax", {"axes": "1"},
         lambda t: torch.amax(t, dim=1), x)
    case("reduce_max_all", "ReduceMax", {},
         lambda t: torch.amax(t), x)
    case("reduce_max_keep", "ReduceMax", {"axes": "0,2", "keep_dims": 1},
         lambda t: torch.amax(t, dim=(0, 2), keepdim=True), x)
    case("reduce_min_last", "ReduceMin", {"axes": "-1"},
         lambda t: torch.amin(t, dim=-1), x)
    case("reduce_min_distinct", "ReduceMin", {"axes": "0"},
         lambda t: torch.amin(t, dim=0), uniform((4, 3), -1, 1))
    case("erf", "Erf", {}, torch.erf, uniform((3, 4), -3, 3))
    # Halves and negatives: where rounding makes its choices.
    halves = steps((4, 5), [-2.5, -1.5, -0.5, -0.25, 0.0, 0.5, 1.5, 2.5, 2.75])
    case("floor", "Floor", {}, torch.floor, halves)
    case("ceil", "Ceil", {}, torch.ceil, halves)
    case("round", "Round", {}, torch.round, halves)
    case("trunc", "Trunc", {}, torch.trunc, halves)


if __name__ == "__main__":
    main()
