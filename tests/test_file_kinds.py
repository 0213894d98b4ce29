"""Every loader and command given another kind's file says what the file is and what takes it.

The kinds: a checkpoint, an ONNX file, an estimator file, a model saved by ``layerwise train``,
a bare network. The loaders: ``layerwise.load``, ``layerwise.data.load_model``,
``load_estimator``, ``load_checkpoint``; the commands: ``evaluate``, ``predict``, ``gradcheck
--model``, ``summary``, ``export``, ``train --resume``. Crafted headers change only the words,
never which loader reads a file, and broken files stay refused as broken.
"""

import importlib.util
import json
import pickle
import re
import zipfile

import numpy as np
import pytest

import layerwise as lw
from commands import run
from layerwise.data import Preprocessor, load_checkpoint, load_model, read_data, save_model
from layerwise.estimators import LayerwiseClassifier, load_estimator
from layerwise.persistence import WrongKind
from layerwise.persistence.kinds import kind_of_header, onnx_prefix
from model_files import edit_header, members, rewrite

# a ModelProto's first bytes: ir_version 8, then producer_name "layerwise" (what export writes)
ONNX_BYTES = b"\x08\x08\x12\x09layerwise\x1a\x050.2.0:\x00"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """One file of each kind, by kind."""
    d = tmp_path_factory.mktemp("kinds")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 20))
    net = lw.Network([2, 3, 1], seed=0)
    net.save(d / "network.npz")
    lw.fit(net, X, (X[:1] > 0).astype(float), epochs=1, checkpoint=d / "checkpoint.npz")
    (d / "t.csv").write_text("a,b,y\n1,2,x\n2,1,z\n3,3,x\n0,1,z\n")
    data = read_data(d / "t.csv", None, require_target=True)
    pre = Preprocessor("auto", data.scaling).fit(data.features, data.target, classes=data.classes)
    save_model(lw.Network([2, 1], output="sigmoid", seed=0), d / "trained.npz", preprocessor=pre)
    est = LayerwiseClassifier((3,), max_epochs=1, random_state=0)
    est.fit(X.T, np.repeat(["a", "b"], 10)).save(d / "estimator.npz")
    (d / "model.onnx").write_bytes(ONNX_BYTES)
    return {
        "checkpoint": d / "checkpoint.npz",
        "onnx": d / "model.onnx",
        "estimator": d / "estimator.npz",
        "trained model": d / "trained.npz",
        "network": d / "network.npz",
    }


# what each kind is called in a refusal, and (library, command line) what takes it
CHECKPOINT = r"is a layerwise checkpoint"
ONNX = r"is an ONNX file"
LIBRARY = {
    "checkpoint": CHECKPOINT + r".*fit\(\.\.\., checkpoint=PATH, resume=True\).*load_checkpoint",
    "onnx": ONNX + r".*run it with ONNX Runtime.*cannot load ONNX back",
    "estimator": r"is a LayerwiseClassifier file.*layerwise\.estimators\.load_estimator\(PATH\)",
    "trained model": r"is a model saved by `layerwise train`.*layerwise\.data\.load_model\(PATH\)",
    "network": r"is a model file holding a bare network.*layerwise\.load\(PATH\)",
}
COMMAND = {
    "checkpoint": CHECKPOINT + r".*`layerwise train --resume \S*kinds\d*`",
    "onnx": ONNX + r".*run it with ONNX Runtime.*cannot load ONNX back",
    "estimator": r"is a LayerwiseClassifier saved by its save\(\).*`layerwise summary` and "
    r"`layerwise export` take it.*load_estimator",
    "trained model": r"is a model saved by `layerwise train`.*`layerwise evaluate`, `predict`, "
    r"`summary`, `export` and `gradcheck --model` take it",
    "network": r"is a network without preprocessing.*`layerwise summary` and `layerwise export` "
    r"take it",
}
MODELS = ("estimator", "trained model", "network")
LOADERS = {  # loader: the kinds it refuses (the others it reads)
    lw.load: ("checkpoint", "onnx"),
    load_model: ("checkpoint", "onnx"),
    load_estimator: ("checkpoint", "onnx"),  # (a model without its section: test_estimator)
    load_checkpoint: ("onnx", *MODELS),
}
NEEDS_TRAINED = r"this command needs a model saved by `layerwise train`"
NEEDS_MODEL = r"this command needs a model file"
ANY = "a model file (from `layerwise train`, Network.save or an estimator's save)"
COMMANDS = {  # argv (MODEL where the file goes): what it needs, the kinds it refuses
    ("evaluate", "MODEL", "t.csv"): (NEEDS_TRAINED, ("checkpoint", "onnx", "estimator", "network")),
    ("predict", "MODEL", "t.csv"): (NEEDS_TRAINED, ("checkpoint", "onnx", "estimator", "network")),
    ("gradcheck", "t.csv", "--model", "MODEL"): (
        NEEDS_TRAINED,
        ("checkpoint", "onnx", "estimator", "network"),
    ),
    ("summary", "MODEL"): (NEEDS_MODEL, ("checkpoint", "onnx")),
    ("export", "MODEL", "-o", "never.onnx"): (NEEDS_MODEL, ("checkpoint", "onnx")),
    ("train", "--resume", "MODEL"): (r"this command needs a checkpoint", ("onnx", *MODELS)),
}


