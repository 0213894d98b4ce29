"""Real tables: every problem at once, gaps imputed or refused, dates, unseen, rare categories."""

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("sklearn")

from commands import run  # noqa: E402
from layerwise.data import Preprocessor, load_model  # noqa: E402
from layerwise.data.columns import TableError  # noqa: E402
from layerwise.spec import DataSpec  # noqa: E402


def churn(m: int = 60, seed: int = 0, gaps: bool = True):
    """A small churn-like table: numbers, text, a date, an id, gaps; target ``churned``."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.normal(40, 10, m),
            "income": rng.normal(50, 15, m),
            "plan": rng.choice(["basic", "plus", "pro"], m),
            "signup": [f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(m)],
        }
    )
    if gaps:
        frame.loc[[1, 5, 9], "age"] = np.nan
        frame.loc[[2, 3], "income"] = np.nan
        frame.loc[[4], "plan"] = None
        frame.loc[[7], "signup"] = None
    target = pd.DataFrame({"churned": np.where(rng.random(m) > 0.5, "yes", "no")})
    return frame, target


# ----- 1. every problem of a table at once ----------------------------------------------------
def test_every_problem_of_a_table_is_reported_at_once_with_its_fix():
    frame, target = churn()
    frame["customer_id"] = [f"c{i:04d}" for i in range(len(frame))]
    frame["empty"] = np.nan
    with pytest.raises(TableError) as caught:
        Preprocessor(missing="refuse").fit(frame, target)
    text = str(caught.value)
    assert text.startswith("6 columns of the training data cannot be used as they are: (1) ")
    for expected in (
        "column 'age' has 3 missing/NaN values. Hint: missing='impute' fills them",
        "column 'income' has 2 missing/NaN values",
        "column 'plan' has 1 missing/NaN values",
        "column 'signup' has 1 missing/NaN values",
        "column 'customer_id' holds 60 distinct texts in 60 rows: an identifier or free text, "
        "not a category. Hint: leave it out (drop='customer_id')",
        "column 'empty' has no values (all 60 missing). Hint: drop='empty'",
    ):
        assert expected in text
    columns = [p.column for p in caught.value.problems]
    assert columns == ["age", "income", "plan", "signup", "customer_id", "empty"]
    # one problem: the message is that problem alone
    with pytest.raises(ValueError, match=r"^column 'x' mixes numbers and text \(row 3: 'abc'\)"):
        Preprocessor().fit(pd.DataFrame({"x": ["1", "2", "abc", "4", "5"]}), target.iloc[:5])


def test_the_command_line_names_its_flags_in_the_list(tmp_path, capsys):
    frame, target = churn()
    frame["customer_id"] = [f"c{i:04d}" for i in range(len(frame))]
    frame.assign(churned=target["churned"]).to_csv(tmp_path / "churn.csv", index=False)
    code, _, err = run(capsys, "train", tmp_path / "churn.csv", "--missing", "refuse", "--quiet")
    assert code == 2
    assert "5 columns of the training data" in err
    assert "Hint: --missing impute fills them" in err
    assert "leave it out (--drop customer_id)" in err


# ----- 2. gaps: imputed (default) or refused -------------------------------------------------
def test_gaps_are_imputed_with_median_most_frequent_and_an_indicator():
    frame, target = churn()
    pre = Preprocessor().fit(frame, target)
    assert pre.missing == "impute" and pre.indicators == ["age", "income", "signup", "plan"]
    assert pre.medians[0] == pytest.approx(np.nanmedian(frame["age"]))
    counts = frame["plan"].value_counts()
    assert pre.modes == {"plan": min(counts.index[counts == counts.max()])}  # ties: first
    X = pre.transform(frame)  # (n_x, m)
    assert pre.n_x == 2 + 3 + 4 + 3 and X.shape == (12, 60)
    assert np.isfinite(X).all()
    indicators = X[5:9]  # after 2 numeric and 3 date parts
    np.testing.assert_array_equal(np.flatnonzero(indicators[0]), [1, 5, 9])
    np.testing.assert_array_equal(np.flatnonzero(indicators[3]), [4])
    plan = X[9:12, 4]  # the gap is the most frequent plan
    assert plan[pre.categorical["plan"].index(pre.modes["plan"])] == 1 and plan.sum() == 1
    assert pre.report["imputed"] == {"age": 3, "income": 2, "plan": 1, "signup": 1}
    # the imputed value standardizes as the median does
    row = frame.iloc[[0]].assign(age=pre.medians[0])
    assert pre.transform(row)[0, 0] == X[0, 1]


def test_a_gap_only_at_predict_time_is_imputed_without_indicator_and_counted():
    frame, target = churn(gaps=False)
    pre = Preprocessor().fit(frame, target)
    assert pre.indicators == [] and pre.n_x == 2 + 3 + 3
    new = frame.head(4).copy()
    new.loc[0, "income"] = np.nan
    X = pre.transform(new)
    assert np.isfinite(X).all() and pre.report["imputed"] == {"income": 1}
    assert X[1, 0] == pre.transform(new.assign(income=pre.medians[1]))[1, 0]


def test_refuse_lists_every_column_with_gaps_at_predict_time_too():
    frame, target = churn(gaps=False)
    pre = Preprocessor(missing="refuse").fit(frame, target)
    assert pre.medians == [] and pre.modes == {} and pre.indicators == []
    new = frame.head(4).copy()
    new.loc[0, "age"], new.loc[1, "plan"] = np.nan, None
    pattern = (
        r"2 columns of the data cannot be used as they are: \(1\) column 'age' has 1 "
        r"missing/NaN values. Hint: this model was trained with missing='refuse': fill or "
        r"drop those rows, or retrain with missing='impute'.; \(2\) column 'plan'"
    )
    with pytest.raises(TableError, match=pattern):
        pre.transform(new)


def test_bad_options_are_refused_by_name():
    with pytest.raises(ValueError, match="missing"):
        Preprocessor(missing="drop")
    with pytest.raises(ValueError, match="unseen"):
        DataSpec("iris", unseen="warn")
    with pytest.raises(ValueError, match=r"min_frequency must be >= 1 .* got 0\. Hint"):
        DataSpec("iris", min_frequency=0)
    with pytest.raises(TypeError, match=r"min_frequency must be an integer or None, got 2\.5"):
        Preprocessor(min_frequency=2.5)


def test_imputation_is_saved_shown_and_used_by_predict(tmp_path, capsys):
    frame, target = churn(m=80)
    frame.assign(churned=target["churned"]).to_csv(tmp_path / "churn.csv", index=False)
    code, _, err = run(
        capsys, "train", tmp_path / "churn.csv", "--epochs", 2, "--out", tmp_path / "run",
        "--quiet",
    )  # fmt: skip
    assert code == 0, err
    model = tmp_path / "run" / "model.npz"
    pre = load_model(model).preprocessor
    assert pre.missing == "impute" and pre.indicators == ["age", "income", "signup", "plan"]
    assert pre.dates == ["signup"] and len(pre.medians) == 5
    code, out, _ = run(capsys, "summary", model)
    assert "missing: impute (median or most frequent value: age=" in out
    assert "a 0/1 indicator for age, income, signup, plan" in out
    assert "dates: signup (days since 1970-01-01, month, weekday each)" in out
    new = frame.drop(columns=[]).head(10).copy()
    new.loc[0, "plan"] = "arctic"
    new.to_csv(tmp_path / "new.csv", index=False)
    code, out, err = run(capsys, "predict", model, tmp_path / "new.csv")
    assert code == 0 and len(out.splitlines()) == 11
    assert "warning: column 'plan': 1 value never seen in training" in err
    assert "note: column 'age': 3 missing values imputed" in err
    code, _, err = run(capsys, "predict", model, tmp_path / "new.csv", "--unseen", "error")
    assert code == 2 and "column 'plan' has 1 values never seen in training (e.g. 'arctic')" in err
    assert "Hint: --unseen ignore encodes them as all zeros" in err
