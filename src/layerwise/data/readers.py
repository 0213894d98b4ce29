"""Reading data: a bundled name, a table, an array file or a folder of images -> a ``Dataset``.

Files hold one example per row, so a ``Dataset`` does too (``features`` and ``target`` are pandas
DataFrames of ``m`` rows); :class:`layerwise.data.Preprocessor` turns it into the
course's columns ``X (n_x, m)``.

=====================  ==========================================================================
source                 how it is read
=====================  ==========================================================================
``digits``, ``iris``…  a bundled data set (``layerwise.data.DATASETS``)
``.csv``, ``.tsv``     pandas; target: ``target`` or the last column; the delimiter is
``.txt``               found (``,`` ``;`` tab ``|``, see :mod:`.tables`) or given (``sep=``)
``.parquet``, ``.pq``  pandas + pyarrow; target as for CSV
``.npy``               a 2-D numeric array, columns ``x0, x1, ...``; target: the last column
``.npz``               arrays ``X (m, n)`` (or ``x``) and ``y (m,)`` / ``(m, k)``; may hold
                       ``X_test``/``y_test`` (ignored here)
``.h5``, ``.hdf5``     h5py: datasets ``X``/``y``, or one ``*_x`` and one ``*_y`` (the course's
                       ``train_set_x``…); ``list_classes`` names the classes; uint8 images /255
folder                 one sub-folder per class of images (Pillow), resized to a common size,
                       flattened row-major, /255
=====================  ==========================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .binary import load_numpy, numpy_member, open_hdf5, read_parquet
from .bundled import DATASETS, bundled
from .course import class_names, import_h5py
from .frames import check_no_missing, import_pandas, parse_numbers
from .images import read_image_folder
from .tables import TABLE_SUFFIXES, read_table, split_hint

Array = np.ndarray
PARQUET_SUFFIXES = (".parquet", ".pq")
HDF5_SUFFIXES = (".h5", ".hdf5", ".hdf")
SUPPORTED = ".csv, .tsv, .txt, .parquet, .npy, .npz, .h5/.hdf5, a folder of images"


@dataclass
class Dataset:
    """Raw examples as rows, before preprocessing.

    Attributes
    ----------
    features : DataFrame (m, n)
        One column per feature: numbers, or text/categories (one-hot encoded later).
    target : DataFrame (m, k) or None
        One column per target (k > 1: multi-label or multi-output); None when absent.
    scaling : {"standardize", "unit", "none"}
        How numeric features are scaled: (x - μ)/σ, or x/255 for 8-bit images.
    classes : list, optional
        Class labels in the source's order (e.g. the cat files' ``["non-cat", "cat"]``).
    image : dict, optional
        ``{"size": [width, height], "mode": "RGB"}`` for image folders (predict resizes to it).
    files : list of str, optional
        The file of each example (image folders).
    origin : {"bundled", "file"}
        Where the data came from (bundled data sets get a held-out test split by default).
    kept : DataFrame (m, k) or None
        The columns ``read_data(keep=...)`` asked for, as the source holds them.
    """

    name: str
    features: Any
    target: Any | None
    scaling: str = "standardize"
    classes: list | None = None
    image: dict | None = None
    files: list[str] | None = field(default=None, repr=False)
    origin: str = "file"
    kept: Any | None = field(default=None, repr=False)

    @property
    def m(self) -> int:
        return len(self.features)

    @property
    def target_names(self) -> list[str]:
        return [] if self.target is None else [str(c) for c in self.target.columns]

    def take(self, index: Array) -> Dataset:
        """The examples at ``index (k,)`` (row positions, ints), as a new Dataset."""

        def rows(frame):
            return None if frame is None else frame.iloc[index].reset_index(drop=True)

        files = None if self.files is None else [self.files[i] for i in index]
        frames = {name: rows(getattr(self, name)) for name in ("features", "target", "kept")}
        return replace(self, files=files, **frames)


def read_data(
    source: str | Path,
    target: list[str] | str | None = None,
    *,
    require_target: bool = True,
    drop: Sequence[str] = (),
    image: dict | None = None,
    ignore: Sequence[str] = (),
    sep: str | None = None,
    keep: Sequence[str] = (),
) -> Dataset:
    """Read ``source`` (a bundled name, a file or an image folder) into a :class:`Dataset`.

    Parameters
    ----------
    target : str or list of str, optional
        Target column(s); default: the source's own (last column of a table, ``y`` of an
        array file, the sub-folder of an image).
    require_target : bool
        If False, a missing target is allowed (``predict``): ``Dataset.target`` is then None.
    drop : list of str
        Columns to ignore; each must be in the source.
    image : dict, optional
        ``{"size": [w, h], "mode": ...}``: resize images to this (what a model was trained on).
    ignore : list of str
        Columns to leave out where present (those a model was trained without).
    sep : str, optional
        The delimiter of a text table; default: found from the file (see :mod:`.tables`).
    keep : list of str
        Columns to hand back in ``Dataset.kept``, unchecked, whether features, target or dropped.
    """
    pd = import_pandas()
    frame, default, extra, how = _read_source(source, sep, image, require_target, pd)
    targets, drop = _columns(frame, source, how, target, default, drop, ignore, require_target)
    if unknown := [c for c in keep if c not in frame.columns]:
        raise _missing_column(unknown[0], "keep", source, how, frame)
    kept = frame[list(keep)].copy() if keep else None  # as read: not converted, not checked
    frame = frame.drop(columns=drop)  # one copy, which _check_columns converts in place
    _check_columns(frame, targets, source, pd)
    features = _features(frame, targets, source, how)
    name = str(source) if extra.get("origin") == "bundled" else Path(source).name
    return Dataset(name, features, frame[targets] if targets else None, kept=kept, **extra)


def _read_source(source, sep, image, require_target: bool, pd) -> tuple:
    """``(frame, default targets, Dataset extras, how the file was read)`` of any source."""
    path, how = Path(source), ""
    if sep is not None and (path.is_dir() or path.suffix.lower() not in TABLE_SUFFIXES):
        raise ValueError(
            f"sep={sep!r} applies to text tables ({', '.join(TABLE_SUFFIXES)}), not to {source}."
        )
    if not path.exists() and str(source) in DATASETS:
        frame, default, extra = _bundled(str(source), pd)
    elif not path.exists():
        raise FileNotFoundError(
            f"DATA {str(source)!r} not found: not a file, a folder, or a bundled data set "
            f"({', '.join(DATASETS)}). Supported files: {SUPPORTED}."
        )
    elif path.is_dir():
        frame, default, extra = read_image_folder(path, pd, image, need_labels=require_target)
    else:
        frame, default, extra = _read_file(path, pd, sep)
        how = extra.pop("how", "")
    return frame, default, extra, how


def _columns(
    frame, source, how: str, target, default, drop, ignore, require_target: bool
) -> tuple[list, list]:
    """``(target columns, columns to drop)``: each named one checked against the frame."""
    drop = list(drop)
    targets = [target] if isinstance(target, str) else list(target or default)
    both = [t for t in targets if t in drop]
    if both and not require_target:
        targets = [t for t in targets if t not in drop]  # predicting: the target is not needed
    elif both:
        raise ValueError(
            f"column {both[0]!r} is both the target and dropped: a model cannot learn to "
            "predict a column it ignores. Hint: remove it from drop=, or choose another target=."
        )
    missing = [t for t in [*targets, *drop] if t not in frame.columns]
    if missing:
        if not require_target and target is not None and not set(missing) - set(targets):
            targets = []  # predicting: the file need not hold the target
        else:
            which = "target" if missing[0] in targets else "drop"
            raise _missing_column(missing[0], which, source, how, frame)
    drop += [c for c in ignore if c in frame.columns and c not in drop and c not in targets]
    return targets, drop


def _features(frame, targets: list, source, how: str):
    """The feature columns: all but the targets; at least one, and at least one row."""
    features = frame.drop(columns=targets)
    if features.shape[1] == 0:
        raise ValueError(
            f"{source}{f' ({how})' if how else ''} has no feature columns besides the target "
            f"{targets}."
            + (
                split_hint(list(frame.columns))
                or " Hint: a model needs at least one input column besides the target; check drop=."
            )
        )
    if not len(frame):
        raise ValueError(f"{source} holds no examples (0 rows).")
    return features


def _missing_column(name: str, argument: str, source, how: str, frame) -> ValueError:
    """The error for a target=, drop= or keep= column that the source does not hold."""
    columns = [str(c) for c in frame.columns]
    shown = ", ".join(f'"{c}"' if "," in c else c for c in columns[:20])  # CSV-style quotes
    shown += " ..." if len(columns) > 20 else ""
    where = f"{source}{f' ({how})' if how else ''}"
    label = "target column" if argument == "target" else "column"
    return ValueError(
        f"{label} {name!r} is not in {where}; its columns are: {shown}."
        + (split_hint(columns) or f" Hint: choose {argument}= among them.")
    )


def _check_columns(frame, targets: list, source, pd) -> None:
    """Whole-file checks, so messages name the file's rows: no missing target, no infinities,
    no column mixing numbers and text (numbers stored as text become numbers, in place).
    Gaps in the features are the Preprocessor's to impute or refuse (its ``missing=``)."""
    check_no_missing(frame[targets], f" of {source}")
    floats = [n for n, dt in frame.dtypes.items() if pd.api.types.is_float_dtype(dt)]
    if floats:
        infinite = np.isinf(frame[floats].to_numpy(dtype=np.float64))  # (m, float columns)
        if infinite.any():
            row, col = np.argwhere(infinite)[0]
            raise ValueError(
                f"column {floats[col]!r} of {source} has {int(infinite[:, col].sum())} infinite "
                f"values (first at data row {row + 1})."
            )
    for name, dtype in frame.dtypes.items():
        if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
            continue
        column = frame[name]
        numbers, row = parse_numbers(column)
        if numbers is not None:
            frame[name] = numbers
        elif row is not None:  # mostly numbers: the text is an error, not a category
            raise ValueError(
                f"column {name!r} of {source} is numeric but data row {row + 1} holds "
                f"{column.iloc[row]!r}: features must be numbers or categories. Hint: fix that "
                "value or drop the column (drop=)."
            )


