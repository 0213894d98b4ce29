"""A scalar computation graph with reverse-mode derivatives, for teaching and as an oracle.

Reverse mode: the forward pass evaluates each node and remembers its parents and op.
``backward()`` then visits the nodes in reverse topological order, starting from dJ/dJ = 1.
Each node pushes its gradient to its parents, multiplied by the op's local derivative.
A parent used by several children sums the contributions (the multivariate chain rule).
One backward pass thus yields dJ/dx for every input x, at about the cost of one forward pass.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

__all__ = ["Value", "course_example", "numerical_derivative"]


def _noop() -> None:
    """Backward step of a leaf: nothing to propagate."""


class Value:
    """A scalar node: ``data``, accumulated ``grad``, ``parents``, ``op`` and an optional ``label``.

    Parameters
    ----------
    data : float
        The node's value.
    label : str or None, optional
        A display name, e.g. ``"J"``.
    """

    __slots__ = ("_backward", "data", "grad", "label", "op", "parents")

    def __init__(
        self,
        data: float,
        label: str | None = None,
        *,
        parents: tuple[Value, ...] = (),
        op: str = "",
    ) -> None:
        if not isinstance(data, numbers.Real):
            raise TypeError(f"Value: data must be a real number, got {type(data).__name__}")
        self.data = float(data)
        self.grad = 0.0
        self.parents = parents
        self.op = op
        self.label = label
        self._backward: Callable[[], None] = _noop

    def __repr__(self) -> str:
        tail = "" if self.label is None else f", label={self.label!r}"
        return f"Value(data={self.data!r}, grad={self.grad!r}{tail})"

    @staticmethod
    def _lift(other: object, op: str) -> Value:
        if isinstance(other, Value):
            return other
        if isinstance(other, numbers.Real):
            return Value(float(other))
        raise TypeError(
            f"Value {op}: operand must be a Value, int or float, got {type(other).__name__}"
        )

    # ----- binary ops: forward, then the local derivatives right below --------------------------
    def __add__(self, other: Value | float) -> Value:
        other = Value._lift(other, "+")
        out = Value(self.data + other.data, parents=(self, other), op="+")

        def _backward() -> None:  # d(a+b)/da = 1, d(a+b)/db = 1
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Value | float) -> Value:
        other = Value._lift(other, "*")
        out = Value(self.data * other.data, parents=(self, other), op="*")

        def _backward() -> None:  # d(ab)/da = b, d(ab)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __truediv__(self, other: Value | float) -> Value:
        other = Value._lift(other, "/")
        out = Value(self.data / other.data, parents=(self, other), op="/")

        def _backward() -> None:  # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
            self.grad += out.grad / other.data
            other.grad += -self.data / other.data**2 * out.grad

        out._backward = _backward
        return out

    def __pow__(self, exponent: float) -> Value:
        if isinstance(exponent, Value) or not isinstance(exponent, numbers.Real):
            kind = type(exponent).__name__
            raise TypeError(f"Value **: exponent must be an int or float constant, got {kind}")
        k, x = float(exponent), self.data
        if x < 0 and not k.is_integer():
            raise ValueError(
                f"Value **: a negative base needs an integer exponent; received base={x!r}, "
                f"exponent={k!r}. Hint: use abs() or an integer power."
            )
        return self._unary(x**k, f"**{exponent!r}", lambda: k * x ** (k - 1))  # k x^(k-1)

    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other: Value | float) -> Value:
        return self + (-Value._lift(other, "-"))

    def __radd__(self, other: float) -> Value:
        return Value._lift(other, "+") + self

    def __rsub__(self, other: float) -> Value:
        return Value._lift(other, "-") - self

    def __rmul__(self, other: float) -> Value:
        return Value._lift(other, "*") * self

    def __rtruediv__(self, other: float) -> Value:
        return Value._lift(other, "/") / self

    # ----- unary functions ----------------------------------------------------------------------
    def _unary(self, data: float, op: str, local: Callable[[], float]) -> Value:
        out = Value(data, parents=(self,), op=op)

        def _backward() -> None:
            self.grad += local() * out.grad

        out._backward = _backward
        return out

    def exp(self) -> Value:
        """Return e**x."""
        e = math.exp(self.data)
        return self._unary(e, "exp", lambda: e)  # d(e^x)/dx = e^x

    def log(self) -> Value:
        """Return the natural logarithm; raise ValueError unless x > 0."""
        x = self.data
        if x <= 0:
            raise ValueError(
                f"Value.log: argument must be positive (log is defined only for x > 0); "
                f"received data={x!r}. Hint: clip the input, e.g. log(max(x, 1e-12))."
            )
        return self._unary(math.log(x), "log", lambda: 1.0 / x)  # d(log x)/dx = 1/x

    def tanh(self) -> Value:
        """Return the hyperbolic tangent."""
        t = math.tanh(self.data)
        return self._unary(t, "tanh", lambda: 1.0 - t * t)  # d(tanh x)/dx = 1 - tanh^2 x

    def sigmoid(self) -> Value:
        """Return 1 / (1 + e**-x), computed without overflow for large |x|."""
        x = self.data
        if x >= 0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)  # x < 0, so e <= 1: no overflow
            s = e / (1.0 + e)
        return self._unary(s, "sigmoid", lambda: s * (1.0 - s))  # d(sigma)/dx = sigma(1-sigma)

    def relu(self) -> Value:
        """Return max(0, x); its derivative at 0 is taken as 0."""
        x = self.data
        return self._unary(max(0.0, x), "relu", lambda: 1.0 if x > 0 else 0.0)

    # ----- reverse pass -------------------------------------------------------------------------
    def topological_order(self) -> list[Value]:
        """Return the graph's nodes, parents before children (iterative depth-first search)."""
        order: list[Value] = []
        visited: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:  # all parents are already in ``order``
                order.append(node)
            elif id(node) not in visited:  # mark on expansion, not on push
                visited.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p in node.parents if id(p) not in visited)
        return order

    def backward(self) -> None:
        """Set each node's ``grad`` to d(self)/d(node); grads are reset first (idempotent)."""
        order = self.topological_order()
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


