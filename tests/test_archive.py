"""The one archive format: every check applies to model files and checkpoints alike.

Each test damages a valid file of each kind the same way and expects the archive's own message
(the caps monkeypatched small where a real file over them would be large).
"""

from __future__ import annotations

import io
import json
import re
import reprlib
import zipfile

import numpy as np
import pytest

import layerwise as lw
from layerwise.data import load_checkpoint, load_model
from layerwise.persistence import CHECKPOINT, MODEL, archive, read_archive, write_archive
from model_files import members, rewrite

LOADERS = {"model": load_model, "checkpoint": load_checkpoint}
FORMATS = {"model": MODEL, "checkpoint": CHECKPOINT}
ARRAY = {"model": "W1", "checkpoint": "theta"}  # an array each kind always holds


@pytest.fixture(params=["model", "checkpoint"])
def kind(request) -> str:
    return request.param


@pytest.fixture
def valid(tmp_path, kind):
    """A valid file of ``kind``: a saved network, or the checkpoint of a short run."""
    path = tmp_path / f"{kind}.npz"
    net = lw.Network([2, 3, 1], seed=0)
    if kind == "model":
        net.save(path)
    else:
        rng = np.random.default_rng(0)
        X, Y = rng.standard_normal((2, 8)), (rng.random((1, 8)) > 0.5).astype(float)
        net.fit(X, Y, epochs=2, optimizer="adam", checkpoint=path)
    return path


def _refused(kind: str, path, match: str) -> None:
    with pytest.raises(ValueError, match=match) as err:
        LOADERS[kind](path)
    assert str(err.value).startswith(f"{path} is not a valid layerwise {kind}: "), err.value


