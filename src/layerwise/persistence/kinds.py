"""What a file a loader refuses is instead, so the refusal can say which function takes it.

Users hand one loader another's file: a checkpoint to ``layerwise.load``, the ONNX file
``layerwise export`` wrote to ``evaluate``, a model to a resume. The archive reader
(:mod:`.archive`) asks this module only once it has refused a file, and only from what it has
already checked or read within its caps: the first bytes of a file that is not a zip
(:func:`onnx_prefix`), or the ``format`` field and the section types of a header that passed the
zip's structural checks and was read as capped JSON (:func:`kind_of_header`). The answer only
words the message (:class:`WrongKind`); no file is ever handed to another kind's loader, so a
crafted header can change the words of a refusal, never what is loaded.

The kinds, by what their header holds:

- ``checkpoint``: format ``layerwise-checkpoint`` (``fit(..., checkpoint=...)``, ``train
  --checkpoint``);
- ``estimator``: format ``layerwise-model`` with an ``estimator`` object naming its class (an
  estimator's ``save``);
- ``trained model``: format ``layerwise-model`` with a ``preprocessing`` object (``layerwise
  train``);
- ``network``: format ``layerwise-model`` with neither (``Network.save``);
- ``onnx``: no zip, a ``.onnx`` name and a protobuf ``ModelProto``'s first field, ``ir_version``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from . import model

CHECKPOINT_FORMAT = "layerwise-checkpoint"
CHECKPOINT, ESTIMATOR, TRAINED, NETWORK, ONNX = (
    "checkpoint",
    "estimator",
    "trained model",
    "network",
    "onnx",
)
_CLASS = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")  # a class name safe to print
# ModelProto's fields after ir_version (1, a varint): a length-delimited field 2, 3, 4, 6, 7, 8,
# 14, 20 or 25 (producer, its version, domain, doc, graph, opset imports, metadata, training
# info, functions), or model_version (5, a varint): the first byte of the next field's tag
_ONNX_NEXT_TAGS = {0x12, 0x1A, 0x22, 0x28, 0x32, 0x3A, 0x42, 0x72, 0xA2, 0xCA}

#: what each kind is, and where the library takes it (PATH: the file)
WHAT = {
    CHECKPOINT: "a layerwise checkpoint (the saved state of a training run)",
    ESTIMATOR: "a {cls} file (an estimator's save)",
    TRAINED: "a model saved by `layerwise train` (network and preprocessing)",
    NETWORK: "a model file holding a bare network (Network.save)",
    ONNX: "an ONNX file (what `layerwise export` and to_onnx write)",
}
LIBRARY_HINT = {
    CHECKPOINT: "resume it with fit(..., checkpoint=PATH, resume=True) or read it with "
    "layerwise.data.load_checkpoint(PATH); a run of `layerwise train` resumes with "
    "`layerwise train --resume DIR`",
    ESTIMATOR: "load it with layerwise.estimators.load_estimator(PATH)",
    TRAINED: "load it with layerwise.data.load_model(PATH), or its network with layerwise.load",
    NETWORK: "load it with layerwise.load(PATH)",
    ONNX: "run it with ONNX Runtime (onnxruntime.InferenceSession(PATH)); layerwise cannot load "
    "ONNX back: load the .npz model it was exported from",
}


class WrongKind(ValueError):
    """A file of another kind than the one a loader reads.

    Attributes
    ----------
    path : Path
        The file.
    kind : str
        What it is: one of ``checkpoint``, ``estimator``, ``trained model``, ``network``, ``onnx``.
    wanted : str
        What the loader reads ("model file", "checkpoint").
    estimator : str or None
        The estimator's class name, where the header names a plain one.
    """

    def __init__(self, path: Path, kind: str, wanted: str, estimator: str | None = None) -> None:
        self.path, self.kind, self.wanted, self.estimator = path, kind, wanted, estimator
        super().__init__(
            f"{path} is {describe(kind, estimator)}, not a {wanted}. Hint: {LIBRARY_HINT[kind]}."
        )

    def __reduce__(self):  # (pickled, e.g. across processes, with its own arguments)
        return type(self), (self.path, self.kind, self.wanted, self.estimator)


def describe(kind: str, estimator: str | None = None) -> str:
    """``kind`` in words: "a layerwise checkpoint (...)", "a LayerwiseClassifier file (...)"."""
    return WHAT[kind].format(cls=estimator or "layerwise estimator")


def kind_of_header(header: Any) -> tuple[str | None, str | None]:
    """``(kind, estimator class)`` of a parsed header; ``(None, None)`` for no known kind.

    Reads only the ``format`` field and whether the sections are objects: nothing is checked
    or trusted beyond that, and a class name is kept only when it is a plain identifier.
    """
    if not isinstance(header, dict):
        return None, None
    if header.get("format") == CHECKPOINT_FORMAT:
        return CHECKPOINT, None
    if header.get("format") != model.FORMAT:
        return None, None
    training = header.get("training")
    meta = header.get("estimator")
    if meta is None and isinstance(training, dict):
        meta = training.get("estimator")  # where early estimator files kept it
    if isinstance(meta, dict) and isinstance(meta.get("class"), str):
        name = meta["class"]
        return ESTIMATOR, name if _CLASS.fullmatch(name) else None
    if isinstance(header.get("preprocessing"), dict):
        return TRAINED, None
    return NETWORK, None


def onnx_prefix(path: Path) -> bool:
    """Whether ``path`` looks like an ONNX file: a ``.onnx`` name, and its first bytes are a
    ``ModelProto``'s ``ir_version`` (field 1, a small varint) then the tag of a later field.

    Reads at most 3 bytes. Conservative on purpose: a ``.onnx`` name alone is not enough.
    """
    if path.suffix.lower() != ".onnx":
        return False
    try:
        with path.open("rb") as f:
            first = f.read(3)
    except OSError:
        return False
    return (
        len(first) == 3
        and first[0] == 0x08
        and 1 <= first[1] < 0x80
        and first[2] in _ONNX_NEXT_TAGS
    )
