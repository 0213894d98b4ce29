"""The graph under construction: nodes and constants, each output under a unique name."""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError as err:  # an optional extra
    raise ImportError(
        "exporting to ONNX needs the onnx package. Hint: pip install 'layerwise[onnx]'."
    ) from err

Array = np.ndarray
ML_DOMAIN = "ai.onnx.ml"


class GraphBuilder:
    """Nodes and constants of a graph under construction, each output under a unique name.

    ``node`` and ``const`` are all the exporters use, so the same code builds a standalone graph
    (here) and a piece of a scikit-learn pipeline's graph (:mod:`layerwise.export.skl2onnx`).
    """

    def __init__(self, dtype: Any, opset: int, reserved: tuple[str, ...] = ()) -> None:
        self.dtype, self.opset = np.dtype(dtype), opset
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.domains: set[str] = set()
        self._used: set[str] = set(reserved)

    def unique(self, hint: str) -> str:
        """``hint``, or ``hint_2``, ``hint_3``, ...: a name not used yet in the graph."""
        name, k = hint, 1
        while name in self._used:
            k += 1
            name = f"{hint}_{k}"
        self._used.add(name)
        return name

    def const(self, hint: str, value: Any, dtype: Any = None) -> str:
        """A constant tensor (an initializer); floats in the graph's dtype unless ``dtype``."""
        array = np.asarray(value)
        if dtype is not None or array.dtype.kind == "f":
            array = array.astype(self.dtype if dtype is None else dtype)
        name = self.unique(hint)
        self.add_initializer(name, array)
        return name

    def add_initializer(self, name: str, array: Array) -> None:
        """Store ``array`` under ``name`` (text as ONNX strings, which are bytes)."""
        if array.dtype.kind in "USO":
            tensor = helper.make_tensor(
                name, TensorProto.STRING, array.shape, [str(s).encode() for s in array.flat]
            )
        else:
            tensor = numpy_helper.from_array(np.ascontiguousarray(array), name)
        self.initializers.append(tensor)

    def node(
        self,
        op: str,
        inputs: list[str],
        hint: str,
        *,
        output: str | None = None,
        domain: str = "",
        **attrs: Any,
    ) -> str:
        """Add ``op(inputs)``; return the name of its (single) output (``output`` if given)."""
        out = output if output is not None else self.unique(hint)
        self.add_node(op, inputs, out, self.unique(f"{op}_{hint}"), domain, attrs)
        return out

    def add_node(
        self, op: str, inputs: list[str], output: str, name: str, domain: str, attrs: dict
    ) -> None:
        """Store the node ``op(inputs) -> output``."""
        self.nodes.append(helper.make_node(op, inputs, [output], name=name, domain=domain, **attrs))
        if domain:
            self.domains.add(domain)

    def elem_type(self) -> int:
        """The ONNX element type of the graph's floats."""
        return helper.np_dtype_to_tensor_dtype(self.dtype)


# ----- the network -------------------------------------------------------------------------------
