"""keras.layers.RNN (a cell over a sequence) and CellLayer, the base of SimpleRNN, LSTM and GRU
(an RNN that builds its own cell from the layer's arguments)."""

from __future__ import annotations

from ... import ops
from ...backend import _tree
from .._layer import Layer
from ._cell_base import RecurrentCell
from ._execution import run_fused, run_loop
from .stacked_rnn_cells import StackedRNNCells

_RNN_CONFIG = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
               "zero_output_for_mask")


def _shape_text(x) -> str:
    return str(tuple(d if isinstance(d, int) else None for d in tuple(x.shape)))


class RNN(Layer):
    """Mirrors keras.layers.RNN: runs `cell` (a cell, or a list of cells = StackedRNNCells)
    over axis 1 of (batch, timesteps, features). Built-in cells with the activations the
    engine's fused LSTM/GRU/RNN ops have (tanh, sigmoid, relu, linear, softsign, softplus) run
    as those ops, also under masks; other cells, and recurrent dropout while training, run
    step by step (which needs a static number of timesteps). Masks follow Keras 3: a masked
    step keeps the previous states and repeats the previous output. Differences: stateful=True
    raises ValueError; `unroll` is accepted and has no effect (both ways give Keras's
    results); a mask whose shape does not match the inputs raises ValueError up front."""

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if "call" not in dir(cell):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: "
                             f"cell={cell}")
        if "state_size" not in dir(cell):
            raise ValueError("The RNN cell should have a `state_size` attribute (single integer "
                             "or list of integers, one integer per RNN state). Received: "
                             f"cell={cell}")
        if stateful:
            raise ValueError("stateful=True is not supported by Duet's recurrent layers: pass "
                             "the states explicitly with `initial_state=` and `return_state="
                             "True` instead.")
        super().__init__(**kwargs)
        self.zero_output_for_mask = zero_output_for_mask
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.supports_masking = True
        self.input_spec = None
        self.states = None
        state_size = cell.state_size
        self.single_state = isinstance(state_size, int)
        self.state_size = [state_size] if self.single_state else list(state_size)

    def build(self, sequences_shape, initial_state_shape=None):
        step_input_shape = (sequences_shape[0], *tuple(sequences_shape[2:]))
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step_input_shape)
            self.cell.built = True

    def compute_mask(self, _, mask):
        mask = _tree.flatten(mask)[0] if mask is not None else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in _tree.flatten(self.state_size)]
        return output_mask

    def get_initial_state(self, batch_size):
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is None:
            return [ops.zeros((batch_size, d), dtype=self.compute_dtype)
                    for d in self.state_size]
        state = fn(batch_size=batch_size)
        return list(state) if _tree.is_nested(state) else [state]

    def _static_states(self, states):
        """Zeros made for a symbolic batch lose their static width: give it back."""
        flat, sizes = _tree.flatten(states), _tree.flatten(self.state_size)
        if len(flat) != len(sizes):
            return states
        flat = [ops.reshape(s, (-1, d)) if isinstance(d, int) and s.shape[-1] != d else s
                for s, d in zip(flat, sizes)]
        return _tree.pack_sequence_as(states, flat)

    def reset_state(self) -> None:
        """Nothing to reset: Duet's recurrent layers are never stateful."""

    reset_states = reset_state

    # -- calling -------------------------------------------------------------------------------
    def _check_inputs(self, sequences, mask) -> None:
        shape = tuple(sequences.shape)
        if len(shape) < 3:
            raise ValueError(f"Layer '{self.name}' (of type {type(self).__name__}) expects "
                             "inputs of rank 3 (batch, timesteps, features); received inputs "
                             f"of shape {_shape_text(sequences)}")
        if mask is None:
            return
        mask_shape = tuple(mask.shape)
        if len(mask_shape) != 2 or any(isinstance(a, int) and isinstance(b, int) and a != b
                                       for a, b in zip(mask_shape, shape[:2])):
            raise ValueError(f"Layer '{self.name}' (of type {type(self).__name__}) received a "
                             f"mask of shape {_shape_text(mask)} for inputs of shape "
                             f"{_shape_text(sequences)}: the mask must have shape (batch, "
                             f"timesteps) = {tuple(d if isinstance(d, int) else None for d in shape[:2])}")

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if _tree.is_nested(mask):
            mask = _tree.flatten(mask)[0]
        self._check_inputs(sequences, mask)
        if initial_state is None:
            initial_state = self._static_states(self.get_initial_state(ops.shape(sequences)[0]))
        if not _tree.is_nested(initial_state):
            initial_state = [initial_state]
        initial_state = _tree.map_structure(lambda s: ops.cast(s, self.cell.compute_dtype)
                                            if isinstance(self.cell, Layer) else s,
                                            list(initial_state))
        x = sequences
        if mask is not None:
            mask = ops.cast(mask, "bool")
        if self.go_backwards:  # Keras reverses inputs and mask, and returns reversed outputs
            x = ops.flip(x, axis=1)
            mask = None if mask is None else ops.flip(mask, axis=1)
        try:
            outputs, states = self._run(x, initial_state, mask, training)
        finally:
            self._reset_dropout_masks(self.cell)
        last_output = outputs[:, -1]
        if self.zero_output_for_mask and mask is not None:
            outputs = ops.where(ops.expand_dims(mask, -1), outputs, ops.zeros_like(outputs))
            last_output = outputs[:, -1]
        output = outputs if self.return_sequences else last_output
        if self.return_state:
            return output, *states
        return output

    def _cells(self) -> list:
        return list(self.cell.cells) if isinstance(self.cell, StackedRNNCells) else [self.cell]

    def _fused_specs(self, training):
        specs = []
        for cell in self._cells():
            spec = cell.fused_spec(training) if isinstance(cell, RecurrentCell) else None
            if spec is None:
                return None
            specs.append((cell, spec))
        return specs

    def _run(self, x, initial_state: list, mask, training):
        specs = self._fused_specs(bool(training))
        if specs is None:
            return run_loop(self._step_fn(training), x, initial_state, mask, self.name)
        stacked = isinstance(self.cell, StackedRNNCells)
        per_cell = [list(s) if _tree.is_nested(s) else [s] for s in initial_state] \
            if stacked else [initial_state]
        outputs, finals = run_fused(specs, x, per_cell, mask, training)
        if not stacked:
            return outputs, finals[0]
        states = [f if _tree.is_nested(s) else f[0] for f, s in zip(finals, initial_state)]
        return outputs, states

    def _step_fn(self, training):
        kwargs = {}
        if isinstance(self.cell, Layer) and self.cell._call_has_training_arg:
            kwargs["training"] = training

        def step(x_t, states):
            output, new_states = self.cell(x_t, states, **kwargs)
            return output, new_states if _tree.is_nested(new_states) else [new_states]

        return step

    def _reset_dropout_masks(self, cell) -> None:
        if isinstance(cell, RecurrentCell):
            cell.reset_dropout_mask()
            cell.reset_recurrent_dropout_mask()
        if isinstance(cell, StackedRNNCells):
            for c in cell.cells:
                self._reset_dropout_masks(c)

    # -- config --------------------------------------------------------------------------------
    def _rnn_config(self) -> dict:
        return {k: getattr(self, k) for k in _RNN_CONFIG}

    def get_config(self) -> dict:
        from ...models._functional_config import serialize_layer
        return {**super().get_config(), **self._rnn_config(),
                "cell": serialize_layer(self.cell)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ...models._functional_config import deserialize_layer
        config = dict(config)
        cell = deserialize_layer(config.pop("cell"), custom_objects)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"]["config"]["name"]
        return cls(cell, **config)


class CellLayer(RNN):
    """Base of SimpleRNN, LSTM and GRU: builds `cell_class(name=cell_name, ...)` from the layer's
    cell arguments (which read back as the layer's attributes, as in Keras)."""

    cell_class: type = RecurrentCell
    cell_name = ""
    cell_args: tuple = ()

    def __init__(self, cell_kwargs: dict, use_cudnn="auto", **kwargs):
        if use_cudnn not in ("auto", True, False):
            raise ValueError("Invalid valid received for argument `use_cudnn`. Expected one of "
                             f"{{'auto', True, False}}. Received: use_cudnn={use_cudnn}")
        cell = self.cell_class(**cell_kwargs, dtype=kwargs.get("dtype"),
                               trainable=kwargs.get("trainable", True), name=self.cell_name,
                               implementation=kwargs.pop("implementation", 2))
        super().__init__(cell, **kwargs)
        self.use_cudnn = use_cudnn

    def __getattr__(self, name):
        cell = self.__dict__.get("cell")
        if cell is not None and (name in type(self).cell_args or name == "implementation"):
            return getattr(cell, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def call(self, sequences, initial_state=None, mask=None, training=False):
        return super().call(sequences, initial_state=initial_state, mask=mask,
                            training=training)

    def get_config(self) -> dict:
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        return {**Layer.get_config(self), **self._rnn_config(), **cell_config,
                "activity_regularizer": _ser_regularizer(self.activity_regularizer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return Layer.from_config.__func__(cls, config)


def _ser_regularizer(x):
    from .._utils import ser_regularizer
    return ser_regularizer(x)
