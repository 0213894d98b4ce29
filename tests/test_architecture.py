"""The package's shape: imports point one way, modules stay small, records carry their code."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import layerwise as lw
from layerwise import Activation, Network
from layerwise.activations import sigmoid, tanh
from layerwise.gradient_check import gradients_to_vector
from layerwise.losses import LOSSES, Loss
from layerwise.outputs import PAIRS
from tables import make_targets

PACKAGE = Path(lw.__file__).parent
#: The layers of DESIGN.md's map: a module imports its own layer and those below, never above.
#: Core modules (the top level, engine/, persistence/) are layer 0.
LAYERS = {
    "data": 1,
    "plots": 1,
    "estimators": 2,
    "course": 2,
    "spec": 2,
    "cli": 3,
    "export": 3,
    "playground": 3,
    "sweep": 3,
}
#: The package's face (lazy attributes) and ``python -m layerwise`` may reach any layer.
FACADES = {"layerwise", "layerwise.__main__"}
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str) -> set[str]:
    """Every layerwise module that ``path`` imports, at the top or inside functions (only
    ``if TYPE_CHECKING:`` blocks are left out: they never run)."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    skipped = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for n in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "layerwise"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] != "layerwise":
                continue
            for alias in node.names:  # `from . import x` may name a module
                sub = f"{module}.{alias.name}"
                found.add(sub if _exists(sub) else module)
    return found


def _exists(module: str) -> bool:
    rel = Path(*module.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").is_file() or (PACKAGE / rel / "__init__.py").is_file()


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: _imports(path, name) & set(modules) - {name} for name, path in modules.items()}


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.get(parts[1], 0) if len(parts) > 1 else 0


def test_imports_point_down_the_layers() -> None:
    upward = [
        f"{m} (layer {_layer(m)}) imports {t} (layer {_layer(t)})"
        for m, targets in _graph().items()
        if m not in FACADES
        for t in targets
        if _layer(t) > _layer(m)
    ]
    assert not upward, "\n".join(upward)


def test_there_is_no_import_loop() -> None:
    graph = {m: {t for t in ts if t not in FACADES} for m, ts in _graph().items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path, node, nxt]
            if nxt not in state and (loop := visit(nxt, [*path, node])):
                return loop
        state[node] = 2
        return None

    for module in sorted(graph):
        if module not in state:
            loop = visit(module, [])
            assert loop is None, " -> ".join(loop[loop.index(loop[-1]) :])


def test_the_walker_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    graph = _graph()
    assert "layerwise.training" in graph["layerwise.network"]  # Network.fit is training.fit
    assert "layerwise.data.preprocessing" in graph["layerwise.data.saved"]
    assert "layerwise.data" in graph["layerwise.cli.common"]  # inside a function
    assert "layerwise.network" not in graph["layerwise.training"]  # a TYPE_CHECKING import


