"""One table per name: every face offers the core's tables, or a subset named by a rule.

The tables are ``activations.ACTIVATIONS`` (hidden layers: ``HIDDEN_ACTIVATIONS``, its
elementwise records), ``initializers.INITIALIZERS``, ``optimizers.OPTIMIZERS`` and
``outputs.TASKS``. A new entry in one of them shows up in the command line's choices, the
sweep's names, the playground's messages and its page, or one of these tests fails.
"""

import argparse
import math
import re
from pathlib import Path

import pytest

from layerwise.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, RELU_FAMILY
from layerwise.cli import build_parser
from layerwise.initializers import INITIALIZERS
from layerwise.optimizers import OPTIMIZERS
from layerwise.outputs import TASKS
from layerwise.playground import schema
from layerwise.playground.datasets import DATASETS
from layerwise.spec import DEFAULT_LEARNING_RATE
from layerwise.sweep import space

STATIC = Path(schema.__file__).parent / "static"
# The words only the command line knows: "auto" (inferred), "course" (the course's init draw).
CLI_WORDS = {"auto", "course"}
TABLES = {"init": set(INITIALIZERS), "task": set(TASKS), "optimizer": set(OPTIMIZERS)}


def test_the_hidden_activations_are_the_elementwise_records():
    assert tuple(n for n, a in ACTIVATIONS.items() if a.derivative) == HIDDEN_ACTIVATIONS
    assert set(ACTIVATIONS) - set(HIDDEN_ACTIVATIONS) == {"softmax"}  # output-only
    assert set(RELU_FAMILY) <= set(HIDDEN_ACTIVATIONS)


def _choices(parser: argparse.ArgumentParser, path=()):
    """(command, option dest, choices) for every option with choices, in every sub-command."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _choices(sub, (*path, name))
        elif action.choices is not None:
            yield " ".join(path), action.dest, set(action.choices)


def test_the_command_line_offers_the_tables():
    seen = set()
    for command, dest, choices in _choices(build_parser()):
        if dest in TABLES:
            assert choices - CLI_WORDS == TABLES[dest], (command, dest)
            seen.add(dest)
    assert seen == set(TABLES)  # every table is offered somewhere
    assert set(DEFAULT_LEARNING_RATE) == set(OPTIMIZERS)


def test_the_sweep_draws_from_the_tables():
    expected = {
        "hidden": HIDDEN_ACTIVATIONS,
        "init": ("auto", *INITIALIZERS),
        "optimizer": tuple(OPTIMIZERS),
    }
    assert expected == space.NAMES
    for name, names in space.NAMES.items():  # the default space searches a subset
        assert set(space.DEFAULT_SPACE[name]["choices"]) <= set(names)


def test_the_playground_offers_the_tables():
    pytest.importorskip("starlette")
    from layerwise.playground.server import hello

    message = hello()
    assert schema.ACTIVATIONS == HIDDEN_ACTIVATIONS == tuple(message["activations"])
    assert schema.INITS == tuple(INITIALIZERS) == tuple(message["inits"])
    assert schema.OPTIMIZERS == tuple(OPTIMIZERS) == tuple(message["optimizers"])
    assert set(message["datasets"]) == set(DATASETS)
    assert set(message["tasks"]) == {d.task for d in DATASETS.values()} <= set(TASKS)
    for task, row in message["tasks"].items():
        assert row == {"output": TASKS[task].output, "loss": TASKS[task].loss}
    assert message["limits"] == schema.LIMITS
    assert message["max_hidden_layers"] == schema.LIMITS["layers"][1]
    assert message["max_units"] == schema.LIMITS["units"][1]


def test_the_playground_labels_presets_and_steps_fit_the_tables():
    offered = {"init": schema.INITS, "optimizer": schema.OPTIMIZERS}
    offered |= {key: tuple(map(str, values)) for key, values in schema.PRESETS.items()}
    for key, labels in schema.LABELS.items():
        assert set(labels) <= set(offered[key]), key  # no label for a name that is gone
    for key, presets in schema.PRESETS.items():
        parse = schema.FIELDS[key]
        assert [parse(p) for p in presets]  # each preset passes the message check
    for key, step in schema.STEPS.items():
        low, high = schema.LIMITS[key]
        assert math.isclose(round((high - low) / step) * step, high - low), key


def test_the_page_has_no_table_of_its_own():
    """Its menus and ranges come from the hello message (the examples slider's minimum once
    said 100 where the server's limit is 50)."""
    page = (STATIC / "index.html").read_text()
    assert "<option" not in page
    assert not re.search(r"<input[^>]*\b(min|max|step)=", page)
    script = (STATIC / "app.js").read_text()
    for key in ("inits", "optimizers", "activations", "limits", "steps", "presets", "labels"):
        assert f"m.{key}" in script, key
