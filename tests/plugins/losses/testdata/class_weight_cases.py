#!/usr/bin/env python3
"""Prints the PyTorch values class_weights_test.cc compares with.

Run with Debian's python3-torch: /usr/bin/python3 class_weight_cases.py
"""
import torch

torch.set_printoptions(precision=17)
logits = torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0], [-2.0, 0.25, 1.0],
                       [3.0, -0.5, 0.0]], dtype=torch.float64,
                      requires_grad=True)
labels = torch.tensor([2, 0, 1, 2])
weights = torch.tensor([0.5, 2.0, 1.5], dtype=torch.float64)
for reduction in ("mean", "sum", "none"):
    loss = torch.nn.functional.cross_entropy(logits, labels, weight=weights,
                                             reduction=reduction)
    print("sparse", reduction, [float(v) for v in loss.reshape(-1)])
loss = torch.nn.functional.cross_entropy(logits, labels, weight=weights)
loss.backward()
print("sparse mean dlogits", [float(v) for v in logits.grad.reshape(-1)])

z = torch.tensor([0.3, -1.2, 2.0, 0.7], dtype=torch.float64,
                 requires_grad=True)
y = torch.tensor([1.0, 0.0, 1.0, 0.0], dtype=torch.float64)
class_weights = torch.tensor([3.0, 0.5], dtype=torch.float64)
w = class_weights[y.long()]
# nabla's mean is the weighted mean: PyTorch's weighted sum over the
# weights' sum (its own "mean" divides by the count).
loss = torch.nn.functional.binary_cross_entropy_with_logits(
    z, y, weight=w, reduction="sum") / w.sum()
loss.backward()
print("sigmoid mean", float(loss))
print("sigmoid mean dz", [float(v) for v in z.grad])
