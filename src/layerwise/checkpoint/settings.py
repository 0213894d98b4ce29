"""The training settings a callback may change during a run: the optimizer's α, β and ε and
the network's λ. A checkpoint holds them as they were when it was written (the header's
``optimizer.config`` and ``network.l2``); a resume puts them back, so that a schedule goes on
from where it was. Other keys of a custom optimizer's ``config()`` are not put back."""

from __future__ import annotations

from functools import partial
from typing import Any

from .._validation import check_beta, check_positive

#: the library's optimizers' settings, each with its rule
CHECKS = {
    "learning_rate": partial(check_positive, allow_zero=True),
    "beta": check_beta,
    "beta1": check_beta,
    "beta2": check_beta,
    "epsilon": check_positive,
}


def saved_settings(header: dict[str, Any]) -> tuple[dict[str, float], float]:
    """The optimizer's settings and λ that ``header`` holds, each checked by its rule (the
    file is untrusted input)."""
    config, network = header["optimizer"]["config"], header["network"]
    settings = {k: check(f"optimizer {k}", config[k]) for k, check in CHECKS.items() if k in config}
    return settings, check_positive("network l2", network.get("l2", 0.0), allow_zero=True)


def put_back(header: dict[str, Any], optimizer: Any, net: Any) -> None:
    """Give ``optimizer`` and ``net`` the settings a checkpoint's ``header`` holds (those the
    optimizer has: its ``config()`` names them)."""
    settings, net.l2 = saved_settings(header)
    for key in optimizer.config().keys() & settings.keys():
        setattr(optimizer, key, settings[key])
