"""Which array library runs the maths: the one place that knows namespaces and devices.

The course core (activations, losses, outputs, layers, ``Network``, the optimizers,
``reference_fit``) is written once against the Python array API standard: each function asks
:func:`namespace` for the module of its arrays (``xp``) and calls ``xp.exp``, ``xp.sum``, ...
For NumPy arrays that module is ``numpy`` itself, found without importing array-api-compat, so
the NumPy path runs exactly the calls it always ran (same bits, no wrapper, no import). Any
other array (PyTorch, CuPy, array-api-strict) gets its namespace from
``array_api_compat.array_namespace`` (the optional ``array-api`` extra, imported lazily).

A user names a device with a short string (:func:`resolve_device`): ``None``, ``"cpu"`` or
``"numpy"`` for NumPy; ``"torch"``, ``"torch:cpu"``, ``"torch:cuda"``, ``"torch:cuda:1"``;
``"cupy"``, ``"cupy:0"``; ``"array-api-strict"`` (and ``"array-api-strict:device1"``, ...) for
tests. Data cross between the host and a device only through :func:`to_device` and
:func:`to_numpy`.

>>> import numpy as np
>>> namespace(np.zeros(2), 1.0, None) is np
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

Array = Any  # an array of any array-API library; np.ndarray on the NumPy path
_HOST = (np.ndarray, np.generic, int, float, bool)
EXTRA = "layerwise[array-api]"
FORMS = (
    "None, 'cpu' or 'numpy' (NumPy); 'torch', 'torch:cpu', 'torch:cuda', 'torch:cuda:1'; "
    "'cupy', 'cupy:0'; 'array-api-strict', 'array-api-strict:device1' (tests)"
)


def namespace(*arrays: Any) -> Any:
    """The array API namespace of ``arrays``: ``numpy`` for NumPy arrays, Python scalars and
    None (no import, no wrapper), else array-api-compat's namespace of the library.

    Raises ``TypeError`` for arrays of several libraries and ``ValueError`` for arrays on
    several devices, naming them.
    """
    for a in arrays:  # (an exact type test first: the NumPy path pays ~0.1 µs a call)
        if type(a) is not np.ndarray and a is not None and not isinstance(a, _HOST):
            return _foreign(arrays)
    return np


def _compat() -> Any:
    try:
        import array_api_compat
    except ImportError as err:
        raise ImportError(
            f"arrays other than NumPy's need array-api-compat. Hint: pip install '{EXTRA}'."
        ) from err
    return array_api_compat


#: Each array type's namespace, once found: array_api_compat's lookup costs ~20 µs a call,
#: several times a small GPU operation, and the core asks for it in every formula.
_NAMESPACES: dict[type, Any] = {}


def _foreign(arrays: tuple[Any, ...]) -> Any:
    kind = type(arrays[0])
    if kind in _NAMESPACES:  # one array, or several of one type on one device: the common calls
        if len(arrays) == 1:
            return _NAMESPACES[kind]
        if all(type(a) is kind for a in arrays):
            where = arrays[0].device
            if all(a.device == where for a in arrays[1:]):
                return _NAMESPACES[kind]
    arrays = tuple(a for a in arrays if a is not None and not isinstance(a, int | float | bool))
    kind = type(arrays[0])
    xp = _NAMESPACES.get(kind)
    if xp is not None and all(type(a) is kind for a in arrays):
        where = arrays[0].device
        if any(a.device != where for a in arrays[1:]):
            _one_device(arrays)
        return xp
    compat = _compat()
    libraries = sorted({library_of(a) for a in arrays})
    if len(libraries) > 1:
        raise TypeError(
            f"arrays must come from one library, got arrays of {', '.join(libraries)}. "
            "Hint: move the data to the network's device (layerwise.backend.to_device) or the "
            "network to the data's (net.to(...))."
        )
    _one_device(arrays)
    xp = compat.array_namespace(*arrays)
    if len({type(a) for a in arrays}) == 1:
        _NAMESPACES[kind] = xp
    return xp


def _one_device(arrays: tuple[Any, ...]) -> None:
    devices = list(dict.fromkeys(str(_compat().device(a)) for a in arrays))
    if len(devices) > 1:
        raise ValueError(
            f"arrays must be on one device, got arrays on {', '.join(devices)}. "
            "Hint: move the data to the network's device first."
        )


def is_device_array(a: Any) -> bool:
    """Whether ``a`` is an array of an array library other than NumPy (PyTorch, CuPy, any
    array-API array); lists, DataFrames and NumPy arrays are host data."""
    if isinstance(a, np.ndarray | np.generic) or a is None:  # (NumPy 2's scalars have
        return False  # __array_namespace__ too: host data)
    return library_of(a) in ("torch", "cupy") or hasattr(a, "__array_namespace__")


def library_of(a: Any) -> str:
    """The array's library, as a user names it (``numpy``, ``torch``, ``cupy``, ...)."""
    return type(a).__module__.split(".")[0]


