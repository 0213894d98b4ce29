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
    frame["ratio"] = np.where(np.arange(len(frame)) % 20 == 0, np.inf, 1.0)
    with pytest.raises(TableError) as caught:
        Preprocessor(missing="refuse").fit(frame, target)
    text = str(caught.value)
    assert text.startswith("7 columns of the training data cannot be used as they are: (1) ")
    for expected in (
        "column 'age' has 3 missing/NaN values. Hint: missing='impute' fills them",
        "column 'income' has 2 missing/NaN values",
        "column 'plan' has 1 missing/NaN values",
        "column 'signup' has 1 missing/NaN values",
        "column 'customer_id' holds 60 distinct texts in 60 rows: an identifier or free text, "
        "not a category. Hint: leave it out (drop='customer_id')",
        "column 'empty' has no values (all 60 missing). Hint: drop='empty'",
        "(7) column 'ratio' has 3 infinite values. Hint: fix or drop those rows.",
    ):
        assert expected in text
    columns = [p.column for p in caught.value.problems]
    assert columns == ["age", "income", "plan", "signup", "customer_id", "empty", "ratio"]
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


@pytest.mark.slow
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
    new.assign(churned=target["churned"].head(10)).to_csv(tmp_path / "test.csv", index=False)
    code, out, err = run(capsys, "evaluate", model, tmp_path / "test.csv")
    assert code == 0 and "accuracy" in out
    assert "warning: column 'plan': 1 value never seen in training" in err
    code, _, err = run(capsys, "evaluate", model, tmp_path / "test.csv", "--unseen", "error")
    assert code == 2 and "'arctic'" in err


# ----- 3. dates ---------------------------------------------------------------------------------
def test_iso_dates_and_datetimes_become_days_month_and_weekday():
    frame = pd.DataFrame(
        {
            "day": ["1970-01-02", "2024-03-01", "2024-03-04", None],
            "at": ["2024-03-01T12:00", "2024-03-01 06:00:00", "1970-01-01T00:00", "2024-03-02"],
            "x": [1.0, 2.0, 3.0, 4.0],
        }
    )
    target = pd.DataFrame({"y": ["a", "b", "a", "b"]})
    pre = Preprocessor(scaling="none").fit(frame, target)
    assert pre.numeric == ["x"] and pre.dates == ["day", "at"]
    X = pre.transform(frame)  # x, day (days, month, weekday), at (days, month, weekday), gap
    np.testing.assert_array_equal(X[1:4, :3].T, [[1, 1, 4], [19783, 3, 4], [19786, 3, 0]])
    assert X[1, 3] == pre.medians[1] == 19783  # the gap: the training median
    np.testing.assert_array_equal(X[4, :3], [19783.5, 19783.25, 0])
    np.testing.assert_array_equal(X[7], [0, 0, 0, 1])  # the indicator of "day"
    iso = {c: pd.to_datetime(frame[c], format="ISO8601") for c in ("day", "at")}
    stamps = frame.assign(**iso)
    np.testing.assert_array_equal(pre.transform(stamps), X)  # datetime64 columns (Parquet)
    assert Preprocessor(scaling="none").fit(stamps, target).dates == ["day", "at"]
    with pytest.raises(ValueError, match=r"column 'day' holds dates, but not '2024-13-45'"):
        pre.transform(frame.assign(day=["2024-13-45", None, None, None]))


def test_a_date_column_was_refused_as_free_text_before():
    frame = pd.DataFrame({"signup": [f"2023-01-{d:02d}" for d in range(1, 29)] * 2})
    pre = Preprocessor().fit(frame, pd.DataFrame({"y": [0, 1] * 28}))
    assert pre.dates == ["signup"] and pre.categorical == {}


