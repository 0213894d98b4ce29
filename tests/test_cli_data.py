"""The command line does what a user means with their data: --target/--drop/--sep/--task,
dropped columns saved with the model, tiny data sets, and errors that fit the command."""

import csv
import re

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("sklearn")

from commands import run  # noqa: E402
from layerwise.data import load_model  # noqa: E402


def usage_error(capsys, *argv) -> str:
    """Run ``argv``; assert exit 2 with one ``error:`` line and no traceback; the line."""
    code, _, err = run(capsys, *argv)
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, (code, err)
    return err


@pytest.fixture
def churn(tmp_path):
    """120 customers: an identifier, two features, a 0/1 target and a second 0/1 column."""
    rng = np.random.default_rng(1)
    m = 120
    months, spend = rng.integers(1, 60, m), rng.normal(50, 15, m)
    frame = pd.DataFrame(
        {
            "id": [f"c{i:04d}" for i in range(m)],
            "months": months,
            "spend": spend,
            "churn": (months < 20).astype(int),
            "upsell": (spend > 50).astype(int),
        }
    )
    frame.to_csv(tmp_path / "churn.csv", index=False)
    return tmp_path


def train(capsys, path, *extra):
    out = path.parent / "run"
    code, stdout, err = run(
        capsys, "train", path, "--epochs", 2, "--quiet", "--out", out, "--layers", "4", *extra
    )
    assert code == 0, err
    return out / "model.npz", stdout, err


# ----- 7. the target cannot be dropped --------------------------------------------------------
def test_target_and_drop_naming_the_same_column_is_a_usage_error(churn, capsys):
    err = usage_error(capsys, "train", churn / "churn.csv", "--target", "churn", "--drop", "churn")
    assert "'churn' is both the target and dropped" in err
    assert "--drop" in err and "--target" in err and "KeyError" not in err


# ----- 8. a task that does not fit the target -------------------------------------------------
@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_a_one_column_task_with_several_target_columns_is_refused(churn, capsys, task):
    err = usage_error(
        capsys, "train", churn / "churn.csv", "--target", "churn,upsell", "--drop", "id",
        "--task", task,
    )  # fmt: skip
    assert f"--task {task} needs one target column; got 2" in err
    assert "--task multilabel" in err and "--target" in err


def test_multiclass_on_a_continuous_target_is_refused(tmp_path, capsys):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=300), "price": rng.normal(100, 20, 300)})
    frame.to_csv(tmp_path / "prices.csv", index=False)
    err = usage_error(capsys, "train", tmp_path / "prices.csv", "--task", "multiclass")
    assert "--task multiclass would make 300 classes of target 'price'" in err
    assert "Hint: use --task regression" in err
    _, out, _ = train(capsys, tmp_path / "prices.csv")  # auto: regression, 240 / 60
    assert "regression" in out and "train 240 / dev 60" in out


def test_a_dev_set_far_smaller_than_asked_is_a_note(tmp_path, capsys):
    labels = [f"k{i % 20}" for i in range(40)]  # 20 classes of 2: none gives a dev example
    pd.DataFrame({"x": np.arange(40.0), "y": labels}).to_csv(tmp_path / "k.csv", index=False)
    code, out, err = run(
        capsys, "train", tmp_path / "k.csv", "--epochs", 1, "--out", tmp_path / "o"
    )
    assert code == 0 and "train 39 / dev 1" in out
    assert "note: the dev set has 1 example instead of about 8: most classes have too few" in err


# ----- 9. --drop is saved with the model ------------------------------------------------------
@pytest.mark.slow
def test_dropped_columns_are_saved_and_ignored_by_evaluate_predict_and_summary(churn, capsys):
    model, _, _ = train(capsys, churn / "churn.csv", "--target", "churn", "--drop", "id,upsell")
    assert load_model(model).preprocessor.dropped == ["id", "upsell"]
    code, out, err = run(capsys, "evaluate", model, churn / "churn.csv")
    assert code == 0 and "120 examples" in out, err
    code, out, err = run(capsys, "predict", model, churn / "churn.csv")
    assert code == 0 and len(list(csv.reader(out.splitlines()))) == 121, err
    # a file without the dropped columns works too
    pd.read_csv(churn / "churn.csv")[["months", "spend"]].to_csv(churn / "new.csv", index=False)
    assert run(capsys, "predict", model, churn / "new.csv")[0] == 0
    code, out, _ = run(capsys, "summary", model)
    assert code == 0
    assert "dropped: id, upsell (evaluate and predict ignore them)" in out.splitlines()


def test_an_unseen_column_hints_at_drop(churn, capsys):
    model, _, _ = train(capsys, churn / "churn.csv", "--target", "churn", "--drop", "id,upsell")
    frame = pd.read_csv(churn / "churn.csv").assign(extra=1.0)
    frame.to_csv(churn / "more.csv", index=False)
    err = usage_error(capsys, "predict", model, churn / "more.csv")
    assert "column 'extra' was not seen" in err and "Hint: leave it out with --drop." in err


