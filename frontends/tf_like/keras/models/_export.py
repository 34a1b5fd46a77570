"""Model.export (Keras 3): the ONNX format, through frontends.tf_like.onnx."""

from __future__ import annotations


class ExportMixin:
    """Adds Keras 3's `Model.export(filepath, format=..., verbose=None, input_signature=None)`.
    Only format="onnx" is available in duet (Keras's "tf_saved_model" and "openvino" need
    TensorFlow/OpenVINO): other formats raise ValueError."""

    def export(self, filepath, format="tf_saved_model", verbose=None, input_signature=None,
               **kwargs):
        if format != "onnx":
            raise ValueError(f"Unrecognized format={format}; duet supports format='onnx' only "
                             "(tf_saved_model and openvino need TensorFlow/OpenVINO)")
        from ...onnx import export_keras

        opset = kwargs.pop("opset_version", None)
        if kwargs:
            raise ValueError(f"Unrecognized export arguments: {sorted(kwargs)}")
        export_keras(self, str(filepath), input_signature, opset=opset)
        if verbose:
            print(f"Saved artifact at '{filepath}'.")
