"""Frontends: tf.keras-style (tf_like) and torch.nn-style (torch_like) code, lowered to core_ir."""