def numerical_derivative(
    f: Callable[..., float], values: Sequence[float], index: int, epsilon: float = 1e-6
) -> float:
    """Central difference (f(x + eps) - f(x - eps)) / (2 eps) with respect to ``values[index]``.

    Parameters
    ----------
    f : callable
        A function ``f(*floats) -> float``.
    values : sequence of float
        The point at which to differentiate.
    index : int
        Which argument to perturb.
    epsilon : float, optional
        The half-width of the difference.

    Returns
    -------
    float
        The approximate partial derivative.
    """
    plus = [float(v) for v in values]
    minus = list(plus)
    plus[index] += epsilon
    minus[index] -= epsilon
    return (f(*plus) - f(*minus)) / (2.0 * epsilon)


def course_example(a: float = 5.0, b: float = 3.0, c: float = 2.0) -> dict[str, float]:
    """The course's graph J = 3(a + bc): u = bc, v = a + u, J = 3v, then backward.

    Returns
    -------
    dict
        ``J``, ``dJ/da``, ``dJ/db``, ``dJ/dc``, ``u`` and ``v``; for (5, 3, 2): 33, 3, 6, 9, 6, 11.
    """
    va, vb, vc = Value(a, "a"), Value(b, "b"), Value(c, "c")
    u = vb * vc
    v = va + u
    J = 3 * v
    u.label, v.label, J.label = "u", "v", "J"
    J.backward()
    grads = {"dJ/da": va.grad, "dJ/db": vb.grad, "dJ/dc": vc.grad}
    return {"J": J.data, **grads, "u": u.data, "v": v.data}