@pytest.mark.parametrize(
    ("loader", "kind"),
    [(loader, kind) for loader, kinds in LOADERS.items() for kind in kinds],
    ids=lambda x: getattr(x, "__name__", x),
)
def test_each_loader_says_what_a_file_is_and_which_function_takes_it(files, loader, kind):
    with pytest.raises(WrongKind, match=LIBRARY[kind]) as err:
        loader(files[kind])
    assert str(files[kind]) in str(err.value) and err.value.kind == kind
    back = pickle.loads(pickle.dumps(err.value))
    assert str(back) == str(err.value) and back.kind == kind


@pytest.mark.parametrize(
    ("argv", "kind"),
    [(argv, kind) for argv, (_, kinds) in COMMANDS.items() for kind in kinds],
    ids=str,
)
def test_each_command_says_what_a_file_is_and_which_command_takes_it(files, capsys, argv, kind):
    if argv[0] == "export" and importlib.util.find_spec("onnx") is None:
        pytest.skip("export needs onnx")
    folder = files[kind].parent
    paths = {"MODEL": files[kind], "t.csv": folder / "t.csv", "never.onnx": folder / "never.onnx"}
    code, out, err = run(capsys, *[paths.get(a, a) for a in argv])
    assert code == 2 and out == "", err
    assert err.startswith(f"error: {files[kind]} ")
    assert re.search(COMMANDS[argv][0], err) and re.search(COMMAND[kind], err), err
    assert not (folder / "never.onnx").exists()


def test_the_files_each_loader_takes_still_load(files):
    for kind in MODELS:
        assert lw.load(files[kind]).layer_dims[0] == 2
        assert load_model(files[kind]).network.layer_dims[0] == 2
    assert load_estimator(files["estimator"]).classes_.tolist() == ["a", "b"]
    assert load_checkpoint(files["checkpoint"]).epochs_done == 1


@pytest.mark.skipif(importlib.util.find_spec("onnx") is None, reason="needs onnx")
def test_a_real_export_is_recognized_as_onnx(files, tmp_path):
    from layerwise.export import to_onnx

    path = tmp_path / "real.onnx"
    path.write_bytes(to_onnx(lw.load(files["network"])).SerializeToString())
    with pytest.raises(WrongKind, match=LIBRARY["onnx"]):
        lw.load(path)


def test_onnx_is_recognized_only_by_its_name_and_first_bytes(files, tmp_path):
    for name, data in [
        ("model.npz", ONNX_BYTES),  # ONNX bytes under another name
        ("text.onnx", b"hello, world"),  # an .onnx name over other bytes
        ("short.onnx", b"\x08\x08"),
    ]:
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ValueError, match=r"is not a layerwise model file, or it is trunc"):
            lw.load(tmp_path / name)
    (tmp_path / "zip.onnx").write_bytes(files["network"].read_bytes())  # a model named .onnx
    assert lw.load(tmp_path / "zip.onnx").layer_dims == [2, 3, 1]


def test_a_broken_file_claiming_another_kind_is_refused_as_broken(files, tmp_path):
    deflated = tmp_path / "deflated.npz"  # a checkpoint header, but members compressed
    deflated.write_bytes(files["checkpoint"].read_bytes())
    rewrite(deflated, members(deflated), zipfile.ZIP_DEFLATED)
    with pytest.raises(ValueError, match=r"not a valid layerwise model: .* is compressed") as err:
        lw.load(deflated)
    assert not isinstance(err.value, WrongKind)
    fake = tmp_path / "fake.npz"  # a model whose header claims the checkpoint format
    fake.write_bytes(files["network"].read_bytes())
    edit_header(fake, lambda h: h.update(format="layerwise-checkpoint"))
    with pytest.raises(WrongKind, match=CHECKPOINT):  # the words only: never read as one
        lw.load(fake)
    with pytest.raises(ValueError, match=r"not a valid layerwise checkpoint") as err:
        load_checkpoint(fake)
    assert not isinstance(err.value, WrongKind)


