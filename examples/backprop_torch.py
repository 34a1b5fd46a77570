"""Gradient descent and backpropagation made visible, PyTorch style.

A tiny model (logistic regression: one nn.Linear(3, 1) and BCEWithLogitsLoss) is
  1. traced into Duet's IR and printed: the program PyTorch calls the autograd graph,
  2. differentiated into a gradient graph (the backward pass as ordinary IR ops) and printed,
  3. checked: the gradient worked out by hand, loss.backward() (the eager tape) and the
     gradient graph run by the compiled executor all give the same numbers,
  4. trained by gradient descent written out by hand, step for step equal to optim.SGD.

    python examples/backprop_torch.py
"""

from __future__ import annotations

import numpy as np

import core_ir
import frontends.torch_like as torch  # the only change: `import torch`
from backends.numpy import Plan, optimize
from core_ir.autodiff import gradient_graph
from frontends.torch_like import nn, optim

torch.manual_seed(0)
rng = np.random.default_rng(0)
x = rng.normal(size=(8, 3)).astype(np.float32)
y = (x @ np.array([[1.0], [-2.0], [0.5]]) > 0).astype(np.float32)

model = nn.Linear(3, 1)
loss_fn = nn.BCEWithLogitsLoss()

# 1. the forward program as IR: the model's weight and bias are the graph's parameters
graph, params, _ = core_ir.trace(lambda xs, ys: loss_fn(model(xs), ys),
                                 [(np.float32, ("N", 3)), (np.float32, ("N", 1))],
                                 ["x", "y"], cls=torch.Tensor)
print("forward program (p0 = linear.weight, p1 = linear.bias):\n", graph, sep="")

# 2. backpropagation as a program: the same VJP rules loss.backward() uses, emitted as IR
backward_graph = optimize(gradient_graph(graph))
print("\nforward + backward program (returns loss, dloss/dweight, dloss/dbias):\n",
      backward_graph, sep="")

# 3. three ways to the gradient
w, b = model.weight.detach().numpy(), model.bias.detach().numpy()
p = 1 / (1 + np.exp(-(x @ w.T + b)))           # sigmoid(logits)
by_hand = {"weight": (p - y).T @ x / len(x),     # d mean(BCE) / d logits = (p - y) / N
           "bias": (p - y).mean(0)}

loss = loss_fn(model(torch.from_numpy(x)), torch.from_numpy(y))
loss.backward()
tape = {"weight": model.weight.grad.numpy(), "bias": model.bias.grad.numpy()}

plan = Plan(backward_graph)  # compiled once: straight-line NumPy code
(_, graph_dw, graph_db), _ = plan([x, y], [w, b])
compiled = {"weight": graph_dw, "bias": graph_db}

for name in ("weight", "bias"):
    print(f"\nd loss / d {name}:\n  by hand        {by_hand[name].ravel()}\n"
          f"  loss.backward  {tape[name].ravel()}\n  gradient graph {compiled[name].ravel()}")
    np.testing.assert_allclose(tape[name], by_hand[name], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(compiled[name], by_hand[name], rtol=1e-5, atol=1e-6)

# 4. gradient descent by hand next to optim.SGD: w <- w - lr * dL/dw
lr, steps = 0.5, 20
optimizer = optim.SGD(model.parameters(), lr=lr)
hand_w, hand_b = w.copy(), b.copy()
for step in range(steps):
    (_, dw, db), _ = plan([x, y], [hand_w, hand_b])
    hand_w, hand_b = hand_w - lr * dw, hand_b - lr * db
    optimizer.zero_grad()
    loss = loss_fn(model(torch.from_numpy(x)), torch.from_numpy(y))
    loss.backward()
    optimizer.step()
    if step % 5 == 0 or step == steps - 1:
        print(f"step {step + 1:2d}: loss {loss.item():.4f}")
np.testing.assert_allclose(model.weight.detach().numpy(), hand_w, rtol=1e-5, atol=1e-6)
np.testing.assert_allclose(model.bias.detach().numpy(), hand_b, rtol=1e-5, atol=1e-6)
print("gradient descent by hand and optim.SGD agree after", steps, "steps")
