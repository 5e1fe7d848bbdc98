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

The code: :mod:`neuronkit.continual.scenarios` (tasks, heads, digits),
:mod:`neuronkit.continual.ewc` (Fisher information, the penalty, per-neuron views) and
:mod:`neuronkit.continual.report` (the sequence, its report and figures).
"""

from __future__ import annotations

from .ewc import EWC, fisher_information, neuron_change, neuron_importance
from .report import (
    ContinualResult,
    accuracy_on,
    plot_accuracy_matrix,
    plot_neuron_change,
    plot_task_accuracy,
    train_sequence,
)
from .scenarios import Task, TaskHead, multihead_mlp, permuted_digits, split_digits

__all__ = ["EWC", "ContinualResult", "Task", "TaskHead", "accuracy_on", "fisher_information", "multihead_mlp",
           "neuron_change", "neuron_importance", "permuted_digits", "plot_accuracy_matrix", "plot_neuron_change",
           "plot_task_accuracy", "split_digits", "train_sequence"]
