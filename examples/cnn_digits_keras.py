"""A convolutional network on real handwritten digits, Keras style (tf.keras code with only
the import changed). 8x8 grey images from scikit-learn, channels last as Keras has them.

    python examples/cnn_digits_keras.py          # ~15 s, >= 97% test accuracy
"""

from __future__ import annotations

import numpy as np

import frontends.tf_like as tf  # the only change: `import tensorflow as tf`
from duet.data import epochs, load_digits, output_path, quick_mode
from duet.onnx_check import verify_onnx

keras = tf.keras
keras.utils.set_random_seed(0)
(x_train, y_train), (x_test, y_test) = load_digits()
x_train, x_test = x_train[..., None], x_test[..., None]  # (N, 8, 8, 1): NHWC

model = keras.Sequential([
    keras.Input(shape=(8, 8, 1)),
    keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
    keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
    keras.layers.MaxPooling2D(2),                                   # 8x8 -> 4x4
    keras.layers.Conv2D(64, 3, padding="same", activation="relu"),
    keras.layers.Flatten(),
    keras.layers.Dropout(0.3),
    keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
model.summary()
model.fit(x_train, y_train, batch_size=32, epochs=epochs(full=12, quick=3),
          validation_split=0.1)
loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy: {accuracy:.4f}")
assert accuracy >= (0.90 if quick_mode() else 0.97), accuracy

# ---- ship it: ONNX (NCHW inside, NHWC at the boundary), checked by onnxruntime --------------
path = output_path("cnn_digits_keras.onnx")
model.export(path, format="onnx")
verify_onnx(path, [x_test], model.predict(x_test, verbose=0))
print("predicted:", np.argmax(model.predict(x_test[:10], verbose=0), axis=1), "true:", y_test[:10])
