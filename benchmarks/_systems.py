"""Systems and workloads of ``bench_speed.py``: layerwise, scikit-learn, PyTorch, JAX and the
GEMM floors (NumPy's and PyTorch's).

Every system trains the same network from the same initial weights (layerwise's) on the same
float data, and exposes ``run(n)``: n epochs (n iterations for full batch), after which ``loss``
holds the mean training loss of its last epoch (cross-entropy / binary cross-entropy, each
example's loss computed in the forward pass just before its update: the definition all four
libraries use).
"""

from __future__ import annotations

import ctypes
import functools
import math
import re
import threading
import warnings
from dataclasses import dataclass

import numpy as np

import layerwise as lw
from layerwise.data import CatData, one_hot
from layerwise.random import shuffle_rng

Array = np.ndarray


# ----- workloads -----------------------------------------------------------------------------
@dataclass
class Workload:
    name: str
    dims: list[int]
    output: str  # "softmax" | "sigmoid"
    X_rows: Array  # (m, n_x) C order: examples are rows
    labels: Array  # (m,) class index (softmax) or 0/1 (sigmoid)
    batch: int | None  # None: full batch
    lr: float
    dtype: type
    per_rep: int  # epochs (or iterations) one timed repetition runs
    per_unit: int  # epochs (or iterations) in one reported unit
    net_kwargs: dict

    @property
    def m(self) -> int:
        return self.X_rows.shape[0]

    @property
    def Y(self) -> Array:
        """Targets in the course layout: one-hot (n_y, m) or (1, m)."""
        if self.output == "softmax":
            return one_hot(self.labels, self.dims[-1]).astype(self.dtype)
        return self.labels.reshape(1, -1).astype(self.dtype)

    def network(self) -> lw.Network:
        return lw.Network(
            self.dims, hidden="relu", output=self.output, dtype=self.dtype, **self.net_kwargs
        )


