"""Gradient descent and backpropagation made visible, Keras style.

A tiny model (logistic regression: one Dense(1) and a from-logits binary cross-entropy) is
  1. traced into Duet's IR and printed: the same program the PyTorch-style version gives
     (examples/backprop_torch.py), because both frontends lower into one IR,
  2. differentiated into a gradient graph (the backward pass as ordinary IR ops) and printed,
  3. checked: the gradient worked out by hand, tf.GradientTape and the gradient graph run by
     the compiled executor all give the same numbers,
  4. trained by gradient descent written out by hand, step for step equal to
     keras.optimizers.SGD.

    python examples/backprop_keras.py
"""

from __future__ import annotations

import numpy as np

import core_ir
import frontends.tf_like as tf  # the only change: `import tensorflow as tf`
from backends.numpy import Plan, optimize
from core_ir.autodiff import gradient_graph

keras = tf.keras
keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x = rng.normal(size=(8, 3)).astype(np.float32)
y = (x @ np.array([[1.0], [-2.0], [0.5]]) > 0).astype(np.float32)

model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

# 1. the forward program as IR: the Dense kernel and bias are the graph's parameters
graph, params, _ = core_ir.trace(lambda xs, ys: loss_fn(ys, model(xs)),
                                 [(np.float32, ("N", 3)), (np.float32, ("N", 1))],
                                 ["x", "y"], cls=tf.Tensor)
print("forward program (p0 = dense/kernel, p1 = dense/bias):\n", graph, sep="")

# 2. backpropagation as a program: the same VJP rules GradientTape uses, emitted as IR
backward_graph = optimize(gradient_graph(graph))
print("\nforward + backward program (returns loss, dloss/dkernel, dloss/dbias):\n",
      backward_graph, sep="")

# 3. three ways to the gradient
kernel, bias = (v.numpy() for v in model.trainable_variables)
p = 1 / (1 + np.exp(-(x @ kernel + bias)))       # sigmoid(logits)
by_hand = {"kernel": x.T @ (p - y) / len(x),       # d mean(BCE) / d logits = (p - y) / N
           "bias": (p - y).mean(0)}

with tf.GradientTape() as tape:
    loss = loss_fn(y, model(x))
taped = dict(zip(("kernel", "bias"),
                 (g.numpy() for g in tape.gradient(loss, model.trainable_variables))))

plan = Plan(backward_graph)  # compiled once: straight-line NumPy code
(_, graph_dk, graph_db), _ = plan([x, y], [kernel, bias])
compiled = {"kernel": graph_dk, "bias": graph_db}

for name in ("kernel", "bias"):
    print(f"\nd loss / d {name}:\n  by hand        {by_hand[name].ravel()}\n"
          f"  GradientTape   {taped[name].ravel()}\n  gradient graph {compiled[name].ravel()}")
    np.testing.assert_allclose(taped[name], by_hand[name], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(compiled[name], by_hand[name], rtol=1e-5, atol=1e-6)

# 4. gradient descent by hand next to keras.optimizers.SGD: w <- w - lr * dL/dw
lr, steps = 0.5, 20
optimizer = keras.optimizers.SGD(learning_rate=lr)
hand_k, hand_b = kernel.copy(), bias.copy()
for step in range(steps):
    (_, dk, db), _ = plan([x, y], [hand_k, hand_b])
    hand_k, hand_b = hand_k - lr * dk, hand_b - lr * db
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    if step % 5 == 0 or step == steps - 1:
        print(f"step {step + 1:2d}: loss {float(loss):.4f}")
np.testing.assert_allclose(model.trainable_variables[0].numpy(), hand_k, rtol=1e-5, atol=1e-6)
np.testing.assert_allclose(model.trainable_variables[1].numpy(), hand_b, rtol=1e-5, atol=1e-6)
print("gradient descent by hand and keras.optimizers.SGD agree after", steps, "steps")
