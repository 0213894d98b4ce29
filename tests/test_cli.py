"""The `layerwise` command, run in-process through `main(argv)` on temporary files (plus one
subprocess smoke test). Networks are tiny and train for a few epochs."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import layerwise as lw

pd = pytest.importorskip("pandas")
pytest.importorskip("sklearn")

from commands import run  # noqa: E402
from layerwise.data import load_model  # noqa: E402
from model_files import edit_header  # noqa: E402


@pytest.fixture
def fruit(tmp_path):
    """A CSV with a numeric, a categorical and a string target column; and one without target."""
    rng = np.random.default_rng(0)
    m = 120
    size, color = rng.normal(10, 3, m), rng.choice(["red", "green", "blue"], m)
    quality = np.where(size + 3 * (color == "red") > 11, "good", "bad")
    frame = pd.DataFrame({"size": size, "color": color, "quality": quality})
    frame.to_csv(tmp_path / "fruit.csv", index=False)
    frame.drop(columns="quality").to_csv(tmp_path / "new.csv", index=False)
    return tmp_path


@pytest.fixture
def fruit_model(fruit, capsys):
    code, _, _ = run(
        capsys, "train", fruit / "fruit.csv", "--epochs", 5, "--out", fruit / "run", "--quiet"
    )
    assert code == 0
    return fruit / "run" / "model.npz"


@pytest.mark.slow
def test_train_planar_writes_model_history_metrics_and_plots(tmp_path, capsys):
    out_dir = tmp_path / "run"
    code, out, err = run(capsys, "train", "planar", "--epochs", 3, "--out", out_dir)
    assert code == 0
    for name in ("model.npz", "history.json", "metrics.json", "cost.png", "decision_boundary.png"):
        assert (out_dir / name).is_file(), name
    assert len(json.loads((out_dir / "history.json").read_text())["cost"]) == 3
    # piped (not a terminal): one progress line per epoch, with cost, dev cost and accuracy
    lines = [line for line in err.splitlines() if line.startswith("epoch")]
    assert len(lines) == 3 and "dev_cost=" in lines[0] and "accuracy=" in lines[0]
    table = out[out.index("split") :]
    assert all(f"\n{split} " in table for split in ("train", "dev", "test"))
    assert "train 256 / dev 64 / test 80" in out  # bundled: 20% test, then 20% dev
    metrics = json.loads((out_dir / "metrics.json").read_text())
    assert set(metrics) == {"train", "dev", "test"}
    assert metrics["test"]["examples"] == 80


@pytest.mark.slow
def test_quiet_prints_only_the_summary(tmp_path, capsys):
    code, out, err = run(capsys, "train", "xor", "--epochs", 2, "--quiet", "--out", tmp_path)
    assert code == 0 and err == ""
    assert "accuracy" in out


@pytest.mark.slow
def test_digits_trains_with_the_defaults(tmp_path, capsys):
    code, _, _ = run(
        capsys, "train", "digits", "--epochs", 3, "--quiet", "--out", tmp_path, "--layers", "32"
    )
    assert code == 0
    header = load_model(tmp_path / "model.npz").header
    assert header["metrics"]["test"]["accuracy"] > 0.8
    assert header["training"]["optimizer"] == "adam" and header["training"]["batch_size"] == 32


def test_csv_with_text_target_and_categorical_feature_end_to_end(fruit, fruit_model, capsys):
    model = load_model(fruit_model)
    assert model.preprocessor.categorical == {"color": ["blue", "green", "red"]}
    assert model.preprocessor.classes == ["bad", "good"]

    code, out, _ = run(capsys, "predict", fruit_model, fruit / "new.csv")
    assert code == 0
    rows = list(csv.reader(out.splitlines()))
    assert rows[0] == ["prediction"] and len(rows) == 121
    # the same predictions as the model used directly on the preprocessed raw rows
    raw = pd.read_csv(fruit / "new.csv")
    AL = model.network.predict_proba(model.preprocessor.transform(raw))
    assert [r[0] for r in rows[1:]] == model.preprocessor.decode(AL).tolist()

    code, _, err = run(
        capsys, "predict", fruit_model, fruit / "fruit.csv", "--proba", "-o", fruit / "p.csv"
    )
    assert code == 0 and "wrote 120 predictions" in err
    proba = pd.read_csv(fruit / "p.csv")
    assert list(proba.columns) == ["prediction", "proba_bad", "proba_good"]
    np.testing.assert_allclose(proba[["proba_bad", "proba_good"]].sum(axis=1), 1)

    code, out, _ = run(capsys, "evaluate", fruit_model, fruit / "fruit.csv", "--json")
    report = json.loads(out)
    assert code == 0 and report["examples"] == 120
    assert set(report["per_class"]) == {"bad", "good"}
    assert np.sum(report["confusion_matrix"]) == 120
    code, out, _ = run(capsys, "evaluate", fruit_model, fruit / "fruit.csv")
    assert code == 0 and "confusion matrix" in out and "precision" in out


def test_summary(fruit_model, capsys):
    code, out, _ = run(capsys, "summary", fruit_model)
    assert code == 0
    assert "W shape" in out and "(64, 4)" in out  # size + 3 one-hot colours
    assert "classes: bad, good" in out and "1 categorical" in out


def test_summary_shows_huge_names_and_long_lists_within_bounds(tmp_path, capsys):
    # A header may hold a 60 MB class name and thousands of settings: summary printed them all.
    from layerwise.data import Preprocessor

    n, many = 100_000, 1000
    rows = pd.DataFrame({"a" * n: [1.0, 2.0, 4.0, 3.0], "c": ["x", "y", "x", "z"]})
    pre = Preprocessor().fit(rows, pd.DataFrame({"t": ["C" * n, "yes", "C" * n, "yes"]}))
    pre.dropped = ["d" * n, *(f"drop{i}" for i in range(many))]
    path = lw.save(
        lw.Network([pre.n_x, 2, pre.n_y], seed=0),
        tmp_path / "huge.npz",
        preprocessor=pre,
        training={"note": "N" * n, **{f"k{i}": i for i in range(many)}},
        metrics={
            "train": {"m" * n: 0.5, **{f"x{i}": 0.1 for i in range(many)}},
            **{f"split{i}": {"cost": 0.25} for i in range(many)},
        },
    )
    edit_header(path, lambda h: h.update(library_version="v" * n))
    code, out, _ = run(capsys, "summary", path)
    assert code == 0 and len(out) < 12_000, len(out)
    cut = f"... ({n:,} characters)"
    assert f"saved by layerwise {'v' * 200}{cut})" in out
    assert f"classes: {'C' * 200}{cut}, yes" in out
    assert f"dropped: {'d' * 200}{cut}, drop0, " in out and f"... ({many + 1:,} in all)" in out
    assert f"training: note={'N' * 200}{cut}, k0=0, k1=1" in out
    assert f"train: {'m' * 200}{cut} 0.5000, x0 0.1000" in out
    assert "split0: cost 0.2500" in out and f"... ({many + 1:,} splits in all)" in out
    assert "split18: cost" in out and "split19: cost" not in out  # "train" and 19 more


def test_summary_of_a_plain_network(tmp_path, capsys):
    lw.Network([3, 2, 1], seed=0).save(tmp_path / "net.npz")
    code, out, _ = run(capsys, "summary", tmp_path / "net.npz")
    assert code == 0 and "parameters: 11" in out
    code, _, err = run(capsys, "predict", tmp_path / "net.npz", "iris")
    assert code == 2 and "without preprocessing" in err


def test_regression_reports_mse_mae_r2(tmp_path, capsys):
    code, out, _ = run(capsys, "train", "diabetes", "--epochs", 3, "--quiet", "--out", tmp_path)
    assert code == 0 and "R²" in out
    code, out, _ = run(capsys, "evaluate", tmp_path / "model.npz", "diabetes", "--json")
    assert code == 0 and set(json.loads(out)) >= {"mse", "mae", "r2"}
    code, out, _ = run(capsys, "predict", tmp_path / "model.npz", "diabetes")
    assert code == 0 and out.splitlines()[0] == "target" and len(out.splitlines()) == 443


def test_course_init_and_h5_test_file_reproduce_the_core(tmp_path, capsys):
    h5py = pytest.importorskip("h5py")
    rng = np.random.default_rng(0)
    for part, m in (("train", 30), ("test", 10)):
        with h5py.File(tmp_path / f"{part}.h5", "w") as f:
            f[f"{part}_set_x"] = rng.integers(0, 256, (m, 4, 4, 3), dtype=np.uint8)
            f[f"{part}_set_y"] = np.arange(m) % 2
            f["list_classes"] = np.array([b"non-cat", b"cat"])
    code, out, _ = run(
        capsys,
        "train",
        tmp_path / "train.h5",
        "--test",
        tmp_path / "test.h5",
        "--layers",
        "5,3",
        "--learning-rate",
        0.0075,
        "--epochs",
        4,
        "--init",
        "course",
        "--dev-fraction",
        0,
        "--optimizer",
        "gd",
        "--batch-size",
        "full",
        "--quiet",
        "--out",
        tmp_path / "run",
    )
    assert code == 0 and "train 30 / test 10" in out
    # the same run through the core API, on the course's X = images / 255
    with h5py.File(tmp_path / "train.h5") as f:
        X = f["train_set_x"][()].reshape(30, -1).T / 255.0
        Y = f["train_set_y"][()].reshape(1, -1)
    net = lw.Network([48, 5, 3, 1], init="xavier", seed=1, legacy_rng=True)
    history = net.fit(X, Y, epochs=4, learning_rate=0.0075)
    saved = json.loads((tmp_path / "run" / "history.json").read_text())
    assert saved["cost"] == history.cost
    np.testing.assert_array_equal(lw.load(tmp_path / "run" / "model.npz").theta, net.theta)


def test_image_folder_train_and_predict(tmp_path, capsys):
    pil = pytest.importorskip("PIL.Image")
    for label, value in (("dark", 20), ("light", 230)):
        (tmp_path / "imgs" / label).mkdir(parents=True)
        for i in range(6):
            pil.new("L", (5, 4), value + i).save(tmp_path / "imgs" / label / f"{i}.png")
    code, _, _ = run(
        capsys,
        "train",
        tmp_path / "imgs",
        "--epochs",
        2,
        "--quiet",
        "--dev-fraction",
        0,
        "--out",
        tmp_path / "run",
    )
    assert code == 0
    code, out, _ = run(
        capsys, "predict", tmp_path / "run" / "model.npz", tmp_path / "imgs" / "dark"
    )
    rows = out.splitlines()
    assert code == 0 and rows[0] == "file,prediction" and len(rows) == 7


@pytest.mark.parametrize("extra", [[], ["--hidden", "relu"]])
def test_gradcheck_passes_on_a_correct_backward(capsys, extra):
    code, out, _ = run(capsys, "gradcheck", "iris", "--examples", 4, *extra)
    assert code == 0 and "passed" in out and "relative difference" in out


def test_gradcheck_exits_1_above_the_threshold(capsys):
    code, out, _ = run(capsys, "gradcheck", "--threshold", 1e-30)
    assert code == 1 and "FAILED" in out and "worst entries" in out


@pytest.mark.slow
def test_gradcheck_of_a_saved_model(fruit, fruit_model, capsys):
    code, out, _ = run(capsys, "gradcheck", fruit / "fruit.csv", "--model", fruit_model)
    assert code == 0 and "[4, 64, 32, 1]" in out


def test_datasets_lists_the_bundled_sets(capsys):
    code, out, _ = run(capsys, "datasets")
    assert code == 0
    for name in ("digits", "breast_cancer", "diabetes", "iris", "wine", "planar", "xor"):
        assert f"\n{name} " in out


@pytest.fixture
def bad_files(fruit, fruit_model):
    (fruit / "nan.csv").write_text("a,b,y\n1,2,x\n,3,y\n")
    (fruit / "mixed.csv").write_text("a,y\n1,x\n2,y\nabc,x\n")
    (fruit / "one.csv").write_text("a,y\n1,x\n2,x\n")
    np.save(fruit / "text.npy", np.array([["a", "b"], ["c", "d"]]))
    (fruit / "broken.npz").write_bytes(fruit_model.read_bytes()[:300])
    return fruit


@pytest.mark.slow
@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["train", "{d}/missing.csv"], "not found"),
        (["train", "{d}/fruit.csv", "--target", "nope"], "target column 'nope' is not in"),
        (["train", "{d}/nan.csv", "--missing", "refuse", "--dev-fraction", "0"], "missing/NaN"),
        (["train", "{d}/mixed.csv"], "numeric but data row 3"),
        (["train", "{d}/one.csv"], "only one class .*Hint: check --target\\."),
        (["train", "{d}/text.npy"], "must hold numbers"),
        (["train", "{d}/fruit.csv", "--task", "regression"], "^error: --task regression needs"),
        (["train", "{d}/fruit.csv", "--hidden", "swish"], "Unknown activation 'swish'"),
        (["train", "{d}/fruit.csv", "--test", "x.csv", "--test-fraction", "0.1"], "either"),
        (["train", "planar", "--optimizer", "gd", "--learning-rate", "1e30"], "diverged"),
        (["evaluate", "{d}/fruit.csv", "{d}/fruit.csv"], "not a layerwise model file"),
        (["evaluate", "{d}/run/model.npz", "{d}/new.csv"], "target column 'quality'"),
        (["predict", "{d}/broken.npz", "{d}/new.csv"], "truncated or corrupt"),
        (
            ["predict", "{d}/run/model.npz", "{d}/nan.csv"],
            "'a' was not seen|'size' is missing|missing/NaN",
        ),
        (["predict", "{d}/run/model.npz", "{d}/missing.csv"], "not found"),
        (["summary", "{d}"], "is a folder"),
    ],
)
def test_bad_input_gives_one_line_and_exit_code_2(bad_files, capsys, argv, match):
    argv = [a.format(d=bad_files) for a in argv]
    if argv[0] == "train":
        argv += ["--quiet", "--out", str(bad_files / "o")]
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert __import__("re").search(match, err), err


@pytest.mark.slow
@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda h: h.update(metrics=[1]), "metrics must be an object"),
        (lambda h: h.update(metrics={"train": 3}), r"metrics\['train'\] must be an object"),
        (lambda h: h.update(training="x"), "training must be an object"),
        (lambda h: h["preprocessing"].update(numeric=5), "preprocessing.numeric must be a list"),
    ],
)
@pytest.mark.parametrize("command", ["summary", "predict"])
def test_an_ill_typed_model_header_gives_one_line_and_exit_code_2(
    fruit, fruit_model, capsys, edit, match, command
):
    edit_header(fruit_model, edit)
    argv = [command, fruit_model] + ([fruit / "new.csv"] if command == "predict" else [])
    code, _, err = run(capsys, *argv)
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith(f"error: {fruit_model} is not a valid layerwise model: "), err
    assert __import__("re").search(match, err), err


def test_a_bad_out_folder_fails_before_training(fruit, capsys, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("training ran before --out was checked")

    monkeypatch.setattr(lw.Network, "fit", never)
    (fruit / "a_file").write_text("")
    code, _, err = run(capsys, "train", fruit / "fruit.csv", "--out", fruit / "a_file" / "run")
    assert code == 2 and err.count("\n") == 1, err
    assert "--out" in err and "a_file" in err and "Hint" in err


def test_outputs_are_written_atomically(fruit, capsys, monkeypatch):
    from layerwise.persistence import atomic as persistence

    written, write = [], persistence.atomic_write

    def recording(path, content):
        written.append(Path(path).name)
        return write(path, content)

    monkeypatch.setattr(persistence, "atomic_write", recording)
    out = fruit / "run"
    code, _, _ = run(capsys, "train", fruit / "fruit.csv", "--epochs", 2, "--out", out, "--quiet")
    assert code == 0
    assert {"model.npz", "history.json", "metrics.json"} <= set(written)
    assert len(json.loads((out / "history.json").read_text())["cost"]) == 2
    code, _, _ = run(capsys, "predict", out / "model.npz", fruit / "new.csv", "-o", fruit / "p.csv")
    assert code == 0 and written[-1] == "p.csv"
    assert len((fruit / "p.csv").read_text().splitlines()) == 121
    assert [p.name for p in fruit.iterdir() if p.name.endswith(".tmp")] == []


def test_evaluate_reports_the_cost_and_the_log_loss_of_sklearn(fruit, fruit_model, capsys):
    from sklearn.metrics import log_loss

    code, out, _ = run(capsys, "evaluate", fruit_model, fruit / "fruit.csv", "--json")
    assert code == 0
    report = json.loads(out)
    model = load_model(fruit_model)
    raw = pd.read_csv(fruit / "fruit.csv")
    AL = model.network.predict_proba(model.preprocessor.transform(raw.drop(columns="quality")))
    truth = raw["quality"] == "good"
    assert report["log_loss"] == pytest.approx(log_loss(truth, AL[0]), rel=1e-9)
    assert report["cost"] == report["log_loss"]  # no L2 term: the same number, computed once


def test_usage_errors_and_help(capsys):
    assert run(capsys, "train", "planar", "--layers", "3,x")[0] == 2
    assert run(capsys, "--help")[0] == 0
    assert run(capsys)[0] == 2


def test_an_unexpected_failure_is_one_line_too(monkeypatch, capsys):
    def boom(args):
        raise RuntimeError("bug")

    from layerwise.cli import datasets

    monkeypatch.setattr(datasets, "run", boom)
    code, _, err = run(capsys, "datasets")
    assert code == 3 and err.startswith("error: internal error (RuntimeError: bug)")


def test_python_dash_m_smoke():
    result = subprocess.run(
        [sys.executable, "-m", "layerwise", "datasets"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "digits" in result.stdout


def test_library_errors_name_arguments_and_the_command_line_names_flags(bad_files):
    """The library speaks of its arguments (target=); the CLI translates them (--target)."""
    from layerwise.cli.common import one_line
    from layerwise.data import infer_task, read_data

    data = read_data(bad_files / "one.csv")
    with pytest.raises(ValueError, match=r"only one class.*Hint: check target=\.") as caught:
        infer_task(data.target)
    assert "--" not in str(caught.value)
    assert one_line(caught.value).endswith("Hint: check --target.")
    assert one_line(ValueError("task='binary' needs 2; use drop=.")) == (
        "--task binary needs 2; use --drop."
    )
    assert one_line(ValueError("net must be a layerwise.Network, got x=3.")).endswith("x=3.")


def test_screen_files_and_messages_number_epochs_alike(tmp_path, capsys):
    """One convention, the course's: epochs are numbered from 0 on screen and in the files."""
    import re

    out = tmp_path / "run"
    argv = ["train", "iris", "--epochs", "60", "--early-stopping", "3", "--learning-rate", "0.05"]
    code, stdout, err = run(capsys, *argv, "--out", out)
    assert code == 0
    history = json.loads((out / "history.json").read_text())
    best = int(re.search(r"best epoch (\d+) kept", stdout).group(1))
    assert best == history["best_epoch"] == int(np.argmin(history["dev_cost"]))
    lines = [ln for ln in err.splitlines() if ln.startswith("epoch ")]
    assert lines[0].startswith("epoch 0: ") and len(lines) == len(history["cost"])
    shown = float(re.search(r"dev_cost=(\S+)", lines[best]).group(1))
    assert shown == pytest.approx(history["dev_cost"][best], rel=1e-5)
    code, summary, _ = run(capsys, "summary", out / "model.npz")
    assert code == 0 and f"best_epoch={best}" in summary
    argv = ["train", "planar", "--optimizer", "gd", "--learning-rate", "1e30"]
    code, _, err = run(capsys, *argv, "--out", tmp_path / "diverged")
    assert code == 2, err
    assert int(re.search(r"at epoch (\d+)", err).group(1)) == 0  # diverges in the first epoch


