"""The files the commands take, and what they say of a file another command takes.

``evaluate``, ``predict`` and ``gradcheck --model`` take a model saved by ``layerwise train``;
``summary`` and ``export`` any model file (``layerwise train``, ``Network.save``, an estimator's
``save``); ``train --resume`` a checkpoint. Given another kind of file, the archive reader
recognizes it (:mod:`layerwise.persistence.kinds`: a checkpoint, an ONNX file, a model of
another kind) and these functions say, in the command line's words, what the file is and which
command takes it.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..checkpoint import FILE_NAME
from ..persistence import WrongKind
from ..persistence import kinds as k

TRAINED_MODEL = "a model saved by `layerwise train`"
ANY_MODEL = "a model file (from `layerwise train`, Network.save or an estimator's save)"
CHECKPOINT = "a checkpoint (--resume takes the folder given to --checkpoint)"

#: what a file of each kind is, in the command line's words
WHAT = {
    k.CHECKPOINT: "a layerwise checkpoint (the saved state of a training run)",
    k.ONNX: "an ONNX file (what `layerwise export` writes)",
    k.TRAINED: "a model saved by `layerwise train`",
    k.NETWORK: "a network without preprocessing (saved with Network.save)",
    k.ESTIMATOR: "a {cls} saved by its save() (its inputs are the columns of the array it was "
    "fitted on, with no preprocessing of raw files)",
}
#: which commands (or, where none, which Python function) take a file of each kind
TAKES = {
    k.CHECKPOINT: "continue its run with `layerwise train --resume {resume}`, which writes the "
    "run's model.npz into its --out folder when it ends (a checkpoint of fit() resumes in "
    "Python: fit(..., checkpoint=PATH, resume=True))",
    k.ONNX: "run it with ONNX Runtime; layerwise cannot load ONNX back: its commands take the "
    ".npz model it was exported from",
    k.TRAINED: "`layerwise evaluate`, `predict`, `summary`, `export` and `gradcheck --model` "
    "take it",
    k.NETWORK: "`layerwise summary` and `layerwise export` take it; in Python, layerwise.load",
    k.ESTIMATOR: "`layerwise summary` and `layerwise export` take it; in Python, "
    "layerwise.estimators.load_estimator(path).predict(X)",
}


def refusal(path: Any, kind: str, needs: str, estimator: str | None = None) -> ValueError:
    """The error for ``path``, a file of ``kind``, given where ``needs`` is wanted."""
    what = WHAT[kind].format(cls=estimator or "layerwise estimator")
    path = Path(path)  # --resume takes a checkpoint's folder, or the file under another name
    resume = shlex.quote(str(path.parent if path.name == FILE_NAME else path))
    return ValueError(
        f"{path} is {what}; this command needs {needs}. Hint: {TAKES[kind].format(resume=resume)}."
    )


def reading(path: Any, load: Callable[[Any], Any], needs: str) -> Any:
    """``load(path)``; a file of another kind refused in the command line's words, a run's
    folder given for a model pointed to the model it holds."""
    try:
        return load(path)
    except WrongKind as err:
        raise refusal(err.path, err.kind, needs, err.estimator) from err
    except FileNotFoundError as err:
        model = Path(path) / "model.npz"
        if needs == CHECKPOINT or not model.is_file():
            raise
        raise FileNotFoundError(
            f"{path} is a folder; this command needs {needs}. Hint: give it {model}."
        ) from err


def load_resumed(folder: Any):
    """``--resume DIR``: the checkpoint in DIR (or the file DIR); a run folder without one, but
    with the model a finished run writes, is told apart from a missing folder."""
    from ..data import load_checkpoint

    try:
        return reading(folder, load_checkpoint, CHECKPOINT)
    except FileNotFoundError as err:
        model = Path(folder) / "model.npz"
        if not model.is_file():
            raise
        raise FileNotFoundError(
            f"--resume {folder}: the folder holds no {FILE_NAME}, only {model.name}, the model of "
            "a finished run; --resume continues a run trained with --checkpoint DIR. Hint: "
            f"{TAKES[k.TRAINED]} ({model}); to train on, start a new run."
        ) from err


def load_with_preprocessing(path: str):
    """A model file saved by ``layerwise train`` (network and preprocessing)."""
    from ..data import load_model

    model = reading(path, load_model, TRAINED_MODEL)
    if model.preprocessor is None:
        kind, estimator = k.kind_of_header(model.header)  # (a checked model: network or not)
        raise refusal(path, kind if kind == k.ESTIMATOR else k.NETWORK, TRAINED_MODEL, estimator)
    return model