# ----- 4. categories: unseen counted, rare grouped, order pinned -----------------------------
def test_rare_categories_share_one_infrequent_input_and_the_order_stays_sorted():
    values = ["b"] * 5 + ["a"] * 4 + ["c"] * 2 + ["z"] + ["B"] * 3
    frame = pd.DataFrame({"k": values})
    target = pd.DataFrame({"y": [0, 1] * 7 + [0]})
    plain = Preprocessor().fit(frame, target)
    assert plain.categorical == {"k": ["B", "a", "b", "c", "z"]}  # sorted as Python sorts text
    pre = Preprocessor(min_frequency=3).fit(frame, target)
    assert pre.categorical == {"k": ["B", "a", "b"]} and pre.infrequent == {"k": ["c", "z"]}
    X = pre.transform(pd.DataFrame({"k": ["a", "c", "z", "new", "B"]}))
    np.testing.assert_array_equal(
        X.T, [[0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0], [1, 0, 0, 0]]
    )
    assert pre.report["unseen"] == {"k": 1} and pre.n_x == 4
    strict = Preprocessor(unseen="error", min_frequency=3).fit(frame, target)
    with pytest.raises(TableError, match=r"column 'k' has 2 values never seen .*'new'"):
        strict.transform(pd.DataFrame({"k": ["new", "a", "newer"]}))


def test_options_and_fills_survive_the_model_file_and_old_headers_impute_nothing(tmp_path):
    import layerwise as lw
    from layerwise.data import save_model

    frame, target = churn()
    pre = Preprocessor(unseen="error", min_frequency=20).fit(frame, target)
    net = lw.Network([pre.n_x, 1], output="sigmoid", seed=0)
    save_model(net, tmp_path / "m.npz", preprocessor=pre)
    back = load_model(tmp_path / "m.npz").preprocessor
    for name in ("missing", "unseen", "min_frequency", "dates", "medians", "modes", "indicators"):
        assert getattr(back, name) == getattr(pre, name), name
    assert back.infrequent == pre.infrequent and back.n_x == pre.n_x
    np.testing.assert_array_equal(back.transform(frame), pre.transform(frame))
    header = pre.to_header()
    for key in ("dates", "missing", "unseen", "min_frequency", "medians", "modes", "indicators"):
        del header[key]
    header["numeric"] = [*header["numeric"], "signup"]  # as 0.2 had it: no date column
    old = Preprocessor.from_header(header, {})
    assert old.missing == "refuse" and old.medians == [] and old.dates == []
    bad = pre.to_header() | {"medians": [1.0]}
    with pytest.raises(ValueError, match=r"preprocessing.medians must be 5 finite numbers"):
        Preprocessor.from_header(bad, {})
    text = next(iter(pre.modes))
    bad = pre.to_header() | {"modes": pre.modes | {text: "zzz"}}  # a gap must become a category
    with pytest.raises(ValueError, match=rf"modes\['{text}'\] must be one of its categories"):
        Preprocessor.from_header(bad, {})
    bad = pre.to_header()
    entry = next(e for e in bad["categorical"] if e["name"] in pre.indicators)
    entry["categories"] = ["", *entry["categories"]]  # "" is a gap where an indicator counts it
    with pytest.raises(ValueError, match=r"must be free of \"\" \(the gap of a column with an"):
        Preprocessor.from_header(bad, {})