class Teacher:
    """Learnable synthetic 784-feature, 10-class data: 32 latent factors z ~ N(0, I) give
    x = ½ tanh(z P) (correlated features in (-½, ½), like pixels) and the class argmax(z T + noise);
    P (32, n_x), T (32, n_classes), z (m, 32).
    """

    def __init__(self, n_x: int = 784, n_classes: int = 10, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.P = (rng.standard_normal((32, n_x)) / math.sqrt(8)).astype(np.float32)
        self.T = rng.standard_normal((32, n_classes)).astype(np.float32)

    def sample(self, m: int, rng: np.random.Generator) -> tuple[Array, Array]:
        """``X (m, n_x)`` float32 rows and their classes ``(m,)``."""
        z = rng.standard_normal((m, 32), dtype=np.float32)
        X = np.tanh(z @ self.P)  # (m, n_x)
        X *= 0.5
        scores = z @ self.T + 0.5 * rng.standard_normal((m, self.T.shape[1]), dtype=np.float32)
        return X, scores.argmax(axis=1)


def make_w1(m: int = 60_000, per_rep: int = 3) -> Workload:
    X, labels = Teacher().sample(m, np.random.default_rng(1))
    return Workload(
        "W1", [784, 256, 128, 10], "softmax", X, labels, 128, 0.1, np.float32, per_rep, 1,
        {"seed": 0},
    )  # fmt: skip


def make_w2() -> Workload:
    rng = np.random.default_rng(2)
    X = rng.standard_normal((5000, 30), dtype=np.float32)
    f = X[:, 0] * X[:, 1] + np.sin(2 * X[:, 2]) + 0.5 * X[:, 3] - 0.5 * X[:, 4] ** 2 + 0.3
    labels = (f + 0.2 * rng.standard_normal(5000) > 0).astype(np.int64)
    return Workload(
        "W2", [30, 64, 32, 1], "sigmoid", X, labels, 64, 0.1, np.float32, 20, 1, {"seed": 0}
    )


def make_w3(cat: CatData, per_rep: int = 100) -> Workload:
    X_rows = np.ascontiguousarray(cat.X_train.T)  # (209, 12288); X_train is its transpose
    labels = cat.Y_train.ravel().astype(np.int64)
    kwargs = {"init": "xavier", "seed": 1, "legacy_rng": True}
    return Workload(
        "W3",
        [12288, 20, 7, 5, 1],
        "sigmoid",
        X_rows,
        labels,
        None,
        0.0075,
        np.float64,
        per_rep,
        100,
        kwargs,
    )


# ----- systems -------------------------------------------------------------------------------
#: a forced path: (paths.KERNELS, paths.BLAS, paths.EPOCH)
PATH_SETTINGS = {
    "numpy": ("numpy", "openblas", "tape"),
    "numba": ("numba", "openblas", "tape"),
    "mkl": ("auto", "mkl", "tape"),
    "tape": ("auto", "auto", "tape"),  # what auto runs, but the tape for small networks
    "compiled": ("auto", "openblas", "compiled"),  # steps compiled whole (engine.whole)
}


class Layerwise:
    """``Network.fit`` as a user calls it. ``path``: None for what the engine chooses by itself,
    or a forced path (``engine.paths``): "numpy" (the NumPy tape on NumPy's BLAS), "numba"
    (the fused kernels on NumPy's BLAS), "mkl" (the kernels, products through MKL), "tape"
    (auto's choices but the tape) or "compiled" (the steps compiled whole)."""

    def __init__(self, wl: Workload, path: str | None = None) -> None:
        self.wl, self.net, self.path = wl, wl.network(), path
        self.name = "layerwise" if path is None else f"layerwise-{path}"
        self.X, self.Y = wl.X_rows.T, wl.Y  # X (n_x, m) as users pass it: data.T
        self.calls, self.loss = 0, math.nan
        self.settle = 0.3 if path == "mkl" else 0.0  # MKL's OpenMP threads spin for 200 ms

    def run(self, n: int) -> None:
        from layerwise.engine import paths

        wl, saved = self.wl, (paths.KERNELS, paths.BLAS, paths.EPOCH)
        if self.path is not None:
            paths.KERNELS, paths.BLAS, paths.EPOCH = PATH_SETTINGS[self.path]
        try:
            h = self.net.fit(
                self.X, self.Y, epochs=n, learning_rate=wl.lr, batch_size=wl.batch, seed=self.calls
            )
        finally:
            paths.KERNELS, paths.BLAS, paths.EPOCH = saved
        self.calls += 1
        self.loss, self.history = h.cost[-1], h  # (bench_gpu times by its epoch_seconds)


def layerwise_paths(wl: Workload) -> list[Layerwise]:
    """layerwise as it chooses, then each other path installed here, forced."""
    from layerwise.engine import mkl, paths

    chosen = paths.describe()
    systems = [Layerwise(wl)]
    if chosen != {"kernels": "numpy", "blas": "openblas"}:
        systems.append(Layerwise(wl, "numpy"))
    if chosen["kernels"] == "numba" and chosen["blas"] != "openblas":
        systems.append(Layerwise(wl, "numba"))
    if chosen["blas"] != "mkl" and mkl.load() is not None:
        systems.append(Layerwise(wl, "mkl"))
    if compiled_by_auto(wl):  # the small networks' compiled steps, beside today's tape
        systems.append(Layerwise(wl, "tape"))
    elif paths.epoch_kernel(elements=10**9, work=0, choice="auto") is not None:  # numba, SciPy
        systems.append(Layerwise(wl, "compiled"))
    return systems


def compiled_by_auto(wl: Workload) -> bool:
    """Whether ``paths.EPOCH = "auto"`` compiles this workload's steps whole (``engine.whole``;
    its network is one the compiled steps cover)."""
    from itertools import pairwise

    from layerwise.engine import paths

    B = wl.batch or wl.m
    work = B * sum(n * (p + 1) for p, n in pairwise(wl.dims))
    return paths.epoch_kernel(elements=wl.m * sum(wl.dims[1:]), work=work) is not None


class Sklearn:
    name = "sklearn"

    def __init__(self, wl: Workload, params: dict[str, Array]) -> None:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier

        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        B = wl.batch or wl.m
        self.clf = MLPClassifier(
            hidden_layer_sizes=tuple(wl.dims[1:-1]),
            activation="relu",
            solver="sgd",
            learning_rate="constant",
            learning_rate_init=wl.lr,
            momentum=0.0,
            alpha=0.0,
            batch_size=B,
            shuffle=wl.batch is not None,
            tol=0.0,
            n_iter_no_change=10**9,
            warm_start=True,
            random_state=0,
        )
        self.X, self.y = wl.X_rows, wl.labels
        # partial_fit on one batch builds the model; then load the shared initial weights
        self.clf.partial_fit(self.X[:B], self.y[:B], classes=np.unique(self.y))
        for l in range(1, len(wl.dims)):
            self.clf.coefs_[l - 1][...] = params[f"W{l}"].T  # sklearn: (n_in, n_out)
            self.clf.intercepts_[l - 1][...] = params[f"b{l}"].ravel()
        self.calls, self.loss = 0, math.nan

    def run(self, n: int) -> None:
        self.clf.set_params(max_iter=n, random_state=self.calls)
        self.clf.fit(self.X, self.y)  # warm_start: continues from the current weights
        self.calls += 1
        self.loss = float(self.clf.loss_)


class Torch:
    name = "torch"

    def __init__(self, wl: Workload, params: dict[str, Array]) -> None:
        import torch
        from torch import nn

        self.torch, self.wl = torch, wl
        dtype = torch.float32 if wl.dtype == np.float32 else torch.float64
        layers: list[nn.Module] = []
        for l in range(1, len(wl.dims)):
            lin = nn.Linear(wl.dims[l - 1], wl.dims[l], dtype=dtype)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(params[f"W{l}"]))
                lin.bias.copy_(torch.from_numpy(params[f"b{l}"].ravel()))
            layers += [lin, nn.ReLU()] if l < len(wl.dims) - 1 else [lin]
        self.model = nn.Sequential(*layers)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=wl.lr, momentum=0.0)
        self.X = torch.from_numpy(wl.X_rows)  # (m, n_x), shares NumPy's memory
        if wl.output == "softmax":
            self.y, self.loss_fn = torch.from_numpy(wl.labels), nn.CrossEntropyLoss()
        else:
            y = wl.labels.astype(wl.dtype).reshape(-1, 1)
            self.y, self.loss_fn = torch.from_numpy(y), nn.BCEWithLogitsLoss()
        self.gen = torch.Generator().manual_seed(0)
        self.loss = math.nan

    def _step(self, xb, yb) -> float:
        loss = self.loss_fn(self.model(xb), yb)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return loss.item()

    def run(self, n: int) -> None:
        m, B = self.wl.m, self.wl.batch
        for _ in range(n):
            if B is None:
                self.loss = self._step(self.X, self.y)
                continue
            perm, total = self.torch.randperm(m, generator=self.gen), 0.0
            for i in range(0, m, B):
                idx = perm[i : i + B]
                total += self._step(self.X[idx], self.y[idx]) * len(idx)
            self.loss = total / m


