"""The seed's tf.keras program, verbatim apart from the import, on a real binary task.

The task: scikit-learn's breast cancer table (569 tumours, the 10 "mean" measurements of
each): benign or malignant. The five lines in the middle are the seed program exactly as a
TensorFlow user writes it.

    python examples/seed_keras.py
"""

from __future__ import annotations

import numpy as np

import frontends.tf_like as tf  # the only change: this line said `import tensorflow as tf`
from duet.data import load_breast_cancer_10, output_path
from duet.onnx_check import verify_onnx

(x_train, y_train), (x_test, y_test) = load_breast_cancer_10()
tf.keras.utils.set_random_seed(0)

# ---- the seed program ------------------------------------------------------------------------
model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation='relu'),
                             tf.keras.layers.Dense(1, activation='sigmoid')])
model.compile(loss='binary_crossentropy', optimizer='adam')
model.fit(x_train, y_train, epochs=10)
model.evaluate(x_test, y_test)
# ----------------------------------------------------------------------------------------------

accuracy = float(np.mean((model.predict(x_test, verbose=0) > 0.5) == y_test))
print(f"test accuracy: {accuracy:.3f}")
# measured 0.87-0.94 over seeds: ten epochs at Adam's default rate are short but enough
assert accuracy >= 0.85, accuracy

# ---- ship it: ONNX, checked by onnxruntime against Duet's own predictions ------------------
path = output_path("seed_keras.onnx")
model.export(path, format="onnx")
verify_onnx(path, [x_test], model.predict(x_test, verbose=0))
