"""Which code a run trains with, beyond the names a checkpoint stores.

A checkpoint holds its network as names (``Network.config``), and those names rebuild the
library's records. A run with a custom record or an optimizer subclass, whatever it is named
(or one of the library's optimizers with its update replaced: ``optimizers.builtin_rule``),
is fingerprinted by its code's own names (module and qualified name), so that resuming it with
other code (the library's ``tanh`` for a record named "tanh") is refused, and its network is
never rebuilt from the names.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from ..optimizers import OPTIMIZERS, RULE, builtin_rule


def _where(fn: Any) -> str:
    """``module.qualname`` of a function (of a partial's function)."""
    fn = getattr(fn, "func", fn)
    return f"{getattr(fn, '__module__', None)}.{getattr(fn, '__qualname__', type(fn).__name__)}"


def custom_code(net: Any, optimizer: Any) -> dict[str, Any] | None:
    """None when ``net`` and ``optimizer`` are the library's own code; else which records are
    custom (their name and their functions) and which class the optimizer is."""
    code: dict[str, Any] = {}
    records = [r for r in (*net.activations, net.loss) if not r.builtin]
    if records:
        code["records"] = [
            [
                r.name,
                *(_where(getattr(r, f.name)) for f in fields(r) if callable(getattr(r, f.name))),
            ]
            for r in records
        ]
    if type(optimizer) not in OPTIMIZERS.values():
        code["optimizer"] = _where(type(optimizer))
    elif builtin_rule(optimizer) is None:  # the library's class with a method replaced
        code["optimizer"] = [_where(getattr(optimizer, name)) for name in RULE]
    return code or None