class Floor:
    """Only the GEMMs of the training steps, on preallocated C-ordered arrays in course layout:
    Z[l] = W[l] A[l-1]; dW[l] = dZ[l] A[l-1]ᵀ; dA[l-1] = W[l]ᵀ dZ[l] for l ≥ 2. No elementwise
    work; the same batch sizes as an epoch (ceil(m/B) steps, the last one smaller).

    ``rows=True``: the input batch is stored as rows, A[0] = X_bᵀ with X_b (B, n_x) C-ordered
    (what ``X = data.T`` gives); the same products, in the layout layerwise reads."""

    def __init__(self, wl: Workload, rows: bool = False) -> None:
        rng = np.random.default_rng(0)
        d, B = wl.dims, wl.batch or wl.m
        self.name = "floor-rows" if rows else "floor"
        self.sizes = [B] * (wl.m // B) + ([wl.m % B] if wl.m % B else [])

        def rand(*shape):
            return rng.standard_normal(shape).astype(wl.dtype)

        self.W = [None] + [rand(d[l], d[l - 1]) for l in range(1, len(d))]
        self.dW = [None] + [np.empty_like(W) for W in self.W[1:]]
        self.bufs = {
            b: ([rand(b, d[0]).T if rows else rand(d[0], b)] + [rand(n, b) for n in d[1:]],
                [rand(n, b) for n in d])
            for b in set(self.sizes)
        }  # fmt: skip  # A[l] (n[l], b) and dZ[l] (n[l], b), l = 0..L
        self.loss = math.nan
        # multiply-adds × 2 of one epoch: forward and dW for every layer, dA_prev for l ≥ 2
        per_example = sum(d[l] * d[l - 1] * (3 if l >= 2 else 2) for l in range(1, len(d)))
        self.flop_per_epoch = 2 * per_example * wl.m

    def run(self, n: int) -> None:
        W, dW, L = self.W, self.dW, len(self.W) - 1
        for _ in range(n):
            for b in self.sizes:
                A, dZ = self.bufs[b]
                for l in range(1, L + 1):
                    np.matmul(W[l], A[l - 1], out=A[l])
                for l in range(L, 0, -1):
                    np.matmul(dZ[l], A[l - 1].T, out=dW[l])
                    if l >= 2:
                        np.matmul(W[l].T, dZ[l], out=dZ[l - 1])


class TorchFloor:
    """PyTorch's GEMMs only: the products of ``Floor`` (course layout, the same shapes, values
    and batch sizes) through ``torch.mm(..., out=)`` on preallocated tensors, with the thread
    count the process gave PyTorch (``torch.set_num_threads``). PyTorch's BLAS is not NumPy's
    (oneDNN/MKL in its CPU wheels), so this is the floor a faster BLAS would give."""

    name = "torch-floor"

    def __init__(self, wl: Workload) -> None:
        import torch

        self.torch, floor = torch, Floor(wl)
        tensor = torch.from_numpy  # shares the floor's freshly made arrays
        self.sizes, self.loss = floor.sizes, math.nan
        self.W = [None] + [tensor(W) for W in floor.W[1:]]
        self.dW = [None] + [tensor(dW) for dW in floor.dW[1:]]
        self.bufs = {
            b: ([tensor(a) for a in A], [tensor(d) for d in dZ])
            for b, (A, dZ) in floor.bufs.items()
        }

    def run(self, n: int) -> None:
        mm, W, dW, L = self.torch.mm, self.W, self.dW, len(self.W) - 1
        for _ in range(n):
            for b in self.sizes:
                A, dZ = self.bufs[b]
                for l in range(1, L + 1):
                    mm(W[l], A[l - 1], out=A[l])
                for l in range(L, 0, -1):
                    mm(dZ[l], A[l - 1].T, out=dW[l])
                    if l >= 2:
                        mm(W[l].T, dZ[l], out=dZ[l - 1])


class MklFloor:
    """The products of ``Floor`` (course layout, the same arrays) through Intel MKL's
    ``cblas_sgemm``/``cblas_dgemm`` (ctypes, as the engine calls it), MKL's threads set to the
    usable CPUs. Only where MKL is installed (the ``mkl`` extra): see ``available``."""

    name = "mkl-floor"
    settle = 0.3  # MKL's OpenMP threads spin for 200 ms after a call: let them sleep first

    @staticmethod
    def available() -> bool:
        from layerwise.engine import mkl

        return mkl.load() is not None

    def __init__(self, wl: Workload) -> None:
        from layerwise.engine import blas, mkl

        floor, lib = Floor(wl), mkl.load()
        self.sizes, self.loss, L = floor.sizes, math.nan, len(floor.W) - 1
        self.calls: dict[int, list] = {}
        for b, (A, dZ) in floor.bufs.items():
            calls = [blas.gemm(1.0, floor.W[l], A[l - 1], 0.0, A[l], lib) for l in range(1, L + 1)]
            for l in range(L, 0, -1):
                calls.append(blas.gemm(1.0, dZ[l], A[l - 1].T, 0.0, floor.dW[l], lib))
                if l >= 2:
                    calls.append(blas.gemm(1.0, floor.W[l].T, dZ[l], 0.0, dZ[l - 1], lib))
            self.calls[b] = calls
        self.code_path = mkl.code_path()

    def run(self, n: int) -> None:
        for _ in range(n):
            for b in self.sizes:
                for call in self.calls[b]:
                    call()


def import_jax():
    """The ``jax`` module with 64-bit floats enabled (W3 is float64; float32 arrays stay
    float32), or None when JAX is not installed."""
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    return jax


@functools.cache
def _jax_epoch(dims: tuple[int, ...], output: str, m: int, batch: int | None, lr: float):
    """One epoch as one ``jax.jit``-compiled function of (params, X, y[, perm]) -> (params,
    mean loss): a ``lax.scan`` over the full mini-batches of ``perm`` then one step on the last,
    smaller one (as PyTorch's and layerwise's epochs end), or one full-batch step. The
    parameters are donated; cached, so a second system of the same workload reuses it."""
    import jax
    import jax.numpy as jnp

    L = len(dims) - 1

    def cost(params, xb, yb):  # xb (b, n_x) rows; yb (b,) classes or (b, 1) 0/1
        a = xb
        for l in range(1, L):
            a = jax.nn.relu(a @ params[f"W{l}"].T + params[f"b{l}"])
        z = a @ params[f"W{L}"].T + params[f"b{L}"]  # (b, n_y) logits
        if output == "softmax":
            log_p = jax.nn.log_softmax(z, axis=1)
            return -jnp.mean(jnp.take_along_axis(log_p, yb[:, None], axis=1))
        return jnp.mean(jax.nn.softplus(z) - yb * z)  # BCE from logits, stable

    def step(params, xb, yb):
        loss, grads = jax.value_and_grad(cost)(params, xb, yb)
        return jax.tree.map(lambda p, g: p - lr * g, params, grads), loss

    if batch is None:
        return jax.jit(step, donate_argnums=0)
    n_full, rest = divmod(m, batch)

    def epoch(params, X, y, perm):
        def body(p, idx):
            return step(p, X[idx], y[idx])

        params, losses = jax.lax.scan(body, params, perm[: n_full * batch].reshape(n_full, -1))
        total = jnp.sum(losses) * batch
        if rest:
            idx = perm[n_full * batch :]
            params, loss = step(params, X[idx], y[idx])
            total = total + loss * rest
        return params, total / m

    return jax.jit(epoch, donate_argnums=0)


class Jax:
    """The epoch a JAX user writes: one jit-compiled ``lax.scan`` over mini-batches gathered
    from a permutation, ``value_and_grad`` of the mean loss, plain SGD, donated parameters, on
    JAX's CPU backend. The permutations are layerwise's own (``shuffle_rng(call)``, one per
    epoch), so its weights can be checked against layerwise's. ``run`` blocks until the results
    are ready; the first call compiles."""

    name = "jax"

    def __init__(self, wl: Workload, params: dict[str, Array]) -> None:
        import jax
        import jax.numpy as jnp

        self.jax, self.wl = jax, wl
        self.epoch = _jax_epoch(tuple(wl.dims), wl.output, wl.m, wl.batch, wl.lr)
        # W (n, n_prev) as layerwise's, b (n,) to broadcast over rows; copies: donated later
        self.params = {
            k: jnp.array(v if k[0] == "W" else v.ravel(), copy=True) for k, v in params.items()
        }
        self.X = jnp.asarray(wl.X_rows)  # (m, n_x)
        if wl.output == "softmax":
            self.y = jnp.asarray(wl.labels.astype(np.int32))  # (m,)
        else:
            self.y = jnp.asarray(wl.labels.astype(wl.dtype).reshape(-1, 1))  # (m, 1)
        jax.block_until_ready((self.params, self.X, self.y))  # copies done before any timing
        self.calls, self.loss = 0, math.nan

    def run(self, n: int) -> None:
        rng, loss = shuffle_rng(self.calls), None  # the order layerwise's run number k uses
        for _ in range(n):
            if self.wl.batch is None:
                self.params, loss = self.epoch(self.params, self.X, self.y)
            else:
                perm = rng.permutation(self.wl.m).astype(np.int32)
                self.params, loss = self.epoch(self.params, self.X, self.y, perm)
        self.jax.block_until_ready((self.params, loss))
        self.calls += 1
        self.loss = float(loss)

    def parameters(self) -> dict[str, Array]:
        """The weights in layerwise's layout: W (n, n_prev), b (n, 1), as NumPy arrays."""
        return {
            k: np.asarray(v) if k[0] == "W" else np.asarray(v).reshape(-1, 1)
            for k, v in self.params.items()
        }


def max_relative_difference(a: dict[str, Array], b: dict[str, Array]) -> float:
    """max over the arrays k of max |a[k] - b[k]| / max |b[k]|."""
    return max(float(np.max(np.abs(a[k] - b[k])) / np.max(np.abs(b[k]))) for k in b)


# ----- memory --------------------------------------------------------------------------------
_LIBC = ctypes.CDLL("libc.so.6") if hasattr(ctypes, "CDLL") else None


def proc_status_kb(field: str) -> int:
    """A field of /proc/self/status (VmRSS, RssAnon, ...) in kB."""
    with open("/proc/self/status") as f:
        match = re.search(rf"^{field}:\s+(\d+) kB", f.read(), re.MULTILINE)
    return int(match.group(1)) if match else 0


class MemorySampler:
    """Samples a /proc/self/status field every ``interval`` s in a thread; ``peak`` and
    ``increase`` (over the value at entry, after returning freed heap to the OS) in bytes."""

    def __init__(self, field: str = "VmRSS", interval: float = 0.005) -> None:
        self.field, self.interval = field, interval

    def __enter__(self) -> MemorySampler:
        if _LIBC is not None:
            _LIBC.malloc_trim(0)
        self.start = self.peak = proc_status_kb(self.field) * 1024
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, proc_status_kb(self.field) * 1024)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, proc_status_kb(self.field) * 1024)

    @property
    def increase(self) -> int:
        return self.peak - self.start
