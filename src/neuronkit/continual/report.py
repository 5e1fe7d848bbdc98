"""Training on a sequence of tasks and its report: the accuracy matrix, forgetting, the neurons that changed
most, and the figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._plotting import finish_figure, new_figure
from ..errors import ParameterError, ParameterTypeError
from ..layers import Module
from ..training import fit, outputs
from ..validation import check_choice, check_int, must_be
from .ewc import EWC, neuron_change, neuron_importance
from .scenarios import Task, _view

__all__ = ["ContinualResult", "accuracy_on", "plot_accuracy_matrix", "plot_neuron_change", "plot_task_accuracy",
           "train_sequence"]


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