# ----- 10. delimiters -------------------------------------------------------------------------
@pytest.mark.slow
def test_semicolon_csv_and_txt_tsv_train_and_sep_overrides(churn, capsys):
    frame = pd.read_csv(churn / "churn.csv").drop(columns=["id", "upsell"])
    frame.to_csv(churn / "semi.csv", sep=";", index=False, decimal=",")
    frame.to_csv(churn / "tabs.txt", sep="\t", index=False)
    for name in ("semi.csv", "tabs.txt"):
        _, out, _ = train(capsys, churn / name)
        assert "binary (2 classes)" in out and "n_x = 2" in out, out
    err = usage_error(capsys, "train", churn / "semi.csv", "--sep", ",", "--quiet")
    assert "semi.csv (read with delimiter ',') has no feature columns" in err
    assert "pass --sep ';'." in err  # quoted for the shell
    model, _, _ = train(capsys, churn / "semi.csv", "--sep", ";")
    assert run(capsys, "evaluate", model, churn / "tabs.txt", "--sep", "tab")[0] == 0
    assert run(capsys, "train", churn / "semi.csv", "--sep", ";;")[0] == 2  # argparse's usage
    frame.to_csv(churn / "colon.csv", sep=":", index=False)  # not a candidate: --sep reads it
    _, out, _ = train(capsys, churn / "colon.csv", "--sep", ":", "--test", churn / "colon.csv")
    assert "test 120" in out


# ----- 11. column names with a comma ----------------------------------------------------------
@pytest.mark.slow
def test_names_with_a_comma_are_quoted_and_options_repeat(churn, capsys):
    frame = pd.read_csv(churn / "churn.csv").rename(columns={"spend": "spend, eur"})
    frame.to_csv(churn / "comma.csv", index=False)
    model, _, _ = train(
        capsys, churn / "comma.csv", "--target", "churn", "--drop", "id", "--drop",
        '"spend, eur",upsell',
    )  # fmt: skip
    pre = load_model(model).preprocessor
    assert pre.dropped == ["id", "spend, eur", "upsell"] and pre.numeric == ["months"]
    assert 'dropped: id, "spend, eur", upsell (' in run(capsys, "summary", model)[1]
    model, _, _ = train(capsys, churn / "comma.csv", "--target", '"spend, eur"', "--drop", "id")
    assert load_model(model).preprocessor.target_names == ["spend, eur"]
    model, _, _ = train(capsys, churn / "comma.csv", "--target", "churn,upsell", "--drop", "id")
    assert load_model(model).preprocessor.target_names == ["churn", "upsell"]  # still split
    err = usage_error(capsys, "train", churn / "comma.csv", "--target", "spend", "--quiet")
    assert 'its columns are: id, months, "spend, eur", churn, upsell.' in err


# ----- 12. tiny data sets ---------------------------------------------------------------------
def test_a_two_row_file_says_what_the_split_did_and_what_to_do(tmp_path, capsys):
    (tmp_path / "two.csv").write_text("x,y\n1.0,a\n2.0,b\n")
    err = usage_error(capsys, "train", tmp_path / "two.csv", "--quiet")
    assert "the training split holds only one class" in err
    assert "two.csv has 2 examples: 0 went to the test set" in err and "1 to the dev set" in err
    assert "Hint: for so few examples use --dev-fraction 0" in err
    _, out, _ = train(capsys, tmp_path / "two.csv", "--dev-fraction", 0)
    assert "binary (2 classes); train 2" in out


def test_a_two_row_float_target_is_regression_and_numbers_guessed_as_classes_say_so(
    tmp_path, capsys
):
    (tmp_path / "f.csv").write_text("x,y\n1.0,0.37\n2.0,1.91\n")
    _, out, _ = train(capsys, tmp_path / "f.csv", "--dev-fraction", 0)
    assert "; regression; train 2" in out
    (tmp_path / "i.csv").write_text("x,y\n1.0,3\n2.0,7\n3.0,3\n4.0,7\n")
    code, _, err = run(
        capsys, "train", tmp_path / "i.csv", "--epochs", 1, "--dev-fraction", 0, "--out",
        tmp_path / "o",
    )  # fmt: skip
    assert code == 0
    assert "note: --task auto chose binary for the 2 distinct numbers of 'y' in 4 rows" in err
    assert "use --task regression" in err


# ----- 13. errors that fit the command --------------------------------------------------------
def test_evaluate_without_the_target_speaks_of_evaluate_not_of_target(churn, capsys):
    model, _, _ = train(capsys, churn / "churn.csv", "--target", "churn", "--drop", "id,upsell")
    pd.read_csv(churn / "churn.csv").drop(columns="churn").to_csv(churn / "x.csv", index=False)
    err = usage_error(capsys, "evaluate", model, churn / "x.csv")
    assert "has no target column 'churn'" in err and "layerwise predict" in err
    assert "--target" not in err
    err = usage_error(capsys, "evaluate", model, churn / "churn.csv", "--drop", "nope")
    assert "column 'nope' is not in" in err and "Hint: choose --drop among them" in err
    assert "--target" not in err
    pd.read_csv(churn / "churn.csv")[["churn"]].to_csv(churn / "y.csv", index=False)
    err = usage_error(capsys, "evaluate", model, churn / "y.csv")
    assert "has no feature columns besides the target ['churn']" in err
    assert "--target" not in err and "check --drop" in err


@pytest.mark.parametrize("command", ["train", "evaluate", "predict", "gradcheck"])
def test_drop_and_sep_have_help_everywhere(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    text = " ".join(out.split())
    assert code == 0
    assert re.search(r"--drop COLS\s+columns to ignore", text), text
    assert re.search(r"--sep CHAR\s+delimiter of a text table", text), text


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("x.npz", b"\x00garbage" * 40, r"x\.npz is not a NumPy \.npz archive"),
        ("x.h5", b"\x00garbage" * 40, r"x\.h5 is not an HDF5 file"),
    ],
)
def test_junk_files_name_the_file_on_the_command_line(tmp_path, capsys, name, content, match):
    (tmp_path / name).write_bytes(content)
    err = usage_error(capsys, "train", tmp_path / name, "--quiet", "--out", tmp_path / "o")
    assert re.search(match, err) and "allow_pickle" not in err, err
