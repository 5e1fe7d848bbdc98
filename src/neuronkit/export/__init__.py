"""Export to other formats: ONNX for deployment (:mod:`neuronkit.export.onnx`).

Spiking networks go to NIR instead (:func:`neuronkit.spiking.nir.write_nir`).

>>> import neuronkit as nk
>>> from neuronkit.export import to_onnx
>>> to_onnx(nk.mlp([2, 3, 1], seed=0)).graph.output[0].name
'output'
"""

from .onnx import OPSET, to_onnx

__all__ = ["OPSET", "to_onnx"]
