"""Reading files a user hands us: text tables and their delimiter (data/tables.py), binary files
that are not what their suffix says (data/binary.py); every error names the file."""

import numpy as np
import pytest

pd = pytest.importorskip("pandas")

from layerwise.data import read_data  # noqa: E402
from layerwise.data.tables import check_sep, find_sep  # noqa: E402

ROWS = [["size", "color", "label"], ["1.5", "red", "yes"], ["2.25", "blue", "no"]]
ROWS += [["3", "red", "yes"], ["0.5", "blue", "no"]]


def _table(path, sep, rows=ROWS):
    path.write_text("\n".join(sep.join(row) for row in rows) + "\n")
    return path


@pytest.mark.parametrize(
    ("name", "sep"),
    [
        *[("a.csv", sep) for sep in (",", ";", "\t", "|")],
        *[("a.tsv", sep) for sep in ("\t", ",")],
        *[("a.txt", sep) for sep in ("\t", ",")],
        ("a.tab", ";"),
    ],
)
def test_the_delimiter_is_found(tmp_path, name, sep):
    path = _table(tmp_path / name, sep)
    assert find_sep(path, ",") == sep
    data = read_data(path)
    assert list(data.features.columns) == ["size", "color"]
    assert data.target_names == ["label"]
    np.testing.assert_array_equal(data.features["size"], [1.5, 2.25, 3, 0.5])


def test_a_semicolon_table_reads_decimal_commas(tmp_path):
    rows = [["a", "b", "y"], ["1,5", "2", "x"], ["2,25", "3", "z"]]
    data = read_data(_table(tmp_path / "eu.csv", ";", rows))
    np.testing.assert_array_equal(data.features["a"], [1.5, 2.25])
    assert data.features["a"].dtype == np.float64


def test_a_comma_table_with_semicolons_in_text_keeps_the_comma(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('note,x,y\n"a;b",1,0\n"c;d",2,1\n"e;f",3,0\n')
    data = read_data(path)
    assert list(data.features.columns) == ["note", "x"] and data.features["note"][0] == "a;b"


def test_sep_overrides_and_a_mis_split_file_names_file_and_delimiter(tmp_path):
    path = _table(tmp_path / "semi.csv", ";")
    with pytest.raises(
        ValueError,
        match=r"semi\.csv \(read with delimiter ','\) has no feature columns besides the target "
        r"\['size;color;label'\]\. Hint: its one column .* holds ';': pass sep=';'\.",
    ):
        read_data(path, sep=",")
    with pytest.raises(ValueError, match=r"target column 'label' is not in .*semi\.csv \(read "):
        read_data(path, "label", sep=",")
    assert read_data(path, sep=";").target_names == ["label"]
    with pytest.raises(ValueError, match=r"sep=';' applies to text tables .*not to digits"):
        read_data("digits", sep=";")


@pytest.mark.parametrize(("text", "sep"), [("tab", "\t"), ("\\t", "\t"), (";", ";")])
def test_check_sep_names(text, sep):
    assert check_sep(text) == sep


def test_check_sep_refuses_more_than_one_character():
    with pytest.raises(ValueError, match=r"sep must be one character .*got ';;'"):
        check_sep(";;")


def test_a_ragged_table_names_the_file_line_and_delimiter(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("a,b,y\n1,2,0\n1,2,3,4\n")
    with pytest.raises(ValueError, match=r"r\.csv \(read with delimiter ','\) is not a regular "):
        read_data(path)


def test_a_column_name_with_a_comma_is_quoted_in_messages(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text('"income, net",age,y\n1,2,0\n3,4,1\n')
    with pytest.raises(ValueError, match=r'its columns are: "income, net", age, y\.'):
        read_data(path, "income")
    assert read_data(path, "income, net").target_names == ["income, net"]


# ----- binary files ----------------------------------------------------------------------------
JUNK = bytes(range(7, 250)) * 4


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("junk.npz", r"junk\.npz is not a NumPy \.npz archive \(np\.savez\): its first bytes"),
        ("junk.npy", r"junk\.npy is not a NumPy \.npy array \(np\.save\): its first bytes"),
        ("junk.h5", r"junk\.h5 is not an HDF5 file \(h5py: .*signature.*\)\. Expected an HDF5"),
        ("junk.parquet", r"junk\.parquet is not a readable Parquet file"),
    ],
)
def test_junk_binary_files_name_the_file_and_what_was_expected(tmp_path, name, match):
    if name.endswith(".h5"):
        pytest.importorskip("h5py")
    if name.endswith(".parquet"):
        pytest.importorskip("pyarrow")
    (tmp_path / name).write_bytes(JUNK)
    with pytest.raises(ValueError, match=match) as caught:
        read_data(tmp_path / name)
    assert "allow_pickle" not in str(caught.value)


def test_array_files_of_the_other_kind_and_object_arrays(tmp_path):
    np.savez(tmp_path / "a.npz", X=np.zeros((3, 2)), y=np.zeros(3))
    (tmp_path / "a.npy").write_bytes((tmp_path / "a.npz").read_bytes())
    with pytest.raises(ValueError, match=r"a\.npy is not a NumPy \.npy .*holds an \.npz archive"):
        read_data(tmp_path / "a.npy")
    np.save(tmp_path / "b.npy", np.zeros((3, 2)))
    (tmp_path / "b.npz").write_bytes((tmp_path / "b.npy").read_bytes())
    with pytest.raises(ValueError, match=r"b\.npz is not a NumPy \.npz .*a single \.npy array"):
        read_data(tmp_path / "b.npz")
    np.savez(tmp_path / "o.npz", X=np.array([[1, "a"]], dtype=object), y=np.zeros(1))
    with pytest.raises(ValueError, match=r"o\.npz: array 'X' cannot be read: it holds Python"):
        read_data(tmp_path / "o.npz")
