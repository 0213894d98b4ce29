"""A saved :class:`~layerwise.data.Preprocessor` header read back, every field checked.

Fields added after 0.2 (``dates``, ``missing``, ``unseen``, ``min_frequency``, ``medians``,
``modes``, ``indicators``, a category's ``infrequent``) may be absent: such a model imputes
nothing (``missing="refuse"``), has no date column and groups no category.
"""

from __future__ import annotations

import reprlib
from typing import Any

import numpy as np

from .._validation import distinct, expect, is_number, strings
from .arrays import Standardizer
from .columns import DATE_PARTS, MISSING_CHOICES, UNSEEN_CHOICES


def missing_fields(pre) -> dict[str, Any]:
    """The JSON-ready fields of dates, gaps and categories (see :func:`read_missing`)."""
    return {
        "dates": pre.dates,
        "missing": pre.missing,
        "unseen": pre.unseen,
        "min_frequency": pre.min_frequency,
        "medians": pre.medians,
        "modes": pre.modes,
        "indicators": pre.indicators,
    }


def read_missing(pre, header: dict[str, Any]) -> None:
    """Dates, imputation and the categories' options; absent fields: none of them."""
    pre.missing = header.get("missing", "refuse")
    expect(
        pre.missing in MISSING_CHOICES,
        "preprocessing.missing",
        f"one of {MISSING_CHOICES}",
        pre.missing,
    )
    pre.unseen = header.get("unseen", "ignore")
    expect(
        pre.unseen in UNSEEN_CHOICES, "preprocessing.unseen", f"one of {UNSEEN_CHOICES}", pre.unseen
    )
    pre.min_frequency = header.get("min_frequency")
    expect(
        pre.min_frequency is None or (type(pre.min_frequency) is int and pre.min_frequency >= 1),
        "preprocessing.min_frequency",
        "null or an integer >= 1",
        pre.min_frequency,
    )
    medians = header.get("medians", [])
    n = len(pre.numeric) + len(DATE_PARTS) * len(pre.dates)
    expect(
        isinstance(medians, list)
        and len(medians) == (n if pre.missing == "impute" else 0)
        and all(is_number(x) for x in medians),
        "preprocessing.medians",
        f"{n} finite numbers with missing='impute', none otherwise",
        medians,
    )
    pre.medians = [float(x) for x in medians]
    modes = header.get("modes", {})
    texts = set(pre.categorical)
    expect(
        isinstance(modes, dict)
        and set(modes) == (texts if pre.missing == "impute" else set())
        and all(isinstance(v, str) for v in modes.values()),
        "preprocessing.modes",
        "one category per text column with missing='impute', none otherwise",
        modes,
    )
    pre.modes = dict(modes)
    pre.indicators = strings(header.get("indicators", []), "preprocessing.indicators")
    known = {*pre.numeric, *pre.dates, *pre.categorical}
    expect(
        set(pre.indicators) <= known and len(set(pre.indicators)) == len(pre.indicators),
        "preprocessing.indicators",
        "distinct feature columns",
        pre.indicators,
    )
    _check_fills(pre)


def _check_fills(pre) -> None:
    """A gap becomes a value its column can encode, and "" is never both a category and a gap."""
    for name, mode in pre.modes.items():  # a gap becomes a value the column can encode
        seen = [*pre.categorical[name], *pre.infrequent.get(name, [])]
        expect(
            mode in seen,
            f"preprocessing.modes[{reprlib.repr(name)}]",
            "one of its categories",
            mode,
        )
    for name in set(pre.indicators) & set(pre.categorical):  # "" is a text column's gap
        expect(
            "" not in pre.categorical[name],
            f"categories of {reprlib.repr(name)}",
            'free of "" (the gap of a column with an indicator)',
            pre.categorical[name],
        )


def read_columns(pre, header: dict[str, Any]) -> None:
    """The numeric columns and the categorical ones with their categories."""
    pre.numeric = strings(header.get("numeric"), "preprocessing.numeric")
    categorical = header.get("categorical")
    expect(isinstance(categorical, list), "preprocessing.categorical", "a list", categorical)
    names = []
    for entry in categorical:
        expect(isinstance(entry, dict), "preprocessing.categorical[]", "an object", entry)
        name = entry.get("name")
        expect(isinstance(name, str), "preprocessing.categorical[].name", "a string", name)
        names.append(name)
        shown = reprlib.repr(name)
        # Each category is one input (a repeat would be two inputs for one value), and an
        # infrequent one is in the shared input only.
        categories = distinct(
            strings(entry.get("categories"), f"categories of {shown}"), f"categories of {shown}"
        )
        pre.categorical[name] = categories
        if "infrequent" in entry:
            rare = distinct(
                strings(entry["infrequent"], f"infrequent of {shown}"), f"infrequent of {shown}"
            )
            kept = set(categories)
            both = next((c for c in rare if c in kept), None)
            expect(
                both is None, f"infrequent of {shown}", "categories not listed in categories", both
            )
            pre.infrequent[name] = rare
    pre.dates = strings(header.get("dates", []), "preprocessing.dates")
    distinct([*pre.numeric, *pre.dates, *names], "preprocessing's feature columns")


def read_target(pre, target: Any) -> None:
    """The target's names, and its classes or (regression) its standardization."""
    expect(isinstance(target, dict), "preprocessing.target", "an object", target)
    pre.target_names = distinct(
        strings(target.get("names"), "preprocessing.target.names"), "preprocessing.target.names"
    )
    classes = target.get("classes")
    if pre.task != "regression":
        expect(
            isinstance(classes, list)
            and len(classes) >= (1 if pre.task == "multilabel" else 2)
            and all(isinstance(c, str | int | float | bool) for c in classes),
            "preprocessing.target.classes",
            "a list of at least two labels",
            classes,
        )
        pre.classes = distinct(classes, "preprocessing.target.classes")
        return
    k = len(pre.target_names)
    columns = {}  # (k, 1) each
    for key in ("mean", "scale"):
        values = target.get(key)
        expect(
            isinstance(values, list)
            and len(values) == k
            and all(is_number(x) for x in values)
            and (key == "mean" or all(x > 0 for x in values)),
            f"preprocessing.target.{key}",
            f"{k} finite numbers" + (", all positive" if key == "scale" else ""),
            values,
        )
        columns[key] = np.array(values, dtype=np.float64).reshape(k, 1)
    pre.target_scaler = Standardizer(columns["mean"], columns["scale"])


def checked_image(image: Any) -> dict[str, Any] | None:
    """The image settings of a model trained on an image folder (None otherwise)."""
    expect(
        image is None
        or (
            isinstance(image, dict)
            and image.get("mode") in ("L", "RGB")
            and isinstance(image.get("size"), list)
            and len(image["size"]) == 2
            and all(isinstance(n, int) and 1 <= n <= 100_000 for n in image["size"])
        ),
        "preprocessing.image",
        '{"size": [width, height], "mode": "L" or "RGB"}',
        image,
    )
    return image
