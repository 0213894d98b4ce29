"""benchmarks/tables.py: the churn-like table keeps the promises of its documented recipe."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

pd = pytest.importorskip("pandas")

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "tables.py"


@pytest.fixture(scope="module")
def tables():
    spec = importlib.util.spec_from_file_location("bench_tables_recipe", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_same_seed_same_files_and_another_seed_other_rows(tables, tmp_path: Path) -> None:
    a = tables.churn_table(3).write(tmp_path / "a")
    b = tables.churn_table(3).write(tmp_path / "b")
    c = tables.churn_table(4).write(tmp_path / "c")
    for name in ("train", "test", "new"):
        assert a[name].read_bytes() == b[name].read_bytes()
    assert a["train"].read_bytes() != c["train"].read_bytes()


def test_recipe_columns_gaps_and_categories(tables, tmp_path: Path) -> None:
    paths = tables.churn_table(0).write(tmp_path)
    train, test, new = (pd.read_csv(paths[name]) for name in ("train", "test", "new"))
    assert (len(train), len(test)) == (2400, 600)
    assert list(new.columns) == [c for c in test.columns if c != "churned"]
    rows = pd.concat([train, test])
    assert rows["customer_id"].is_unique
    gaps = rows.isna().mean()
    for name in [*tables.GAP_COLUMNS, "signup_date"]:
        assert 0.03 < gaps[name] < 0.07, name  # 5 % per column
    assert gaps[["customer_id", "region", "churned"]].sum() == 0
    assert tables.UNSEEN not in set(train["region"]) and (test["region"] == tables.UNSEEN).any()
    assert 5 <= (train["region"] == tables.RARE).sum() <= 40  # rare, but seen in training
    dates = pd.to_datetime(rows["signup_date"].dropna(), format="%Y-%m-%d")
    assert dates.min() >= pd.Timestamp("2018-01-01") and dates.max() <= pd.Timestamp("2023-12-31")
    assert 0.3 < (rows["churned"] == "yes").mean() < 0.5


def test_plain_variant_has_no_gaps_no_date_and_the_same_target(tables) -> None:
    full, plain = tables.churn_table(1), tables.churn_table(1, gaps=0.0, dates=False)
    assert "signup_date" not in plain.train.columns
    assert not plain.train.isna().any().any()
    assert (plain.test["churned"].to_numpy() == full.test["churned"].to_numpy()).all()
    assert 0.75 < full.oracle_accuracy() < 0.85  # the noise: no model beats the true rule much
    np.testing.assert_array_equal(plain.p, full.p)
