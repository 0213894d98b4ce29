"""Model files: exact round trips, atomic writes, and refusal of anything not a sound model."""

import io
import re
import zipfile

import numpy as np
import pytest

import layerwise as lw
from layerwise import persistence
from layerwise.data import load_model
from model_files import edit_header, members, rewrite


def _net(**kwargs):
    options = {"hidden": "tanh", "output": "softmax", "seed": 3} | kwargs
    return lw.Network([4, 5, 3], **options)


@pytest.fixture
def X():
    return np.random.default_rng(0).standard_normal((4, 7))  # (n_x, m)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"dtype": np.float32},
        {"hidden": "leaky_relu", "output": "sigmoid", "l2": 0.5},
        {"hidden": ["relu"], "output": "linear"},
    ],
)
def test_a_loaded_network_predicts_exactly_what_the_saved_one_did(tmp_path, X, options):
    net = _net(**options)
    net.theta[...] = np.random.default_rng(1).standard_normal(net.theta.size)
    path = net.save(tmp_path / "model.npz")
    loaded = lw.load(path)
    assert loaded.config() == net.config()
    assert loaded.dtype == net.dtype
    np.testing.assert_array_equal(loaded.predict_proba(X), net.predict_proba(X))
    np.testing.assert_array_equal(loaded.theta, net.theta)


def test_leaky_slope_survives(tmp_path):
    net = lw.Network([2, 3, 1], hidden=lw.get_activation("leaky_relu", slope=0.2), seed=0)
    loaded = lw.load(net.save(tmp_path / "m.npz"))
    assert loaded.activations[0].params == {"slope": 0.2}


def test_module_level_save_and_numpy_can_read_the_arrays(tmp_path):
    net = _net()
    lw.save(net, tmp_path / "m.npz", training={"epochs": 3}, metrics={"test": {"accuracy": 0.5}})
    with np.load(tmp_path / "m.npz", allow_pickle=False) as archive:
        np.testing.assert_array_equal(archive["W1"], net.parameters["W1"])
    model = load_model(tmp_path / "m.npz")
    assert model.header["training"] == {"epochs": 3}
    assert model.header["library_version"] == lw.__version__
    assert model.preprocessor is None


def test_preprocessing_round_trips(tmp_path):
    pd = pytest.importorskip("pandas")
    from layerwise.data import Preprocessor

    rows = pd.DataFrame({"a": [1.0, 2.0, 4.0], "c": ["x", "y", "x"]})
    pre = Preprocessor().fit(rows, pd.DataFrame({"t": ["no", "yes", "no"]}))
    net = lw.Network([pre.n_x, 2, pre.n_y], seed=0)
    lw.save(net, tmp_path / "m.npz", preprocessor=pre)
    model = load_model(tmp_path / "m.npz")
    np.testing.assert_array_equal(model.preprocessor.transform(rows), pre.transform(rows))
    assert model.preprocessor.classes == ["no", "yes"]
    assert model.preprocessor.to_header() == pre.to_header()


def test_save_replaces_atomically_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    first = _net(seed=1)
    first.save(path)

    def crash(f, header, arrays):
        f.write(b"half a model")
        raise OSError("disk full")

    monkeypatch.setattr(persistence.archive, "_write_zip", crash)
    with pytest.raises(OSError, match="disk full"):
        _net(seed=2).save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]
    np.testing.assert_array_equal(lw.load(path).theta, first.theta)


def test_save_into_a_missing_folder_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        _net().save(tmp_path / "no" / "m.npz")


# ----- untrusted files ---------------------------------------------------------------------------
def _npy(array, allow_pickle=False):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "m.npz"
    _net().save(path)
    return path