def _npy(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    f = io.BytesIO()
    np.lib.format.write_array(f, array, allow_pickle=allow_pickle)
    return f.getvalue()


def _array(path, name: str) -> np.ndarray:
    with zipfile.ZipFile(path) as zf, zf.open(f"{name}.npy") as f:
        return np.lib.format.read_array(f)


def test_both_kinds_load_untouched(valid, kind) -> None:
    LOADERS[kind](valid)  # so every refusal below is about the damage


def test_too_many_members(valid, kind, monkeypatch) -> None:
    n = len(members(valid))
    monkeypatch.setattr(archive, "MAX_MEMBERS", n - 1)
    _refused(kind, valid, rf"{n} members, over {n - 1}")


@pytest.mark.parametrize("kind", ["checkpoint"])
def test_a_checkpoint_holds_at_most_256_members(valid, kind) -> None:
    path = valid
    with zipfile.ZipFile(path, "a") as zf:
        for i in range(257 - len(zf.namelist())):
            zf.writestr(f"junk{i}.npy", b"")
    with pytest.raises(ValueError, match=r"257 members, over 256"):
        load_checkpoint(path)


def test_a_header_over_the_cap(valid, kind, monkeypatch) -> None:
    size = len(members(valid)["header.json"])
    monkeypatch.setattr(archive, "MAX_HEADER_BYTES", size - 1)
    _refused(kind, valid, rf"header\.json is {size} bytes, over {size - 1}")


def test_a_compressed_header_over_the_cap(valid, kind, monkeypatch) -> None:
    # random bytes do not deflate: stored deflated, they take more room than inflated
    header = np.random.default_rng(0).bytes(1000)
    with zipfile.ZipFile(valid, "w") as zf:
        zf.writestr("header.json", header, compress_type=zipfile.ZIP_DEFLATED)
    monkeypatch.setattr(archive, "MAX_HEADER_BYTES", 1000)
    _refused(kind, valid, r"header\.json takes \d+ bytes compressed, over 1000")


def test_a_zip_bomb_header_is_refused_by_the_cap_before_it_is_inflated(
    valid, kind, monkeypatch
) -> None:
    files = members(valid)
    with zipfile.ZipFile(valid, "w") as zf:
        for name, data in files.items():
            if name != "header.json":
                zf.writestr(name, data)
        info = zipfile.ZipInfo("header.json")
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as out:
            for _ in range((archive.MAX_HEADER_BYTES >> 20) + 1):
                out.write(bytes(1 << 20))

    def never(*args, **kwargs):
        raise AssertionError("a member was inflated before the caps were checked")

    monkeypatch.setattr(zipfile.ZipFile, "open", never)
    _refused(kind, valid, rf"header\.json is \d+ bytes, over {archive.MAX_HEADER_BYTES}")


def test_a_stored_header_just_over_the_real_cap_is_refused_unread(valid, kind, monkeypatch) -> None:
    # the documented cap itself (64 MiB), not a monkeypatched one: a cap raised by mistake
    # lets this header through to be read, which `never` refuses
    files = members(valid)
    with zipfile.ZipFile(valid, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, bytes((64 << 20) + 1) if name == "header.json" else data)

    def never(*args, **kwargs):
        raise AssertionError("a member was read before the caps were checked")

    monkeypatch.setattr(zipfile.ZipFile, "open", never)
    _refused(kind, valid, rf"header\.json is {(64 << 20) + 1} bytes, over {64 << 20}")


def test_a_compressed_array(valid, kind) -> None:
    name = f"{ARRAY[kind]}.npy"
    files = members(valid)
    with zipfile.ZipFile(valid, "w") as zf:
        for member, data in files.items():
            zf.writestr(member, data, compress_type=zipfile.ZIP_DEFLATED * (member == name))
    _refused(kind, valid, rf"{name} is compressed or encrypted")


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_a_non_finite_array(valid, kind, value) -> None:
    name = ARRAY[kind]
    array = _array(valid, name)
    array.flat[-1] = value
    rewrite(valid, members(valid) | {f"{name}.npy": _npy(array)})
    _refused(kind, valid, rf"{name} holds NaN or inf")


def test_an_npy_shape_unlike_the_declared_one(valid, kind) -> None:
    name = ARRAY[kind]
    array = _array(valid, name)
    rewrite(valid, members(valid) | {f"{name}.npy": _npy(array.reshape(1, -1))})
    _refused(kind, valid, rf"{name}\.npy has shape \(1, {array.size}\), expected")


@pytest.mark.parametrize("cut", [8, -8])
def test_an_npy_body_of_the_wrong_size(valid, kind, cut) -> None:
    name = ARRAY[kind]
    data = members(valid)[f"{name}.npy"]
    data = data[:-cut] if cut > 0 else data + bytes(-cut)
    rewrite(valid, members(valid) | {f"{name}.npy": data})
    _refused(kind, valid, rf"{name}\.npy is \d+ bytes, not what its shape needs")


def test_a_pickled_array(valid, kind) -> None:
    name = ARRAY[kind]
    objects = np.array([{"a": 1}] * _array(valid, name).size, object)
    rewrite(valid, members(valid) | {f"{name}.npy": _npy(objects, allow_pickle=True)})
    _refused(kind, valid, rf"{name}\.npy holds object")


def test_a_big_endian_array(valid, kind) -> None:
    name = ARRAY[kind]
    array = _array(valid, name)
    rewrite(valid, members(valid) | {f"{name}.npy": _npy(array.astype(">f8"))})
    _refused(kind, valid, rf"{name}\.npy holds >f8, expected float64")


def test_duplicate_members(valid, kind) -> None:
    files = members(valid)
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(valid, "a") as zf:
        zf.writestr(f"{ARRAY[kind]}.npy", files[f"{ARRAY[kind]}.npy"])
    _refused(kind, valid, rf"duplicate members \['{ARRAY[kind]}\.npy'\]")


def test_an_undeclared_member(valid, kind) -> None:
    rewrite(valid, members(valid) | {"x.npy": _npy(np.zeros(2))})
    _refused(kind, valid, r"missing \[\], extra \['x\.npy'\]")


def test_an_array_name_that_is_a_path(valid, kind) -> None:
    files = members(valid)
    header = json.loads(files["header.json"])
    header["arrays"]["../x"] = {"shape": [1], "dtype": "float64"}
    rewrite(valid, files | {"header.json": json.dumps(header).encode()})
    _refused(kind, valid, r"array name '\.\./x' is not a plain name")


def test_the_kinds_differ_only_in_their_format_record(tmp_path) -> None:
    # a checkpoint may hold int64 arrays and up to 4 dims; a model's extras are 1 or 2 floats
    arrays = {"order": np.arange(3), "t": np.zeros((1, 1, 1, 2))}
    path = write_archive(tmp_path / "c.npz", {"x": 1}, arrays, CHECKPOINT)
    header, back = read_archive(path, CHECKPOINT)
    assert header["format"] == CHECKPOINT.name and header["x"] == 1
    assert {k: (a.dtype, a.shape) for k, a in back.items()} == {
        "order": (np.dtype(np.int64), (3,)),
        "t": (np.dtype(np.float64), (1, 1, 1, 2)),
    }
    with pytest.raises(ValueError, match=r"c.npz is a layerwise checkpoint .*, not a model file"):
        read_archive(path, MODEL)
    other = write_archive(tmp_path / "o.npz", {"format": "other"}, {}, CHECKPOINT)
    with pytest.raises(ValueError, match=r"does not describe a 'layerwise-model'"):
        read_archive(other, MODEL)  # a format of no known kind: the words of any broken file


def test_files_are_little_endian_whatever_the_arrays_are(tmp_path) -> None:
    theta = np.arange(4.0).astype(">f8")
    path = write_archive(tmp_path / "c.npz", {}, {"theta": theta}, CHECKPOINT)
    assert _array(path, "theta").dtype.str == "<f8"
    _, back = read_archive(path, CHECKPOINT)
    assert back["theta"].dtype == np.float64
    np.testing.assert_array_equal(back["theta"], theta)


def _npy_version(array: np.ndarray, version: tuple[int, int]) -> bytes:
    f = io.BytesIO()
    np.lib.format.write_array(f, array, version=version)
    return f.getvalue()


def test_npy_versions_1_and_2_are_read_and_3_is_refused(valid, kind) -> None:
    name = ARRAY[kind]
    array = _array(valid, name)
    rewrite(valid, members(valid) | {f"{name}.npy": _npy_version(array, (2, 0))})
    np.testing.assert_array_equal(read_archive(valid, FORMATS[kind])[1][name], array)
    rewrite(valid, members(valid) | {f"{name}.npy": _npy_version(array, (3, 0))})
    _refused(
        kind,
        valid,
        rf"{name}\.npy has no valid \.npy header \(unsupported \.npy version \(3, 0\)\)",
    )


def test_an_npy_header_up_to_the_archive_cap_is_read(valid, kind) -> None:
    # numpy's own default cap is 10,000 bytes; the archive allows MAX_NPY_HEADER (64 KiB)
    name = ARRAY[kind]
    array = _array(valid, name)
    text = repr({"descr": "<f8", "fortran_order": False, "shape": array.shape})
    text += " " * (20_000 - len(text)) + "\n"
    data = b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode("latin1")
    rewrite(valid, members(valid) | {f"{name}.npy": data + array.astype("<f8").tobytes()})
    np.testing.assert_array_equal(read_archive(valid, FORMATS[kind])[1][name], array)


def _declare(path, entry, array: np.ndarray | None = None) -> None:
    """Add an array ``x`` the kind does not require, declared as ``entry``, stored if given."""
    files = members(path)
    header = json.loads(files["header.json"])
    header["arrays"]["x"] = entry
    extra = {} if array is None else {"x.npy": _npy(array)}
    rewrite(path, files | {"header.json": json.dumps(header).encode()} | extra)


def test_an_extra_array_at_the_limits_of_its_declaration_is_read(valid, kind) -> None:
    fmt = FORMATS[kind]
    original = members(valid)
    for ndim in fmt.ndims:
        for dtype in fmt.dtypes:
            shape = [2] * (ndim - 1) + [0] if ndim else []  # a dimension of 0 is allowed
            rewrite(valid, original)
            _declare(valid, {"shape": shape, "dtype": dtype}, np.zeros(shape, dtype))
            x = read_archive(valid, fmt)[1]["x"]
            assert x.shape == tuple(shape) and x.dtype == dtype


def test_an_extra_array_declared_out_of_its_bounds_is_refused(valid, kind) -> None:
    fmt = FORMATS[kind]
    low, high = fmt.ndims
    ok = fmt.dtypes[0]
    entries = [
        {"shape": [1] * (high + 1), "dtype": ok},
        {"shape": [-1], "dtype": ok},
        {"shape": [archive.MAX_DIM], "dtype": ok},
        {"shape": [True], "dtype": ok},
        {"shape": [1.0], "dtype": ok},
        {"shape": "1", "dtype": ok},
        {"shape": [1], "dtype": "int8"},
        {"dtype": ok},
        [1],
    ]
    if low > 0:
        entries.append({"shape": [1] * (low - 1), "dtype": ok})
    original = members(valid)
    for entry in entries:
        rewrite(valid, original)
        _declare(valid, entry)
        _refused(kind, valid, re.escape(f"array x is declared as {reprlib.repr(entry)}."))
    # the largest dimension a declaration may hold passes, to be refused as a missing member
    rewrite(valid, original)
    _declare(valid, {"shape": [archive.MAX_DIM - 1], "dtype": ok})
    _refused(kind, valid, re.escape("missing ['x.npy'], extra []"))


def test_a_header_with_a_json_constant_is_refused(valid, kind) -> None:
    files = members(valid)
    text = files["header.json"].decode().replace("{", '{"x": NaN, ', 1)
    rewrite(valid, files | {"header.json": text.encode()})
    _refused(kind, valid, r"header\.json is not valid JSON \(NaN is not allowed\)")


def test_a_header_whose_arrays_are_not_an_object_or_lack_a_required_one(valid, kind) -> None:
    header = json.loads(members(valid)["header.json"])
    required = sorted(MODEL.schema(dict(header))) if kind == "model" else []
    for arrays in [5, {}] if kind == "model" else [5]:  # a checkpoint's reader requires its own
        header["arrays"] = arrays
        rewrite(valid, {"header.json": json.dumps(header).encode()})
        message = f"arrays must include {required}, the header declares {arrays}"
        _refused(kind, valid, re.escape(message))


def test_more_arrays_declared_than_a_file_may_hold(valid, kind, monkeypatch) -> None:
    files = members(valid)
    header = json.loads(files["header.json"])
    header["arrays"]["x"] = {"shape": [1], "dtype": "float64"}  # declared, not stored
    rewrite(valid, files | {"header.json": json.dumps(header).encode()})
    cap = len(files)  # the members pass their own cap: the declarations reach it
    monkeypatch.setattr(archive, "MAX_MEMBERS", cap)
    _refused(kind, valid, rf"{cap} arrays declared, over {cap - 1}")


def test_write_archive_refuses_what_json_cannot_hold_and_stores_numpy_scalars(tmp_path) -> None:
    path = tmp_path / "c.npz"
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        write_archive(path, {"x": float("nan")}, {"theta": np.zeros(2)}, CHECKPOINT)
    with pytest.raises(TypeError, match=r"^cannot store set in a file header"):
        write_archive(path, {"x": {1}}, {"theta": np.zeros(2)}, CHECKPOINT)
    assert not path.exists()
    write_archive(path, {"n": np.int64(3), "v": np.float32(0.5)}, {"t": np.zeros(2)}, CHECKPOINT)
    header = read_archive(path, CHECKPOINT)[0]
    assert header["n"] == 3 and type(header["n"]) is int and header["v"] == 0.5


def test_the_caps_are_inclusive(valid, kind, monkeypatch) -> None:
    files = members(valid)
    monkeypatch.setattr(archive, "MAX_MEMBERS", len(files))
    monkeypatch.setattr(archive, "MAX_HEADER_BYTES", len(files["header.json"]))
    LOADERS[kind](valid)  # exactly at both caps: read
