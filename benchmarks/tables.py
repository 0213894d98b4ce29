"""A churn-like table as practitioners meet them: an id, gaps, text, rare and unseen
categories, an ISO date, a noisy binary target. Seeded: the same seed writes the same files.

    python benchmarks/tables.py --out churn                 # churn/train.csv, test.csv, new.csv
    python benchmarks/tables.py --out churn --seed 3 --rows 10000
    python benchmarks/tables.py --out churn-plain --plain   # no gaps, no date column

The recipe (``--rows`` m, default 3,000; the last ``--test-fraction``, default 20 %, are the test
rows). Every draw comes from one ``numpy.random.Generator`` made from ``--seed``, column by
column in this order:

- ``customer_id`` (an id, text): ``C`` + a 6-digit number, unique, in random order; says
  nothing about the target.
- ``age`` (integer): ``round(N(45, 14))`` clipped to 18..90.
- ``income`` (float): ``exp(N(10.6, 0.5))`` rounded to tens (a right-skewed salary).
- ``plan`` (text): ``basic`` / ``standard`` / ``premium`` with p = 0.5 / 0.35 / 0.15.
- ``monthly_charges`` (float): 20 / 45 / 80 by plan, + ``N(0, 8)``, at least 5, 2 decimals.
- ``support_calls`` (integer): ``Poisson(1.2)``.
- ``region`` (text): ``north`` / ``south`` / ``east`` / ``west`` / ``central`` in equal shares,
  except a rare ``islands`` (0.7 % of the rows, about 17 training rows); then 3 % of the test
  rows become ``arctic``, a region no training row has.
- ``payment`` (text): ``card`` / ``bank`` / ``paypal`` / ``cash``, p = 0.4 / 0.3 / 0.2 / 0.1.
- ``signup_date`` (an ISO date, ``2021-03-14``): uniform over 2018-01-01 .. 2023-12-31;
  ``tenure`` = its years before 2025-01-01.
- ``churned`` (the target): ``yes`` / ``no``, drawn as below.

The target is drawn from the true values (before gaps are made): a logit

    z = 2.0 + 1.8 c + 0.9 (calls - 1.2) - 0.7 tenure + plan + region + 1.2 [cash]
        - 0.5 (age - 45) / 14 - 0.6 (log income - 10.6) / 0.5

with ``c = (monthly_charges - 45) / 25``, ``plan`` = +1.0 basic, 0 standard, -1.6 premium,
``region`` = +2.4 islands and arctic, +0.6 south, 0 otherwise; then ``churned = yes`` with
probability ``sigmoid(z)``. That Bernoulli draw is the noise: about 39 % of the rows churn, and
even the true rule (``yes`` where sigmoid(z) > 0.5) scores only about 0.78-0.82 on the test rows
(``--oracle`` prints it for a seed).

Gaps: after the target, each of ``age``, ``income``, ``monthly_charges``, ``support_calls``,
``plan``, ``payment`` and ``signup_date`` loses 5 % (``--gaps``) of its values, drawn
independently per column (missing completely at random; an empty CSV cell). ``--plain`` writes the
variant without gaps and without ``signup_date`` (the target is drawn the same way, so tenure's
part of it is then noise to every model).

Files: ``train.csv`` (the first rows), ``test.csv`` (the last rows, with the target) and
``new.csv`` (the test rows without the target, as ``predict`` sees them).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

REGIONS = ["north", "south", "east", "west", "central"]
RARE, UNSEEN = "islands", "arctic"
PLANS = ["basic", "standard", "premium"]
PAYMENTS = ["card", "bank", "paypal", "cash"]
GAP_COLUMNS = ["age", "income", "monthly_charges", "support_calls", "plan", "payment"]
START, END = np.datetime64("2018-01-01"), np.datetime64("2025-01-01")


@dataclass
class ChurnTable:
    """The rows of one seed: ``train`` and ``test`` (DataFrames with the target) and ``p`` the
    probability of churn of each row, train then test (m,): the noise's limit on accuracy."""

    train: pd.DataFrame
    test: pd.DataFrame
    p: np.ndarray

    def oracle_accuracy(self) -> float:
        """Accuracy on the test rows of the best possible rule, ``yes`` where p > 0.5."""
        p_test = self.p[len(self.train) :]
        return float(np.mean((p_test > 0.5) == (self.test["churned"] == "yes")))

    def write(self, folder: str | Path) -> dict[str, Path]:
        """``train.csv``, ``test.csv`` and ``new.csv`` (test rows without the target)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {name: folder / f"{name}.csv" for name in ("train", "test", "new")}
        self.train.to_csv(paths["train"], index=False)
        self.test.to_csv(paths["test"], index=False)
        self.test.drop(columns="churned").to_csv(paths["new"], index=False)
        return paths


def churn_table(
    seed: int = 0,
    rows: int = 3000,
    *,
    test_fraction: float = 0.2,
    gaps: float = 0.05,
    dates: bool = True,
) -> ChurnTable:
    """The churn-like table of the module's recipe, split into train and test rows."""
    rng = np.random.default_rng(seed)
    m, n_test = rows, round(rows * test_fraction)
    ids = rng.permutation(np.arange(100_000, 100_000 + 10 * m, 10))[:m]
    age = np.clip(np.round(rng.normal(45, 14, m)), 18, 90)
    log_income = rng.normal(10.6, 0.5, m)
    plan = rng.choice(PLANS, m, p=[0.5, 0.35, 0.15])
    base = np.select([plan == "basic", plan == "standard"], [20.0, 45.0], 80.0)
    charges = np.round(np.maximum(base + rng.normal(0, 8, m), 5.0), 2)
    calls = rng.poisson(1.2, m)
    region = np.where(rng.random(m) < 0.007, RARE, rng.choice(REGIONS, m))
    region[m - n_test :][rng.random(n_test) < 0.03] = UNSEEN  # only in the test rows
    payment = rng.choice(PAYMENTS, m, p=[0.4, 0.3, 0.2, 0.1])
    days = int((END - START).astype(int))
    signup = START + rng.integers(0, days - 366, m).astype("timedelta64[D]")  # up to 2023-12-31
    tenure = (END - signup).astype(float) / 365.25  # years
    z = (
        2.0
        + 1.8 * (charges - 45) / 25
        + 0.9 * (calls - 1.2)
        - 0.7 * tenure
        + np.select([plan == "basic", plan == "premium"], [1.0, -1.6], 0.0)
        + np.select([np.isin(region, [RARE, UNSEEN]), region == "south"], [2.4, 0.6], 0.0)
        + 1.2 * (payment == "cash")
        - 0.5 * (age - 45) / 14
        - 0.6 * (log_income - 10.6) / 0.5
    )
    p = 1 / (1 + np.exp(-z))
    churned = np.where(rng.random(m) < p, "yes", "no")
    table = pd.DataFrame(
        {
            "customer_id": [f"C{i:06d}" for i in ids],
            "age": age.astype(int),
            "income": np.round(np.exp(log_income), -1),
            "plan": plan,
            "monthly_charges": charges,
            "support_calls": calls,
            "region": region,
            "payment": payment,
            "signup_date": np.datetime_as_string(signup, unit="D"),
            "churned": churned,
        }
    )
    if not dates:
        table = table.drop(columns="signup_date")
    for name in [*GAP_COLUMNS, *(["signup_date"] if dates else [])]:
        gap = rng.random(m) < gaps  # drawn even when gaps=0: every seed draws the same values
        table[name] = table[name].astype(object).where(~gap, None) if gaps else table[name]
    return ChurnTable(table.iloc[: m - n_test].copy(), table.iloc[m - n_test :].copy(), p)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="churn", help="folder for the CSV files")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--gaps", type=float, default=0.05, help="share of gaps per column")
    parser.add_argument("--plain", action="store_true", help="no gaps, no date column")
    parser.add_argument("--oracle", action="store_true", help="print the best possible accuracy")
    args = parser.parse_args()
    table = churn_table(
        args.seed,
        args.rows,
        test_fraction=args.test_fraction,
        gaps=0.0 if args.plain else args.gaps,
        dates=not args.plain,
    )
    paths = table.write(args.out)
    print(f"wrote {', '.join(str(p) for p in paths.values())}")
    if args.oracle:
        print(f"best possible test accuracy (p > 0.5): {table.oracle_accuracy():.4f}")


if __name__ == "__main__":
    main()
