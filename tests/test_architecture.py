"""The package's shape: imports point one way, modules stay small, records carry their code."""

from __future__ import annotations

import ast
import subprocess
import sys
from itertools import pairwise
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
MAX_FUNCTION_LINES = 60  # a screen


def _module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    """``if TYPE_CHECKING:`` or ``if typing.TYPE_CHECKING:`` (not ``if not TYPE_CHECKING:``)."""
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, name: str, root: Path = PACKAGE) -> dict[str, tuple[int, str]]:
    """Every layerwise module that importing ``path`` may run: ``{module: (line, imported)}``,
    where ``imported`` is the module the import statement names.

    Imports at the top and inside functions count (only the body of ``if TYPE_CHECKING:`` is
    left out: it never runs). Importing ``a.b.c`` runs ``a/__init__`` and ``a/b/__init__`` first,
    so those packages count too, except the packages that hold ``path``: they are imported
    before ``path`` is, whatever it imports.
    """
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    skipped = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and _is_type_checking(node.test)
        for stmt in node.body
        for n in ast.walk(stmt)
    }
    named: dict[str, int] = {}
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "layerwise":
                    named.setdefault(alias.name, node.lineno)
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
                named.setdefault(sub if _exists(sub, root) else module, node.lineno)
    holders = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 2)}
    found = {module: (line, module) for module, line in named.items()}
    for module, line in sorted(named.items()):
        parts = module.split(".")
        for i in range(1, len(parts)):
            init = ".".join(parts[:i])  # a package whose __init__ runs first
            if init not in holders:
                found.setdefault(init, (line, module))
    return found


def _exists(module: str, root: Path = PACKAGE) -> bool:
    rel = Path(*module.split(".")[1:])
    return (root / rel).with_suffix(".py").is_file() or (root / rel / "__init__.py").is_file()


def _edges(root: Path = PACKAGE) -> dict[str, dict[str, str]]:
    """``{module: {imported module: where}}`` for the package at ``root`` (a package stands for
    its ``__init__``); where is the file and line of the import, e.g. ``training.py:154``, and
    the module it names when that is one inside the imported package."""
    modules = {_module_name(p, root): p for p in root.rglob("*.py")}
    return {
        name: {
            target: f"{path.relative_to(root).as_posix()}:{line}"
            + (f" (imports {via}: runs its package's __init__ first)" if via != target else "")
            for target, (line, via) in _imports(path, name, root).items()
            if target in modules and target != name
        }
        for name, path in modules.items()
    }


def _graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    return {name: set(targets) for name, targets in _edges(root).items()}


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.get(parts[1], 0) if len(parts) > 1 else 0


def test_imports_point_down_the_layers() -> None:
    upward = [
        f"{m} (layer {_layer(m)}) imports {t} (layer {_layer(t)}) at {where}"
        for m, targets in _edges().items()
        if m not in FACADES
        for t, where in sorted(targets.items())
        if _layer(t) > _layer(m)
    ]
    assert not upward, "\n".join(upward)


def _loops(graph: dict[str, set[str]]) -> list[list[str]]:
    """The shortest loop through each module that is on one (``[a, b, ..., a]``), each loop
    once: every strongly connected group of modules shows up, with the paths that close it."""
    loops: dict[frozenset[tuple[str, str]], list[str]] = {}
    for start in sorted(graph):
        came_from: dict[str, str] = {}
        frontier = [start]
        while frontier and start not in came_from:  # breadth first: the shortest way back
            following = []
            for node in frontier:
                for nxt in sorted(graph[node]):
                    if nxt not in came_from:
                        came_from[nxt] = node
                        following.append(nxt)
            frontier = following
        if start in came_from:
            path = [start]
            while (path[-1] != start or len(path) == 1) and len(path) <= len(graph):
                path.append(came_from[path[-1]])
            path.reverse()
            loops.setdefault(frozenset(pairwise(path)), path)
    return list(loops.values())


