"""An ordinary Keras script (no Duet import anywhere): the seed program with fixed initial
weights, printing its history and evaluation. tests/duet/test_cli.py runs it with real Keras 3
and with `duet exec` and compares the printed numbers."""

import keras
import numpy as np

rng = np.random.default_rng(0)
x = rng.normal(size=(64, 10)).astype(np.float32)
y = (x @ rng.normal(size=(10, 1)) > 0).astype(np.float32)

model = keras.Sequential([keras.Input(shape=(10,)), keras.layers.Dense(10, activation="relu"),
                          keras.layers.Dense(1, activation="sigmoid")])
model.set_weights([rng.normal(size=w.shape).astype(np.float32) * 0.3
                   for w in model.get_weights()])
model.compile(loss="binary_crossentropy", optimizer="adam")
history = model.fit(x, y, epochs=10, batch_size=16, shuffle=False, verbose=0)
for loss in history.history["loss"]:
    print(f"loss {loss:.6f}")
print(f"evaluate {model.evaluate(x, y, verbose=0):.6f}")
