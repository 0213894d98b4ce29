"""The training runtime: what runs ``fit`` around the course's loop.

:func:`~layerwise.training.fit` checks its arguments (:mod:`.inputs`), builds one :class:`Run`
and trains it epoch by epoch. The run owns everything that is not the course's formulas: the
engine that replays the steps (:mod:`layerwise.engine`), the divergence guard
(:mod:`layerwise.divergence`), the checkpointer and its signals (:mod:`layerwise.checkpoint`),
the callbacks and the History. :mod:`.costs` turns an epoch's logits into its numbers.
"""

from .costs import check_rows_finite, epoch_cost, evaluate
from .inputs import Inputs, check_network, examples_as_rows, prepare_inputs
from .run import Run, Saving

__all__ = [
    "Inputs",
    "Run",
    "Saving",
    "check_network",
    "check_rows_finite",
    "epoch_cost",
    "evaluate",
    "examples_as_rows",
    "prepare_inputs",
]
