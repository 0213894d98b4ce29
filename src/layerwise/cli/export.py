"""``layerwise export MODEL -o model.onnx [--opset N] [--dtype float32|float64] [--inputs ...]
[--check]``.

Writes the model as one ONNX file that takes the raw columns ``layerwise predict`` takes;
``--check`` runs it with ONNX Runtime on generated rows and compares with layerwise before it
is written: when they differ, nothing is written (exit 1). Needs ``pip install
'layerwise[onnx]'``; without it, a one-line error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..data.safe_text import printable
from ..export.options import DEFAULT_OPSET, ONNX_DTYPES
from ..persistence import atomic_write
from .files import ANY_MODEL, reading

EXIT_OK, EXIT_CHECK_FAILED = 0, 1


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``export`` sub-command on the CLI's sub-parsers."""
    p = subparsers.add_parser(
        "export",
        help="write a saved model as ONNX (raw columns in, predictions out)",
        description="Export MODEL (from `layerwise train`, Network.save or an estimator's save) "
        "to ONNX, preprocessing included: the graph takes the raw columns `layerwise predict` "
        "takes and gives label and probabilities (classifiers) or variable (regressors).",
    )
    p.add_argument("model", metavar="MODEL")
    p.add_argument(
        "-o", "--output", metavar="FILE", help="ONNX file to write (default: MODEL with .onnx)"
    )
    p.add_argument(
        "--opset",
        type=int,
        default=DEFAULT_OPSET,
        metavar="N",
        help=f"ONNX operator set (default {DEFAULT_OPSET})",
    )
    p.add_argument(
        "--dtype", choices=ONNX_DTYPES, help="precision in the graph (default: the model's)"
    )
    p.add_argument(
        "--inputs",
        choices=("auto", "columns", "matrix"),
        default="auto",
        help="one input per raw column, or one matrix X of the numeric columns (default auto: "
        "columns when the model has a text column)",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="run the export with ONNX Runtime on generated rows and compare with layerwise",
    )
    p.set_defaults(handler=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Export ``args.model``; print where it went, its inputs and outputs (and the check)."""
    from ..export.graph import build_model
    from ..export.source import export_spec

    if args.check:  # onnxruntime is needed for --check only: refuse before writing anything
        from ..export.check import check_onnx

    spec = reading(args.model, export_spec, ANY_MODEL)
    model = build_model(spec, opset=args.opset, dtype=args.dtype, inputs=args.inputs)
    output = Path(args.output) if args.output else Path(args.model).with_suffix(".onnx")
    if output.resolve() == Path(args.model).resolve():
        raise ValueError(f"--output {output} would overwrite MODEL. Hint: -o model.onnx.")
    # --check runs first: an export that fails it is never written (and a file already at
    # --output is left as it was), so a script cannot pick up a model that disagrees.
    result = check_onnx(args.model, model) if args.check else None
    if result is not None and not result.ok:
        print(result)
        print(f"not written: {output} (the export failed its check)", file=sys.stderr)
        return EXIT_CHECK_FAILED
    atomic_write(output, model.SerializeToString())  # the very bytes ONNX Runtime checked
    inputs = [i.name for i in model.graph.input]
    shown = ", ".join(map(printable, inputs[:6])) + (
        f", ... ({len(inputs)} in all)" if len(inputs) > 6 else ""
    )
    print(
        f"wrote {output}: {spec.task} {spec.network.layer_dims}, opset {args.opset}, "
        f"inputs {shown}; outputs {', '.join(o.name for o in model.graph.output)}",
        file=sys.stderr,
    )
    if result is not None:
        print(result)
    return EXIT_OK