def test_print_cost_and_progress_lines_agree(capsys):
    import io

    X, Y = np.array([[0.0, 1, 0, 1], [0, 0, 1, 1]]), np.array([[0.0, 1, 1, 0]])
    lines, printout = io.StringIO(), io.StringIO()
    net = lw.Network([2, 3, 1], hidden="tanh", seed=0)
    net.fit(X, Y, epochs=3, callbacks=[lw.PrintCost(1, file=printout), lw.ProgressBar(lines)])
    firsts = [printout.getvalue().splitlines()[0], lines.getvalue().splitlines()[0]]
    assert firsts[0].startswith("Cost after iteration 0: ") and firsts[1].startswith("epoch 0: ")
    shown = float(firsts[1].split("cost=")[1].split()[0])
    assert float(firsts[0].split(": ")[1]) == pytest.approx(shown, rel=1e-5)


def test_gradcheck_samples_a_large_network(capsys):
    code, out, _ = run(capsys, "gradcheck", "planar", "--layers", "30,20", "--per-layer", "5")
    assert code == 0 and "(15 sampled entries)" in out and "passed" in out


@pytest.mark.slow
def test_evaluate_reports_what_the_docs_promise_for_multi_label_and_multi_output(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 3))
    labels = {"tag_a": (X[:, 0] > 0) * 1, "tag_b": (X[:, 1] > 0) * 1}
    values = {"u": 3 * X[:, 0] + 100, "v": -X[:, 2]}
    for name, targets in (("tags", labels), ("values", values)):
        lines = ["x0,x1,x2," + ",".join(targets)]
        lines += [",".join(map(str, [*X[i], *(t[i] for t in targets.values())])) for i in range(80)]
        (tmp_path / f"{name}.csv").write_text("\n".join(lines) + "\n")
        argv = ["train", tmp_path / f"{name}.csv", "--target", ",".join(targets)]
        assert run(capsys, *argv, "--epochs", 5, "--out", tmp_path / name, "--quiet")[0] == 0
    code, out, _ = run(capsys, "evaluate", tmp_path / "tags/model.npz", tmp_path / "tags.csv")
    assert code == 0 and "log loss" in out and "label tag_b: confusion matrix" in out
    code, out, _ = run(
        capsys, "evaluate", tmp_path / "tags/model.npz", tmp_path / "tags.csv", "--json"
    )
    assert code == 0
    report = json.loads(out)
    assert report["log_loss"] > 0 and set(report["confusion_matrices"]) == {"tag_a", "tag_b"}
    assert sum(map(sum, report["confusion_matrices"]["tag_a"])) == 80
    code, out, _ = run(
        capsys, "evaluate", tmp_path / "values/model.npz", tmp_path / "values.csv", "--json"
    )
    assert code == 0
    report = json.loads(out)
    assert set(report["per_output"]) == {"u", "v"}
    assert report["mse"] == pytest.approx(
        np.mean([c["mse"] for c in report["per_output"].values()])
    )