def _bundled(name: str, pd) -> tuple[Any, list[str], dict]:
    X, y, names, classes = bundled(name)
    frame = pd.DataFrame(X, columns=names)
    frame["target"] = y
    return frame, ["target"], {"classes": classes, "origin": "bundled"}


def _read_file(path: Path, pd, sep: str | None = None) -> tuple[Any, list[str], dict]:
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        frame, how = read_table(path, pd, sep)
        return frame, [frame.columns[-1]], {"how": how}
    if suffix in PARQUET_SUFFIXES:
        frame = read_parquet(path, pd)
        frame.columns = [str(c) for c in frame.columns]
        return frame, [frame.columns[-1]], {}
    if suffix == ".npy":
        X = load_numpy(path, "npy")
        if X.ndim != 2 or X.shape[1] < 2:
            raise ValueError(
                f"{path.name} must hold a 2-D array (examples, features + target), got shape "
                f"{X.shape}."
            )
        names = [f"x{i}" for i in range(X.shape[1])]
        return _numeric_frame(pd, path, X, names), [names[-1]], {}
    if suffix == ".npz":
        with load_numpy(path, "npz") as archive:  # only X and y
            x_key = _pick(path, archive.files, ("X", "x"))
            y_key = next((k for k in ("y", "Y") if k in archive.files), None)
            X = numpy_member(path, archive, x_key)
            y = None if y_key is None else numpy_member(path, archive, y_key)
        return _arrays_frame(pd, path, X, y)
    if suffix in HDF5_SUFFIXES:
        return _read_hdf5(path, pd)
    raise ValueError(f"{path.name}: unsupported file type {suffix!r}. Supported: {SUPPORTED}.")