def _shown(module: str, root: Path = PACKAGE) -> str:
    """``layerwise.checkpoint`` -> ``checkpoint/__init__``, ``layerwise.cli.train`` ->
    ``cli/train``: which file runs."""
    rel = "/".join(module.split(".")[1:])
    return f"{rel}/__init__" if (root / rel / "__init__.py").is_file() else rel


def test_there_is_no_import_loop() -> None:
    edges = {m: {t: w for t, w in ts.items() if t not in FACADES} for m, ts in _edges().items()}
    found = _loops({m: set(ts) for m, ts in edges.items()})
    report = [
        " -> ".join(map(_shown, loop))
        + "".join(f"\n    {_shown(a)} -> {_shown(b)}: {edges[a][b]}" for a, b in pairwise(loop))
        for loop in found
    ]
    assert not found, f"{len(found)} import loops:\n" + "\n".join(report)


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root / "layerwise"


def test_the_walker_sees_function_level_relative_and_package_init_imports(tmp_path) -> None:
    root = _write(
        tmp_path,
        {
            "layerwise/__init__.py": "",
            "layerwise/core.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from .face import App\n"  # never runs
                "else:\n    from . import other\n"  # runs
                "def fit():\n    from .pack.deep import step\n"  # inside a function
            ),
            "layerwise/other.py": "if not TYPE_CHECKING:\n    import layerwise.face\n",
            "layerwise/pack/__init__.py": "from .deep import step\n",
            "layerwise/pack/deep.py": "from . import leaf\nfrom .. import core\n",
            "layerwise/pack/leaf.py": "",
            "layerwise/face/__init__.py": "",
            "layerwise/face/app.py": "",
        },
    )
    graph = _edges(root)
    assert graph["layerwise.core"] == {
        "layerwise.other": "core.py:5",
        "layerwise.pack.deep": "core.py:7",  # a function-level import
        "layerwise.pack": "core.py:7 (imports layerwise.pack.deep: runs its package's __init__ "
        "first)",
    }
    assert set(graph["layerwise.other"]) == {"layerwise.face"}
    # a module's own packages are imported before it: no edge back to them
    assert set(graph["layerwise.pack.deep"]) == {"layerwise.pack.leaf", "layerwise.core"}
    assert _loops(_graph(root)) == [
        ["layerwise.core", "layerwise.pack.deep", "layerwise.core"],
        ["layerwise.pack", "layerwise.pack.deep", "layerwise.core", "layerwise.pack"],
    ]


def _functions(tree: ast.AST, prefix: str = "") -> list[tuple[str, int, int]]:
    """``(name, line, length)`` of every function and method in ``tree``, nested ones too (as
    ``outer.inner``, ``Class.method``); the length counts the def's lines, docstring included
    (decorators are not)."""
    found = []
    for node in ast.iter_child_nodes(tree):
        name = f"{prefix}{getattr(node, 'name', '')}"
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.append((name, node.lineno, node.end_lineno - node.lineno + 1))
            found += _functions(node, f"{name}.")
        elif isinstance(node, ast.ClassDef):
            found += _functions(node, f"{name}.")
        else:
            found += _functions(node, prefix)  # inside if/try/with blocks
    return found


def test_functions_fit_a_screen() -> None:
    # no exceptions, not even argparse option tables: a long table is split into groups
    long = [
        f"{p.relative_to(PACKAGE).as_posix()}:{line} {name}: {n} lines"
        for p in sorted(PACKAGE.rglob("*.py"))
        for name, line, n in _functions(ast.parse(p.read_text()))
        if n > MAX_FUNCTION_LINES
    ]
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines:\n" + "\n".join(long)


def test_the_function_lengths_count_every_line_of_the_def() -> None:
    code = (
        'class A:\n    @property\n    def f(self):\n        """Doc."""\n\n        return 1\n'
        "if True:\n    def g():\n        def h():\n            pass\n        return h\n"
    )
    assert _functions(ast.parse(code)) == [("A.f", 3, 4), ("g", 8, 4), ("g.h", 9, 2)]


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