def test_estimator_and_command_line_model_files_say_what_they_hold(tmp_path, capsys, fruit_model):
    from layerwise.estimators import LayerwiseClassifier, load_estimator

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 3)), np.repeat(["a", "b"], 20)
    path = (
        LayerwiseClassifier((4,), max_epochs=2, random_state=0).fit(X, y).save(tmp_path / "e.npz")
    )
    code, _, err = run(capsys, "predict", path, tmp_path / "x.csv")
    assert code == 2 and "is a LayerwiseClassifier saved by its save()" in err
    assert "Network.save" not in err
    code, out, _ = run(capsys, "summary", path)
    assert code == 0 and "estimator: LayerwiseClassifier, 2 epochs, classes: a, b" in out
    assert "training:" not in out  # no empty line
    with pytest.raises(ValueError, match=r"it holds a model saved by `layerwise train`"):
        load_estimator(fruit_model)


def test_one_line_translates_values_of_every_shape():
    from layerwise.cli.common import one_line

    assert one_line(ValueError("at epoch 3 (learning_rate=1e-05): lower")) == (
        "at epoch 3 (--learning-rate 1e-05): lower"
    )
    assert "--learning-rate -0.5," in one_line(ValueError("learning_rate=-0.5, not > 0"))
    assert one_line(ValueError("Hint: check target=.")) == "Hint: check --target."