@pytest.mark.parametrize(
    ("tamper", "match"),
    [
        (lambda p: p.write_bytes(b"not a zip"), "not a layerwise model file"),
        (lambda p: p.write_bytes(p.read_bytes()[:-40]), "truncated or corrupt"),
        (lambda p: p.write_bytes(p.read_bytes()[:200]), "truncated or corrupt"),
        (lambda p: rewrite(p, {"W1.npy": _npy(np.zeros((5, 4)))}), "no header.json"),
        (
            lambda p: rewrite(p, members(p) | {"header.json": b"{not json"}),
            "not valid JSON",
        ),
        (lambda p: rewrite(p, members(p) | {"header.json": b"[" * 100_000}), "not valid JSON"),
        (
            lambda p: edit_header(p, lambda h: h.update(format_version=99)),
            "format version 99",
        ),
        (
            lambda p: edit_header(p, lambda h: h["network"].update(layer_dims=[4, -5, 3])),
            "layer_dims",
        ),
        (
            lambda p: edit_header(p, lambda h: h["network"].update(activations=[{"name": "x"}])),
            "activations",
        ),
        (
            lambda p: edit_header(p, lambda h: h["network"].update(loss="os.system")),
            "unknown loss",
        ),
        (
            lambda p: edit_header(p, lambda h: h["arrays"]["W1"].update(shape=[5, 5])),
            "W1 must be float64 of shape",
        ),
        (lambda p: rewrite(p, members(p) | {"extra.npy": _npy(np.zeros(1))}), "extra"),
        (
            lambda p: rewrite(p, {k: v for k, v in members(p).items() if k != "b2.npy"}),
            "missing",
        ),
        (
            lambda p: rewrite(p, members(p) | {"W1.npy": _npy(np.zeros((4, 5)))}),
            "W1.npy has shape",
        ),
        (
            lambda p: rewrite(p, members(p) | {"W1.npy": _npy(np.zeros((5, 4), np.int64))}),
            "holds int64",
        ),
        (
            lambda p: rewrite(
                p, members(p) | {"W1.npy": _npy(np.array([None] * 20, object), True)}
            ),
            "holds object",
        ),
        (
            lambda p: rewrite(p, members(p) | {"W1.npy": _npy(np.zeros((5, 4)))[:-8]}),
            "bytes, not what its shape needs",
        ),
        (
            lambda p: rewrite(p, members(p) | {"W1.npy": _npy(np.full((5, 4), np.nan))}),
            "NaN or inf",
        ),
        (lambda p: rewrite(p, members(p), zipfile.ZIP_DEFLATED), "compressed"),
    ],
)
def test_a_tampered_file_is_refused_with_a_clear_error(saved, tamper, match):
    tamper(saved)
    with pytest.raises(ValueError, match=match):
        lw.load(saved)


def test_a_pickled_array_is_refused_before_it_is_read(saved, monkeypatch):
    rewrite(saved, members(saved) | {"W1.npy": _npy(np.array([{"a": 1}] * 20, object), True)})

    def never(*args, **kwargs):
        raise AssertionError("an array was read before the checks rejected the file")

    monkeypatch.setattr(np.lib.format, "read_array", never)
    with pytest.raises(ValueError, match="holds object"):
        lw.load(saved)


def test_an_np_savez_file_is_not_a_model(tmp_path):
    np.savez(tmp_path / "arrays.npz", W1=np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"no header\.json"):
        lw.load(tmp_path / "arrays.npz")


def test_missing_model_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        lw.load(tmp_path / "nope.npz")
    with pytest.raises(FileNotFoundError, match="is a folder"):
        lw.load(tmp_path)


def test_preprocessing_inconsistent_with_the_network_is_refused(tmp_path):
    pd = pytest.importorskip("pandas")
    from layerwise.data import Preprocessor

    rows = pd.DataFrame({"a": [1.0, 2.0, 4.0]})
    pre = Preprocessor().fit(rows, pd.DataFrame({"t": [0, 1, 0]}))
    lw.save(lw.Network([2, 1], seed=0), tmp_path / "m.npz", preprocessor=pre)
    with pytest.raises(ValueError, match="preprocessing gives 1 inputs"):
        load_model(tmp_path / "m.npz")


