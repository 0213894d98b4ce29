"""What layerwise writes for people and spreadsheets: `predict --keep` and `--proba`, CSV cells a
spreadsheet would run as formulas (OWASP), control characters on the terminal, the scales of the
regression tables and the words of `export --check` on a regression model."""

import csv
import io
import json

import numpy as np
import pytest

from layerwise import cli
from layerwise.cli import train as train_command
from layerwise.data.safe_text import csv_cell, printable, write_csv

pd = pytest.importorskip("pandas")
pytest.importorskip("sklearn")

from commands import run  # noqa: E402
from model_files import edit_header  # noqa: E402

CALC = "=cmd|' /C calc'!A0"  # the classic formula payload
TRICKY = 'say "hi", then\nleave'  # a quote, a comma and a line break in one cell


# ----- the cells -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (CALC, "'" + CALC),
        ("@SUM(1)", "'@SUM(1)"),
        ("+1", "'+1"),
        ("-2", "'-2"),  # text that looks like a number is still text
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("a=b", "a=b"),  # only the first character counts
        (None, ""),
        (float("nan"), ""),
        (np.float32("nan"), ""),
        (True, "True"),
    ],
)
def test_text_cells_a_spreadsheet_would_run_get_a_quote(value, cell):
    assert csv_cell(value) == cell


@pytest.mark.parametrize("number", [-2.0, -2, np.float64(-2.5), np.int64(-3), np.float32(0.5)])
def test_numbers_stay_numbers(number):
    cell = csv_cell(number)
    assert cell == number and isinstance(cell, int | float) and not isinstance(cell, np.generic)


def test_written_csv_is_quoted_by_the_csv_rules_and_reads_back():
    f = io.StringIO(newline="")
    write_csv(f, ["id", "=h"], [[TRICKY, -2.0], ["-2", 0.30323986440116923], [CALC, -1]])
    text = f.getvalue()
    assert text.splitlines()[0] == "id,'=h"
    assert "\n-2.0" not in text and ",-2.0\n" in text and ",-1\n" in text  # numbers unquoted
    assert '"say ""hi"", then\nleave"' in text  # quoted, quotes doubled
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["id", "'=h"],
        [TRICKY, "-2.0"],
        ["'-2", "0.30323986440116923"],  # a float by its round-trip repr
        ["'" + CALC, "-1"],
    ]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("red\x1b[2J", "red\\x1b[2J"),
        ("a\rb", "a\\rb"),
        ("a\nb\tc", "a\\nb\\tc"),
        ("nul\x00", "nul\\x00"),
        ("csi\x9b31m", "csi\\x9b31m"),
        ("abc\u202edef", "abc\\u202edef"),
        ("café R² ✓", "café R² ✓"),
    ],
)
def test_printable_escapes_control_characters_as_repr_does(text, shown):
    assert printable(text) == shown


def test_a_csv_on_the_terminal_shows_no_control_character():
    f = io.StringIO(newline="")
    write_csv(f, ["x\x1b[31m"], [["a\rb"], [CALC]], terminal=True)
    assert f.getvalue() == "x\\x1b[31m\na\\rb\n'" + CALC + "\n"


