"""InputSpec and the input checks every layer runs on its first argument.

Messages keep Keras's wording, in the form users grep for: `Input 0 of layer "dense" is
incompatible with the layer: expected axis -1 of input shape to have value 784, but received
input with shape (32, 100)` (Keras 3.15 adds "with name 'None'" after the index; the layer
name in double quotes is the tf.keras/Keras 3.0 form)."""

from __future__ import annotations

from ..backend import _config, _tree


class InputSpec:
    """Mirrors keras.InputSpec: the dtype, rank (ndim/min_ndim/max_ndim), shape (None for
    any size) and fixed `axes` {axis: size} a layer expects of each input."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = _config.standardize_dtype(dtype) if dtype is not None else None
        if shape is not None:
            self.shape = tuple(None if d is None else int(d) for d in shape)
            self.ndim = len(self.shape)
        else:
            self.shape, self.ndim = None, ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.name, self.optional = name, optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        try:
            axes = axes or {}
            self.axes = {int(k): axes[k] for k in axes}
        except (ValueError, TypeError):
            raise TypeError(f"Argument `axes` must be a dict with integer keys. Received: "
                            f"axes={axes}") from None
        if self.axes and (self.ndim is not None or self.max_ndim is not None):
            max_dim = (self.ndim if self.ndim else self.max_ndim) - 1
            if max(self.axes) > max_dim:
                raise ValueError(f"Axis {max(self.axes)} is greater than the maximum allowed "
                                 f"value: {max_dim}")

    def __repr__(self) -> str:
        spec = [f"dtype={self.dtype}" if self.dtype else "",
                f"shape={self.shape}" if self.shape else "",
                f"ndim={self.ndim}" if self.ndim else "",
                f"max_ndim={self.max_ndim}" if self.max_ndim else "",
                f"min_ndim={self.min_ndim}" if self.min_ndim else "",
                f"axes={self.axes}" if self.axes else ""]
        return f"InputSpec({', '.join(x for x in spec if x)})"

    def get_config(self) -> dict:
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes,
                "optional": self.optional}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


def _shape(x) -> tuple:
    return tuple(d if isinstance(d, int) else None for d in tuple(x.shape))


def assert_input_compatibility(input_spec, inputs, layer_name: str) -> None:
    """Raise ValueError when `inputs` break the layer's `input_spec` (see InputSpec)."""
    if not input_spec:
        return
    specs = _tree.flatten(input_spec)
    if isinstance(inputs, dict):
        names = [spec.name for spec in specs]
        if all(names):
            for name in names:
                if name not in inputs:
                    raise ValueError(f'Missing data for input "{name}". You passed a data '
                                     f"dictionary with keys {list(inputs.keys())}. Expected the "
                                     f"following keys: {names}")
            inputs = [inputs[name] for name in names]
    inputs = _tree.flatten(inputs)
    if len(inputs) != len(specs):
        raise ValueError(f'Layer "{layer_name}" expects {len(specs)} input(s), but it received '
                         f"{len(inputs)} input tensors. Inputs received: {inputs}")
    for index, (x, spec) in enumerate(zip(inputs, specs)):
        if spec is None or (x is None and spec.optional):
            continue
        _check_one(index, x, spec, layer_name)


def _check_one(index: int, x, spec: InputSpec, layer_name: str) -> None:
    if not hasattr(x, "shape"):
        raise ValueError(f"Inputs to a layer should be tensors. Got '{x}' (of type {type(x)}) "
                         f"as input for layer '{layer_name}'.")
    shape = _shape(x)
    ndim = len(shape)
    head = f'Input {index} of layer "{layer_name}" is incompatible with the layer: '
    if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
        raise ValueError(f"{head}expected ndim={spec.ndim}, found ndim={ndim}. Full shape "
                         f"received: {shape}")
    if spec.max_ndim is not None and ndim > spec.max_ndim:
        raise ValueError(f"{head}expected max_ndim={spec.max_ndim}, found ndim={ndim}")
    if spec.min_ndim is not None and ndim < spec.min_ndim:
        raise ValueError(f"{head}expected min_ndim={spec.min_ndim}, found ndim={ndim}. Full "
                         f"shape received: {shape}")
    if spec.dtype is not None:
        dtype = _config.standardize_dtype(x.dtype)
        if dtype != spec.dtype:
            raise ValueError(f"{head}expected dtype={spec.dtype}, found dtype={dtype}")
    for axis, value in spec.axes.items():
        if value is not None and shape[axis] not in {value, None}:
            raise ValueError(f"{head}expected axis {axis} of input shape to have value {value}, "
                             f"but received input with shape {shape}")
    if spec.shape is not None:
        spec_shape, got = spec.shape, shape
        if spec.allow_last_axis_squeeze:
            got = got[:-1] if got and got[-1] == 1 else got
            spec_shape = spec_shape[:-1] if spec_shape and spec_shape[-1] == 1 else spec_shape
        for want, have in zip(spec_shape, got):
            if want is not None and have is not None and want != have:
                raise ValueError(f"{head}expected shape={spec.shape}, found shape={shape}")