# ----- 2. the estimators impute as SimpleImputer(median, add_indicator=True) ------------------
@pytest.mark.slow
def test_estimators_impute_nan_with_medians_and_indicators_as_scikit_learn_does(tmp_path):
    from sklearn.impute import SimpleImputer

    from layerwise.estimators import LayerwiseClassifier, LayerwiseRegressor, load_estimator

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    X[rng.random((80, 4)) < 0.1] = np.nan
    X[:, 3] = np.where(np.isnan(X[:, 3]), 1.0, X[:, 3])  # no gap in training
    clf = LayerwiseClassifier((5,), max_epochs=3, random_state=0).fit(X, y)
    imputer = SimpleImputer(strategy="median", add_indicator=True).fit(X)
    np.testing.assert_array_equal(clf.imputer_medians_, imputer.statistics_)
    np.testing.assert_array_equal(clf.indicator_features_, imputer.indicator_.features_)
    assert clf.n_features_in_ == 4 and clf.network_.layer_dims[0] == 4 + 3
    new = X[:5].copy()
    new[0, 3] = np.nan  # a gap where training had none: filled, no indicator
    from layerwise.estimators.missing import imputed_inputs

    np.testing.assert_array_equal(imputed_inputs(clf, X), imputer.transform(X))
    proba = clf.predict_proba(new)
    expected = clf.network_.predict_proba(
        np.hstack(
            [np.where(np.isnan(new), clf.imputer_medians_, new), np.isnan(new[:, :3]).astype(float)]
        ).T
    )
    np.testing.assert_allclose(proba[:, 1], expected[0], rtol=0, atol=1e-12)
    clf.save(tmp_path / "clf.npz")
    back = load_estimator(tmp_path / "clf.npz")
    np.testing.assert_array_equal(back.predict_proba(new), proba)
    assert back.n_features_in_ == 4
    reg = LayerwiseRegressor((3,), max_epochs=2, random_state=0, missing="refuse")
    with pytest.raises(ValueError, match="Input X contains NaN"):
        reg.fit(X, y.astype(float))
    with pytest.raises(ValueError, match=r"Unknown missing 'zero'\. Valid names: impute, refuse"):
        LayerwiseRegressor(missing="zero").fit(X[:, 3:], y.astype(float))


def test_the_options_travel_in_the_spec_from_every_command_line_that_trains():
    from layerwise.cli import build_parser, common, sweep
    from layerwise.spec import RunSpec

    argv = ["data.csv", "--missing", "refuse", "--unseen", "error", "--min-frequency", "5"]
    train = common.spec_of(build_parser().parse_args(["train", *argv]))
    swept = sweep.spec_of(build_parser().parse_args(["sweep", *argv]))
    for spec in (train, swept):
        assert (spec.data.missing, spec.data.unseen, spec.data.min_frequency) == (
            "refuse",
            "error",
            5,
        )
    assert RunSpec.from_dict(train.to_dict()) == train
    old = train.to_dict()
    for key in ("missing", "unseen", "min_frequency"):
        del old["data"][key]  # a checkpoint written before these options
    assert RunSpec.from_dict(old).data.missing == "impute"


def test_an_infinite_value_at_predict_time_is_refused_by_column():
    frame, target = churn(gaps=False)
    pre = Preprocessor().fit(frame, target)
    with pytest.raises(
        ValueError, match=r"column 'income' has 1 infinite values \(first at row 3\)"
    ):
        pre.transform(frame.head(4).assign(income=[1.0, 2.0, np.inf, 3.0]))


def test_a_constant_column_is_named_in_a_note_not_refused(tmp_path):
    from layerwise.spec import RunSpec, prepare

    frame, target = churn(gaps=False)
    frame.assign(country="FR", flag=1.0, churned=target["churned"]).to_csv(
        tmp_path / "t.csv", index=False
    )
    p = prepare(RunSpec(DataSpec(str(tmp_path / "t.csv"))))
    assert p.notes[-1] == (
        "2 columns hold one value in the training rows (country, flag): they carry no "
        "information. Hint: leave them out (drop=)."
    )
    assert not any("one value" in n for n in prepare(RunSpec(DataSpec("iris"))).notes)


def test_dates_far_from_today_are_days_too():
    from layerwise.data.columns import date_features

    column = pd.Series(["0001-01-01", "1970-01-02", "9999-12-31", None], name="end")
    days, month, weekday = date_features(column).T
    assert days[1] == 1.0 and days[0] == -719162.0 and days[2] == 2932896.0
    assert month[:3].tolist() == [1.0, 1.0, 12.0] and weekday[:3].tolist() == [0.0, 4.0, 4.0]
    assert np.isnan(days[3])
