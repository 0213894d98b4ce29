"""Tests for the scalar computation graph in ``layerwise.graph``."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from layerwise.graph import Value, course_example, numerical_derivative


def test_course_example_values() -> None:
    out = course_example()
    assert out == {"J": 33.0, "dJ/da": 3.0, "dJ/db": 6.0, "dJ/dc": 9.0, "u": 6.0, "v": 11.0}


def test_course_example_other_point_matches_formula() -> None:
    a, b, c = 1.5, -2.0, 0.25
    out = course_example(a, b, c)
    assert out["J"] == pytest.approx(3 * (a + b * c))
    assert (out["dJ/da"], out["dJ/db"], out["dJ/dc"]) == pytest.approx((3.0, 3 * c, 3 * b))


def test_repr() -> None:
    J = Value(33.0, "J")
    J.grad = 1.0
    assert repr(J) == "Value(data=33.0, grad=1.0, label='J')"
    assert repr(Value(2)) == "Value(data=2.0, grad=0.0)"


def test_numerical_derivative_known_function() -> None:
    def f(x: float, y: float) -> float:
        return math.sin(x) * y

    assert numerical_derivative(f, [0.0, 2.0], 0) == pytest.approx(2.0, rel=1e-8)
    assert numerical_derivative(f, [0.3, 2.0], 1) == pytest.approx(math.sin(0.3), rel=1e-8)


# Each row: id, a function of Value arguments, and a point where it is smooth.
OPS: list[tuple[str, Callable[..., Value], tuple[float, ...]]] = [
    ("add", lambda a, b: a + b, (1.3, -0.7)),
    ("sub", lambda a, b: a - b, (1.3, -0.7)),
    ("mul", lambda a, b: a * b, (1.3, -0.7)),
    ("truediv", lambda a, b: a / b, (1.3, -0.7)),
    ("radd", lambda a: 2.5 + a, (0.4,)),
    ("rsub", lambda a: 2.5 - a, (0.4,)),
    ("rmul", lambda a: 2.5 * a, (0.4,)),
    ("rtruediv", lambda a: 2.5 / a, (0.4,)),
    ("neg", lambda a: -a, (0.4,)),
    ("pow2", lambda a: a**2, (-1.7,)),
    ("pow3", lambda a: a**3, (-1.7,)),
    ("pow_neg_int", lambda a: a**-2, (-1.7,)),
    ("pow_half", lambda a: a**0.5, (1.7,)),
    ("pow_neg_float", lambda a: a**-1.5, (1.7,)),
    ("exp", lambda a: a.exp(), (0.8,)),
    ("log", lambda a: a.log(), (0.8,)),
    ("tanh", lambda a: a.tanh(), (0.8,)),
    ("sigmoid_pos", lambda a: a.sigmoid(), (0.8,)),
    ("sigmoid_neg", lambda a: a.sigmoid(), (-2.3,)),
    ("relu_pos", lambda a: a.relu(), (0.8,)),
    ("relu_neg", lambda a: a.relu(), (-0.8,)),
    ("self_mul", lambda a: a * a, (-1.1,)),
]


@pytest.mark.parametrize(("fn", "point"), [(fn, p) for _, fn, p in OPS], ids=[r[0] for r in OPS])
def test_op_derivative_matches_central_difference(
    fn: Callable[..., Value], point: tuple[float, ...]
) -> None:
    inputs = [Value(x) for x in point]
    out = fn(*inputs)
    out.backward()

    def f(*xs: float) -> float:
        return fn(*(Value(x) for x in xs)).data

    for i, leaf in enumerate(inputs):
        expected = numerical_derivative(f, point, i)
        assert leaf.grad == pytest.approx(expected, rel=1e-6, abs=1e-8)


# Random expressions: a small register program over three inputs. Every op is smooth and
# defined on all reals; intermediates are kept bounded so central differences stay accurate.
UNARY: list[Callable[[Value], Value]] = [
    lambda v: -v,
    lambda v: v.exp(),
    lambda v: v.tanh(),
    lambda v: v.sigmoid(),
    lambda v: v**2,
    lambda v: v**3,
    lambda v: (v * v + 1).log(),
    lambda v: (v * v + 1) ** 0.5,
    lambda v: 1 / (1 + v * v),
]
BINARY: list[Callable[[Value, Value], Value]] = [
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * b,
    lambda a, b: a / (1 + b * b),
    lambda a, b: 2.0 * a - b / 3.0,
]

step = st.tuples(
    st.booleans(),
    st.integers(0, max(len(UNARY), len(BINARY)) - 1),
    st.integers(0, 10),
    st.integers(0, 10),
)
coordinate = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)


def run_program(program: list[tuple[bool, int, int, int]], xs: list[Value]) -> list[Value]:
    registers = list(xs)
    for is_binary, op, i, j in program:
        a, b = registers[i % len(registers)], registers[j % len(registers)]
        if is_binary:
            registers.append(BINARY[op % len(BINARY)](a, b))
        else:
            registers.append(UNARY[op % len(UNARY)](a))
    return registers


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.lists(coordinate, min_size=3, max_size=3), st.lists(step, min_size=1, max_size=6))
def test_random_expression_grads_match_numerical(
    point: list[float], program: list[tuple[bool, int, int, int]]
) -> None:
    inputs = [Value(x) for x in point]
    registers = run_program(program, inputs)
    assume(all(abs(r.data) <= 50.0 for r in registers))
    out = registers[-1]
    out.backward()

    def f(*xs: float) -> float:
        return run_program(program, [Value(x) for x in xs])[-1].data

    for i, leaf in enumerate(inputs):
        expected = numerical_derivative(f, point, i)
        assert math.isclose(leaf.grad, expected, rel_tol=1e-5, abs_tol=1e-6)


def test_value_used_twice_accumulates() -> None:
    x = Value(3.0)
    y = x * x
    y.backward()
    assert x.grad == 6.0  # 2x, one contribution per use


def test_shared_node_is_ordered_before_all_its_children() -> None:
    # out = r + (-r) with r = -x: r is reached both directly and through -r, so a topological
    # order that finished -r before r would drop r's second contribution.
    x = Value(0.5)
    r = -x
    out = r + (-r)
    out.backward()
    assert x.grad == 0.0
    order = out.topological_order()
    assert order.index(r) < order.index(out.parents[1])
    assert order[-1] is out
    assert len(order) == len({id(n) for n in order})


def test_backward_twice_gives_same_grads() -> None:
    a, b = Value(2.0), Value(-1.5)
    out = (a * b + a.tanh()) * b
    out.backward()
    first = (a.grad, b.grad, out.grad)
    out.backward()
    assert (a.grad, b.grad, out.grad) == first


def test_deep_chain_does_not_recurse() -> None:
    x = Value(1.0)
    y = x
    for _ in range(5000):
        y = y + 1.0
    y.backward()
    assert y.data == 5001.0
    assert x.grad == 1.0


@pytest.mark.parametrize(("x", "expected"), [(1000.0, 1.0), (-1000.0, 0.0)])
def test_sigmoid_extreme_inputs_are_stable(x: float, expected: float) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = Value(x)
        s = v.sigmoid()
        s.backward()
    assert s.data == expected
    assert v.grad == 0.0


@pytest.mark.parametrize("x", [0.0, -1.0])
def test_log_of_non_positive_raises(x: float) -> None:
    with pytest.raises(ValueError, match=r"log: argument must be positive.*received data="):
        Value(x).log()


def test_string_operand_raises_type_error() -> None:
    with pytest.raises(TypeError, match="got str"):
        Value(1.0) + "2"  # type: ignore[operator]
    with pytest.raises(TypeError, match="got str"):
        "2" * Value(1.0)  # type: ignore[operator]
    with pytest.raises(TypeError, match="got str"):
        Value(1.0) ** "2"  # type: ignore[operator]
