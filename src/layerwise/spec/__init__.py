"""One typed spec for a run, below every face: what data, what network, how to fit.

=====================  ========================================================================
module                 what it holds
=====================  ========================================================================
``specs``              ``DataSpec``, ``NetworkSpec``, ``FitSpec``, ``RunSpec``: frozen, checked
                       on construction, ``to_dict``/``from_dict`` (JSON, strict)
``prepare``            ``prepare(spec) -> Prepared`` (read, split, preprocess),
                       ``build_network(spec.network, prepared.pre, prepared.seed)`` and
                       ``network_for`` (no Preprocessor: the playground)
``report``             metrics of a model on a split, and the plain-text tables of them
=====================  ========================================================================

The command line parses its argv into a :class:`RunSpec`, ``layerwise train --checkpoint``
stores ``spec.to_dict()``, the sweep draws network and fit fields onto a base spec, the
playground builds its networks from a :class:`NetworkSpec`.
"""

from .prepare import Prepared, build_network, network_for, prepare
from .specs import (
    DEFAULT_LEARNING_RATE,
    INIT_NAMES,
    TASK_NAMES,
    DataSpec,
    FitSpec,
    NetworkSpec,
    RunSpec,
)

__all__ = [
    "DEFAULT_LEARNING_RATE",
    "INIT_NAMES",
    "TASK_NAMES",
    "DataSpec",
    "FitSpec",
    "NetworkSpec",
    "Prepared",
    "RunSpec",
    "build_network",
    "network_for",
    "prepare",
]
