"""scikit-learn estimators around the core: here, and only here (and in the CLI), rows are examples.

``LayerwiseClassifier`` and ``LayerwiseRegressor`` (``layerwise[sklearn]``) train a core
``Network`` on ``X (n_samples, n_features)`` the ecosystem's way; ``load_estimator`` reads either
back from layerwise's safe file format.

===============  =========================================================================
module           what it holds
===============  =========================================================================
``base``         parameter checks, fitting through ``layerwise.fit``, logits at predict time
``classifier``   ``LayerwiseClassifier``: labels, class weights, probabilities
``regressor``    ``LayerwiseRegressor``: values, target standardization
``files``        ``save``/``load``/``load_estimator``
``devices``      ``device=`` and ``array_api_dispatch``: where a fit trains, predictions' arrays
===============  =========================================================================
"""

try:
    import sklearn  # noqa: F401
except ImportError as err:  # scikit-learn is an optional extra
    raise ImportError(
        "layerwise's scikit-learn estimators need scikit-learn >= 1.6. "
        "Hint: pip install 'layerwise[sklearn]'."
    ) from err

from .classifier import LayerwiseClassifier
from .files import load_estimator
from .regressor import LayerwiseRegressor

__all__ = ["LayerwiseClassifier", "LayerwiseRegressor", "load_estimator"]
