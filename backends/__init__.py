"""Backends: the NumPy engine (eager dispatch and a compiled graph executor) and ONNX export."""
