"""The export's fixed choices: operator sets and the dtypes a graph can compute in."""

DEFAULT_OPSET = 17  # run by ONNX Runtime >= 1.13 (2022) and most runtimes since
MIN_OPSET = 13  # from 13 on, Softmax normalizes over its axis alone
ONNX_DTYPES = ("float32", "float64")
