"""keras.backend's global configuration: floatx, epsilon, image_data_format."""

from __future__ import annotations

import numpy as np

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_FLOAT_DTYPES = ("bfloat16", "float16", "float32", "float64")


def floatx() -> str:
    """The default float type, as a string (`'float32'` unless set_floatx changed it)."""
    return _FLOATX


def set_floatx(value) -> None:
    """Set the default float type: one of 'float16', 'float32', 'float64' ('bfloat16' is
    accepted by Keras but numpy has no bfloat16, so it is refused here)."""
    global _FLOATX
    accepted = {"float16", "float32", "float64"}
    value = standardize_dtype(value)
    if value not in accepted:
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of {sorted(accepted)}")
    _FLOATX = value


def epsilon() -> float:
    """The fuzz factor used in numeric expressions (1e-7)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    """'channels_last' (NHWC, the default) or 'channels_first'."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format: str) -> None:
    global _IMAGE_DATA_FORMAT
    data_format = str(data_format).lower()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={data_format}")
    _IMAGE_DATA_FORMAT = data_format


def standardize_data_format(data_format) -> str:
    if data_format is None:
        return image_data_format()
    data_format = str(data_format).lower()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={data_format}")
    return data_format


def standardize_dtype(dtype) -> str:
    """Keras's dtype names: 'float32', 'int64', 'bool', ... (None means floatx)."""
    if dtype is None:
        return floatx()
    if dtype == "bfloat16":
        return "bfloat16"
    if isinstance(dtype, str) and dtype == "string" or isinstance(dtype, np.dtype) and \
            dtype == object:
        return "string"  # host-side strings (tf_like/_strings.py)
    if hasattr(dtype, "name") and not isinstance(dtype, np.dtype):
        dtype = dtype.name
    try:
        return np.dtype(dtype).name
    except TypeError:
        raise ValueError(f"Invalid dtype: {dtype}") from None


def is_float_dtype(dtype) -> bool:
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype) -> bool:
    return standardize_dtype(dtype).startswith(("int", "uint"))
