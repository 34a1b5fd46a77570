"""model.summary(): Keras 3's table, rendered as `rich` renders it (Keras prints through rich;
this engine does not depend on it). Same column widths, wrapping (long words end in "…"),
alignment, box characters and the Total/Trainable/Non-trainable lines with sizes in B/KB/MB.
"""

from __future__ import annotations

import itertools
import math
import re
import shutil

import numpy as np

from ..backend import _tree
from ..layers._input_layer import InputLayer
from ..layers._layer import Layer

_WORD = re.compile(r"\s*\S+\s*")
_TRAILING_WS = re.compile(r"\s+$")


def count_params(weights) -> int:
    return int(sum(math.prod(w.shape) for w in weights))


def weight_memory_size(weights) -> float:
    unique = {id(w): w for w in weights}.values()
    return float(sum(math.prod(w.shape) * np.dtype(w.dtype).itemsize for w in unique))


def readable_memory_size(size: float) -> str:
    for unit in ["B", "KB", "MB", "GB", "TB", "PB"]:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def format_layer_shape(layer) -> str:
    nodes = getattr(layer, "_inbound_nodes", [])
    if not nodes and not getattr(layer, "_build_shapes_dict", None):
        return "?"
    if nodes:
        shapes = [_format_shape(t.shape) for t in nodes[-1].output_tensors]
    else:
        try:
            out = layer.compute_output_shape(*layer._build_shapes_dict.values())
        except (NotImplementedError, ValueError, TypeError, AttributeError, KeyError):
            # a layer that cannot say (Keras shows "?")
            return "?"
        shapes = [_format_shape(s) for s in _flat_shapes(out)]
    if len(shapes) == 1:
        return shapes[0]
    return str(shapes).replace("'", "")


def _flat_shapes(out) -> list:
    if isinstance(out, tuple) and all(d is None or isinstance(d, int) for d in out):
        return [out]
    if isinstance(out, dict):
        return [s for k in sorted(out) for s in _flat_shapes(out[k])]
    return [s for item in out for s in _flat_shapes(item)]


def _format_shape(shape) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")"


# -- which layout -----------------------------------------------------------------------------
def _is_sequential_like(model) -> tuple[bool, list]:
    """(sequential_like, the layers to list) as Keras decides it."""
    from ._functional import Functional
    from ._sequential import Sequential
    if isinstance(model, Sequential) or not isinstance(model, Functional):
        return True, model.layers
    layers = model._operations
    nodes = []
    for depth_nodes in model._nodes_by_depth.values():
        if len(depth_nodes) > 1 or (len(depth_nodes) == 1
                                    and len(depth_nodes[0].input_tensors) > 1):
            return False, layers
        nodes += depth_nodes
    node_ids = {id(n) for n in nodes}
    for layer in model.layers:
        if sum(1 for n in layer._inbound_nodes if id(n) in node_ids) > 1:
            return False, layers
    return True, layers


def _connections(layer, relevant: set) -> str:
    parts = []
    for node in layer._inbound_nodes:
        if relevant and id(node) not in relevant:
            continue
        for kt in node.input_tensors:
            op, node_index, tensor_index = kt._keras_history
            parts.append(f"{op.name}[{node_index}][{tensor_index}]")
    return ", ".join(parts) if parts else "-"


def _layer_fields(layer, sequential_like, show_trainable, relevant, prefix="") -> list:
    name = f"{prefix}{layer.name} ({type(layer).__name__})"
    if not isinstance(layer, Layer) and not hasattr(layer, "built"):
        params = "0"
    elif not getattr(layer, "built", True):
        params = "0 (unbuilt)"
    else:
        params = f"{layer.count_params():,}" if isinstance(layer, Layer) else "0"
    fields = [name, format_layer_shape(layer), params]
    if not sequential_like:
        fields.append(_connections(layer, relevant))
    if show_trainable:
        fields.append(("Y" if layer.trainable else "N") if getattr(layer, "weights", None)
                      else "-")
    return fields


def _rows(layer, sequential_like, show_trainable, relevant, expand_nested, level=0) -> list:
    prefix = "   " * level + "└ " if level else ""
    rows = [_layer_fields(layer, sequential_like, show_trainable, relevant, prefix)]
    if expand_nested and getattr(layer, "layers", None):
        for sub in layer.layers:
            rows += _rows(sub, sequential_like, show_trainable, relevant, expand_nested,
                          level + 1)
    return rows


