"""layerwise: fully connected deep neural networks from scratch on NumPy, in the course's notation.

Examples are columns: ``X`` has shape ``(n_x, m)``, ``Y`` has shape ``(n_y, m)``.

>>> import numpy as np, layerwise as lw
>>> net = lw.Network([2, 4, 1], hidden="tanh", seed=0)
>>> X = np.array([[0.0, 0, 1, 1], [0, 1, 0, 1]]); Y = np.array([[0, 1, 1, 0]])
>>> history = net.fit(X, Y, epochs=2000, learning_rate=1.0)
>>> net.predict(X).tolist()
[[0, 1, 1, 0]]
"""

from ._version import __version__
from .activations import ACTIVATIONS, Activation, get_activation
from .assignment import linear_backward, linear_forward
from .callbacks import Callback, DivergenceError, EarlyStopping, History, PrintCost, ProgressBar
from .gradient_check import gradient_check
from .initializers import INITIALIZERS, initialize_parameters
from .layers import Dense, DenseCache
from .losses import LOSSES, Loss, get_loss
from .network import Network, load, save
from .optimizers import OPTIMIZERS, Adam, GradientDescent, Momentum, RMSProp, get_optimizer
from .random import make_rng
from .training import fit

__all__ = [
    "ACTIVATIONS",
    "INITIALIZERS",
    "LOSSES",
    "OPTIMIZERS",
    "Activation",
    "Adam",
    "Callback",
    "Dense",
    "DenseCache",
    "DivergenceError",
    "EarlyStopping",
    "GradientDescent",
    "History",
    "Loss",
    "Momentum",
    "Network",
    "PrintCost",
    "ProgressBar",
    "RMSProp",
    "__version__",
    "fit",
    "get_activation",
    "get_loss",
    "get_optimizer",
    "gradient_check",
    "initialize_parameters",
    "linear_backward",
    "linear_forward",
    "load",
    "make_rng",
    "save",
]

# scikit-learn is an optional extra: its estimators load on first access, so `import layerwise`
# works without it.
_LAZY = {
    "LayerwiseClassifier": "estimators",
    "LayerwiseRegressor": "estimators",
    "to_onnx": "export",
}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