@pytest.fixture
def saved_with_preprocessing(tmp_path):
    pd = pytest.importorskip("pandas")
    from layerwise.data import Preprocessor

    rows = pd.DataFrame({"a": [1.0, 2.0, 4.0], "c": ["x", "y", "x"]})
    pre = Preprocessor().fit(rows, pd.DataFrame({"t": ["no", "yes", "no"]}))
    path = tmp_path / "m.npz"
    net = lw.Network([pre.n_x, 2, pre.n_y], seed=0)
    lw.save(net, path, preprocessor=pre, training={"epochs": 3}, metrics={"train": {"cost": 0.5}})
    return path


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda h: h.update(training="x"), "training must be an object, got 'x'"),
        (lambda h: h.update(metrics=[1]), r"metrics must be an object, got \[1\]"),
        (lambda h: h.update(metrics={"train": 3}), r"metrics\['train'\] must be an object"),
        (lambda h: h.update(training=None), "training must be an object, got None"),
        (
            lambda h: h["preprocessing"].update(numeric=5),
            "preprocessing.numeric must be a list of strings, got 5",
        ),
        (
            lambda h: h["preprocessing"].update(categorical="x"),
            "preprocessing.categorical must be a list, got 'x'",
        ),
    ],
)
def test_an_ill_typed_header_field_is_refused_naming_the_file(
    saved_with_preprocessing, edit, match
):
    edit_header(saved_with_preprocessing, edit)
    with pytest.raises(ValueError, match=match) as caught:
        load_model(saved_with_preprocessing)
    assert str(caught.value).startswith(
        f"{saved_with_preprocessing} is not a valid layerwise model"
    )


def test_a_header_without_training_or_metrics_loads_with_empty_ones(saved):
    edit_header(saved, lambda h: [h.pop("training"), h.pop("metrics")])
    header = load_model(saved).header
    assert header["training"] == {} and header["metrics"] == {}


def test_atomic_write_takes_bytes_or_a_writer_and_replaces_the_file(tmp_path):
    path = tmp_path / "out.txt"
    assert persistence.atomic_write(path, b"first") == path
    persistence.atomic_write(str(path), lambda f: f.write(b"second"))
    assert path.read_bytes() == b"second"
    with pytest.raises(OSError, match="disk full"):
        persistence.atomic_write(path, lambda f: (f.write(b"half"), _raise(OSError("disk full"))))
    assert path.read_bytes() == b"second" and [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    with pytest.raises(FileNotFoundError, match="does not exist"):
        persistence.atomic_write(tmp_path / "no" / "x.txt", b"")


def _raise(err):
    raise err


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda h: h["network"].update(init=5), "unknown init 5"),
        (lambda h: h["network"].update(legacy_rng="no"), "legacy_rng must be true or false"),
    ],
)
def test_network_settings_a_file_cannot_fake(tmp_path, edit, match):
    path = _net().save(tmp_path / "m.npz")
    edit_header(path, edit)
    with pytest.raises(ValueError, match=match):
        lw.load(path)


def test_loading_a_deep_model_builds_the_parameter_views_a_fixed_number_of_times(
    tmp_path, monkeypatch
):
    # The format allows 10,000 layers: loading must be linear in the file. Building the
    # parameters' views costs one pass over the layers, so the number of times it is done
    # must not grow with the depth (it once ran once per array: quadratic).
    from layerwise.parameters import Parameters

    built = []
    original = Parameters.__init__

    def counting(self, theta, layer_dims):
        built.append(len(layer_dims))
        original(self, theta, layer_dims)

    monkeypatch.setattr(Parameters, "__init__", counting)
    calls = {}
    for depth in (20, 40):
        path = lw.Network([1] * (depth + 1)).save(tmp_path / f"deep{depth}.npz")
        built.clear()
        load_model(path)
        calls[depth] = len(built)
    assert calls[20] == calls[40] <= 5, calls


@pytest.fixture
def repeated_category(tmp_path):
    """A model whose text column lists a category twice, with a network as wide as that."""
    pd = pytest.importorskip("pandas")
    from layerwise.data import Preprocessor

    rows = pd.DataFrame({"a": [1.0, 2.0, 4.0, 3.0], "c": ["x", "y", "x", "z"]})
    pre = Preprocessor().fit(rows, pd.DataFrame({"t": ["no", "yes", "no", "yes"]}))
    pre.categorical["c"] = ["x", "y", "z", "y"]
    path = tmp_path / "m.npz"
    lw.save(lw.Network([pre.n_x, 2, pre.n_y], seed=0), path, preprocessor=pre)
    return path


def test_a_category_listed_twice_is_refused_on_load(repeated_category):
    with pytest.raises(ValueError, match="categories of 'c' must hold distinct values, got 'y' tw"):
        load_model(repeated_category)
    with pytest.raises(ValueError, match=f"^{re.escape(str(repeated_category))} is not a valid"):
        load_model(repeated_category)


