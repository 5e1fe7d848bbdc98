"""The tasks of continual learning: a :class:`Task`, the multi-head network and its :class:`TaskHead` views,
and the scenarios on digits (split by class, permuted pixels)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..activations import get_activation
from ..data import train_test_split
from ..datasets import digits
from ..engine import Tensor, no_grad
from ..engine.tensor import softmax
from ..errors import ParameterError, ParameterTypeError
from ..layers import Module, mlp
from ..validation import check_int, check_number, must_be

__all__ = ["Task", "TaskHead", "multihead_mlp", "permuted_digits", "split_digits"]


# ----------------------------------------------------------------------------- tasks and heads
@dataclass
class Task:
    """One task of a sequence: its training and test data, and the output head it uses.

    ``head`` is the index of the task's block of output neurons in a multi-head network
    (task-incremental: the labels ``y`` are 0..k-1 within that head, and the task id is
    given at prediction), or None for a shared head (domain- and class-incremental:
    ``y`` are the network's own classes). ``classes`` are the original labels, for names.

    >>> import numpy as np
    >>> from neuronkit.continual import Task
    >>> t = Task("xor", np.zeros((4, 2)), np.array([0, 1, 1, 0]), np.zeros((2, 2)), np.array([0, 1]))
    >>> t.head is None, len(t.y_train)
    (True, 4)
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    head: int | None = None
    classes: tuple[int, ...] = ()


class TaskHead(Module):
    """The view of one task's head of a multi-head network: ``softmax(logits[:, head block])``.

    ``network``'s output layer holds ``heads × classes`` neurons; head ``h`` is neurons
    ``h·classes … (h+1)·classes − 1``. The view shares the network's parameters (training
    it trains the network: the shared layers and this head; the other heads get zero
    gradient), takes labels 0..classes−1 and predicts over its own block only: that is
    how the task id is given at prediction. It holds no weights of its own, so the
    network saves and loads as the plain network it is.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.continual import TaskHead, multihead_mlp
    >>> net = multihead_mlp(2, [3], heads=2, classes_per_head=2, seed=0)
    >>> x = np.array([[0.5, -1.0]], dtype=np.float32)
    >>> z = net.logits(x).data
    >>> np.allclose(TaskHead(net, 1, 2).logits(x).data, z[:, 2:4])
    True
    >>> TaskHead(net, 1, 2).infer(x).sum().round(6)
    np.float32(1.0)
    """

    name_prefix = "taskhead"

    def __init__(self, network: Module, head: int, classes: int) -> None:
        if not isinstance(network, Module) or not hasattr(network, "logits"):
            raise ParameterTypeError(must_be("network", "a network with a logits() method (e.g. nk.mlp(...))",
                                             type(network).__name__, "TaskHead"))
        classes = check_int(classes, "classes", low=1, owner="TaskHead")
        width = getattr(network, "out_features", None)
        if not isinstance(width, int) or width % classes:
            raise ParameterError(f"TaskHead: the network's output layer has {width} neurons, not a whole number of "
                                 f"heads of {classes}; build it with multihead_mlp(..., heads=H, "
                                 f"classes_per_head={classes})")
        heads = width // classes
        self.network = network
        self.head = check_int(head, "head", low=0, high=heads - 1, owner=f"TaskHead (the network has {heads} heads)")
        self.classes = classes
        self.output_activation = get_activation("softmax")

    @property
    def out_features(self) -> int:
        return self.classes

    @property
    def block(self) -> slice:
        """The head's neurons in the network's output layer."""
        return slice(self.head * self.classes, (self.head + 1) * self.classes)

    def logits(self, x: Any) -> Tensor:
        """The head's logits, shape (N, classes)."""
        return self.network.logits(x)[:, self.block]

    def forward(self, x: Any) -> Tensor:
        return softmax(self.logits(x), axis=-1)

    def infer(self, x: Any) -> np.ndarray:
        with no_grad():
            return self.forward(x).data

    def config(self) -> dict[str, Any]:
        return {"type": "TaskHead", "head": self.head, "classes": self.classes}

    def __repr__(self) -> str:
        return f"TaskHead(head={self.head}, classes={self.classes}, neurons {self.block.start}..{self.block.stop - 1})"


def multihead_mlp(in_features: int, hidden: Sequence[int], *, heads: int, classes_per_head: int,
                  activation: str = "relu", seed: int | None = None) -> Module:
    """An MLP whose output layer holds ``heads`` heads of ``classes_per_head`` neurons each (see :class:`TaskHead`).

    Examples
    --------
    >>> from neuronkit.continual import multihead_mlp
    >>> net = multihead_mlp(64, [32], heads=2, classes_per_head=5, seed=0)
    >>> net.out_features, [name for name, _ in net.named_parameters()][-2:]
    (10, ['output.weight', 'output.bias'])
    """
    heads = check_int(heads, "heads", low=1, owner="multihead_mlp")
    classes_per_head = check_int(classes_per_head, "classes_per_head", low=1, owner="multihead_mlp")
    return mlp([in_features, *hidden, heads * classes_per_head], activation=activation, output="softmax", seed=seed)


def _view(network: Module, task: Task, classes_per_head: int | None) -> Module:
    """What trains and predicts for ``task``: its head of ``network``, or the network (shared head)."""
    if task.head is None:
        return network
    if classes_per_head is None:
        classes_per_head = len(task.classes) or int(np.max(task.y_train)) + 1
    return TaskHead(network, task.head, classes_per_head)


# ----------------------------------------------------------------------------- scenarios on digits
def _digits_split(test_size: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    ds = digits()
    X = (ds.X / np.float32(16)).astype(np.float32)
    X_train, X_test, y_train, y_test = train_test_split(X, ds.y, test_size=test_size, stratify=True, seed=seed)
    return X_train, X_test, y_train, y_test


def split_digits(*, tasks: int = 2, shared_head: bool = False, test_size: float = 0.3, seed: int = 0) -> list[Task]:
    """The digits split by class into ``tasks`` tasks (2: 0-4 then 5-9; 5: pairs 0-1, 2-3, …).

    Task-incremental by default: task ``t`` uses head ``t`` and labels 0..k-1 within it (the
    task id is given at prediction). ``shared_head=True`` is class-incremental: one 10-way
    head, the digits' own labels, no task id at prediction — a network must tell all ten
    digits apart having seen only some at a time, the hard case where fine-tuning forgets
    everything earlier and a weight penalty alone does not save it. Pixels are scaled to
    [0, 1]; one stratified train/test split (``seed``).

    >>> from neuronkit.continual import split_digits
    >>> [t.classes for t in split_digits(tasks=5)][:2]
    [(0, 1), (2, 3)]
    >>> t = split_digits(shared_head=True)[1]
    >>> t.head, sorted(set(t.y_test.tolist()))
    (None, [5, 6, 7, 8, 9])
    """
    tasks = check_int(tasks, "tasks", low=2, high=10, owner="split_digits")
    if 10 % tasks:
        raise ParameterError(must_be("tasks", "2, 5 or 10 (the 10 digits split into equal groups)", tasks,
                                     "split_digits"))
    test_size = check_number(test_size, "test_size", low=0.0, high=1.0, low_open=True, high_open=True,
                             owner="split_digits")
    seed = check_int(seed, "seed", low=0, owner="split_digits")
    X_train, X_test, y_train, y_test = _digits_split(test_size, seed)
    size = 10 // tasks
    out = []
    for t in range(tasks):
        classes = tuple(range(t * size, (t + 1) * size))
        train, test = np.isin(y_train, classes), np.isin(y_test, classes)
        offset = 0 if shared_head else t * size
        out.append(Task(f"digits {classes[0]}-{classes[-1]}", X_train[train], y_train[train] - offset,
                        X_test[test], y_test[test] - offset, head=None if shared_head else t, classes=classes))
    return out


def permuted_digits(*, tasks: int = 3, test_size: float = 0.3, seed: int = 0) -> list[Task]:
    """Domain-incremental digits: task ``t`` is all ten digits with the 64 pixels in a fixed permutation.

    Task 0 keeps the pixels in place; each later one draws its permutation from
    ``default_rng(seed)``. One shared 10-way head, the digits' own labels.

    >>> import numpy as np
    >>> from neuronkit.continual import permuted_digits
    >>> a, b = permuted_digits(tasks=2)
    >>> np.array_equal(np.sort(a.X_train, axis=1), np.sort(b.X_train, axis=1)), b.head
    (True, None)
    """
    tasks = check_int(tasks, "tasks", low=1, owner="permuted_digits")
    test_size = check_number(test_size, "test_size", low=0.0, high=1.0, low_open=True, high_open=True,
                             owner="permuted_digits")
    seed = check_int(seed, "seed", low=0, owner="permuted_digits")
    X_train, X_test, y_train, y_test = _digits_split(test_size, seed)
    rng = np.random.default_rng(seed)
    out = []
    for t in range(tasks):
        perm = np.arange(X_train.shape[1]) if t == 0 else rng.permutation(X_train.shape[1])
        out.append(Task(f"permutation {t}", np.ascontiguousarray(X_train[:, perm]), y_train,
                        np.ascontiguousarray(X_test[:, perm]), y_test, head=None, classes=tuple(range(10))))
    return out