# -- the whole summary ------------------------------------------------------------------------
def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None) -> None:
    sequential_like, layers = _is_sequential_like(model)
    if sequential_like:
        default_length, positions = 88, positions or [0.45, 0.80, 1.0]
        header, align = ["Layer (type)", "Output Shape", "Param #"], ["left", "left", "right"]
        relevant = set()
    else:
        default_length, positions = 108, positions or [0.3, 0.56, 0.74, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        align = ["left", "left", "right", "left"]
        relevant = {id(n) for nodes in model._nodes_by_depth.values() for n in nodes}
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        align.append("center")
    default_length = min(default_length, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default_length
    widths, current = [], 0
    for pos in positions:
        width = int(pos * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width)
        current += width
    lo, hi = _layer_range(layers, layer_range)
    rows = [r for layer in layers[lo:hi] for r in _rows(
        layer, sequential_like, show_trainable, relevant, expand_nested)]
    lines = [f'Model: "{model.name}"', *render_table(header, align, widths, line_length, rows)]
    lines += _totals(model)
    # rich crops every printed line at the console's width (COLUMNS, a terminal's, else 80)
    width = shutil.get_terminal_size((80, 24)).columns
    text = "\n".join(line[:width] for line in lines) + "\n"
    if print_fn is None:
        print(text, end="")
    else:
        print_fn(text)


def _totals(model) -> list:
    trainable, non_trainable = model.trainable_weights, model.non_trainable_weights
    t_count, n_count = count_params(trainable), count_params(non_trainable)
    t_size, n_size = weight_memory_size(trainable), weight_memory_size(non_trainable)
    opt = getattr(model, "optimizer", None)
    opt_vars = list(getattr(opt, "variables", []) or []) if getattr(model, "compiled", False) \
        and opt is not None and getattr(opt, "built", False) else None
    o_count = count_params(opt_vars) if opt_vars else 0
    o_size = weight_memory_size(opt_vars) if opt_vars else 0.0
    total = t_count + n_count + o_count
    lines = [f" Total params: {total:,} ({readable_memory_size(t_size + n_size + o_size)})",
             f" Trainable params: {t_count:,} ({readable_memory_size(t_size)})",
             f" Non-trainable params: {n_count:,} ({readable_memory_size(n_size)})"]
    if opt_vars is not None:
        lines.append(f" Optimizer params: {o_count:,} ({readable_memory_size(o_size)})")
    return lines


def _layer_range(layers, layer_range) -> tuple[int, int]:
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2:
        raise ValueError("layer_range must be a list or tuple of length 2. Received: "
                         f"layer_range = {layer_range} of length {len(layer_range)}")
    if not all(isinstance(x, str) for x in layer_range):
        raise ValueError(f"layer_range should contain string type only. Received: {layer_range}")
    lower = [i for i, la in enumerate(layers) if re.match(layer_range[0], la.name)]
    upper = [i for i, la in enumerate(layers) if re.match(layer_range[1], la.name)]
    if not lower or not upper:
        raise ValueError("Passed layer_names do not match the layer names in the model. "
                         f"Received: {layer_range}")
    if min(lower) > max(upper):
        return min(upper), max(lower) + 1
    return min(lower), max(upper) + 1


# -- a rich Table(box=HEAVY_HEAD, show_lines=True) with fixed column widths ---------------------
def render_table(header, align, widths, table_width, rows) -> list:
    """The lines rich draws for this table (cell padding 1 on each side)."""
    cells = _column_widths(widths, table_width)
    inner = [w - 2 for w in cells]
    out = ["┏" + "┳".join("━" * w for w in cells) + "┓"]
    out += _row_lines(header, align, inner, "┃")
    out.append("┡" + "╇".join("━" * w for w in cells) + "┩")
    for i, row in enumerate(rows):
        if i:
            out.append("├" + "┼".join("─" * w for w in cells) + "┤")
        out += _row_lines(row, align, inner, "│")
    out.append("└" + "┴".join("─" * w for w in cells) + "┘")
    return out


def _column_widths(widths, table_width) -> list:
    """Fixed widths plus padding, reduced evenly when over the table width (rich's
    ratio_reduce with equal ratios)."""
    cells = [w + 2 for w in widths]
    available = table_width - (len(cells) + 1)
    excess = sum(cells) - available
    if excess <= 0:
        return cells
    out, remaining, ratio_total = [], excess, len(cells)
    for value in cells:
        cut = min(value, round(remaining / ratio_total))
        out.append(value - cut)
        remaining -= cut
        ratio_total -= 1
    return out


def _row_lines(fields, align, inner, bar) -> list:
    wrapped = [_wrap(str(f), w, a) for f, w, a in zip(fields, inner, align)]
    height = max(len(w) for w in wrapped)
    lines = []
    for k in range(height):
        parts = [(w[k] if k < len(w) else " " * width) for w, width in zip(wrapped, inner)]
        lines.append(bar + bar.join(f" {p} " for p in parts) + bar)
    return lines


def _wrap(text: str, width: int, justify: str) -> list:
    """rich's Text.wrap with overflow='ellipsis': greedy word wrap, words too long for a line
    cut to width-1 characters plus '…'."""
    lines = []
    for para in text.split("\n"):
        breaks, offset = [], 0
        for m in _WORD.finditer(para):
            start, word = m.start(), m.group(0)
            length = len(word.rstrip())
            if width - offset >= length:
                offset += len(word)
            elif length > width:
                if start:
                    breaks.append(start)
                offset = len(word)
            elif offset and start:
                breaks.append(start)
                offset = len(word)
        bounds = [0, *breaks, len(para)]
        for a, b in itertools.pairwise(bounds):
            line = para[a:b]
            if len(line) > width:
                ws = _TRAILING_WS.search(line)
                if ws:
                    line = line[:len(line) - min(len(ws.group(0)), len(line) - width)]
            lines.append(_justify(line, width, justify))
    return lines


def _justify(line: str, width: int, justify: str) -> str:
    if justify in ("right", "center"):
        line = line.rstrip()
    if len(line) > width:
        line = line[:width - 1] + "…"
    if justify == "right":
        return " " * (width - len(line)) + line
    if justify == "center":
        left = (width - len(line)) // 2
        line = " " * left + line
    return line + " " * (width - len(line))


_ = (_tree, InputLayer)
