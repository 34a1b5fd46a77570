"""Interoperation between the two frontends, which share one IR.

- `graph_call.run_graph`: run an IR graph on either frontend's tensors (autograd intact);
- `linked`: a tensor of one frontend whose storage is the other's (shared weights);
- `keras.layers.TorchModuleWrapper` (tf_like) and `torch.nn.KerasModuleWrapper` (torch_like)
  build on those;
- `weights`: copy Dense/Conv2D/LSTM/GRU weights between Keras layers and torch modules with
  the layout conversions of CONVENTIONS.md.

Submodules are imported on use: this package sits between the frontends and imports neither
at import time.
"""