def _categories(h, **entry):
    h["preprocessing"]["categorical"][0].update(entry)


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (
            lambda h: h["preprocessing"]["target"].update(classes=["no", "no"]),
            "preprocessing.target.classes must hold distinct values, got 'no' twice",
        ),
        (
            lambda h: _categories(h, categories=["x"], infrequent=["y", "y"]),
            "infrequent of 'c' must hold distinct values, got 'y' twice",
        ),
        (
            lambda h: _categories(h, categories=["x"], infrequent=["y", "x"]),
            "infrequent of 'c' must be categories not listed in categories, got 'x'",
        ),
        (
            lambda h: _categories(h, name="a"),
            "preprocessing's feature columns must hold distinct values, got 'a' twice",
        ),
    ],
)
def test_other_repeats_in_the_preprocessing_are_refused(saved_with_preprocessing, edit, match):
    edit_header(saved_with_preprocessing, edit)
    with pytest.raises(ValueError, match=match):
        load_model(saved_with_preprocessing)


# ----- the network section of a header, field by field (model.check_network_config) ---------
NETWORK = {
    "layer_dims": [4, 5, 3],
    "activations": [{"name": "relu"}, {"name": "sigmoid"}],
    "loss": "multilabel_crossentropy",
    "init": "he",
    "legacy_rng": False,
    "dtype": "float64",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (None, "network is missing"),
        ({"layer_dims": (4, 3)}, "layer_dims must be a list of positive integers, got (4, 3)"),
        ({"layer_dims": [4]}, "layer_dims must be a list of positive integers, got [4]"),
        ({"layer_dims": [4, 0]}, "layer_dims must be a list of positive integers, got [4, 0]"),
        (
            {"layer_dims": [4, True]},
            "layer_dims must be a list of positive integers, got [4, True]",
        ),
        ({"layer_dims": [4, 2.0]}, "layer_dims must be a list of positive integers, got [4, 2.0]"),
        ({"dtype": "float16"}, "dtype must be float32 or float64, got 'float16'"),
        ({"dtype": None}, "dtype must be float32 or float64, got None"),
        ({"activations": [{"name": "relu"}]}, "activations must list 2 entries"),
        ({"activations": "relu"}, "activations must list 2 entries"),
        ({"activations": ["relu", "sigmoid"]}, "unknown activation 'relu'"),
        ({"activations": [{"name": "relu"}, {"name": "x"}]}, "unknown activation {'name': 'x'}"),
        ({"loss": 5}, "unknown loss 5"),
        ({"loss": "os.system"}, "unknown loss 'os.system'"),
        ({"init": "ones"}, "unknown init 'ones'"),
        ({"legacy_rng": "no"}, "legacy_rng must be true or false, got 'no'"),
        ({"legacy_rng": None}, "legacy_rng must be true or false, got None"),
    ],
)
def test_each_field_of_the_network_section_is_checked_with_its_own_message(change, message):
    net = None if change is None else NETWORK | change
    with pytest.raises(ValueError) as err:
        persistence.model.check_network_config(net)
    assert str(err.value) == message


def test_the_network_section_accepts_every_field_at_its_limits():
    check = persistence.model.check_network_config
    assert check(NETWORK) == ([4, 5, 3], "float64")
    longest = [1] * persistence.model.MAX_LAYERS  # the most layers a file may hold, 1 unit each
    acts = [{"name": "relu"}] * (len(longest) - 1)
    assert check(NETWORK | {"layer_dims": longest, "activations": acts})[0] == longest
    with pytest.raises(ValueError, match="layer_dims must be"):
        check(NETWORK | {"layer_dims": [*longest, 1], "activations": [*acts, {"name": "relu"}]})
    one = NETWORK | {"layer_dims": [1, 1], "activations": [{"name": "sigmoid"}]}
    assert check(one | {"dtype": "float32"}) == ([1, 1], "float32")
    for loss in ("bce", "squared_error"):  # an alias, a name
        assert check(NETWORK | {"loss": loss})[1] == "float64"
    for init in ("auto", "zeros"):
        assert check(NETWORK | {"init": init})[0] == [4, 5, 3]
    absent = {k: v for k, v in NETWORK.items() if k not in ("init", "legacy_rng")}
    assert check(absent | {"legacy_rng": True})[0] == [4, 5, 3]
    assert check(absent)[0] == [4, 5, 3]