def device_of(a: Any) -> Any:
    """The device of an array (``"cpu"`` for NumPy)."""
    if isinstance(a, np.ndarray):
        return "cpu"
    return _compat().device(a)


def device_spec_of(a: Any) -> str:
    """The device spec (:func:`resolve_device`'s form) of a device array: ``"torch:cuda:0"``,
    ``"cupy:0"``, ``"array-api-strict:device1"``, ..."""
    library, where = library_of(a), device_of(a)
    if library == "torch":
        return f"torch:{where}"
    if library == "cupy":
        return f"cupy:{where.id}"
    if library == "array_api_strict":
        return f"array-api-strict:{where._device}"  # (its devices' own names)
    raise TypeError(f"arrays of {library} have no layerwise device. Hint: accepted forms: {FORMS}.")


def to_numpy(a: Any) -> np.ndarray:
    """A host NumPy array of ``a`` (NumPy arrays pass through; device arrays are copied)."""
    if a is None or isinstance(a, np.ndarray):
        return a
    module = library_of(a)
    if module not in ("torch", "cupy", "array_api_strict") and not hasattr(a, "__dlpack__"):
        return np.asarray(a)  # a list, a scalar, anything NumPy reads
    if module == "torch":
        return a.detach().cpu().numpy()
    if module == "cupy":
        return a.get()
    if module == "array_api_strict":  # its arrays export DLPack on their CPU devices only
        return np.asarray(a._array)
    return np.from_dlpack(a)


def to_device(a: Any, xp: Any, device: Any = None, dtype: Any = None) -> Array:
    """``a`` (host NumPy, or already ``xp``'s) as an array of ``xp`` on ``device``, in
    ``dtype`` (a NumPy dtype, or ``xp``'s own; None keeps the array's). One copy at most."""
    if xp is np:
        return np.asarray(to_numpy(a), dtype=dtype)
    dtype = None if dtype is None else xp_dtype(xp, dtype)
    if not isinstance(a, np.ndarray) and namespace(a) is xp:
        moved = _compat().to_device(a, device) if device is not None else a
        return moved if dtype is None else xp.astype(moved, dtype)
    return xp.asarray(np.ascontiguousarray(a), dtype=dtype, device=device)


def xp_dtype(xp: Any, dtype: Any) -> Any:
    """``xp``'s dtype for a NumPy dtype (``np.float32`` -> ``torch.float32``, ...)."""
    if xp is np or not isinstance(dtype, np.dtype | type | str):
        return dtype
    return getattr(xp, np.dtype(dtype).name)


def check_dtype_on(xp: Any, device: Any, dtype: np.dtype, spec: str) -> None:
    """Refuse a dtype the device lacks (array-api-strict's ``no_float64`` device, Apple's
    MPS), naming the device and what it offers."""
    if xp is np:
        return
    try:
        offered = xp.__array_namespace_info__().dtypes(device=device)
    except (AttributeError, TypeError):  # a library without the inspection API: try it
        return
    if dtype.name not in offered:
        floats = [name for name in offered if name.startswith("float")]
        raise ValueError(
            f"device {spec!r} has no {dtype.name}; it offers {', '.join(floats)}. "
            f"Hint: build the network with dtype=np.{floats[0]}."
        )


def index_dtype(xp: Any, device: Any) -> Any:
    """The dtype of indices on ``device`` (int64, or int32 where the device has no int64)."""
    if xp is np:
        return np.intp
    try:
        return xp.__array_namespace_info__().default_dtypes(device=device)["indexing"]
    except (AttributeError, TypeError):
        return xp.int64