def test_train_with_dropout_rates_saves_keep_prob(tmp_path, capsys):
    out_dir = tmp_path / "run"
    args = ("train", "planar", "--epochs", 2, "--layers", "6,4", "--quiet")
    code, _, _ = run(capsys, *args, "--dropout", "0.2,0.5", "--out", out_dir)
    assert code == 0
    net = lw.load(out_dir / "model.npz")
    assert net.keep_prob == (0.8, 0.5)  # keep_prob = 1 - rate
    code, out, _ = run(capsys, "summary", out_dir / "model.npz")
    assert code == 0 and "l2: 0.0   dropout keep_prob: [0.8, 0.5]" in out
    code, _, _ = run(capsys, *args, "--dropout", "0.25", "--out", tmp_path / "one")
    assert code == 0 and lw.load(tmp_path / "one" / "model.npz").keep_prob == (0.75, 0.75)
    code, _, err = run(capsys, *args, "--dropout", "0.1,0.2,0.3", "--out", tmp_path / "x")
    assert code != 0 and "--dropout must be one rate or 2 (one per hidden layer" in err
    code, _, err = run(capsys, *args, "--dropout", "1.0")
    assert code != 0 and "dropout rates must be >= 0 and < 1 (the share of units dropped)" in err
    code, _, err = run(capsys, "train", "planar", "--layers", "none", "--dropout", "0.2")
    assert code != 0 and "keep_prob applies to hidden layers, and this network has none" in err