def _pick(path: Path, names: Sequence[str], keys: tuple[str, ...]) -> str:
    for key in keys:
        if key in names:
            return key
    raise ValueError(
        f"{path.name} must hold an array named {' or '.join(map(repr, keys))}; "
        f"found {sorted(names)}. Hint: save the features as X (and the labels as y)."
    )


def _numeric_frame(pd, path: Path, X: Array, names: list[str]):
    if X.dtype.kind not in "biuf":
        raise TypeError(
            f"{path.name} must hold numbers, got dtype {X.dtype}. Hint: save text as a CSV."
        )
    return pd.DataFrame(X, columns=names)


def _arrays_frame(pd, path: Path, X: Array, y: Array | None, classes: list | None = None):
    """``X (m, ...)`` and ``y (m,)``/``(m, k)`` arrays -> one frame (images are flattened)."""
    if X.ndim < 2:
        raise ValueError(f"{path.name}: X must be (examples, features), got shape {X.shape}.")
    extra: dict[str, Any] = {}
    if X.ndim > 2 or X.dtype == np.uint8:
        extra["scaling"] = "unit" if X.dtype == np.uint8 else "standardize"
        X = X.reshape(X.shape[0], -1)  # images (m, h, w, c) -> (m, h·w·c), row-major
    frame = _numeric_frame(pd, path, X, [f"x{i}" for i in range(X.shape[1])])
    if y is None:
        return frame, [], extra
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[0] == 1 and X.shape[0] > 1:
        y = y.reshape(-1)  # the course stores labels as (1, m)
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"{path.name}: X has {X.shape[0]} examples but y has {y.shape[0]} (shape {y.shape})."
        )
    if classes is not None and y.ndim == 1 and y.dtype.kind in "iu":
        if y.min() < 0 or y.max() >= len(classes):
            raise ValueError(
                f"{path.name}: labels must index list_classes {classes} (0 to "
                f"{len(classes) - 1}), got labels from {y.min()} to {y.max()}."
            )
        y = np.asarray(classes, dtype=object)[y]
        extra["classes"] = list(classes)
    names = ["y"] if y.ndim == 1 else [f"y{i}" for i in range(y.shape[1])]
    target = pd.DataFrame(y.reshape(len(y), -1), columns=names)
    return pd.concat([frame, target], axis=1), names, extra


def _read_hdf5(path: Path, pd):
    h5py = import_h5py()
    with open_hdf5(path, "datasets X and y (or *_x and *_y, as the course's files)") as f:
        keys = [k for k in f if isinstance(f[k], h5py.Dataset)]
        x_keys = [k for k in keys if k in ("X", "x") or k.lower().endswith("_x")]
        y_keys = [k for k in keys if k in ("Y", "y") or k.lower().endswith("_y")]
        if len(x_keys) != 1 or len(y_keys) > 1:
            raise ValueError(
                f"{path.name} must hold one features dataset (X or *_x) and at most one labels "
                f"dataset (y or *_y); found {keys}."
            )
        X, y = f[x_keys[0]][()], f[y_keys[0]][()] if y_keys else None
        classes = None
        if "list_classes" in f:
            classes = class_names(f["list_classes"])
    return _arrays_frame(pd, path, X, y, classes)