def copy_of(a: Array) -> Array:
    """A detached copy of ``a`` on its own device."""
    if isinstance(a, np.ndarray):
        return a.copy()
    return namespace(a).asarray(a, copy=True)


def resolve_device(spec: Any) -> tuple[Any, Any]:
    """``(xp, device)`` for a device spec string (see the module's forms); ``(numpy, None)``
    for None, ``"cpu"`` and ``"numpy"``.

    Raises ``ValueError`` for an unknown spec and ``ImportError`` (naming what to install) when
    its library is missing.
    """
    if spec is None or spec in ("cpu", "numpy"):
        return np, None
    if not isinstance(spec, str):
        raise TypeError(
            f"device must be a string such as 'torch:cuda', got {spec!r}. "
            f"Hint: accepted forms: {FORMS}."
        )
    library, _, where = spec.partition(":")
    makers = {"torch": _torch, "cupy": _cupy, "array-api-strict": _strict}
    if library not in makers:
        raise ValueError(f"device must be one of the forms {FORMS}; got {spec!r}.")
    return makers[library](where, spec)


def gpu_synchronizer(spec: Any) -> Any:
    """For a spec naming a GPU (CuPy's, or torch's CUDA): a function that waits for the
    device's queued work (for timings); None for a CPU or NumPy."""
    _, where = resolve_device(spec)
    if library_of(where) == "cupy":
        return where.synchronize
    if library_of(where) == "torch" and where.type == "cuda":
        import torch

        return lambda: torch.cuda.synchronize(where)
    return None


def _import(name: str, spec: str, pip: str) -> Any:
    try:
        return __import__(name)
    except ImportError as err:
        raise ImportError(
            f"device {spec!r} needs {pip}, which is not installed. Hint: pip install {pip} "
            f"'{EXTRA}', or leave device=None for NumPy."
        ) from err


def _torch(where: str, spec: str) -> tuple[Any, Any]:
    torch = _import("torch", spec, "torch")
    try:
        device = torch.device(where or "cpu")
    except RuntimeError as err:
        raise ValueError(
            f"device {spec!r} names no torch device ({err}). Hint: accepted forms: {FORMS}."
        ) from err
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device {spec!r}: torch finds no CUDA GPU here. "
            "Hint: device='torch:cpu', or None for NumPy."
        )
    if device.type == "cuda" and (device.index or 0) >= (n := torch.cuda.device_count()):
        raise ValueError(_no_gpu(spec, "torch", n))
    if device.type == "cuda" and device.index is None:  # as its tensors report it: cuda:0
        device = torch.device("cuda", torch.cuda.current_device())
    return _compat().array_namespace(torch.empty(0)), device


def _cupy(where: str, spec: str) -> tuple[Any, Any]:
    if where and not where.isdigit():
        raise ValueError(
            f"device {spec!r}: a CuPy device is a GPU number, as 'cupy:0'. "
            f"Hint: accepted forms: {FORMS}."
        )
    cupy = _import("cupy", spec, "cupy")
    try:
        n = cupy.cuda.runtime.getDeviceCount()
    except cupy.cuda.runtime.CUDARuntimeError:  # CuPy installed, no driver or GPU here
        n = 0
    if int(where or 0) >= n:
        raise ValueError(_no_gpu(spec, "CuPy", n))
    device = cupy.cuda.Device(int(where or 0))
    with device:
        return _compat().array_namespace(cupy.empty(0)), device


def _no_gpu(spec: str, library: str, n: int) -> str:
    """The refusal of a GPU number this machine lacks, with the numbers it has."""
    has = f"GPUs 0 to {n - 1}" if n else "no GPU"
    return f"device {spec!r}: {library} finds {has} here. Hint: accepted forms: {FORMS}."


def _strict(where: str, spec: str) -> tuple[Any, Any]:
    strict = _import("array_api_strict", spec, "array-api-strict")
    devices = {d._device: d for d in strict.__array_namespace_info__().devices()}
    name = where or "CPU_DEVICE"
    if name not in devices:
        raise ValueError(
            f"device {spec!r}: array-api-strict has the devices {sorted(devices)}. "
            f"Hint: accepted forms: {FORMS}."
        )
    return strict, devices[name]
