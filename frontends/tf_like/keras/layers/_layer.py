"""keras.layers.Layer (Keras 3): config in __init__, weights in build, math in call.

`__call__` converts numpy inputs, checks the InputSpec, builds on the first call (inside the
layer's name scope, so variable paths read "model/dense/kernel"), resolves `training` from the
outermost call, passes masks along, and runs `call` under `core_ir.origin(name)` so that IR
nodes and shape errors name the layer. Called on KerasTensors it instead infers the output
specs by tracing (see backend/_keras_tensor.py) and records a Node of the Functional graph.
"""

from __future__ import annotations

import functools
import inspect
import warnings

import numpy as np

import core_ir

from .. import regularizers
from ..backend import _state, _tree
from ..backend._keras_tensor import KerasTensor, any_symbolic_tensors, compute_output_spec
from ..ops import _core
from ..ops._operation import Node, Operation
from ._call_context import CallContext, enter_context, exit_context
from ._input_spec import assert_input_compatibility
from ._layer_state import LayerState
from ._layer_utils import (
    _KWARGS,
    DTypePolicy,
    _has_var_kwargs,
    _input_shape_arg,
    _map_shapes,
    _policy_name,
    _shapes_dict,
    _shapes_from_args,
)


class Layer(LayerState, Operation):
    """Mirrors keras.layers.Layer. Subclass it: create weights in `build(input_shape)` with
    `add_weight`, compute in `call(inputs, training=None, mask=None)`, return the constructor
    arguments from `get_config`. Differences: dtype policies are plain dtypes (no mixed
    precision); the `weights=` constructor argument is set after the first build."""

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        if cls.build is not Layer.build:
            original = obj.build

            @functools.wraps(original)
            def build_wrapper(*a, **kw):
                with obj._name_scope():
                    original(*a, **kw)
                obj._build_shapes_dict = obj._build_shapes_dict or _shapes_from_args(a, kw)
                obj.built = True
                obj._apply_initial_weights()

            object.__setattr__(obj, "build", build_wrapper)
        return obj

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None,
                 autocast=True, name=None, **kwargs):
        unknown = set(kwargs) - _KWARGS
        if unknown:
            raise ValueError(f"Unrecognized keyword arguments passed to "
                             f"{type(self).__name__}: { {k: kwargs[k] for k in unknown} }")
        Operation.__init__(self, name=name)
        self._trainable_variables: list = []
        self._non_trainable_variables: list = []
        self._losses: list = []
        self._trainable = bool(trainable)
        self.built = False
        self.autocast = autocast
        self.dtype_policy = DTypePolicy(_policy_name(dtype))
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.input_spec = None
        self._build_shapes_dict = None
        self._initial_weights = kwargs.get("weights")
        self._input_shape_arg = _input_shape_arg(kwargs)
        if "supports_masking" not in self.__dict__:
            self.supports_masking = type(self).compute_mask is not Layer.compute_mask
        self._call_signature = inspect.signature(self.call)
        params = self._call_signature.parameters
        self._call_has_training_arg = "training" in params or _has_var_kwargs(params)
        self._call_has_mask_arg = "mask" in params

    # -- dtypes -------------------------------------------------------------------------------
    @property
    def dtype(self) -> str:
        return self.dtype_policy.name

    @property
    def compute_dtype(self) -> str:
        return self.dtype_policy.name

    @property
    def variable_dtype(self) -> str:
        return self.dtype_policy.name

    @property
    def input_dtype(self) -> str:
        return self.compute_dtype

    # -- building -----------------------------------------------------------------------------
    def build(self, input_shape=None):
        """Create the weights; the default has none to create."""
        self._build_shapes_dict = self._build_shapes_dict or {"input_shape": input_shape}
        self.built = True
        self._apply_initial_weights()

    def _maybe_build(self, args, kwargs) -> None:
        if self.built:
            return
        shapes = _shapes_dict(self._call_signature, args, kwargs)
        self._build_shapes_dict = shapes
        if type(self).build is Layer.build:
            self.built = True  # sublayers are built by the call itself
            self._apply_initial_weights()
            return
        params = [p for p in inspect.signature(self.build).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        if len(params) <= 1:
            first = next(iter(shapes.values()), None)
            self.build(*([first] if params else []))
        else:
            self.build(**{p.name: shapes[p.name] for p in params if p.name in shapes})

    def _name_scope(self):
        return _state.name_scope(self.name, caller=self)

    # -- calling ------------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        args, kwargs = self._convert_args(args, kwargs)
        if any_symbolic_tensors(args, kwargs):
            return self._symbolic_call(args, kwargs)
        return self._call(args, kwargs)

    def _convert_args(self, args, kwargs):
        """numpy arrays become tensors; float inputs take the layer's compute dtype."""
        def convert(x):
            if isinstance(x, (np.ndarray, np.generic)) and x.dtype.kind not in "USO":
                x = _core.tensor(x)  # (string arrays stay host values: tf_like/_strings.py)
            if isinstance(x, core_ir.Tensor) and x.dtype.kind == "f" and self.autocast \
                    and x.dtype != np.dtype(self.input_dtype) and self._convert_input_args:
                mask = _state.get_keras_mask(x)
                x = _core.cast(x, self.input_dtype)
                _state.set_keras_mask(x, mask)
            return x

        return _tree.map_structure(convert, args), _tree.map_structure(convert, kwargs)

    _convert_input_args = True

    def _symbolic_call(self, args, kwargs):
        first = args[0] if args else next(iter(kwargs.values()), None)
        assert_input_compatibility(self.input_spec, first, self.name)
        with self._name_scope():
            self._maybe_build(args, kwargs)
        outputs = self.compute_output_spec(*args, **kwargs)
        self._clear_losses()  # the trace's losses were symbolic stand-ins
        Node(self, call_args=args, call_kwargs=kwargs, outputs=outputs)
        return outputs

    def compute_output_spec(self, *args, **kwargs):
        """Output KerasTensors: from compute_output_shape when overridden, else by tracing the
        whole call (so masks and nested layers are seen too)."""
        if type(self).compute_output_shape is not Layer.compute_output_shape:
            shapes = _shapes_dict(self._call_signature, args, kwargs)
            out = self.compute_output_shape(*shapes.values())
            return _map_shapes(out, lambda s: KerasTensor(s, dtype=self.compute_dtype))
        return compute_output_spec(lambda *a, **kw: self._call(a, kw), *args, **kwargs)

    def compute_output_shape(self, *args, **kwargs):
        """Output shape(s) for the given input shape(s), found by tracing the call."""
        inputs = _map_shapes(args[0] if args else next(iter(kwargs.values())),
                             lambda s: KerasTensor(s, dtype=self.input_dtype))
        out = compute_output_spec(lambda x: self._call((x,), {}), inputs)
        return _tree.map_structure(lambda t: t.shape, out)

    def _call(self, args, kwargs):
        """The call on real (eager or traced) tensors."""
        first = args[0] if args else next(iter(kwargs.values()), None)
        assert_input_compatibility(self.input_spec, first, self.name)
        with self._name_scope():
            self._maybe_build(args, kwargs)
        assert_input_compatibility(self.input_spec, first, self.name)
        context, entered = enter_context(self)
        try:
            if entered:
                self._clear_losses()
            kwargs = self._resolve_training(context, args, kwargs)
            previous_mask = self._attach_mask(first, kwargs)
            with self._name_scope(), core_ir.origin(self.name):
                outputs = self.call(*args, **kwargs)
            self.built = True
            self._activity_losses(outputs)
            if self.supports_masking:
                self._set_output_masks(first, outputs, previous_mask)
            elif any(m is not None for m in _tree.flatten(previous_mask)):
                warnings.warn(f"Layer '{self.name}' (of type {type(self).__name__}) was passed "
                              "an input with a mask attached to it. However, this layer does "
                              "not support masking and will therefore destroy the mask "
                              "information. Downstream layers will not see the mask.",
                              stacklevel=3)
        finally:
            exit_context(self, entered)
        return outputs

    def _resolve_training(self, context: CallContext, args: tuple, kwargs: dict) -> dict:
        """training: as passed, else the outer call's, else call()'s default (Keras 3)."""
        positional = list(self._call_signature.parameters)[:len(args)]
        if "training" in positional:  # passed positionally: it stays there
            context.training = args[positional.index("training")]
            return kwargs
        if "training" in kwargs:
            value = kwargs["training"]
        elif context.training is not None:
            value = context.training
        else:
            param = self._call_signature.parameters.get("training")
            value = None if param is None or param.default is inspect.Parameter.empty \
                else param.default
        context.training = value
        kwargs = {k: v for k, v in kwargs.items() if k != "training"}
        if self._call_has_training_arg and value is not None:
            kwargs["training"] = value
        return kwargs

    def _attach_mask(self, first, kwargs: dict):
        if "mask" in kwargs and kwargs["mask"] is not None:
            return kwargs["mask"]
        mask = _tree.map_structure(_state.get_keras_mask, first) if first is not None else None
        if self._call_has_mask_arg and any(m is not None for m in _tree.flatten(mask)):
            kwargs["mask"] = mask
        return mask

    def _activity_losses(self, outputs) -> None:
        if self.activity_regularizer is None:
            return
        for out in _tree.flatten(outputs):
            if isinstance(out, core_ir.Tensor):
                loss = self.activity_regularizer(out)
                if out.ndim > 0:  # Keras averages the penalty over the batch
                    batch = _core.cast(_core.shape(out)[0], loss.dtype)
                    from .. import ops
                    loss = ops.divide_no_nan(loss, batch)
                self.add_loss(loss)

    def _set_output_masks(self, inputs, outputs, previous_mask) -> None:
        flat = _tree.flatten(outputs)
        if all(_state.get_keras_mask(x) is not None for x in flat):
            return
        masks = self.compute_mask(inputs, previous_mask)
        flat_masks = [None] * len(flat) if masks is None else _tree.flatten(masks)
        if len(flat_masks) != len(flat):
            flat_masks = flat_masks[:1] * len(flat) if len(flat_masks) == 1 else [None] * len(
                flat)
        for t, m in zip(flat, flat_masks):
            if m is not None and _state.get_keras_mask(t) is None:
                _state.set_keras_mask(t, m)

    def call(self, *args, **kwargs):
        raise NotImplementedError(f"Layer {type(self).__name__} does not have a `call()` method "
                                  "implemented.")

    def compute_mask(self, inputs, previous_mask):
        return previous_mask if self.supports_masking else None

    # -- config -------------------------------------------------------------------------------
    def get_build_config(self) -> dict | None:
        """The shapes the layer was built with (for rebuilding it before loading weights)."""
        shapes = self._build_shapes_dict
        if shapes is None:
            return None
        if len(shapes) == 1:
            return {"input_shape": next(iter(shapes.values()))}
        return {"shapes_dict": dict(shapes)}

    def build_from_config(self, config) -> None:
        if config:
            if "input_shape" in config:
                self.build(config["input_shape"])
            elif "shapes_dict" in config:
                self.build(**config["shapes_dict"])

    def get_config(self) -> dict:
        return {"name": self.name, "trainable": self.trainable,
                "dtype": self.dtype_policy.get_config()}

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"]["config"]["name"]
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