def test_a_class_name_is_printed_only_when_plain(files, tmp_path):
    path = tmp_path / "est.npz"
    path.write_bytes(files["estimator"].read_bytes())
    edit_header(path, lambda h: h["estimator"].update({"class": "\x1b[31mEvil"}))
    with pytest.raises(WrongKind, match=r"is a layerwise estimator file") as err:
        load_checkpoint(path)
    assert "\x1b" not in str(err.value) and "Evil" not in str(err.value)


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ({"format": "layerwise-checkpoint"}, ("checkpoint", None)),
        ({"format": "layerwise-model", "preprocessing": None}, ("network", None)),
        ({"format": "layerwise-model", "preprocessing": {}}, ("trained model", None)),
        (
            {"format": "layerwise-model", "estimator": {"class": "LayerwiseRegressor"}},
            ("estimator", "LayerwiseRegressor"),
        ),
        (
            {"format": "layerwise-model", "training": {"estimator": {"class": "X"}}},
            ("estimator", "X"),
        ),
        ({"format": "layerwise-model", "estimator": {"class": 7}}, ("network", None)),
        ({"format": "pickle"}, (None, None)),
        ([1, 2], (None, None)),
        (json.loads('"layerwise-model"'), (None, None)),
    ],
)
def test_kind_of_header(header, kind):
    assert kind_of_header(header) == kind


def test_resume_on_a_finished_run_folder_says_where_its_model_is(files, tmp_path, capsys):
    (tmp_path / "model.npz").write_bytes(files["trained model"].read_bytes())
    code, _, err = run(capsys, "train", "--resume", tmp_path)
    assert code == 2
    assert re.search(
        r"holds no checkpoint\.npz, only model\.npz, the model of a finished run; --resume "
        r"continues a run trained with --checkpoint DIR\. Hint: `layerwise evaluate`.*model\.npz",
        err,
    ), err
    (tmp_path / "empty").mkdir()
    code, _, err = run(capsys, "train", "--resume", tmp_path / "empty")
    assert code == 2 and err.endswith("empty/checkpoint.npz not found.\n")  # as before


def test_a_run_folder_given_for_a_model_points_to_its_model(files, tmp_path, capsys):
    (tmp_path / "model.npz").write_bytes(files["trained model"].read_bytes())
    code, _, err = run(capsys, "summary", tmp_path)
    assert code == 2 and err == f"error: {tmp_path} is a folder; this command needs {ANY}. " + (
        f"Hint: give it {tmp_path / 'model.npz'}.\n"
    )
    (tmp_path / "model.npz").unlink()
    code, _, err = run(capsys, "summary", tmp_path)
    assert code == 2 and err == f"error: model file {tmp_path} is a folder.\n"  # as before


@pytest.mark.parametrize(
    ("name", "start", "onnx"),
    [
        ("m.onnx", ONNX_BYTES, True),
        ("m.ONNX", b"\x08\x01\x12", True),  # ir_version 1, the smallest
        ("m.onnx", b"\x08\x7f\xca", True),  # 127, the largest one-byte varint
        ("m.onnx", b"\x08\x00\x12", False),
        ("m.onnx", b"\x08\x80\x12", False),  # a varint that goes on
        ("m.onnx", b"\x09\x08\x12", False),  # not field 1 first
        ("m.onnx", b"\x08\x08\x13", False),  # no later field's tag
        ("m.onnx", b"\x08\x08", False),  # too short
        ("m.bin", ONNX_BYTES, False),  # ONNX bytes alone are not enough
    ],
)
def test_onnx_prefix_reads_a_name_and_three_bytes(tmp_path, name, start, onnx) -> None:
    path = tmp_path / name
    path.write_bytes(start)
    assert onnx_prefix(path) is onnx
    assert onnx_prefix(tmp_path / "missing.onnx") is False
    (tmp_path / "folder.onnx").mkdir(exist_ok=True)
    assert onnx_prefix(tmp_path / "folder.onnx") is False
