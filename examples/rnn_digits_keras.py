"""Recurrent networks read handwritten digits row by row, Keras style: each 8x8 image is a
sequence of 8 time steps with 8 features (one pixel row per step). An LSTM and a GRU are each
trained with fit; the last hidden state classifies the digit.

    python examples/rnn_digits_keras.py          # ~30 s, >= 95% test accuracy for both
"""

from __future__ import annotations

import frontends.tf_like as tf  # the only change: `import tensorflow as tf`
from duet.data import epochs, load_digits, output_path, quick_mode
from duet.onnx_check import verify_onnx

keras = tf.keras
(x_train, y_train), (x_test, y_test) = load_digits()  # (N, 8, 8): (batch, time, features)


def sequence_classifier(recurrent_layer) -> keras.Model:
    return keras.Sequential([keras.Input(shape=(8, 8)), recurrent_layer,
                             keras.layers.Dense(10, activation="softmax")])


for name, layer in (("lstm", lambda: keras.layers.LSTM(64)),
                    ("gru", lambda: keras.layers.GRU(64))):
    keras.utils.set_random_seed(0)
    model = sequence_classifier(layer())
    model.compile(optimizer=keras.optimizers.Adam(3e-3), metrics=["accuracy"],
                  loss="sparse_categorical_crossentropy")
    print(f"\n{name.upper()}: {model.count_params()} parameters")
    model.fit(x_train, y_train, batch_size=32, epochs=epochs(full=15, quick=3), verbose=2)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"{name.upper()} test accuracy: {accuracy:.4f}")
    assert accuracy >= (0.80 if quick_mode() else 0.95), (name, accuracy)

    # ---- ship it: ONNX (the Keras gate order becomes ONNX's), checked by onnxruntime --------
    path = output_path(f"rnn_digits_{name}_keras.onnx")
    model.export(path, format="onnx")
    verify_onnx(path, [x_test], model.predict(x_test, verbose=0))