# ----- predict --keep and --proba -------------------------------------------------------------
def train(*argv) -> None:
    """``layerwise train ARGV... --quiet``, without its plots (the slow part of a tiny run)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(train_command, "_plots", lambda *args: [])
        assert cli.main([str(a) for a in [*argv, "--quiet"]]) == 0


@pytest.fixture(scope="module")
def churn(tmp_path_factory):
    """A table whose classes are formulas, with an id, a note with gaps and numbers dropped in
    training; a model of it; and new rows in another order."""
    folder = tmp_path_factory.mktemp("churn")
    rng = np.random.default_rng(0)
    m = 60
    frame = pd.DataFrame(
        {
            "id": [f"-c{i:03d}" for i in range(m)],  # text starting with "-"
            "age": rng.normal(40, 10, m),
            "plan": rng.choice(["basic", "pro"], m),
            "balance": -rng.random(m) * 100,  # negative numbers
            "note": [[TRICKY, "+1", None, "ok"][i % 4] for i in range(m)],
        }
    )
    score = frame["age"] + 10 * (frame["plan"] == "pro")
    frame["churn"] = np.where(score > 45, CALC, "@SUM(1)")
    frame.to_csv(folder / "churn.csv", index=False)
    new = frame.drop(columns="churn").iloc[::-1]
    new.to_csv(folder / "new.csv", index=False)
    train("train", folder / "churn.csv", "--drop", "id,note,balance", "--epochs", 3, "--out",
          folder / "run")  # fmt: skip
    return folder


def written(path) -> list[list[str]]:
    with open(path, newline="") as f:
        return list(csv.reader(f))


@pytest.mark.parametrize("proba", [False, True])
@pytest.mark.parametrize("to_file", [False, True])
def test_keep_copies_columns_beside_the_prediction_in_the_inputs_order(
    churn, capsys, tmp_path, proba, to_file
):
    out = tmp_path / "p.csv"
    argv = ["predict", churn / "run" / "model.npz", churn / "new.csv", "--keep", "id,age,note"]
    argv += ["--proba"] * proba + ["-o", out] * to_file
    code, stdout, err = run(capsys, *argv)
    assert code == 0, err
    rows = written(out) if to_file else list(csv.reader(io.StringIO(stdout, newline="")))
    probas = [f"proba_{c}" for c in (CALC, "@SUM(1)")]  # the classes, sorted: safe names
    assert rows[0] == ["id", "age", "note", "prediction", *probas[: 2 * proba]]
    new = pd.read_csv(churn / "new.csv", keep_default_na=False)
    got = list(zip(*rows[1:], strict=True))
    assert list(got[0]) == ["'" + i for i in new["id"]]  # in DATA's order, neutralized
    np.testing.assert_array_equal(np.array(got[1], float), new["age"])  # exact: a number
    notes = {TRICKY: TRICKY, "+1": "'+1", "": "", "ok": "ok"}  # a gap is an empty cell
    assert list(got[2]) == [notes[n] for n in new["note"]]
    assert set(got[3]) <= {"'" + CALC, "'@SUM(1)"}
    if proba:
        P = np.array(got[4:], float).T  # (m, 2)
        np.testing.assert_allclose(P.sum(axis=1), 1)
        assert list(got[3]) == np.array(["'" + CALC, "'@SUM(1)"])[P.argmax(axis=1)].tolist()


def test_kept_negative_numbers_stay_numbers(churn, capsys):
    code, out, _ = run(
        capsys, "predict", churn / "run" / "model.npz", churn / "new.csv", "--keep", "balance"
    )
    assert code == 0
    cells = [line.split(",")[0] for line in out.splitlines()[1:]]
    assert all(c.startswith("-") and float(c) < 0 for c in cells)


def test_keep_of_an_unknown_column_names_it_and_the_columns(churn, capsys):
    argv = ["predict", churn / "run" / "model.npz", churn / "new.csv", "--keep", 'id,"no, such"']
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert err.startswith("error: column 'no, such' is not in ")
    columns = "its columns are: id, age, plan, balance, note. Hint: choose --keep among them."
    assert f"new.csv (read with delimiter ','); {columns}" in err


def test_a_kept_column_named_like_an_output_column_is_refused(churn, capsys, tmp_path):
    pd.read_csv(churn / "new.csv").rename(columns={"note": "proba_@SUM(1)"}).to_csv(
        tmp_path / "clash.csv", index=False
    )
    argv = ["predict", churn / "run" / "model.npz", tmp_path / "clash.csv", "--proba"]
    code, _, err = run(capsys, *argv, "--keep", "proba_@SUM(1)", "--drop", "proba_@SUM(1)")
    assert code == 2 and err.count("\n") == 1, err
    assert "--keep column 'proba_@SUM(1)' has the name of a column predict writes" in err


@pytest.fixture(scope="module")
def tasks(tmp_path_factory):
    """A multi-class and a multi-label model of one small table, and a regression one."""
    folder = tmp_path_factory.mktemp("tasks")
    rng = np.random.default_rng(1)
    m = 60
    frame = pd.DataFrame({"x1": rng.normal(size=m), "x2": rng.normal(size=m)})
    frame["kind"] = np.array(["a", "b", "c"])[np.digitize(frame["x1"], [-0.5, 0.5])]
    frame["hot"], frame["big"] = (frame["x1"] > 0).astype(int), (frame["x2"] > 0).astype(int)
    frame["price"] = frame["x1"] * 3e4 + 1e5
    frame.to_csv(folder / "t.csv", index=False)
    for name, target, drop in [
        ("multiclass", "kind", "hot,big,price"),
        ("multilabel", "hot,big", "kind,price"),
        ("regression", "price", "kind,hot,big"),
    ]:
        argv = ["train", folder / "t.csv", "--target", target, "--drop", drop, "--epochs", 2]
        train(*argv, "--out", folder / name)
    return folder


def test_proba_writes_the_label_and_one_named_probability_per_class(tasks, capsys):
    model, data = tasks / "multiclass" / "model.npz", tasks / "t.csv"
    code, out, _ = run(
        capsys, "predict", model, data, "--proba", "--keep", "kind", "--keep", "price"
    )
    assert code == 0
    frame = pd.read_csv(io.StringIO(out))  # the target and a dropped column kept beside
    assert list(frame.columns) == ["kind", "price", "prediction", "proba_a", "proba_b", "proba_c"]
    pd.testing.assert_frame_equal(frame[["kind", "price"]], pd.read_csv(data)[["kind", "price"]])
    P = frame.drop(columns=["kind", "price", "prediction"]).to_numpy()
    np.testing.assert_allclose(P.sum(axis=1), 1)
    assert frame["prediction"].tolist() == np.array(["a", "b", "c"])[P.argmax(axis=1)].tolist()


def test_multilabel_proba_writes_the_label_set_and_one_probability_per_label(tasks, capsys):
    model = tasks / "multilabel" / "model.npz"
    code, plain, _ = run(capsys, "predict", model, tasks / "t.csv", "--keep", "x1")
    code2, out, _ = run(capsys, "predict", model, tasks / "t.csv", "--keep", "x1", "--proba")
    assert code == code2 == 0
    frame = pd.read_csv(io.StringIO(out))
    assert list(frame.columns) == ["x1", "hot", "big", "proba_hot", "proba_big"]
    pd.testing.assert_frame_equal(frame[["x1", "hot", "big"]], pd.read_csv(io.StringIO(plain)))
    P = frame[["proba_hot", "proba_big"]].to_numpy()
    np.testing.assert_array_equal(frame[["hot", "big"]].to_numpy(), (P > 0.5).astype(int))


def test_proba_of_a_regression_model_is_refused(tasks, capsys):
    model = tasks / "regression" / "model.npz"
    code, out, err = run(capsys, "predict", model, tasks / "t.csv", "--proba")
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert "--proba writes class probabilities, and" in err
    assert (
        "does regression: it predicts values of price, not classes. Hint: leave out --proba" in err
    )
    code, out, _ = run(capsys, "predict", model, tasks / "t.csv", "--keep", "x2")
    assert code == 0 and out.splitlines()[0] == "x2,price"


def test_read_data_hands_kept_columns_back_as_read(tmp_path):
    from layerwise.data import read_data

    pd.DataFrame({"id": ["a", None, "3"], "x": [1.0, 2.0, 3.0], "y": [0, 1, 0]}).to_csv(
        tmp_path / "t.csv", index=False
    )
    data = read_data(tmp_path / "t.csv", drop=["id"], keep=["id", "y"])  # gaps, text and numbers
    assert list(data.features.columns) == ["x"]
    assert data.kept["id"].tolist()[::2] == ["a", "3"] and data.kept["id"].isna()[1]
    assert data.take(np.array([2, 0])).kept["y"].tolist() == [0, 0]
    assert read_data(tmp_path / "t.csv", drop=["id"]).kept is None
    with pytest.raises(ValueError, match=r"column 'z' is not in .*Hint: choose keep= among them"):
        read_data(tmp_path / "t.csv", drop=["id"], keep=["z"])


# ----- the terminal ---------------------------------------------------------------------------
HOSTILE = ["bad\x1b[2J\x1b[H", "good\x9b31m\x07"]


def test_summary_escapes_control_characters_of_a_hostile_model(churn, capsys, tmp_path):
    path = tmp_path / "hostile.npz"
    path.write_bytes((churn / "run" / "model.npz").read_bytes())

    def edit(header):
        header["preprocessing"]["target"]["classes"] = HOSTILE
        header["preprocessing"]["dropped"] = ["id\x1b]0;title\x07"]
        header["training"]["data"] = "x\x1b[31m"

    edit_header(path, edit)
    code, out, _ = run(capsys, "summary", path)
    assert code == 0
    assert not any(c in out for c in "\x1b\x9b\x07")
    assert "classes: bad\\x1b[2J\\x1b[H, good\\x9b31m\\x07" in out
    assert "dropped: id\\x1b]0;title\\x07" in out and "data=x\\x1b[31m" in out


def test_evaluate_predict_and_errors_escape_control_characters(tmp_path, capsys, monkeypatch):
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"x": rng.normal(size=40)})
    frame["y"] = np.where(frame["x"] > 0, HOSTILE[0], HOSTILE[1])
    frame.to_csv(tmp_path / "t.csv", index=False)
    train("train", tmp_path / "t.csv", "--epochs", 2, "--out", tmp_path / "run")
    assert "\x1b" not in capsys.readouterr().out
    model = tmp_path / "run" / "model.npz"
    code, out, _ = run(capsys, "evaluate", model, tmp_path / "t.csv")
    assert code == 0 and "bad\\x1b[2J" in out
    assert not any(c in out for c in "\x1b\x9b\x07")
    code, out, _ = run(capsys, "evaluate", model, tmp_path / "t.csv", "--json")
    assert code == 0 and "\x1b" not in out and HOSTILE[0] in json.loads(out)["per_class"]
    monkeypatch.setattr(__import__("sys").stdout, "isatty", lambda: True)
    code, out, _ = run(capsys, "predict", model, tmp_path / "t.csv", "--proba")
    assert code == 0 and "proba_bad\\x1b[2J\\x1b[H" in out and "\x1b" not in out
    frame["y"] = "other\x1b[31m"  # a class the model does not know: the error line
    frame.to_csv(tmp_path / "u.csv", index=False)
    code, _, err = run(capsys, "evaluate", model, tmp_path / "u.csv")
    assert code == 2 and "\x1b" not in err and err.count("\n") == 1, err


def test_predict_into_a_file_keeps_the_data_as_it_is(tmp_path, capsys):
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"x": rng.normal(size=40)})
    frame["y"] = np.where(frame["x"] > 0, "a\x1bb", "c")
    frame.to_csv(tmp_path / "t.csv", index=False)
    train("train", tmp_path / "t.csv", "--epochs", 2, "--out", tmp_path / "run")
    out = tmp_path / "p.csv"
    assert (
        run(capsys, "predict", tmp_path / "run" / "model.npz", tmp_path / "t.csv", "-o", out)[0]
        == 0
    )
    assert set(pd.read_csv(out)["prediction"]) <= {"a\x1bb", "c"}


# ----- the scales of a regression table, the words of export --check ---------------------------
SCALES = (
    "cost: J on the standardized target (what training minimizes); MSE, MAE: in the target's units"
)


def test_regression_tables_say_which_scale_each_column_is_on(tasks, tmp_path, capsys):
    train("train", tasks / "t.csv", "--target", "price", "--drop", "kind,hot,big", "--epochs", 2,
          "--out", tmp_path)  # fmt: skip
    assert SCALES in capsys.readouterr().out
    code, out, _ = run(capsys, "evaluate", tasks / "regression" / "model.npz", tasks / "t.csv")
    assert code == 0 and SCALES in out and out.splitlines()[1].startswith("cost ")
    code, out, _ = run(capsys, "evaluate", tasks / "multiclass" / "model.npz", tasks / "t.csv")
    assert code == 0 and "standardized" not in out


@pytest.mark.slow
def test_export_check_of_a_regression_model_speaks_of_values_not_labels(tasks, tmp_path, capsys):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    argv = ["export", tasks / "regression" / "model.npz", "-o", tmp_path / "m.onnx", "--check"]
    code, out, _ = run(capsys, *argv)
    assert code == 0 and "label" not in out, out
    assert out.startswith("passed: ONNX Runtime vs layerwise on 256 generated rows: predicted ")
    assert "values within tolerance 1e-10 (max difference" in out
    argv[1] = tasks / "multiclass" / "model.npz"
    code, out, _ = run(capsys, *argv)
    assert code == 0 and "labels identical" in out
