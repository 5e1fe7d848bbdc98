"""Reverse-mode automatic differentiation on NumPy arrays.

A :class:`Tensor` wraps a NumPy array (``.data``) and remembers the primitive
that produced it, its parents and a *vector-Jacobian product* (VJP): given the
gradient of a scalar loss with respect to the output, the VJP returns the
gradients with respect to each parent. ``loss.backward()`` walks the recorded
graph once in reverse topological order (iteratively: deep graphs do not hit
Python's recursion limit) and stores gradients on the leaves (``.grad``).

Each primitive below is written as its forward computation followed by its
VJP, side by side. Everything else is composed from primitives (``a - b`` is
``a + (-b)``); a primitive is added only where a composite would be unstable
or slow, and the comment says which.

>>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> y = (x * x).sum()
>>> y.backward()
>>> x.grad
array([2., 4., 6.], dtype=float32)

This module imports nothing from the rest of neuronkit but :mod:`neuronkit.errors`.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Sequence
from contextvars import ContextVar, Token
from typing import Any

import numpy as np

from ..errors import GraphError, ParameterError, ParameterTypeError, ShapeError

#: the dtype of a tensor made from numbers that are not a floating NumPy array (``numpy.float32``)
DEFAULT_DTYPE = np.float32

ArrayLike = Any


# Grad mode and the eval override are per thread and per asyncio task: a ContextVar reads as
# fast as a class attribute, and a prediction in one thread never switches autograd off for
# another (each new thread starts from the defaults).
_grad_enabled: ContextVar[bool] = ContextVar("neuronkit_grad_enabled", default=True)
_eval_forced: ContextVar[bool] = ContextVar("neuronkit_eval_forced", default=False)


class _ModeSwitch(contextlib.ContextDecorator):
    """Set one context variable for the duration of a ``with`` block (or a decorated call)."""

    _var: ContextVar[bool]
    _value: bool

    def __init__(self) -> None:
        self._tokens: list[Token[bool]] = []

    def _recreate_cm(self) -> _ModeSwitch:  # a decorated function gets a fresh switch per call (thread-safe)
        return type(self)()

    def __enter__(self) -> None:
        self._tokens.append(self._var.set(self._value))

    def __exit__(self, *exc_info: object) -> None:
        self._var.reset(self._tokens.pop())


class no_grad(_ModeSwitch):  # noqa: N801 - used like a function, as torch.no_grad
    """Context manager (or decorator) under which no operation records a graph.

    Results have ``requires_grad=False`` and keep no reference to their inputs,
    so inference allocates only the arrays it returns. Prediction uses it.
    It affects only the calling thread (and asyncio task).

    >>> w = Tensor([2.0], requires_grad=True)
    >>> with no_grad():
    ...     y = w * 3.0
    >>> y.requires_grad
    False
    """

    _var = _grad_enabled
    _value = False


class enable_grad(_ModeSwitch):  # noqa: N801 - as torch.enable_grad
    """Context manager (or decorator) that records graphs again inside a :class:`no_grad` block."""

    _var = _grad_enabled
    _value = True


class eval_mode(_ModeSwitch):  # noqa: N801 - used like a function
    """Context manager under which every layer computes as in eval mode, whatever its ``training`` flag.

    Prediction uses it instead of ``model.eval()``: the model's own mode is not
    touched, so other threads training or predicting with it are not affected.
    Layers read the effective mode through ``Module.in_training``.
    """

    _var = _eval_forced
    _value = True


def is_grad_enabled() -> bool:
    """True unless inside :func:`no_grad` (in this thread or task).

    Examples
    --------
    >>> from neuronkit.engine import is_grad_enabled, no_grad
    >>> is_grad_enabled()
    True
    >>> with no_grad():
    ...     print(is_grad_enabled())
    False
    """
    return _grad_enabled.get()


def is_eval_forced() -> bool:
    """True inside :func:`eval_mode` (in this thread or task).

    Examples
    --------
    >>> from neuronkit.engine import eval_mode, is_eval_forced
    >>> is_eval_forced()
    False
    >>> with eval_mode():
    ...     print(is_eval_forced())
    True
    """
    return _eval_forced.get()


class Tensor:
    """A NumPy array that records the operations applied to it.

    Parameters
    ----------
    data : array-like
        The values. A floating NumPy array keeps its dtype; anything else
        (lists, scalars, integer arrays) becomes ``float32`` unless ``dtype``
        is given.
    dtype : numpy dtype, optional
        ``np.float32`` (default) or ``np.float64``.
    requires_grad : bool
        If true, ``backward()`` fills ``.grad`` for this tensor.

    ``.data`` is the NumPy array itself (editing it in place is allowed);
    ``.grad`` is ``None`` or an array of the same shape.

    Examples
    --------
    For :math:`y = \\sum_i w_i x_i`, :math:`\\partial y / \\partial w = x`:

    >>> import neuronkit as nk
    >>> w = nk.Tensor([0.5, -1.0], requires_grad=True)
    >>> x = nk.Tensor([2.0, 3.0])
    >>> y = (w * x).sum()
    >>> y.item()
    -2.0
    >>> y.backward()
    >>> w.grad
    array([2., 3.], dtype=float32)
    >>> w.shape, w.dtype
    ((2,), dtype('float32'))
    """

    __slots__ = ("data", "grad", "requires_grad", "_parents", "_vjp", "op", "__weakref__")
    __array_priority__ = 1000.0  # ndarray <op> Tensor defers to Tensor's reflected method

    def __init__(self, data: ArrayLike, *, dtype: Any = None, requires_grad: bool = False) -> None:
        if isinstance(data, Tensor):
            data = data.data
        if isinstance(data, np.ndarray) and data.dtype.kind in "fiub":  # the common case: no questions asked
            array = data if dtype is None and data.dtype.kind == "f" else data.astype(dtype or DEFAULT_DTYPE,
                                                                                        copy=False)
        else:
            array = _numbers(data, dtype)
        self.data: np.ndarray = array
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self._parents: tuple[Tensor, ...] = ()
        self._vjp: Callable[[np.ndarray], Sequence[np.ndarray | None]] | None = None
        self.op = "leaf"

    # ------------------------------------------------------------------ info
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        return self._vjp is None

    def numpy(self) -> np.ndarray:
        """The underlying NumPy array (not a copy)."""
        return self.data

    def item(self) -> float:
        return self.data.item()

    def detach(self) -> Tensor:
        """A tensor sharing ``.data`` with no graph behind it."""
        return Tensor(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({np.array2string(self.data, precision=4, threshold=20)}, dtype={self.dtype}{grad})"

    # -------------------------------------------------------------- backward
    def backward(self, grad: ArrayLike | None = None, *, retain_graph: bool = False) -> None:
        """Fill ``.grad`` of every leaf this tensor depends on.

        ``grad`` is the gradient of some scalar with respect to this tensor;
        it may be omitted when this tensor holds a single value (a loss).
        Gradients accumulate: call ``zero_grad`` (or set ``.grad = None``)
        between steps. The graph is released afterwards, so a second
        ``backward()`` through it raises a :class:`~neuronkit.errors.GraphError`
        (as in PyTorch) unless the first call passed ``retain_graph=True``.

        >>> x = Tensor([3.0], requires_grad=True)
        >>> y = (x * x).sum()
        >>> y.backward(retain_graph=True)
        >>> y.backward()                  # the graph was kept: gradients accumulate
        >>> x.grad
        array([12.], dtype=float32)
        """
        if not self.requires_grad:
            raise GraphError(
                "backward() called on a tensor that does not require grad: none of its "
                "inputs has requires_grad=True, or it was computed under nk.no_grad()."
            )
        if grad is None:
            if self.data.size != 1:
                raise ShapeError(
                    f"backward() without an argument needs a single-value tensor (a loss); "
                    f"got shape {self.shape}. Reduce it first (e.g. .sum() or .mean()) or pass grad=."
                )
            seed = np.ones_like(self.data)
        else:
            seed = grad.data if isinstance(grad, Tensor) else grad
            if isinstance(seed, np.ndarray) and seed.dtype.kind in "fiub":
                seed = seed.astype(self.dtype, copy=False)
            else:  # None or complex values are refused in words
                seed = _numbers(seed, self.dtype)
            if seed.shape != self.shape:
                raise ShapeError(f"backward(grad=...) has shape {seed.shape}; expected {self.shape}")
        grads: dict[int, np.ndarray] = {id(self): seed}
        assigned: set[int] = set()
        if not isinstance(retain_graph, (bool, np.bool_)):
            raise ParameterTypeError(f"backward() retain_graph must be True or False; got {retain_graph!r}")
        release = not retain_graph
        for node in reversed(_topological_order(self)):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if node._vjp is None:  # a leaf: store (copy if the array is shared)
                g = np.asarray(g)  # a 0-d leaf's gradient can arrive as a NumPy scalar
                if g.base is not None or id(g) in assigned or g is seed and grad is not None:
                    g = g.copy()
                assigned.add(id(g))
                node.grad = g if node.grad is None else node.grad + g
                continue
            parent_grads = node._vjp(g)
            for parent, pg in zip(node._parents, parent_grads):
                if pg is None or not parent.requires_grad:
                    continue
                key = id(parent)
                previous = grads.get(key)
                grads[key] = pg if previous is None else previous + pg
            if release:  # free the graph as we go; a second pass meets _released and says so
                node._vjp = _released
                node._parents = ()

    def zero_grad(self) -> None:
        self.grad = None

    # ------------------------------------------------------------- operators
    def __add__(self, other: ArrayLike) -> Tensor:
        return add(self, other)

    __radd__ = __add__

    def __mul__(self, other: ArrayLike) -> Tensor:
        return mul(self, other)

    __rmul__ = __mul__

    def __neg__(self) -> Tensor:
        return neg(self)

    def __sub__(self, other: ArrayLike) -> Tensor:
        return add(self, neg(_lift(other, self)))

    def __rsub__(self, other: ArrayLike) -> Tensor:
        return add(_lift(other, self), neg(self))

    def __truediv__(self, other: ArrayLike) -> Tensor:
        return mul(self, power(_lift(other, self), -1.0))

    def __rtruediv__(self, other: ArrayLike) -> Tensor:
        return mul(_lift(other, self), power(self, -1.0))

    def __pow__(self, exponent: float) -> Tensor:
        return power(self, exponent)

    def __matmul__(self, other: ArrayLike) -> Tensor:
        return matmul(self, other)

    def __rmatmul__(self, other: ArrayLike) -> Tensor:
        return matmul(_lift(other, self), self)

    def __getitem__(self, index: Any) -> Tensor:
        return getitem(self, index)

    # comparisons give plain boolean arrays (no gradient flows through them)
    def __gt__(self, other: ArrayLike) -> np.ndarray:
        return self.data > _raw(other)

    def __ge__(self, other: ArrayLike) -> np.ndarray:
        return self.data >= _raw(other)

    def __lt__(self, other: ArrayLike) -> np.ndarray:
        return self.data < _raw(other)

    def __le__(self, other: ArrayLike) -> np.ndarray:
        return self.data <= _raw(other)

    __hash__ = object.__hash__

    # --------------------------------------------------------------- methods
    def exp(self) -> Tensor:
        return exp(self)

    def log(self) -> Tensor:
        return log(self)

    def abs(self) -> Tensor:
        return absolute(self)

    def sqrt(self) -> Tensor:
        return power(self, 0.5)

    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        return sum_(self, axis, keepdims)

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        return mean(self, axis, keepdims)

    def max(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        return max_(self, axis, keepdims)

    def reshape(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return reshape(self, shape)

    def transpose(self, *axes: int) -> Tensor:
        return transpose(self, axes or None)

    @property
    def T(self) -> Tensor:
        return transpose(self, None)

    def relu(self) -> Tensor:
        return relu(self)

    def sigmoid(self) -> Tensor:
        return sigmoid(self)

    def tanh(self) -> Tensor:
        return tanh(self)



class Parameter(Tensor):
    """A trainable tensor (``requires_grad=True``). Other state (running statistics) is plain arrays.

    It lives in the engine because layers and activations (``prelu``'s slopes) both hold them.

    Examples
    --------
    >>> import neuronkit as nk
    >>> w = nk.Parameter([1.0, 2.0])
    >>> w.requires_grad
    True
    >>> (w * w).sum().backward()
    >>> w.grad
    array([2., 4.], dtype=float32)
    """

    __slots__ = ()

    def __init__(self, data: Any, *, dtype: Any = None) -> None:
        super().__init__(data, dtype=dtype, requires_grad=True)

    def __repr__(self) -> str:
        return f"Parameter(shape={self.shape}, dtype={self.dtype})"


def _numbers(data: Any, dtype: Any) -> np.ndarray:
    """``data`` as a float array (``dtype``, default float32), refusing what would not be its numbers:
    None (NumPy would make it NaN), complex values (NumPy would drop their imaginary parts), text."""
    try:
        raw = data if isinstance(data, np.ndarray) else np.asarray(data)
        if raw.dtype.kind == "O" and any(v is None for v in raw.flat):
            what = "None" if data is None else f"{_short(data)}, which holds None"
            raise ParameterTypeError(f"a Tensor holds numbers; got {what} (NumPy would make it NaN); give numbers, "
                                     "or float('nan') if a missing value is meant")
        if raw.dtype.kind == "c" or (raw.dtype.kind == "O" and any(isinstance(v, (complex, np.complexfloating))
                                                                    for v in raw.flat)):
            raise ParameterTypeError(f"a Tensor holds real numbers; got complex values in {_short(data)} (NumPy "
                                     "would drop their imaginary parts); pass x.real or abs(x) if that is what you "
                                     "mean")
        return np.asarray(raw, dtype=dtype or DEFAULT_DTYPE)
    except (TypeError, ValueError) as exc:  # text or objects: say so, not NumPy's words alone
        if isinstance(exc, ParameterTypeError):
            raise
        raise ParameterTypeError(f"a Tensor holds numbers; got {type(data).__name__} that NumPy cannot turn "
                                 f"into numbers ({exc})") from None


def _short(data: Any) -> str:
    text = repr(data)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _raw(x: ArrayLike) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _lift(x: ArrayLike, like: Tensor) -> Tensor:
    """Turn a constant into a Tensor of ``like``'s dtype (so float32 stays float32)."""
    if isinstance(x, Tensor):
        return x
    if type(x) is float or type(x) is int:  # the common constant (z * 0.5): no checks needed
        return Tensor(np.asarray(x, dtype=like.dtype))
    return Tensor(x, dtype=like.dtype)


def _released(g: np.ndarray) -> Sequence[np.ndarray | None]:
    """The VJP of a node whose graph a previous ``backward()`` freed (never called: see below)."""
    raise GraphError(SECOND_BACKWARD)


#: the message of the error raised by a second ``backward()`` through a released graph
SECOND_BACKWARD = ("Trying to backward through the graph a second time (or through a result whose graph an earlier "
                   "backward() freed); pass retain_graph=True to the first backward() call to keep the graph, or "
                   "recompute the forward pass")


def _topological_order(root: Tensor) -> list[Tensor]:
    """Nodes that require grad, each after all of its parents (iterative DFS).

    A node freed by an earlier ``backward()`` raises here, before any gradient is stored."""
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        if node._vjp is _released:
            raise GraphError(SECOND_BACKWARD)
        visited.add(id(node))
        stack.append((node, True))
        for parent in node._parents:
            if parent.requires_grad and id(parent) not in visited:
                stack.append((parent, False))
    return order


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` down to ``shape``: undo NumPy broadcasting (the one place it is undone).

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.engine import unbroadcast
    >>> unbroadcast(np.ones((3, 2)), (2,))
    array([3., 3.])
    >>> unbroadcast(np.ones((3, 2)), (3, 1))
    array([[2.],
           [2.],
           [2.]])
    """
    if grad.shape == shape:
        return grad
    if grad.ndim == 2 and shape == grad.shape[1:]:  # (N, F) -> (F,): a bias-like parameter of a batch, the common case
        return _axis_sum(grad, 0).reshape(shape)
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def make(
    data: np.ndarray,
    parents: tuple[Tensor, ...],
    vjp: Callable[[np.ndarray], Sequence[np.ndarray | None]],
    op: str,
) -> Tensor:
    """Wrap a primitive's result; record the graph only if some parent needs a gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.engine import Tensor, ops
    >>> a = Tensor([1.0, 2.0], requires_grad=True)
    >>> y = ops.make(a.data * 3, (a,), lambda g: (3 * g,), "times3")
    >>> y.op, y.requires_grad
    ('times3', True)
    >>> y.sum().backward(); a.grad
    array([3., 3.], dtype=float32)
    """
    out = Tensor.__new__(Tensor)
    out.data = np.asarray(data)  # NumPy returns scalars, not 0-d arrays, from ops on 0-d arrays
    out.grad = None
    out.op = op
    if _grad_enabled.get():
        for p in parents:  # a plain loop: any() with a generator costs more than the rest of make
            if p.requires_grad:
                out.requires_grad = True
                out._parents = parents
                out._vjp = vjp
                return out
    out.requires_grad = False
    out._parents = ()
    out._vjp = None
    return out


def as_tensor(x: ArrayLike, dtype: Any = None) -> Tensor:
    """Return ``x`` if it is a Tensor, else wrap it (float32 by default).

    Examples
    --------
    >>> from neuronkit.engine import Tensor, as_tensor
    >>> t = Tensor([1.0])
    >>> as_tensor(t) is t
    True
    >>> as_tensor([1, 2]).data
    array([1., 2.], dtype=float32)
    """
    if isinstance(x, Tensor):
        return x
    return Tensor(x, dtype=dtype)


# ====================================================================== primitives
# Each primitive: forward, then its vector-Jacobian product. ``g`` is the gradient
# flowing into the output; each VJP returns one gradient per parent (None = not needed).


def add(a: ArrayLike, b: ArrayLike) -> Tensor:
    r"""Elementwise sum with NumPy broadcasting: :math:`c = a + b`.

    Derivative: :math:`\partial c / \partial a = \partial c / \partial b = 1`; a broadcast operand's
    gradient is summed back to its shape (``unbroadcast``).

    Examples
    --------
    >>> from neuronkit.engine import Tensor, ops
    >>> a = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True); b = Tensor([10.0, 20.0], requires_grad=True)
    >>> c = ops.add(a, b)
    >>> c.data
    array([[11., 22.],
           [13., 24.]], dtype=float32)
    >>> c.sum().backward()
    >>> a.grad, b.grad
    (array([[1., 1.],
           [1., 1.]], dtype=float32), array([2., 2.], dtype=float32))
    """
    a = as_tensor(a)
    b = _lift(b, a)
    out = a.data + b.data

    def vjp(g):  # d(a+b)/da = 1, d(a+b)/db = 1
        return (unbroadcast(g, a.shape) if a.requires_grad else None,
                unbroadcast(g, b.shape) if b.requires_grad else None)

    return make(out, (a, b), vjp, "add")


def mul(a: ArrayLike, b: ArrayLike) -> Tensor:
    r"""Elementwise product with NumPy broadcasting: :math:`c = a b`.

    Derivative: :math:`\partial c / \partial a = b`, :math:`\partial c / \partial b = a`.

    Examples
    --------
    >>> from neuronkit.engine import Tensor, ops
    >>> a = Tensor([2.0, 3.0], requires_grad=True); b = Tensor([5.0, 7.0], requires_grad=True)
    >>> ops.mul(a, b).sum().backward()
    >>> a.grad, b.grad
    (array([5., 7.], dtype=float32), array([2., 3.], dtype=float32))
    """
    a = as_tensor(a)
    b = _lift(b, a)
    out = a.data * b.data

    def vjp(g):  # d(ab)/da = b, d(ab)/db = a
        return (
            unbroadcast(g * b.data, a.shape) if a.requires_grad else None,
            unbroadcast(g * a.data, b.shape) if b.requires_grad else None,
        )

    return make(out, (a, b), vjp, "mul")


def neg(a: Tensor) -> Tensor:
    """Elementwise negation :math:`-a`; derivative :math:`-1`.

    Examples
    --------
    >>> from neuronkit.engine import Tensor, ops
    >>> a = Tensor([1.0, -2.0], requires_grad=True)
    >>> ops.neg(a).data
    array([-1.,  2.], dtype=float32)
    >>> ops.neg(a).sum().backward(); a.grad
    array([-1., -1.], dtype=float32)
    """
    a = as_tensor(a)
    return make(-a.data, (a,), lambda g: (-g,), "neg")


def power(a: Tensor, exponent: float) -> Tensor:
    r"""``a ** exponent`` for a constant exponent.

    Examples
    --------
    Derivative: :math:`\frac{d}{da} a^p = p\,a^{p-1}`.

    >>> from neuronkit.engine import Tensor, ops
    >>> a = Tensor([2.0, 3.0], requires_grad=True)
    >>> ops.power(a, 2).data
    array([4., 9.], dtype=float32)
    >>> ops.power(a, 2).sum().backward(); a.grad
    array([4., 6.], dtype=float32)
    """
    a = as_tensor(a)
    if isinstance(exponent, Tensor):
        raise ParameterTypeError("power: the exponent must be a number; for a tensor exponent use exp(b * log(a)).")
    p = float(exponent)
    out = a.data**p

    def vjp(g):  # d(a^p)/da = p a^(p-1)
        return (g * (p * a.data ** (p - 1.0)),)

    return make(out, (a,), vjp, "power")


def exp(a: Tensor) -> Tensor:
    r"""Elementwise :math:`e^a`; derivative :math:`\frac{d}{da} e^a = e^a`.

    Examples
    --------
    >>> from neuronkit.engine import Tensor, ops
    >>> a = Tensor([0.0, 1.0], requires_grad=True)
    >>> y = ops.exp(a)
    >>> y.data
    array([1.      , 2.718282], dtype=float32)
    >>> y.sum().backward(); a.grad
    array([1.      , 2.718282], dtype=float32)
    """
    a = as_tensor(a)
    out = np.exp(a.data)
    return make(out, (a,), lambda g: (g * out,), "exp")


def log(a: Tensor) -> Tensor:
    r"""Elementwise natural logarithm; derivative :math:`\frac{d}{da} \ln a = 1/a`.

    Examples
    --------
    >>> from neuronkit.engine import Tensor, ops
    >>> a = Tensor([1.0, 4.0], requires_grad=True)
    >>> ops.log(a).data
    array([0.       , 1.3862944], dtype=float32)
    >>> ops.log(a).sum().backward(); a.grad
    array([1.  , 0.25], dtype=float32)
    """
    a = as_tensor(a)
    return make(np.log(a.data), (a,), lambda g: (g / a.data,), "log")


def absolute(a: Tensor) -> Tensor:
    r"""``|a|``; the gradient at 0 is 0 (as in PyTorch).

    Examples
    --------
    Derivative: :math:`\operatorname{sign}(a)` (0 at :math:`a = 0`).

    >>> from neuronkit.engine import Tensor, ops
    >>> a = Tensor([-2.0, 0.0, 3.0], requires_grad=True)
    >>> ops.absolute(a).data
    array([2., 0., 3.], dtype=float32)
    >>> ops.absolute(a).sum().backward(); a.grad
    array([-1.,  0.,  1.], dtype=float32)
    """
    a = as_tensor(a)
    return make(np.abs(a.data), (a,), lambda g: (g * np.sign(a.data),), "abs")


def matmul(a: ArrayLike, b: ArrayLike) -> Tensor:
    r"""Matrix product with NumPy's ``@`` rules (1-D operands and batch broadcasting).

    Examples
    --------
    For :math:`C = AB` with :math:`A` (n, k) and :math:`B` (k, m), the gradients are
    :math:`G B^\top` for :math:`A` and :math:`A^\top G` for :math:`B`, with :math:`G` the gradient of :math:`C`:

    >>> from neuronkit.engine import Tensor, ops
    >>> A = Tensor([[1.0, 2.0]], requires_grad=True); B = Tensor([[3.0], [4.0]], requires_grad=True)
    >>> C = ops.matmul(A, B)
    >>> C.data, C.shape
    (array([[11.]], dtype=float32), (1, 1))
    >>> C.sum().backward()
    >>> A.grad, B.grad
    (array([[3., 4.]], dtype=float32), array([[1.],
           [2.]], dtype=float32))
    """
    a = as_tensor(a)
    b = _lift(b, a)
    out = a.data @ b.data

    def vjp(g):
        A, B = a.data, b.data
        A2 = A[None, :] if A.ndim == 1 else A
        B2 = B[:, None] if B.ndim == 1 else B
        g2 = g  # restore the axes NumPy dropped for 1-D operands: B's (last) first, so 1-D @ 1-D works
        if B.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        if A.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        ga = gb = None
        if a.requires_grad:
            ga = g2 @ np.swapaxes(B2, -1, -2)
            ga = unbroadcast(ga, A2.shape).reshape(A.shape)
        if b.requires_grad:
            gb = np.swapaxes(A2, -1, -2) @ g2
            gb = unbroadcast(gb, B2.shape).reshape(B.shape)
        return ga, gb

    return make(out, (a, b), vjp, "matmul")


def _axis_sum(a: np.ndarray, axis: int, keepdims: bool = False) -> np.ndarray:
    """``a.sum(axis)`` for the 2-D arrays of a batch, as a product with a vector of ones.

    Speed: BLAS sums a (128, 256) batch along either axis 2-4 times faster than
    ``np.add.reduce``, which walks the feature-major arrays of :func:`linear` poorly. Used from
    1024 numbers (below, the call costs more than it saves) and up to 2048 terms per sum, where
    its float32 accuracy (16 running partial sums) is like NumPy's; other arrays go to NumPy.
    """
    if a.ndim == 2 and a.dtype.kind == "f" and a.size >= 1024 and a.shape[axis] <= 2048:
        if axis == 0:
            out = np.ones(a.shape[0], a.dtype) @ a
            return out[None, :] if keepdims else out
        if axis in (1, -1):
            out = a @ np.ones(a.shape[1], a.dtype)
            return out[:, None] if keepdims else out
    return a.sum(axis=axis, keepdims=keepdims)


def linear_array(X: np.ndarray, W: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    """The values of :func:`linear` on arrays, ``X Wᵀ + b``, in its feature-major layout.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.engine import ops
    >>> ops.linear_array(np.array([[1.0, 2.0]]), np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([0.5, -0.5]))
    array([[1.5, 2.5]])
    """
    out = (W @ X.T).T
    if b is not None:
        out += b
    return out


def linear(x: ArrayLike, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    r"""``x @ weight.T + bias`` for x of shape (N, in), weight (out, in), bias (out,).

    Fused primitive (speed): one BLAS call forward, two backward, no broadcast
    bookkeeping, and no gradient for ``x`` when it does not need one (the data).

    Layout (speed, not semantics): the product is computed as ``(W @ xᵀ)ᵀ``, so the
    result is an (N, out) array stored feature-major (Fortran order), and so is the
    gradient for ``x``. A network of such layers then keeps every activation
    feature-major and each BLAS call sees its operands in the orientation OpenBLAS
    multiplies fastest: a batch-128 training step of a 784-256-128-10 MLP runs about 7%
    faster, a batch-32 forward pass of its first layer about 30% faster (see
    ``bench/README.md``). NumPy's element-wise operations keep the layout of their
    operands, so the activations and their gradients stay alike.

    Examples
    --------
    A layer's :math:`Y = X W^\top + b`; gradients :math:`G X` for :math:`W` (out, in), :math:`\sum_n G_n` for
    :math:`b` and :math:`G W` for :math:`X`:

    >>> from neuronkit.engine import Parameter, ops
    >>> W = Parameter([[1.0, 0.0], [1.0, 1.0]]); b = Parameter([0.5, -0.5])
    >>> Y = ops.linear([[1.0, 2.0]], W, b)
    >>> Y.data
    array([[1.5, 2.5]], dtype=float32)
    >>> Y.sum().backward()
    >>> W.grad, b.grad
    (array([[1., 2.],
           [1., 2.]], dtype=float32), array([1., 1.], dtype=float32))
    """
    x = as_tensor(x, weight.dtype)
    X, W = x.data, weight.data
    out = linear_array(X, W, None if bias is None else bias.data)

    def vjp(g):
        gx = (W.T @ g.T).T if x.requires_grad else None
        gw = g.T @ X if weight.requires_grad else None
        if bias is None:
            return gx, gw
        gb = _axis_sum(g, 0) if bias.requires_grad else None
        return gx, gw, gb

    parents = (x, weight) if bias is None else (x, weight, bias)
    return make(out, parents, vjp, "linear")


def weight_penalty_gradient(W: np.ndarray, l1: float, l2: float, g: Any = 1.0) -> np.ndarray | None:
    """``g·(2·l2·W + l1·sign(W))``: the gradient of :func:`weight_penalty` (None if both are 0).

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.engine import ops
    >>> ops.weight_penalty_gradient(np.array([1.0, -2.0]), l1=0.5, l2=0.25)
    array([ 1. , -1.5])
    """
    scalar = W.dtype.type
    grad = W * (g * scalar(2 * l2)) if l2 else None  # = 2·(W·(g·l2)) exactly: doubling is exact
    if l1:
        slope = np.sign(W) * (g * scalar(l1))
        grad = slope if grad is None else grad + slope
    return grad


def weight_penalty(w: Tensor, l1: float = 0.0, l2: float = 0.0) -> Tensor:
    r"""``l2·Σw² + l1·Σ|w|``, a layer's regularisation term; gradient ``2·l2·w + l1·sign(w)``.

    Fused primitive (speed): it joins the loss at every training step, where the composite
    ``(w * w).sum() * l2 + abs(w).sum() * l1`` costs six graph nodes, as much as the rest of a
    small network's step. Same values as the composite; like ``abs``, 0 gradient at w = 0.

    Examples
    --------
    :math:`P = \lambda_2 \sum w^2 + \lambda_1 \sum |w|`:

    >>> from neuronkit.engine import Parameter, ops
    >>> w = Parameter([1.0, -2.0])
    >>> p = ops.weight_penalty(w, l1=0.5, l2=0.25)
    >>> p.item()
    2.75
    >>> p.backward(); w.grad
    array([ 1. , -1.5], dtype=float32)
    """
    w = as_tensor(w)
    W = w.data
    scalar = W.dtype.type
    out = scalar(0)
    if l2:
        out = np.add.reduce(W * W, axis=None) * scalar(l2)
    if l1:
        out = out + np.add.reduce(np.abs(W), axis=None) * scalar(l1)

    def vjp(g):  # g[()]: a NumPy scalar, cheaper arithmetic than on a 0-d array, same rounding
        return (weight_penalty_gradient(W, l1, l2, g[()]),)

    return make(np.asarray(out, dtype=W.dtype), (w,), vjp, "weight_penalty")


def sum_(a: Tensor, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
    r"""Sum over ``axis`` (all axes by default), as ``numpy.sum``.

    Derivative: every summed element gets the output's gradient, :math:`\partial (\sum_i a_i) / \partial a_j = 1`.

    Examples
    --------
    >>> from neuronkit.engine import Tensor, ops
    >>> a = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> ops.sum_(a, axis=0).data
    array([4., 6.], dtype=float32)
    >>> ops.sum_(a).backward(); a.grad
    array([[1., 1.],
           [1., 1.]], dtype=float32)
    """
    a = as_tensor(a)
    out = np.sum(a.data, axis=axis, keepdims=keepdims)
    if not isinstance(out, np.ndarray):
        out = np.asarray(out, dtype=a.dtype)

    def vjp(g):  # every input element contributes once
        if not keepdims and axis is not None:
            g = np.expand_dims(g, axis)
        return (np.broadcast_to(g, a.shape),)

    return make(out, (a,), vjp, "sum")


def max_(a: Tensor, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
    """Maximum over axes; on ties the gradient is shared equally among the maxima.

    Examples
    --------
    >>> from neuronkit.engine import Tensor, ops
    >>> a = Tensor([1.0, 3.0, 3.0], requires_grad=True)
    >>> ops.max_(a).item()
    3.0
    >>> ops.max_(a).backward(); a.grad
    array([0. , 0.5, 0.5], dtype=float32)
    """
    a = as_tensor(a)
    out_k = np.max(a.data, axis=axis, keepdims=True)
    out = out_k if keepdims else np.asarray(np.squeeze(out_k, axis=axis) if axis is not None else out_k.reshape(()))

    def vjp(g):
        if not keepdims:
            g = np.expand_dims(g, axis) if axis is not None else g.reshape((1,) * a.ndim)
        mask = (a.data == out_k).astype(a.dtype)
        mask /= mask.sum(axis=axis, keepdims=True)
        return (g * mask,)

    return make(out, (a,), vjp, "max")


def reshape(a: Tensor, shape: tuple[int, ...]) -> Tensor:
    """The same values in a new ``shape`` (as ``numpy.reshape``); the gradient is reshaped back.

    Examples
    --------
    >>> from neuronkit.engine import Tensor, ops
    >>> a = Tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    >>> ops.reshape(a, (2, 2)).data
    array([[1., 2.],
           [3., 4.]], dtype=float32)
    """
    a = as_tensor(a)
    return make(a.data.reshape(shape), (a,), lambda g: (g.reshape(a.shape),), "reshape")


def transpose(a: Tensor, axes: Sequence[int] | None = None) -> Tensor:
    """Axes permuted (reversed by default), as ``numpy.transpose``; the gradient is permuted back.

    Examples
    --------
    >>> from neuronkit.engine import Tensor, ops
    >>> ops.transpose(Tensor([[1.0, 2.0, 3.0]])).shape
    (3, 1)
    """
    a = as_tensor(a)
    out = np.transpose(a.data, axes)
    inverse = None if axes is None else tuple(np.argsort(axes))
    return make(out, (a,), lambda g: (np.transpose(g, inverse),), "transpose")


def _is_basic_index(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, slice, type(None), type(Ellipsis))) for i in items)


def getitem(a: Tensor, index: Any) -> Tensor:
    """NumPy indexing (basic and advanced); repeated indices accumulate their gradients.

    Examples
    --------
    >>> from neuronkit.engine import Tensor, ops
    >>> a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> ops.getitem(a, [0, 0, 2]).sum().backward(); a.grad
    array([2., 0., 1.], dtype=float32)
    """
    a = as_tensor(a)
    if isinstance(index, Tensor):
        index = index.data.astype(np.intp)
    out = a.data[index]
    basic = _is_basic_index(index)

    def vjp(g):
        full = np.zeros_like(a.data)
        if basic:
            full[index] = g
        else:
            np.add.at(full, index, g)
        return (full,)

    return make(np.asarray(out), (a,), vjp, "getitem")


def gather(a: Tensor, indices: ArrayLike, axis: int = -1) -> Tensor:
    """``np.take_along_axis(a, indices, axis)``: pick one entry per position along ``axis``.

    Examples
    --------
    With ``indices`` the class of each row, this picks each sample's probability of its class:

    >>> from neuronkit.engine import Tensor, ops
    >>> p = Tensor([[0.1, 0.9], [0.8, 0.2]], requires_grad=True)
    >>> ops.gather(p, [[1], [0]], axis=1).data
    array([[0.9],
           [0.8]], dtype=float32)
    """
    a = as_tensor(a)
    idx = np.asarray(_raw(indices)).astype(np.intp)
    out = np.take_along_axis(a.data, idx, axis=axis)

    def vjp(g):
        full = np.zeros_like(a.data)
        ax = axis % a.ndim
        grid = list(np.indices(idx.shape, sparse=True))
        grid[ax] = idx
        np.add.at(full, tuple(grid), g)
        return (full,)

    return make(out, (a,), vjp, "gather")


def concatenate(tensors: Sequence[ArrayLike], axis: int = 0) -> Tensor:
    """Join tensors along an existing ``axis`` (``numpy.concatenate``); each input gets its slice of the gradient.

    Examples
    --------
    >>> from neuronkit.engine import Tensor, concatenate
    >>> a = Tensor([1.0], requires_grad=True); b = Tensor([2.0, 3.0], requires_grad=True)
    >>> y = concatenate([a, b])
    >>> y.data
    array([1., 2., 3.], dtype=float32)
    >>> (y * Tensor([1.0, 2.0, 3.0])).sum().backward(); a.grad, b.grad
    (array([1.], dtype=float32), array([2., 3.], dtype=float32))
    """
    ts = [as_tensor(t) for t in tensors]
    if not ts:
        raise ParameterError("concatenate: needs at least one tensor")
    ts = [ts[0]] + [_lift(t, ts[0]) for t in ts[1:]]
    out = np.concatenate([t.data for t in ts], axis=axis)
    bounds = np.cumsum([t.shape[axis] for t in ts])[:-1]

    def vjp(g):
        return tuple(np.split(g, bounds, axis=axis))

    return make(out, tuple(ts), vjp, "concatenate")


def where(condition: ArrayLike, a: ArrayLike, b: ArrayLike) -> Tensor:
    """Elementwise ``a`` where ``condition`` is true, else ``b`` (condition carries no gradient).

    Examples
    --------
    >>> from neuronkit.engine import Tensor, where
    >>> a = Tensor([1.0, 2.0], requires_grad=True)
    >>> y = where([True, False], a, 0.0)
    >>> y.data
    array([1., 0.], dtype=float32)
    >>> y.sum().backward(); a.grad
    array([1., 0.], dtype=float32)
    """
    cond = np.asarray(_raw(condition), dtype=bool)
    a = as_tensor(a)
    b = _lift(b, a)
    out = np.where(cond, a.data, b.data)

    def vjp(g):
        return (
            unbroadcast(np.where(cond, g, 0).astype(g.dtype, copy=False), a.shape) if a.requires_grad else None,
            unbroadcast(np.where(cond, 0, g).astype(g.dtype, copy=False), b.shape) if b.requires_grad else None,
        )

    return make(out, (a, b), vjp, "where")


def maximum(a: ArrayLike, b: ArrayLike) -> Tensor:
    """Elementwise maximum; at ties each side gets half the gradient (as in PyTorch).

    Examples
    --------
    >>> from neuronkit.engine import Tensor, maximum
    >>> a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> maximum(a, 2.0).data
    array([2., 2., 3.], dtype=float32)
    >>> maximum(a, 2.0).sum().backward(); a.grad
    array([0. , 0.5, 1. ], dtype=float32)
    """
    a = as_tensor(a)
    b = _lift(b, a)
    out = np.maximum(a.data, b.data)

    def vjp(g):
        share_a = (a.data > b.data) + 0.5 * (a.data == b.data)
        ga = unbroadcast(g * share_a.astype(g.dtype), a.shape) if a.requires_grad else None
        gb = unbroadcast(g * (1 - share_a).astype(g.dtype), b.shape) if b.requires_grad else None
        return ga, gb

    return make(out, (a, b), vjp, "maximum")


def relu(a: Tensor) -> Tensor:
    r"""``max(0, a)``; the gradient at exactly 0 is 0 (PyTorch's convention).

    Primitive for speed: the hot path of every ReLU network.

    Examples
    --------
    :math:`\operatorname{relu}(a) = \max(0, a)`, derivative :math:`1` for :math:`a > 0`, else :math:`0`:

    >>> from neuronkit.engine import Tensor, ops
    >>> a = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> ops.relu(a).data
    array([0., 0., 2.], dtype=float32)
    >>> ops.relu(a).sum().backward(); a.grad
    array([0., 0., 1.], dtype=float32)
    """
    a = as_tensor(a)
    out = np.maximum(a.data, 0)
    return make(out, (a,), lambda g: (g * (a.data > 0),), "relu")


def sigmoid(a: Tensor) -> Tensor:
    r"""``1 / (1 + exp(-a))`` computed without overflow for any input.

    Primitive for stability: exp is only ever taken of ``-|a|``.

    Examples
    --------
    :math:`\sigma(a) = 1 / (1 + e^{-a})`, derivative :math:`\sigma(a)\,(1 - \sigma(a))`:

    >>> from neuronkit.engine import Tensor, ops
    >>> a = Tensor([0.0, 1000.0, -1000.0], requires_grad=True)
    >>> ops.sigmoid(a).data
    array([0.5, 1. , 0. ], dtype=float32)
    >>> ops.sigmoid(a).sum().backward(); a.grad
    array([0.25, 0.  , 0.  ], dtype=float32)
    """
    a = as_tensor(a)
    out = _sigmoid_from(a.data, np.exp(-np.abs(a.data)))
    return make(out, (a,), lambda g: (g * out * (1.0 - out),), "sigmoid")


def _sigmoid_from(x: np.ndarray, e: np.ndarray) -> np.ndarray:
    """σ(x) given ``e = exp(-|x|)``: ``1/(1+e)`` for x >= 0, ``e/(1+e)`` below (no overflow)."""
    return (np.where(x >= 0, 1.0, e) / (1.0 + e)).astype(x.dtype, copy=False)


def tanh(a: Tensor) -> Tensor:
    r"""Hyperbolic tangent (primitive: NumPy's is stable and faster than a composite).

    Examples
    --------
    Derivative: :math:`\frac{d}{da} \tanh a = 1 - \tanh^2 a`.

    >>> from neuronkit.engine import Tensor, ops
    >>> a = Tensor([0.0], requires_grad=True)
    >>> ops.tanh(a).data
    array([0.], dtype=float32)
    >>> ops.tanh(a).sum().backward(); a.grad
    array([1.], dtype=float32)
    """
    a = as_tensor(a)
    out = np.tanh(a.data)
    return make(out, (a,), lambda g: (g * (1.0 - out * out),), "tanh")


def softplus(a: Tensor) -> Tensor:
    r"""``log(1 + exp(a))`` as ``max(a, 0) + log1p(exp(-|a|))`` (primitive for stability).

    Examples
    --------
    Derivative: :math:`\frac{d}{da} \log(1 + e^a) = \sigma(a)`.

    >>> from neuronkit.engine import Tensor, ops
    >>> a = Tensor([0.0, 1000.0], dtype="float64", requires_grad=True)
    >>> [round(float(v), 4) for v in ops.softplus(a).data]
    [0.6931, 1000.0]
    >>> ops.softplus(a).sum().backward(); a.grad
    array([0.5, 1. ])
    """
    a = as_tensor(a)
    x = a.data
    e = np.exp(-np.abs(x))
    out = np.maximum(x, 0) + np.log1p(e)

    def vjp(g):  # d softplus / da = sigmoid(a)
        return (g * _sigmoid_from(x, e),)

    return make(out, (a,), vjp, "softplus")


_erf_impl: Callable[[np.ndarray], np.ndarray] | None = None


def _erf_array(x: np.ndarray) -> np.ndarray:
    global _erf_impl
    if _erf_impl is None:
        try:  # SciPy's erf is vectorised; fall back to the standard library's
            from scipy.special import erf as scipy_erf

            _erf_impl = scipy_erf
        except ImportError:  # pragma: no cover - SciPy ships with the [train] extra
            _erf_impl = np.vectorize(math.erf, otypes=[np.float64])
    return np.asarray(_erf_impl(x)).astype(x.dtype, copy=False)


def erf(a: Tensor) -> Tensor:
    r"""The error function (primitive: NumPy has none); d erf(a)/da = 2/sqrt(pi) exp(-a^2).

    Examples
    --------
    :math:`\operatorname{erf}(a) = \frac{2}{\sqrt{\pi}} \int_0^a e^{-t^2} dt`:

    >>> from neuronkit.engine import Tensor, ops
    >>> a = Tensor([0.0, 1.0], dtype="float64", requires_grad=True)
    >>> ops.erf(a).data.round(6)
    array([0.      , 0.842701])
    >>> ops.erf(a).sum().backward(); a.grad.round(6)
    array([1.128379, 0.415107])
    """
    a = as_tensor(a)
    out = _erf_array(a.data)
    coef = 2.0 / math.sqrt(math.pi)
    return make(out, (a,), lambda g: (g * (coef * np.exp(-a.data * a.data)).astype(a.dtype, copy=False),), "erf")


def _shifted_logsumexp(x: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(m, x - m, log Σ exp(x - m))`` with ``m`` the maximum along ``axis`` (kept).

    log_softmax is ``(x - m) - log Σ exp(x - m)``: forming ``m + log Σ`` first would round
    it to the spacing of ``m`` (6e-5 at 1000 in float32) and lose digits of every probability.
    """
    m = _stable_max(x, axis)
    shifted = x - m
    return m, shifted, np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _stable_max(x: np.ndarray, axis: int) -> np.ndarray:
    """The maximum along ``axis`` (kept) to subtract before ``exp``; 0 where it is ±inf or nan,
    so that rows of -inf (or an +inf) do not turn into inf - inf."""
    m = _max_keepdims(x, axis)
    return m if _all_finite(m) else np.where(np.isfinite(m), m, 0)


def _all_finite(m: np.ndarray) -> bool:
    """No entry of ``m`` is ±inf or nan (a single value, at batch 1, without the boolean array)."""
    return math.isfinite(m.item()) if m.size == 1 else bool(np.isfinite(m).all())


def _max_keepdims(x: np.ndarray, axis: int) -> np.ndarray:
    """``np.max(x, axis, keepdims=True)``, fast for the rows of a batch of logits.

    NumPy reduces short rows one at a time (about 50 ns a row: 54 µs for 1024 rows of 10);
    the maximum over the first axis of the transposed copy runs along whole columns instead,
    5-10 times faster. The maximum is exact either way.
    """
    if x.ndim == 2 and axis in (1, -1) and x.shape[1] <= 64 and x.shape[0] > 1:
        return np.maximum.reduce(np.ascontiguousarray(x.T), axis=0)[:, None]
    return np.maximum.reduce(x, axis=axis, keepdims=True)  # np.max without its Python layer


def logsumexp(a: Tensor, axis: int = -1, keepdims: bool = False) -> Tensor:
    r"""``log(sum(exp(a)))`` along ``axis`` with the maximum subtracted first (stability).

    Examples
    --------
    :math:`\operatorname{lse}(a) = m + \log \sum_i e^{a_i - m}` with :math:`m = \max_i a_i`; its gradient is
    :math:`\operatorname{softmax}(a)`:

    >>> import numpy as np
    >>> from neuronkit.engine import Tensor, logsumexp
    >>> a = Tensor([0.0, np.log(3.0)], dtype="float64", requires_grad=True)
    >>> round(logsumexp(a).item(), 6)
    1.386294
    >>> logsumexp(a).backward(); a.grad.round(6)
    array([0.25, 0.75])
    """
    a = as_tensor(a)
    m, shifted, log_sum = _shifted_logsumexp(a.data, axis)
    lse = m + log_sum
    out = lse if keepdims else np.squeeze(lse, axis=axis)

    def vjp(g):  # d lse / da = softmax(a)
        gk = g if keepdims else np.expand_dims(g, axis)
        return (gk * np.exp(shifted - log_sum),)

    return make(out, (a,), vjp, "logsumexp")


def log_softmax(a: Tensor, axis: int = -1) -> Tensor:
    r"""``a - logsumexp(a)`` along ``axis``, per row (fused for stability and speed).

    Examples
    --------
    :math:`\log p_i = a_i - \log \sum_j e^{a_j}`:

    >>> import numpy as np
    >>> from neuronkit.engine import Tensor, log_softmax
    >>> np.exp(log_softmax(Tensor([[0.0, np.log(3.0)]], dtype="float64")).data).round(6)
    array([[0.25, 0.75]])
    """
    a = as_tensor(a)
    _, shifted, log_sum = _shifted_logsumexp(a.data, axis)
    out = shifted - log_sum

    def vjp(g):  # g - softmax * sum(g)
        return (g - np.exp(out) * g.sum(axis=axis, keepdims=True),)

    return make(out, (a,), vjp, "log_softmax")


def softmax(a: Tensor, axis: int = -1) -> Tensor:
    r"""``exp(a - m) / Σ exp(a - m)`` along ``axis`` with ``m`` the maximum: normalised per row, stable.

    Fused primitive (speed): prediction ends in it, and the composite ``exp(log_softmax(a))``
    costs twice the NumPy calls. Gradient: ``p · (g - Σ g·p)`` per row.

    Examples
    --------
    :math:`p_i = e^{a_i} / \sum_j e^{a_j}`, one distribution per row, stable at any scale:

    >>> import numpy as np
    >>> from neuronkit.engine import Tensor, softmax
    >>> softmax(Tensor([[0.0, np.log(3.0)], [1000.0, 1000.0]], dtype="float64")).data.round(6)
    array([[0.25, 0.75],
           [0.5 , 0.5 ]])
    """
    a = as_tensor(a)
    out = softmax_array(a.data, axis)

    def vjp(g):
        return (out * (g - np.add.reduce(g * out, axis=axis, keepdims=True)),)

    return make(out, (a,), vjp, "softmax")


def normalize(x: ArrayLike, axis: int = 0, eps: float = 1e-5) -> tuple[Tensor, np.ndarray, np.ndarray]:
    """``x̂ = (x − μ) / √(σ² + ε)`` along ``axis``, with μ and the biased variance σ² it used.

    μ = mean(x), σ² = mean((x − μ)²) over ``axis`` (two passes: no cancellation). Returns
    ``(x̂, μ, σ²)``; μ and σ² are arrays with ``axis`` removed (no gradient flows through
    them: they are what batch normalisation keeps as running statistics). With ``axis=0``
    this normalises each feature over the batch (BatchNorm), with ``axis=-1`` each sample
    over its features (LayerNorm). Gradient, with n the length of ``axis``::

        ∂L/∂x = (g − mean(g) − x̂ · mean(g x̂)) / √(σ² + ε)

    Fused primitive (speed): the composite (mean, subtract, square, mean, power, multiply)
    records eight graph nodes whose broadcasts are undone one by one in backward; at batch
    128 × 256 that made a BatchNorm layer's step about four times as slow as a Dense layer's.

    >>> x = Tensor([[1.0, 10.0], [3.0, 30.0]])
    >>> xhat, mu, var = normalize(x, axis=0, eps=0.0)
    >>> xhat.data.tolist(), mu.tolist(), var.tolist()
    ([[-1.0, -1.0], [1.0, 1.0]], [2.0, 20.0], [1.0, 100.0])
    """
    x = as_tensor(x)
    X = x.data
    inv_n = X.dtype.type(1.0 / X.shape[axis])
    mean = _axis_sum(X, axis, keepdims=True) * inv_n
    xhat = X - mean
    var = _axis_sum(np.square(xhat), axis, keepdims=True) * inv_n
    rstd = 1.0 / np.sqrt(var + X.dtype.type(eps))
    xhat *= rstd

    def vjp(g):
        gx = g - _axis_sum(g, axis, keepdims=True) * inv_n
        gx -= xhat * (_axis_sum(g * xhat, axis, keepdims=True) * inv_n)
        gx *= rstd
        return (gx,)

    return make(xhat, (x,), vjp, "normalize"), np.squeeze(mean, axis), np.squeeze(var, axis)


def softmax_array(x: np.ndarray, axis: int = -1, *, overwrite: bool = False) -> np.ndarray:
    """The values of :func:`softmax` on an array (``overwrite=True`` reuses ``x``'s memory).

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.engine import ops
    >>> ops.softmax_array(np.array([[0.0, np.log(3.0)]])).round(6)
    array([[0.25, 0.75]])
    """
    m = _stable_max(x, axis)
    out = np.subtract(x, m, out=x if overwrite else None)
    np.exp(out, out=out)
    out /= np.add.reduce(out, axis=axis, keepdims=True)
    return out


def softmax_cross_entropy(logits: Tensor, targets: ArrayLike, weights: np.ndarray | None = None) -> Tensor:
    r"""Mean over the batch of ``-log softmax(logits)[i, targets[i]]``.

    logits: (N, C); targets: (N,) integer class indices in ``[0, C)``.
    Fused primitive: the gradient is simply ``(softmax - onehot) / N``.
    With ``weights`` (N,), non-negative, the mean is weighted: ``Σ wᵢ lᵢ / Σ wᵢ``
    (0 when every weight is 0), and row i's gradient is scaled by ``wᵢ / Σ wᵢ``.

    Examples
    --------
    Loss :math:`L = -\frac{1}{N}\sum_n \log \operatorname{softmax}(z_n)_{y_n}`; gradient
    :math:`(\operatorname{softmax}(z) - \operatorname{onehot}(y)) / N`:

    >>> import numpy as np
    >>> from neuronkit.engine import Tensor, softmax_cross_entropy
    >>> z = Tensor([[0.0, np.log(3.0)]], dtype="float64", requires_grad=True)
    >>> loss = softmax_cross_entropy(z, [1])
    >>> round(loss.item(), 6)
    0.287682
    >>> loss.backward(); z.grad.round(6)
    array([[ 0.25, -0.25]])
    """
    logits = as_tensor(logits)
    t = np.asarray(_raw(targets)).astype(np.intp, copy=False)
    z = logits.data
    n = z.shape[0]
    # _shifted_logsumexp written out, to keep exp(shifted) for the gradient: this runs once per
    # training step, where a few NumPy calls on a small batch are most of the cost
    shifted = z - _stable_max(z, 1)
    e = np.exp(shifted)
    s = np.add.reduce(e, axis=1, keepdims=True)
    rows = np.arange(n)
    per_row = np.log(s[:, 0]) - shifted[rows, t]  # -log softmax(z)[i, t_i], each >= 0
    if weights is None:
        scale = None
        out = np.asarray(np.add.reduce(per_row) / n, dtype=z.dtype)
    else:
        total = float(np.sum(weights))
        scale = (np.asarray(weights, dtype=z.dtype) / (total if total > 0 else 1.0)).reshape(-1, 1)
        out = np.asarray(np.dot(scale[:, 0], per_row), dtype=z.dtype)

    def vjp(g):
        grad = e / s  # softmax
        grad[rows, t] -= 1.0
        if scale is None:
            grad *= g / n
        else:
            grad *= scale * g
        return (grad,)

    return make(out, (logits,), vjp, "softmax_cross_entropy")


# ======================================================================= composites


def mean(a: Tensor, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis`` (all axes by default): ``sum_(a, axis) / n``; each element's derivative is :math:`1/n`.

    Examples
    --------
    >>> from neuronkit.engine import Tensor, ops
    >>> a = Tensor([[1.0, 2.0], [3.0, 6.0]], requires_grad=True)
    >>> ops.mean(a, axis=1).data
    array([1.5, 4.5], dtype=float32)
    >>> ops.mean(a).backward(); a.grad
    array([[0.25, 0.25],
           [0.25, 0.25]], dtype=float32)
    """
    a = as_tensor(a)
    total = sum_(a, axis, keepdims)
    count = a.data.size // max(total.data.size, 1) if a.data.size else 1
    return total * (1.0 / count)


def minimum(a: ArrayLike, b: ArrayLike) -> Tensor:
    """Elementwise minimum, as ``-maximum(-a, -b)`` (ties share the gradient equally).

    Examples
    --------
    >>> from neuronkit.engine import Tensor, minimum
    >>> minimum(Tensor([1.0, 5.0]), 2.0).data
    array([1., 2.], dtype=float32)
    """
    a = as_tensor(a)
    return neg(maximum(neg(a), neg(_lift(b, a))))


def stack(tensors: Sequence[ArrayLike], axis: int = 0) -> Tensor:
    """Join tensors along a new ``axis`` (``numpy.stack``); each input gets its slice of the gradient.

    Examples
    --------
    >>> from neuronkit.engine import Tensor, stack
    >>> stack([Tensor([1.0, 2.0]), Tensor([3.0, 4.0])]).shape
    (2, 2)
    """
    ts = [as_tensor(t) for t in tensors]
    expanded = [reshape(t, t.shape[:axis % (t.ndim + 1)] + (1,) + t.shape[axis % (t.ndim + 1):]) for t in ts]
    return concatenate(expanded, axis=axis)


#: Every primitive, by name: the tests check that each one is in the gradient table.
PRIMITIVES: dict[str, Callable[..., Tensor | tuple[Any, ...]]] = {  # normalize also returns its statistics
    "add": add,
    "mul": mul,
    "neg": neg,
    "power": power,
    "exp": exp,
    "log": log,
    "abs": absolute,
    "matmul": matmul,
    "linear": linear,
    "weight_penalty": weight_penalty,
    "sum": sum_,
    "max": max_,
    "reshape": reshape,
    "transpose": transpose,
    "getitem": getitem,
    "gather": gather,
    "concatenate": concatenate,
    "where": where,
    "maximum": maximum,
    "relu": relu,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "softplus": softplus,
    "erf": erf,
    "logsumexp": logsumexp,
    "log_softmax": log_softmax,
    "softmax": softmax,
    "softmax_cross_entropy": softmax_cross_entropy,
    "normalize": normalize,
}
