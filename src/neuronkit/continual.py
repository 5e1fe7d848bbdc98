r"""Continual learning: learning tasks one after another without forgetting the earlier ones.

A network trained on task A and then fine-tuned on task B forgets A ("catastrophic
forgetting"): the weights that solved A are moved to solve B. This module gives

- **scenarios on digits**: task-incremental split digits (:func:`split_digits`, digits
  0-4 then 5-9, one output head per task, the task id given at prediction),
  domain-incremental permuted pixels (:func:`permuted_digits`, one head, each task a
  fixed pixel permutation) and class-incremental split digits
  (``split_digits(shared_head=True)``: one 10-way head, no task id, the hard case);
- **elastic weight consolidation** (Kirkpatrick et al. 2017, :class:`EWC`): after each
  task, the diagonal Fisher information :math:`F_i` of every parameter
  (:func:`fisher_information`), and while later tasks are learnt the quadratic penalty

  .. math:: \Omega(\theta) = \sum_t \frac{\lambda}{2} \sum_i F^{(t)}_i (\theta_i - \theta^{*(t)}_i)^2,

  a :class:`~neuronkit.callbacks.Callback` for :func:`neuronkit.fit` that adds
  :math:`\partial\Omega/\partial\theta` to the gradients (the loss ``fit`` logs is the data loss alone);
- **a report** (:func:`train_sequence` → :class:`ContinualResult`): the accuracy on each
  task after each task, average accuracy, forgetting, and which neurons changed most
  while each task was learnt, beside how important they were for the earlier tasks
  (:func:`neuron_importance`: the Fisher of a neuron's incoming weights, summed);
  figures with :func:`plot_accuracy_matrix`, :func:`plot_task_accuracy` and
  :func:`plot_neuron_change`.

A multi-head network is a plain network whose output layer holds every head, one block
of neurons per task (:func:`multihead_mlp`); :class:`TaskHead` is the view of one task's
head (its logits are that block, its softmax over that block only), so it trains with
``nk.fit`` and saves as the plain network it is.

>>> import neuronkit as nk
>>> from neuronkit import continual
>>> tasks = continual.split_digits(seed=0)
>>> [(task.name, task.head, task.classes) for task in tasks]
[('digits 0-4', 0, (0, 1, 2, 3, 4)), ('digits 5-9', 1, (5, 6, 7, 8, 9))]
>>> net = continual.multihead_mlp(64, [32], heads=2, classes_per_head=5, seed=0)
>>> result = continual.train_sequence(net, tasks, epochs=2, seed=0)
>>> result.accuracy.shape
(2, 2)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._plotting import finish_figure, new_figure
from .activations import get_activation
from .callbacks import Callback
from .data import train_test_split
from .datasets import digits
from .engine import Parameter, Tensor, no_grad
from .engine.tensor import log_softmax, softmax
from .errors import ParameterError, ParameterTypeError, ShapeError
from .layers import Module, mlp
from .training import fit, outputs
from .validation import check_array, check_choice, check_class_indices, check_int, check_number, must_be

__all__ = ["EWC", "ContinualResult", "Task", "TaskHead", "accuracy_on", "fisher_information", "multihead_mlp",
           "neuron_change", "neuron_importance", "permuted_digits", "plot_accuracy_matrix", "plot_neuron_change",
           "plot_task_accuracy", "split_digits", "train_sequence"]

FISHER_KINDS = ("true", "empirical")


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


# ----------------------------------------------------------------------------- Fisher information
def fisher_information(model: Module, X: Any, y: Any = None, *, kind: str = "true", samples: int | None = None,
                       seed: int = 0) -> dict[str, np.ndarray]:
    r"""The diagonal Fisher information of each parameter of a softmax classifier, by parameter name.

    .. math:: F_i = \frac{1}{N}\sum_{n}\, \mathbb{E}_{c}\Big[\Big(\frac{\partial \log p_\theta(c\mid x_n)}
              {\partial\theta_i}\Big)^2\Big]

    ``kind="true"`` (the default, as Kirkpatrick et al. define it): the expectation is over
    the model's own distribution :math:`c \sim p_\theta(\cdot\mid x_n)`, taken exactly (every
    class, weighted by its probability; ``y`` is not needed). ``kind="empirical"``: the
    given label :math:`c = y_n` only — the mean squared gradient of the per-sample loss.
    Gradients are per sample (one backward pass per sample and class), so ``samples``
    (a random subset drawn with ``seed``) bounds the cost on large data. Float64 arrays,
    shaped like the parameters; names as ``model.named_parameters()`` gives them.

    Examples
    --------
    One softmax layer, one sample: the empirical Fisher is the squared gradient of
    :math:`-\log p(y\mid x)`, which is :math:`(p - e_y)\,x^\top` for the weights:

    >>> import numpy as np, neuronkit as nk
    >>> from neuronkit.continual import fisher_information
    >>> net = nk.mlp([2, 2], output="softmax", seed=0)
    >>> net["output"].weight.data[:] = 0.0
    >>> F = fisher_information(net, [[1.0, 2.0]], [0], kind="empirical")
    >>> F["output.weight"]
    array([[0.25, 1.  ],
           [0.25, 1.  ]])
    """
    kind = check_choice(kind, "kind", FISHER_KINDS, owner="fisher_information")
    act = getattr(getattr(model, "output_activation", None), "name", None)
    if act != "softmax" or not hasattr(model, "logits"):
        raise ParameterError(f"fisher_information needs a classifier with a softmax output layer (log-probabilities "
                             f"of classes); this model's output activation is {act!r}")
    dtype = model.parameters()[0].dtype
    X = check_array(X.data if isinstance(X, Tensor) else X, "X", ndim=None, dtype=dtype, owner="fisher_information")
    n_classes = int(model.out_features)  # type: ignore[attr-defined]
    if kind == "empirical":
        if y is None:
            raise ParameterError("fisher_information(kind='empirical') needs y, the labels (or use kind='true', "
                                 "which takes the expectation over the model's own predictions)")
        y = check_class_indices(np.asarray(y), n_classes, owner="fisher_information")
        if len(y) != len(X):
            raise ShapeError(f"fisher_information: X has {len(X)} samples but y has {len(y)}; give one label per "
                             "sample")
    index = np.arange(len(X))
    if samples is not None:
        samples = check_int(samples, "samples", low=1, owner="fisher_information")
        if samples < len(X):
            index = np.sort(np.random.default_rng(check_int(seed, "seed", low=0)).choice(len(X), samples,
                                                                                          replace=False))
    named = model.named_parameters()
    total = {name: np.zeros(p.shape, dtype=np.float64) for name, p in named}
    was_training = [m.training for m in model.modules()]
    model.eval()  # dropout off: the Fisher of the network that predicts
    try:
        for n in index:
            xb = X[n:n + 1]
            if kind == "empirical":
                weights = {int(y[n]): 1.0}
            else:
                with no_grad():
                    probs = outputs(model, xb)[0].astype(np.float64)
                weights = {c: float(probs[c]) for c in range(n_classes) if probs[c] > 0}
            for c, weight in weights.items():
                for _, p in named:
                    p.grad = None
                log_p = log_softmax(model.logits(xb), axis=-1)
                log_p[0, c].backward()
                for name, p in named:
                    if p.grad is not None:
                        total[name] += weight * np.square(p.grad.astype(np.float64))
    finally:
        for m, mode in zip(model.modules(), was_training):
            m.training = mode
        for _, p in named:
            p.grad = None
    return {name: value / len(index) for name, value in total.items()}


# ----------------------------------------------------------------------------- EWC
@dataclass
class _Anchor:
    """One consolidated task: the parameters' values after it and their Fisher information."""

    name: str
    values: dict[str, np.ndarray]
    fisher: dict[str, np.ndarray]


