"""Property-based fuzzing of the public entry points with hypothesis (derandomized: same cases).

The only allowed outcomes: a result, or one of the library's documented exceptions
(``ValueError`` with its subclasses, ``TypeError``, ``FileNotFoundError``/``OSError`` for paths,
``DivergenceError``) carrying a message. The CLI returns 0, 1 or 2 and never prints a traceback
or an "internal error". The number of generated cases is printed in the terminal summary.
"""

from __future__ import annotations

import io
import json
import warnings
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import counts
import layerwise as lw
from layerwise import cli
from layerwise.data import load_checkpoint, load_model, read_data

ALLOWED = (ValueError, TypeError, OSError, lw.DivergenceError)
CASES: dict[str, int] = {}
FUZZ = settings(
    max_examples=160,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def _count(name: str) -> None:
    CASES[name] = CASES.get(name, 0) + 1


def _allowed(call):
    """Run ``call``; a documented exception with a message is fine, anything else fails."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # overflow in user-chosen numbers
            return call()
    except ALLOWED as err:
        assert str(err).strip(), f"{type(err).__name__} without a message"
        return None


# ----- Network and its maths ------------------------------------------------------------------
names = st.sampled_from(["relu", "tanh", "sigmoid", "softmax", "linear", "leaky_relu", "nope", ""])
small_dims = st.lists(st.integers(-2, 6), min_size=0, max_size=5)
dims = st.one_of(
    small_dims,
    st.lists(st.sampled_from([1, 2, 3, 0, -1, 2.5, "3", None, True]), max_size=4),
    st.just("2,3"),
    st.none(),
)


@pytest.mark.slow
@FUZZ
@given(
    layer_dims=dims,
    hidden=st.one_of(names, st.lists(names, max_size=3), st.integers()),
    output=names,
    loss=st.sampled_from([None, "bce", "cce", "mse", "l2", "cross_entropy", "?"]),
    init=st.sampled_from(["auto", "zeros", "he", "xavier", "small_random", "course", 3]),
    seed=st.one_of(st.none(), st.integers(-5, 2**33), st.floats(), st.text(max_size=3)),
    dtype=st.sampled_from(["float32", "float64", "float16", "int64", np.float32, "x", None]),
    l2=st.one_of(st.floats(allow_nan=True), st.integers(-1, 3)),
)
def test_network_constructor(layer_dims, hidden, output, loss, init, seed, dtype, l2) -> None:
    _count("Network(...)")
    kwargs = dict(hidden=hidden, output=output, init=init, seed=seed, dtype=dtype, l2=l2)
    if loss is not None:
        kwargs["loss"] = loss
    net = _allowed(lambda: lw.Network(layer_dims, **kwargs))
    if net is not None:
        assert np.isfinite(net.theta).all() and net.layer_dims[0] >= 1


def _array_strategy():
    dtypes = st.sampled_from(
        [np.float64, np.float32, np.int64, np.bool_, np.complex128, np.uint8, np.float16]
    )
    shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5)
    plain = hnp.arrays(
        dtypes,
        shapes,
        elements=None,
    )
    floats = hnp.arrays(
        np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=6),
        elements=st.floats(allow_nan=True, allow_infinity=True),
    )  # fmt: skip
    objects = st.just(np.array([[1, "a"], [None, 2.0]], dtype=object))
    listed = st.lists(st.lists(st.floats(-3, 3), min_size=1, max_size=4), min_size=1, max_size=4)
    return st.one_of(plain, floats, objects, listed, st.none(), st.text(max_size=4))


@pytest.mark.slow
@FUZZ
@given(X=_array_strategy(), Y=_array_strategy(), transpose=st.booleans(), which=st.integers(0, 4))
def test_forward_cost_backward_predict(X, Y, transpose, which) -> None:
    _count("forward/cost/backward/predict")
    net = lw.Network([3, 4, 1], seed=0)
    if transpose and isinstance(X, np.ndarray) and X.ndim == 2:
        X = X.T  # non-contiguous
    if which == 0:
        _allowed(lambda: net.forward(X))
    elif which == 1:
        _allowed(lambda: net.predict(X))
    elif which == 2:
        _allowed(lambda: net.predict_proba(X))
    else:

        def cost_and_backward():
            AL, caches = net.forward(np.ones((3, 4)))
            if which == 3:
                return net.cost(AL if X is None else X, Y, caches)
            return net.backward(AL, Y, caches)

        _allowed(cost_and_backward)


@pytest.mark.slow
@FUZZ
@given(
    X=_array_strategy(),
    Y=_array_strategy(),
    epochs=st.one_of(st.integers(-1, 3), st.floats(0, 3), st.none()),
    learning_rate=st.one_of(st.floats(allow_nan=True), st.none(), st.integers(-1, 2)),
    optimizer=st.sampled_from(["gd", "momentum", "rmsprop", "adam", "sgd", None, 7]),
    batch_size=st.one_of(st.none(), st.integers(-2, 6), st.floats(0, 3)),
    shuffle_block=st.one_of(st.none(), st.integers(-1, 3)),
    weights=st.one_of(st.none(), hnp.arrays(np.float64, st.integers(0, 6))),
)
def test_fit(X, Y, epochs, learning_rate, optimizer, batch_size, shuffle_block, weights) -> None:
    _count("fit")
    net = lw.Network([2, 3, 1], seed=0)
    _allowed(
        lambda: net.fit(
            X,
            Y,
            epochs=epochs,
            learning_rate=learning_rate,
            optimizer=optimizer,
            batch_size=batch_size,
            shuffle_block=shuffle_block,
            sample_weight=weights,
        )
    )
    assert np.isfinite(net.theta).all()  # diverged or not, never poisoned parameters


@pytest.mark.parametrize("AL", ["", np.ones(3), np.ones((2, 4)), [[0.5, 0.5]]])
def test_cost_and_backward_check_al(AL) -> None:  # found by the fuzzing above
    net = lw.Network([3, 4, 1], seed=0)
    _, caches = net.forward(np.ones((3, 2)))
    for call in (net.cost, net.backward):
        with pytest.raises(ValueError, match=r"AL must be the network's output, an array of shape"):
            call(AL, np.ones((1, 2)), caches)


# ----- estimators --------------------------------------------------------------------------------
@pytest.mark.slow
@FUZZ
@given(
    X=_array_strategy(),
    y=st.one_of(_array_strategy(), st.lists(st.sampled_from(["a", "b", 1, None]), max_size=6)),
    hidden=st.one_of(st.tuples(st.integers(-1, 4)), st.just(()), st.just("8"), st.none()),
    l2=st.one_of(st.floats(allow_nan=True), st.integers(-1, 2)),
    max_epochs=st.integers(-1, 3),
    batch_size=st.one_of(st.integers(-1, 5), st.just("auto"), st.none()),
    activation=st.sampled_from(["relu", "tanh", "softmax", "nope"]),
    optimizer=st.sampled_from(["adam", "gd", "x"]),
    regressor=st.booleans(),
)
def test_estimators(X, y, hidden, l2, max_epochs, batch_size, activation, optimizer, regressor):
    pytest.importorskip("sklearn")
    _count("LayerwiseClassifier/Regressor")
    cls = lw.LayerwiseRegressor if regressor else lw.LayerwiseClassifier
    params = dict(hidden_layer_sizes=hidden, l2=l2, max_epochs=max_epochs, random_state=0)
    params |= dict(batch_size=batch_size, activation=activation, optimizer=optimizer)

    def fit_predict():
        model = cls(**params).fit(X, y)
        return model.predict(X)

    _allowed(fit_predict)


# ----- readers ----------------------------------------------------------------------------------
cells = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6),
    st.sampled_from(['"', '""', "a,b", "\n", "1e309", "nan", "-", "", " ", "\ufeff"]),
    st.integers(-1000, 1000).map(str),
    st.floats(allow_nan=True).map(repr),
)


@pytest.mark.slow
@FUZZ
@given(
    rows=st.lists(st.lists(cells, min_size=0, max_size=4), min_size=0, max_size=6),
    bom=st.booleans(),
    encoding=st.sampled_from(["utf-8", "latin-1", "utf-16"]),
    separator=st.sampled_from([",", ";", "\t"]),
    huge=st.booleans(),
)
def test_csv_reader(tmp_path_factory, rows, bom, encoding, separator, huge) -> None:
    _count("CSV reader")
    text = "\n".join(separator.join(row) for row in rows)
    if huge:
        text = "a,b\n" + "x" * 200_000 + ",1\n"
    data = text.encode(encoding, errors="replace")
    if bom:
        data = b"\xef\xbb\xbf" + data
    path = tmp_path_factory.mktemp("csv") / ("data.tsv" if separator == "\t" else "data.csv")
    path.write_bytes(data)
    _allowed(lambda: read_data(path))


PARQUET_TYPES = ["list", "struct", "binary", "timestamp", "dictionary", "decimal", "null", "float"]


@pytest.mark.slow
@FUZZ
@given(
    columns=st.lists(st.sampled_from(PARQUET_TYPES), min_size=1, max_size=4),
    n=st.integers(0, 5),
    target=st.sampled_from(["float", "string", "list"]),
)
def test_parquet_reader(tmp_path_factory, columns, n, target) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    import datetime
    import decimal

    _count("Parquet reader")
    make = {
        "list": lambda i: pa.array([[i, i + 1]] * n),
        "struct": lambda i: pa.array([{"a": i, "b": "x"}] * n),
        "binary": lambda i: pa.array([b"\x00\xff"] * n),
        "timestamp": lambda i: pa.array([datetime.datetime(2020, 1, 1)] * n),
        "dictionary": lambda i: pa.array(["a", "b"] * n)[:n].dictionary_encode(),
        "decimal": lambda i: pa.array([decimal.Decimal("1.5")] * n),
        "null": lambda i: pa.nulls(n),
        "float": lambda i: pa.array([float("nan"), 1.0, -np.inf, 2.0, 0.0][:n] + [0.0] * (n - 5)),
    }
    table = {f"c{i}_{kind}": make[kind](i) for i, kind in enumerate(columns)}
    table["y"] = make["list"](0) if target == "list" else pa.array(
        ([1.0, 0.0] * n)[:n] if target == "float" else (["a", "b"] * n)[:n]
    )  # fmt: skip
    path = tmp_path_factory.mktemp("parquet") / "d.parquet"
    pq.write_table(pa.table(table), path)
    _allowed(lambda: read_data(path))


@pytest.mark.slow
@FUZZ
@given(
    array=_array_strategy(),
    kind=st.sampled_from(["npy", "npz", "npz-xy", "fortran", "big-endian", "pickle"]),
    y=st.one_of(st.none(), hnp.arrays(np.int64, st.integers(0, 6))),
)
def test_npy_npz_reader(tmp_path_factory, array, kind, y) -> None:
    _count("NPY/NPZ reader")
    folder = tmp_path_factory.mktemp("npy")
    a = np.asarray(array if isinstance(array, np.ndarray) else [[1.0, 2.0]])
    if kind == "fortran":
        a = np.asfortranarray(a)
    if kind == "big-endian" and a.dtype.kind in "fiu" and a.dtype.itemsize > 1:
        a = a.astype(a.dtype.newbyteorder(">"))
    if kind.startswith("npz"):
        path = folder / "d.npz"
        arrays = {"X": a} | ({"y": y} if y is not None and kind == "npz-xy" else {})
        np.savez(path, **arrays)
    else:
        path = folder / "d.npy"
        if kind == "pickle":
            a = np.array([{"x": 1}, None], dtype=object)
        np.save(path, a, allow_pickle=True)
    _allowed(lambda: read_data(path, require_target=False))


@pytest.mark.slow
@FUZZ
@given(
    case=st.sampled_from(
        ["strings", "wrong-shape", "external-link", "virtual", "empty", "nested-group", "scalar"]
    ),
    n=st.integers(0, 5),
)
def test_hdf5_reader(tmp_path_factory, case, n) -> None:
    h5py = pytest.importorskip("h5py")
    _count("HDF5 reader")
    folder = tmp_path_factory.mktemp("h5")
    path = folder / "d.h5"
    with h5py.File(folder / "other.h5", "w") as other:
        other["X"] = np.ones((n, 2))
    with h5py.File(path, "w") as f:
        if case == "strings":
            f["X"] = np.array([b"a", b"b"] * n)
            f["y"] = np.array([b"x"] * (2 * n))
        elif case == "wrong-shape":
            f["X"] = np.ones((n, 2, 2, 2))
            f["y"] = np.ones(n + 1)
        elif case == "external-link":
            f["X"] = h5py.ExternalLink(str(folder / "other.h5"), "/X")
            f["y"] = np.zeros(n)
        elif case == "virtual":
            layout = h5py.VirtualLayout(shape=(n, 2), dtype="f8")
            layout[:] = h5py.VirtualSource(str(folder / "other.h5"), "X", shape=(n, 2))
            f.create_virtual_dataset("X", layout)
            f["y"] = np.zeros(n)
        elif case == "nested-group":
            f.create_group("X").create_group("deeper")
        elif case == "scalar":
            f["X"] = 3.0
            f["y"] = 1.0
    _allowed(lambda: read_data(path))


@pytest.mark.slow
@FUZZ
@given(
    cut=st.integers(0, 400),
    size=st.sampled_from([(4, 4), (1, 1), (20_000, 20_000)]),
    fmt=st.sampled_from(["PNG", "JPEG", "GIF"]),
)
def test_image_reader(tmp_path_factory, cut, size, fmt) -> None:
    image = pytest.importorskip("PIL.Image")
    _count("image reader")
    folder = tmp_path_factory.mktemp("img")
    for label in ("cat", "dog"):
        (folder / label).mkdir()
        buffer = io.BytesIO()
        image.new("RGB", size if size[0] < 100 else (4, 4)).save(buffer, format=fmt)
        data = buffer.getvalue()
        if size[0] > 100 and fmt == "PNG":  # a decompression bomb: header says 20000 x 20000
            data = data[:16] + (20_000).to_bytes(4, "big") * 2 + data[24:]
        (folder / label / f"a.{fmt.lower()}").write_bytes(
            data[: max(cut, 8)] if cut < 300 else data
        )
    _allowed(lambda: read_data(folder))


# ----- model and checkpoint files ----------------------------------------------------------------
@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("saved")
    net = lw.Network([2, 3, 1], seed=0)
    net.save(folder / "m.npz")
    net.fit(np.ones((2, 4)), np.ones((1, 4)), epochs=1, optimizer="adam", checkpoint=folder / "c")
    return {"model": (folder / "m.npz").read_bytes(), "checkpoint": (folder / "c").read_bytes()}


@pytest.mark.slow
@FUZZ
@given(
    kind=st.sampled_from(["model", "checkpoint"]),
    edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=6),
    cut=st.one_of(st.none(), st.integers(0, 10**6)),
)
def test_model_and_checkpoint_readers(tmp_path_factory, saved, kind, edits, cut) -> None:
    _count("model/checkpoint readers")
    data = bytearray(saved[kind])
    for position, value in edits:
        data[position % len(data)] = value
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    path = tmp_path_factory.mktemp("mutated") / "f.npz"
    path.write_bytes(bytes(data))
    _allowed(lambda: load_model(path) if kind == "model" else load_checkpoint(path))


@pytest.mark.slow
@FUZZ
@given(
    header=st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text()),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=12,
    ),
    keep=st.sampled_from(["format", "network", "arrays", "history", "nothing"]),
    kind=st.sampled_from(["model", "checkpoint"]),
)
def test_headers(tmp_path_factory, saved, header, keep, kind) -> None:
    _count("model/checkpoint headers")
    with zipfile.ZipFile(io.BytesIO(saved[kind])) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    original = json.loads(files["header.json"])
    new = dict(original)
    if keep == "nothing":
        new = header
    else:
        new[keep if keep in original else "format"] = header
    files["header.json"] = json.dumps(new).encode()
    path = tmp_path_factory.mktemp("headers") / "f.npz"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    _allowed(lambda: load_model(path) if kind == "model" else load_checkpoint(path))


# ----- the command line ---------------------------------------------------------------------------
TOKENS = [
    "train", "evaluate", "predict", "summary", "gradcheck", "datasets", "--help", "xor", "iris",
    "planar", "nothing.csv", "--epochs", "1", "2", "0", "-1", "--layers", "4", "none", "3,x",
    "--hidden", "tanh", "bogus", "--optimizer", "adam", "sgd", "--learning-rate", "1e30", "nan",
    "--batch-size", "full", "--dtype", "float32", "--seed", "--l2", "--dev-fraction", "0.5",
    "1.5", "--test-fraction", "--early-stopping", "--checkpoint", "ck", "--checkpoint-every",
    "--resume", "--out", "out", "--quiet", "--target", "--drop", "--task", "regression",
    "--init", "course", "--examples", "--threshold", "--model", "model.npz", "--proba", "-o",
    "pred.csv", "--json", "",
]  # fmt: skip


@pytest.mark.slow
@settings(FUZZ, max_examples=120)
@given(argv=st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=5)), max_size=8))
def test_cli_argv(tmp_path_factory, monkeypatch, capsys, argv) -> None:
    _count("CLI argv")
    monkeypatch.chdir(tmp_path_factory.mktemp("cli"))
    if "train" in argv or "gradcheck" in argv:
        argv = [*argv, "--epochs", "1", "--quiet"]  # a command that runs: keep it short
    try:
        code = cli.main(argv)
    except SystemExit as exit_:  # a checkpoint interrupted: not generated here
        code = exit_.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err + out
    assert "internal error" not in err, (argv, err)
    assert code in (0, 1, 2), (argv, code, err)
    if code == 2 and err:
        assert "error:" in err


@pytest.mark.slow
def test_zz_total_number_of_generated_cases() -> None:
    total = sum(CASES.values())
    detail = ", ".join(f"{k} {v}" for k, v in CASES.items())
    counts.report(f"fuzz: {total} generated cases ({detail})")
    if len(CASES) == 12:  # the whole module ran
        assert total >= 1400
