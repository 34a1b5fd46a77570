"""A DCGAN that learns to draw handwritten digits, Keras style (TensorFlow's DCGAN tutorial
pattern: two Keras models, GradientTape, two optimizers, a @tf.function train step), with
only the import changed.

Generator: noise -> Dense -> Reshape -> Conv2DTranspose + BatchNormalization + ReLU ->
Conv2DTranspose -> 8x8x1 image. Discriminator: strided Conv2D + LeakyReLU -> one logit.
After every epoch a grid of samples from the same fixed noise is saved as a PNG.

    python examples/gan_digits_keras.py          # ~30 s; PNGs in ./duet_output/
"""

from __future__ import annotations

import numpy as np

import frontends.tf_like as tf  # the only change: `import tensorflow as tf`
from duet.data import epochs, load_digits, output_path
from duet.onnx_check import verify_onnx
from duet.png import save_grid
from duet.sample_quality import nearest_real_distance

keras, layers = tf.keras, tf.keras.layers
NOISE, BATCH = 32, 64
keras.utils.set_random_seed(0)
(x_train, _), _ = load_digits()
dataset = (tf.data.Dataset.from_tensor_slices(x_train[..., None] * 2 - 1)  # [-1, 1], NHWC
           .shuffle(len(x_train), seed=0).batch(BATCH, drop_remainder=True))

generator = keras.Sequential([
    keras.Input(shape=(NOISE,)),
    layers.Dense(2 * 2 * 64), layers.Reshape((2, 2, 64)), layers.ReLU(),
    layers.Conv2DTranspose(32, 4, strides=2, padding="same"),  # 2x2 -> 4x4
    layers.BatchNormalization(), layers.ReLU(),
    layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh"),  # -> 8x8
], name="generator")
discriminator = keras.Sequential([
    keras.Input(shape=(8, 8, 1)),
    layers.Conv2D(32, 4, strides=2, padding="same"), layers.LeakyReLU(0.2),   # -> 4x4
    layers.Conv2D(64, 4, strides=2, padding="same"), layers.BatchNormalization(),
    layers.LeakyReLU(0.2),                                                   # -> 2x2
    layers.Flatten(), layers.Dense(1),
], name="discriminator")
cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
g_optimizer = keras.optimizers.Adam(2e-3, beta_1=0.5)
d_optimizer = keras.optimizers.Adam(2e-3, beta_1=0.5)
fixed_noise = tf.random.normal([32, NOISE], seed=1)


@tf.function
def train_step(images):
    noise = tf.random.normal([BATCH, NOISE])
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
        fake = generator(noise, training=True)
        real_logits = discriminator(images, training=True)
        fake_logits = discriminator(fake, training=True)
        g_loss = cross_entropy(tf.ones_like(fake_logits), fake_logits)
        d_loss = (cross_entropy(tf.ones_like(real_logits), real_logits)
                  + cross_entropy(tf.zeros_like(fake_logits), fake_logits))
    g_grads = g_tape.gradient(g_loss, generator.trainable_variables)
    d_grads = d_tape.gradient(d_loss, discriminator.trainable_variables)
    g_optimizer.apply_gradients(zip(g_grads, generator.trainable_variables))
    d_optimizer.apply_gradients(zip(d_grads, discriminator.trainable_variables))
    return g_loss, d_loss


def samples() -> np.ndarray:
    return (generator(fixed_noise, training=False).numpy()[..., 0] + 1) / 2


start_distance = nearest_real_distance(samples(), x_train)
for epoch in range(epochs(full=30, quick=6)):
    for images in dataset:
        g_loss, d_loss = train_step(images)
    grid = save_grid(output_path(f"gan_keras_epoch{epoch + 1:02d}.png"), samples())
    print(f"epoch {epoch + 1}: d_loss {float(d_loss):.3f}  g_loss {float(g_loss):.3f}  "
          f"samples -> {grid}")

end_distance = nearest_real_distance(samples(), x_train)
print(f"distance of samples to the nearest real digit: {start_distance:.3f} before training, "
      f"{end_distance:.3f} after")
assert np.isfinite(float(d_loss)) and np.isfinite(float(g_loss))
assert end_distance < 0.75 * start_distance, (start_distance, end_distance)

# ---- ship the generator: ONNX, checked by onnxruntime --------------------------------------
path = output_path("gan_generator_keras.onnx")
generator.export(path, format="onnx")
verify_onnx(path, [fixed_noise.numpy()], generator.predict(fixed_noise, verbose=0))