class EWC(Callback):
    r"""Elastic weight consolidation: a quadratic penalty that holds important weights near their old values.

    After each task, :meth:`consolidate` stores the network's parameters :math:`\theta^{*(t)}`
    and their diagonal Fisher information :math:`F^{(t)}` (:func:`fisher_information`). As a
    callback of :func:`neuronkit.fit` it adds, after every backward pass, the gradient of

    .. math:: \Omega(\theta) = \sum_t \frac{\lambda}{2} \sum_i F^{(t)}_i (\theta_i - \theta^{*(t)}_i)^2,
              \qquad \frac{\partial\Omega}{\partial\theta_i} = \lambda \sum_t F^{(t)}_i (\theta_i - \theta^{*(t)}_i)

    to the parameters' gradients (one penalty per earlier task, as in the paper). The data
    loss averages over the batch, so ``lam`` is on that scale. ``network`` is the whole
    network (a :class:`TaskHead` view of it trains the same parameters); the values of
    :math:`\Omega` at the end of each epoch go into ``penalties``.

    Examples
    --------
    >>> import numpy as np, neuronkit as nk
    >>> from neuronkit.continual import EWC
    >>> net = nk.mlp([1, 2], output="softmax", seed=0)
    >>> ewc = EWC(net, lam=10.0)
    >>> ewc.consolidate([[1.0], [-1.0]], [0, 1], name="task A")
    >>> ewc.value()
    0.0
    >>> net["output"].bias.data += 1.0      # move every bias by 1: Ω = λ/2 Σ F_bias
    >>> bool(np.isclose(ewc.value(), 5.0 * ewc.anchors[0].fisher["output.bias"].sum()))
    True
    """

    def __init__(self, network: Module, lam: float = 100.0, *, kind: str = "true", samples: int | None = None,
                 seed: int = 0) -> None:
        if not isinstance(network, Module):
            raise ParameterTypeError(must_be("network", "a neuronkit network (a Module)", type(network).__name__,
                                             "EWC"))
        self.network = network
        self.lam = check_number(lam, "lam", low=0.0, owner="EWC")
        self.kind = check_choice(kind, "kind", FISHER_KINDS, owner="EWC")
        self.samples = None if samples is None else check_int(samples, "samples", low=1, owner="EWC")
        self.seed = check_int(seed, "seed", low=0, owner="EWC")
        self.anchors: list[_Anchor] = []
        self.penalties: list[float] = []
        self._params = dict(network.named_parameters())

    def consolidate(self, X: Any, y: Any = None, *, model: Module | None = None, name: str | None = None) -> None:
        """Store the current parameters and their Fisher information on (X, y) as one more task to keep.

        ``model`` is what the task predicts with (its :class:`TaskHead`, or the network,
        the default); its parameters are the network's.
        """
        model = self.network if model is None else model
        fisher = fisher_information(model, X, y, kind=self.kind, samples=self.samples, seed=self.seed)
        by_param = {id(p): f for (_, p), f in zip(model.named_parameters(), fisher.values())}
        missing = [n for n, p in self._params.items() if id(p) not in by_param]
        if missing and model is not self.network:
            raise ParameterError(f"EWC.consolidate: the model does not use the network's parameters {missing[:3]}; "
                                 "give a TaskHead of the network EWC was built with")
        self.anchors.append(_Anchor(name or f"task {len(self.anchors)}",
                                    {n: p.data.astype(np.float64) for n, p in self._params.items()},
                                    {n: by_param[id(p)] for n, p in self._params.items()}))

    @property
    def fisher(self) -> dict[str, np.ndarray]:
        """The Fisher information summed over the consolidated tasks (zeros before any)."""
        total = {n: np.zeros(p.shape) for n, p in self._params.items()}
        for anchor in self.anchors:
            for n in total:
                total[n] += anchor.fisher[n]
        return total

    def value(self) -> float:
        """Ω at the current parameters."""
        out = 0.0
        for anchor in self.anchors:
            for n, p in self._params.items():
                out += float(np.sum(anchor.fisher[n] * np.square(p.data.astype(np.float64) - anchor.values[n])))
        return 0.5 * self.lam * out

    def gradients(self) -> list[tuple[Parameter, np.ndarray]]:
        """∂Ω/∂θ for each parameter, in the parameter's dtype (empty before any task is consolidated)."""
        if not self.anchors or self.lam == 0:
            return []
        out: list[tuple[Parameter, np.ndarray]] = []
        for n, p in self._params.items():
            theta = p.data.astype(np.float64)
            g = np.zeros(p.shape)
            for anchor in self.anchors:
                g += anchor.fisher[n] * (theta - anchor.values[n])
            out.append((p, (self.lam * g).astype(p.dtype)))  # type: ignore[arg-type]
        return out

    def penalty(self) -> Tensor:
        """Ω as a Tensor in the autodiff graph (for a loop of your own; ``fit`` uses :meth:`gradients`)."""
        total = Tensor(np.zeros((), dtype=np.float64))
        for anchor in self.anchors:
            for n, p in self._params.items():
                diff = p - Tensor(anchor.values[n].astype(p.dtype))
                total = total + (diff * diff * Tensor(anchor.fisher[n].astype(p.dtype))).sum()
        return total * (0.5 * self.lam)

    def state_dict(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The consolidated tasks and the penalty record, for a checkpoint: (JSON-able dict, arrays).

        A resumed ``fit`` (``resume=``) then keeps the same penalty though the ``EWC`` given to it is new.
        """
        meta = {"lam": self.lam, "kind": self.kind, "anchors": [a.name for a in self.anchors],
                "parameters": list(self._params), "penalties": list(self.penalties)}
        arrays = {}
        for t, anchor in enumerate(self.anchors):
            for n in self._params:
                arrays[f"{t}.values.{n}"] = anchor.values[n]
                arrays[f"{t}.fisher.{n}"] = anchor.fisher[n]
        return meta, arrays

    def load_state_dict(self, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> None:
        """Restore what :meth:`state_dict` gave (the network's parameters must have the same names and shapes)."""
        if list(meta.get("parameters", [])) != list(self._params):
            raise ParameterError(f"EWC.load_state_dict: the saved penalty is over parameters {meta.get('parameters')}; "
                                 f"this network has {list(self._params)}")
        anchors = []
        for t, name in enumerate(meta["anchors"]):
            values, fisher = {}, {}
            for n, p in self._params.items():
                values[n] = np.asarray(arrays[f"{t}.values.{n}"], dtype=np.float64)
                fisher[n] = np.asarray(arrays[f"{t}.fisher.{n}"], dtype=np.float64)
                if values[n].shape != p.shape or fisher[n].shape != p.shape:
                    raise ShapeError(f"EWC.load_state_dict: task {name!r} stores {n} with shape {values[n].shape}; "
                                     f"the parameter has {p.shape}")
            anchors.append(_Anchor(str(name), values, fisher))
        self.lam = check_number(meta["lam"], "lam", low=0.0, owner="EWC.load_state_dict")
        self.anchors = anchors
        self.penalties = [float(v) for v in meta.get("penalties", [])]

    def on_after_backward(self, state: Any) -> None:
        for p, g in self.gradients():
            p.grad = g if p.grad is None else p.grad + g

    def on_epoch_end(self, state: Any, logs: dict[str, float]) -> None:
        self.penalties.append(self.value())


def neuron_importance(fisher: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each neuron's importance: the Fisher information of its incoming weights, summed, by layer name.

    A layer's weight (out, in, …) gives one value per neuron (row); biases and other
    parameters are left out (the brief's definition: what the neuron's inputs mean to
    the earlier tasks).

    >>> import numpy as np
    >>> from neuronkit.continual import neuron_importance
    >>> neuron_importance({"hidden1.weight": np.array([[1.0, 2.0], [0.0, 0.5]]), "hidden1.bias": np.ones(2)})
    {'hidden1': array([3. , 0.5])}
    """
    out = {}
    for name, value in fisher.items():
        layer, _, kind = name.rpartition(".")
        if kind == "weight" and np.ndim(value) >= 2:
            out[layer] = np.asarray(value, dtype=np.float64).reshape(len(value), -1).sum(axis=1)
    return out


def neuron_change(before: Mapping[str, np.ndarray], after: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """How far each neuron moved: the norm of the change of its incoming weights and bias, by layer name.

    ``before`` and ``after`` are ``state_dict()`` s of the same network.

    >>> import numpy as np
    >>> from neuronkit.continual import neuron_change
    >>> a = {"h.weight": np.zeros((2, 2)), "h.bias": np.zeros(2)}
    >>> b = {"h.weight": np.array([[3.0, 0.0], [0.0, 0.0]]), "h.bias": np.array([4.0, 0.0])}
    >>> neuron_change(a, b)
    {'h': array([5., 0.])}
    """
    out = {}
    for name, value in after.items():
        layer, _, kind = name.rpartition(".")
        if kind != "weight" or np.ndim(value) < 2:
            continue
        d = (np.asarray(value, np.float64) - np.asarray(before[name], np.float64)).reshape(len(value), -1)
        sq = np.square(d).sum(axis=1)
        bias = f"{layer}.bias"
        if bias in after and bias in before:
            sq += np.square(np.asarray(after[bias], np.float64) - np.asarray(before[bias], np.float64))
        out[layer] = np.sqrt(sq)
    return out


# ----------------------------------------------------------------------------- the sequence and its report
@dataclass
class ContinualResult:
    """What :func:`train_sequence` measured.

    ``accuracy[i, j]``: test accuracy on task ``j`` after training on tasks 0..i.
    ``change[i]``: per layer, how far each neuron moved while task ``i`` was learnt
    (:func:`neuron_change`); ``importance[i]``: per layer, each neuron's Fisher importance
    for task ``i`` (:func:`neuron_importance`, measured right after it).

    >>> import numpy as np
    >>> from neuronkit.continual import ContinualResult
    >>> r = ContinualResult("naive", ["A", "B"], np.array([[0.9, 0.1], [0.5, 0.8]]))
    >>> r.average_accuracy, r.forgetting.round(2).tolist(), round(r.backward_transfer, 2)
    (0.65, [0.4], -0.4)
    """

    strategy: str
    task_names: list[str]
    accuracy: np.ndarray
    change: list[dict[str, np.ndarray]] = field(default_factory=list)
    importance: list[dict[str, np.ndarray]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def average_accuracy(self) -> float:
        """Mean accuracy over all tasks after the last one."""
        return float(self.accuracy[-1].mean())

    @property
    def forgetting(self) -> np.ndarray:
        """Per earlier task: its best accuracy before the last task minus its final accuracy (Chaudhry et al. 2018)."""
        T = len(self.accuracy)
        return np.array([self.accuracy[:T - 1, j].max() - self.accuracy[-1, j] for j in range(T - 1)])

    @property
    def average_forgetting(self) -> float:
        return float(self.forgetting.mean()) if len(self.forgetting) else 0.0

    @property
    def backward_transfer(self) -> float:
        """Mean over earlier tasks of final accuracy minus accuracy just after learning it (negative: forgetting)."""
        T = len(self.accuracy)
        if T < 2:
            return 0.0
        return float(np.mean([self.accuracy[-1, j] - self.accuracy[j, j] for j in range(T - 1)]))

    def most_changed(self, task: int, k: int = 5) -> list[dict[str, Any]]:
        """The ``k`` neurons that moved most while ``task`` was learnt, with their importance for the earlier tasks.

        ``earlier_importance`` is the neuron's Fisher importance summed over tasks 0..task−1
        (None for the first task): a neuron high on both is where earlier knowledge was overwritten.
        """
        task = check_int(task, "task", low=0, high=len(self.change) - 1, owner="most_changed")
        k = check_int(k, "k", low=1, owner="most_changed")
        rows: list[dict[str, Any]] = []
        for layer, moved in self.change[task].items():
            earlier = [imp[layer] for imp in self.importance[:task] if layer in imp]
            for j, value in enumerate(moved):
                rows.append({"neuron": f"{layer}[{j}]", "change": float(value),
                             "earlier_importance": float(sum(e[j] for e in earlier)) if earlier else None})
        rows.sort(key=lambda r: -r["change"])
        return rows[:k]

    def summary(self, k: int = 5) -> str:
        """The matrix, average accuracy, forgetting and the most-changed neurons of each later task, as text."""
        width = max(5, *(len(n) for n in self.task_names)) + 2
        lines = [f"strategy: {self.strategy}", "accuracy (row: after training on; column: tested on)",
                 " " * width + "".join(n.rjust(width) for n in self.task_names)]
        for name, row in zip(self.task_names, self.accuracy):
            lines.append(name.ljust(width) + "".join(f"{v:.3f}".rjust(width) for v in row))
        lines.append(f"average accuracy {self.average_accuracy:.3f}; average forgetting {self.average_forgetting:.3f}; "
                     f"backward transfer {self.backward_transfer:+.3f}")
        for t in range(1, len(self.change)):
            moved = ", ".join(f"{r['neuron']} {r['change']:.3g} (importance {r['earlier_importance']:.3g})"
                              for r in self.most_changed(t, k))
            lines.append(f"changed most while learning {self.task_names[t]}: {moved}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-able values (lists of floats)."""
        return {"strategy": self.strategy, "tasks": list(self.task_names), "accuracy": self.accuracy.tolist(),
                "average_accuracy": self.average_accuracy, "forgetting": self.forgetting.tolist(),
                "average_forgetting": self.average_forgetting, "backward_transfer": self.backward_transfer,
                "change": [{k: v.tolist() for k, v in c.items()} for c in self.change],
                "importance": [{k: v.tolist() for k, v in c.items()} for c in self.importance],
                "settings": dict(self.settings)}


def _check_tasks(tasks: Any, network: Module) -> list[Task]:
    if not isinstance(tasks, (list, tuple)) or not tasks:
        raise ParameterError(must_be("tasks", "a non-empty list of Task (e.g. split_digits())", tasks,
                                     "train_sequence"))
    for i, task in enumerate(tasks):
        if not isinstance(task, Task):
            raise ParameterTypeError(f"train_sequence: tasks[{i}] is a {type(task).__name__}, not a Task")
        if len(task.X_train) == 0 or len(task.X_test) == 0:
            raise ParameterError(f"train_sequence: task {task.name!r} has no training or no test samples; every task "
                                 "needs both")
    heads = {task.head is None for task in tasks}
    if len(heads) > 1:
        raise ParameterError("train_sequence: every task must use a head of its own (head=0, 1, …) or none the shared "
                             "head (head=None); these tasks mix both")
    return list(tasks)


def accuracy_on(model: Module, task: Task) -> float:
    """Test accuracy of ``model`` (a network or a :class:`TaskHead`) on ``task``.

    >>> import numpy as np, neuronkit as nk
    >>> from neuronkit.continual import Task, accuracy_on
    >>> net = nk.mlp([1, 2], output="softmax", seed=0)
    >>> net["output"].weight.data[:] = [[1.0], [-1.0]]; net["output"].bias.data[:] = 0.0
    >>> accuracy_on(net, Task("sign", np.zeros((1, 1)), np.zeros(1, int), np.array([[1.0], [-1.0]]), np.array([0, 0])))
    0.5
    """
    predicted = outputs(model, task.X_test).argmax(axis=1)
    return float(np.mean(predicted == task.y_test))


def train_sequence(network: Module, tasks: Sequence[Task], *, strategy: str = "naive", lam: float = 100.0,
                   fisher: str = "true", fisher_samples: int | None = 500, epochs: int = 10, lr: float = 1e-3,
                   batch_size: int = 32, optimizer: str = "adam", seed: int = 0) -> ContinualResult:
    """Train ``network`` on ``tasks`` one after another; after each, test it on every task.

    ``strategy="naive"``: plain fine-tuning, each task with a fresh optimiser.
    ``strategy="ewc"``: the same with an :class:`EWC` penalty of strength ``lam`` over every
    earlier task (Fisher of kind ``fisher`` on up to ``fisher_samples`` training samples).
    Tasks with a ``head`` train and predict through their :class:`TaskHead` (the network's
    output layer must hold ``len(tasks)`` heads: :func:`multihead_mlp`); tasks without one
    use the network's shared head. The Fisher importance of every neuron is measured after
    each task in both strategies (so fine-tuning's report shows what it overwrote).

    Examples
    --------
    >>> from neuronkit import continual
    >>> tasks = continual.split_digits(seed=0)
    >>> net = continual.multihead_mlp(64, [16], heads=2, classes_per_head=5, seed=0)
    >>> r = continual.train_sequence(net, tasks, strategy="ewc", lam=100.0, epochs=1, seed=0)
    >>> r.strategy, r.task_names
    ('ewc', ['digits 0-4', 'digits 5-9'])
    """
    if not isinstance(network, Module):
        raise ParameterTypeError(must_be("network", "a neuronkit network (a Module)", type(network).__name__,
                                         "train_sequence"))
    tasks = _check_tasks(tasks, network)
    strategy = check_choice(strategy, "strategy", ("naive", "ewc"), owner="train_sequence")
    epochs = check_int(epochs, "epochs", low=1, owner="train_sequence")
    seed = check_int(seed, "seed", low=0, owner="train_sequence")
    classes_per_head = None
    if tasks[0].head is not None:
        width = int(getattr(network, "out_features", 0) or 0)
        if width % len(tasks):
            raise ParameterError(f"train_sequence: {len(tasks)} tasks with a head each need an output layer of "
                                 f"{len(tasks)} equal heads; the network has {width} output neurons (build it "
                                 f"with multihead_mlp(..., heads={len(tasks)}, ...))")
        classes_per_head = width // len(tasks)
    ewc = EWC(network, lam, kind=fisher, samples=fisher_samples, seed=seed)  # validates lam, fisher, samples
    T = len(tasks)
    views = [_view(network, task, classes_per_head) for task in tasks]
    acc = np.zeros((T, T))
    change, importance = [], []
    for i, (task, view) in enumerate(zip(tasks, views)):
        before = network.state_dict()
        callbacks = [ewc] if strategy == "ewc" and ewc.anchors else []
        fit(view, task.X_train, task.y_train, epochs=epochs, lr=lr, batch_size=batch_size, optimizer=optimizer,
            seed=seed + i, progress=False, metrics=None, callbacks=callbacks)
        change.append(neuron_change(before, network.state_dict()))
        ewc.consolidate(task.X_train, task.y_train, model=view, name=task.name)
        importance.append(neuron_importance(ewc.anchors[-1].fisher))
        acc[i] = [accuracy_on(v, t) for v, t in zip(views, tasks)]
    settings = {"lam": lam if strategy == "ewc" else 0.0, "fisher": fisher, "fisher_samples": fisher_samples,
                "epochs": epochs, "lr": lr, "batch_size": batch_size, "optimizer": optimizer, "seed": seed}
    return ContinualResult(strategy, [t.name for t in tasks], acc, change, importance, settings)


# ----------------------------------------------------------------------------- figures
def plot_accuracy_matrix(result: ContinualResult, *, path: str | Path | None = None, ax: Any = None) -> Any:
    """The accuracy matrix as a heat map with its values (rows: after training on; columns: tested on).

    >>> import numpy as np
    >>> from neuronkit.continual import ContinualResult, plot_accuracy_matrix
    >>> fig = plot_accuracy_matrix(ContinualResult("naive", ["A", "B"], np.array([[0.9, 0.1], [0.5, 0.8]])))
    >>> fig.axes[0].get_title()
    'naive: average 0.65, forgetting 0.40'
    """
    if not isinstance(result, ContinualResult):
        raise ParameterTypeError(must_be("result", "a ContinualResult (from train_sequence)", type(result).__name__,
                                         "plot_accuracy_matrix"))
    T = len(result.task_names)
    fig = new_figure(1.2 * T + 2, 1.0 * T + 1.2) if ax is None else ax.figure
    ax = fig.add_subplot() if ax is None else ax
    image = ax.imshow(result.accuracy, vmin=0.0, vmax=1.0, cmap="viridis")
    for i in range(T):
        for j in range(T):
            value = result.accuracy[i, j]
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", color="black" if value > 0.6 else "white")
    ax.set_xticks(range(T), result.task_names, rotation=30, ha="right")
    ax.set_yticks(range(T), [f"after {n}" for n in result.task_names])
    ax.set_xlabel("tested on")
    ax.set_title(f"{result.strategy}: average {result.average_accuracy:.2f}, forgetting "
                 f"{result.average_forgetting:.2f}")
    fig.colorbar(image, ax=ax, label="accuracy")
    return finish_figure(fig, path)


def plot_task_accuracy(results: Mapping[str, ContinualResult], *, path: str | Path | None = None) -> Any:
    """Accuracy on each task (one panel each) after each task, one line per strategy: naive against EWC.

    >>> import numpy as np
    >>> from neuronkit.continual import ContinualResult, plot_task_accuracy
    >>> naive = ContinualResult("naive", ["A", "B"], np.array([[0.9, 0.1], [0.5, 0.8]]))
    >>> ewc = ContinualResult("ewc", ["A", "B"], np.array([[0.9, 0.1], [0.8, 0.7]]))
    >>> len(plot_task_accuracy({"naive": naive, "EWC": ewc}).axes)
    2
    """
    if not isinstance(results, Mapping) or not results or not all(isinstance(r, ContinualResult)
                                                                  for r in results.values()):
        raise ParameterTypeError(must_be("results", "a non-empty dict of name -> ContinualResult", results,
                                         "plot_task_accuracy"))
    first = next(iter(results.values()))
    T = len(first.task_names)
    fig = new_figure(2.6 * T, 2.6)
    axes = fig.subplots(1, T, sharey=True, squeeze=False)[0]
    for j, ax in enumerate(axes):
        for label, r in results.items():
            ax.plot(range(j, T), r.accuracy[j:, j], marker="o", label=label)
        ax.set_title(f"tested on {first.task_names[j]}")
        ax.set_xticks(range(T), [str(k + 1) for k in range(T)])
        ax.set_xlabel("after task")
        ax.set_ylim(0.0, 1.02)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("test accuracy")
    axes[0].legend()
    return finish_figure(fig, path)


def plot_neuron_change(results: Mapping[str, ContinualResult], *, task: int = 1, layer: str = "hidden1",
                       path: str | Path | None = None) -> Any:
    """Per neuron of ``layer``: importance for the earlier tasks (x) against how far it moved while ``task``
    was learnt (y), one series per strategy. EWC holds the important neurons still; fine-tuning does not.

    >>> import numpy as np
    >>> from neuronkit.continual import ContinualResult, plot_neuron_change
    >>> imp = [{"hidden1": np.array([1.0, 0.1])}, {"hidden1": np.array([0.5, 0.5])}]
    >>> moved = [{"hidden1": np.array([2.0, 2.0])}, {"hidden1": np.array([0.1, 1.0])}]
    >>> r = ContinualResult("ewc", ["A", "B"], np.eye(2), moved, imp)
    >>> plot_neuron_change({"EWC": r}).axes[0].get_xlabel()
    'importance for earlier tasks (Σ Fisher of incoming weights)'
    """
    if not isinstance(results, Mapping) or not results:
        raise ParameterTypeError(must_be("results", "a non-empty dict of name -> ContinualResult", results,
                                         "plot_neuron_change"))
    fig = new_figure(5.5, 3.8)
    ax = fig.add_subplot()
    for label, r in results.items():
        t = check_int(task, "task", low=1, high=len(r.change) - 1, owner="plot_neuron_change")
        if layer not in r.change[t]:
            raise ParameterError(f"plot_neuron_change: no layer {layer!r}; layers are {', '.join(r.change[t])}")
        earlier = sum(imp[layer] for imp in r.importance[:t])
        ax.scatter(earlier, r.change[t][layer], s=12, alpha=0.7, label=label)
    ax.set_xscale("symlog", linthresh=1e-4)
    ax.set_xlabel("importance for earlier tasks (Σ Fisher of incoming weights)")
    ax.set_ylabel(f"change while learning task {task + 1}")
    ax.set_title(f"neurons of {layer}")
    ax.legend()
    return finish_figure(fig, path)