def test_modules_stay_readable() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_importing_layerwise_imports_no_optional_dependency() -> None:
    code = (
        "import sys, layerwise, layerwise.data, layerwise.persistence, layerwise.cli;"
        "print(sorted({m.split('.')[0] for m in sys.modules}))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    for optional in ("pandas", "sklearn", "scipy", "matplotlib", "h5py", "PIL", "tqdm", "pyarrow"):
        assert f"'{optional}'" not in loaded


def test_network_fit_shows_its_options() -> None:
    import inspect

    params = inspect.signature(Network.fit).parameters
    assert {"epochs", "learning_rate", "batch_size", "dev", "callbacks"} <= set(params)
    assert Network.fit is lw.fit and "batch_size" in (Network.fit.__doc__ or "")


# ----- records carry their code (impostors on every face: test_impostors.py) ----------------
def softsign(Z: np.ndarray) -> np.ndarray:
    return Z / (1 + np.abs(Z))


def softsign_derivative(Z: np.ndarray, A: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.abs(Z)) ** 2


CUSTOM = Activation("softsign", softsign, softsign_derivative)


def impostor_sigmoid_output() -> Activation:
    return Activation("sigmoid", lambda Z: sigmoid(Z) * 0.5, lambda Z, A: A * (1 - 2 * A))


@pytest.mark.parametrize(
    ("output", "loss"),
    [
        (Activation("swish", lambda Z: Z * sigmoid(Z), None), None),
        (impostor_sigmoid_output(), "binary_crossentropy"),
    ],
)
def test_records_that_cannot_pair_are_refused(output: Activation, loss: str | None) -> None:
    with pytest.raises(ValueError, match=r"needs output activation|not elementwise"):
        Network([2, 3, 1], output=output, loss=loss or "squared_error")


def test_a_custom_output_for_regression_and_a_custom_loss_train_like_the_reference(
    rng: np.random.Generator,
) -> None:
    half_l2 = Loss("squared_error", lambda A, Y: (A - Y) ** 2, lambda A, Y: 2 * (A - Y), id)
    custom_out = Activation("linear", lambda Z: tanh(Z) * 2, lambda Z, A: 2 - A * A / 2)
    X, Y = rng.standard_normal((3, 6)), make_targets("squared_error", 2, 6, rng)
    for output, loss in [(custom_out, "squared_error"), ("linear", half_l2)]:
        fast, slow = (Network([3, 4, 2], output=output, loss=loss, seed=1) for _ in range(2))
        AL, caches = slow.forward(X)
        slow.theta -= 0.1 * gradients_to_vector(slow, slow.backward(AL, Y, caches))
        fast.fit(X, Y, epochs=1, learning_rate=0.1)
        np.testing.assert_allclose(fast.theta, slow.theta, rtol=1e-10, atol=1e-13)


def test_a_network_of_custom_records_cannot_be_saved_but_pickles(tmp_path: Path) -> None:
    import pickle

    net = Network([2, 3, 1], hidden=CUSTOM, seed=0)
    with pytest.raises(ValueError, match=r"custom records \['softsign'\] cannot be saved"):
        net.save(tmp_path / "m.npz")
    twin = pickle.loads(pickle.dumps(net))
    assert twin.activations[0] == CUSTOM
    np.testing.assert_array_equal(twin.theta, net.theta)


def test_the_pairing_table_is_what_every_place_reads() -> None:
    from layerwise.data import Preprocessor
    from layerwise.outputs import TASKS

    for task, pair in TASKS.items():
        pre = Preprocessor(task)
        pre.task = task
        assert pre.output == pair.output
        assert pair.loss in LOSSES and pair.fused
    assert {p.task for p in PAIRS} == set(TASKS)


def test_a_custom_loss_of_its_own_name_trains_like_the_reference(rng: np.random.Generator) -> None:
    huber = Loss(
        "huber",
        lambda A, Y: np.where(np.abs(A - Y) < 1, 0.5 * (A - Y) ** 2, np.abs(A - Y) - 0.5),
        lambda A, Y: np.clip(A - Y, -1, 1),
        lambda Y: None,
    )
    X, Y = rng.standard_normal((3, 6)), 3 * rng.standard_normal((1, 6))
    fast, slow = (Network([3, 4, 1], output="linear", loss=huber, seed=2) for _ in range(2))
    AL, caches = slow.forward(X)
    slow.theta -= 0.1 * gradients_to_vector(slow, slow.backward(AL, Y, caches))
    fast.fit(X, Y, epochs=1, learning_rate=0.1)
    np.testing.assert_allclose(fast.theta, slow.theta, rtol=1e-10, atol=1e-13)
    with pytest.raises(ValueError, match="needs output activation"):
        Network([3, 2], output="softmax", loss=huber)  # softmax is not elementwise


def test_set_parameters_checks_like_the_dict() -> None:
    net = Network([2, 2, 1], seed=0)
    bad = {k: v.astype(complex) for k, v in net.parameters.items()}
    with pytest.raises(TypeError, match=r"must hold real numbers, got dtype complex128"):
        net.set_parameters(bad)
