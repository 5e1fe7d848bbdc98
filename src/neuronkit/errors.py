"""Every exception and warning neuronkit raises on purpose: one hierarchy.

An error caused by a user's input is a :class:`NeuronkitError`, and also the
builtin exception a Python user would catch for it: a bad value is a
``ValueError``, a wrong type a ``TypeError``, a missing model file a
``FileNotFoundError``, a neuron index out of range an ``IndexError``. So both
``except nk.errors.NeuronkitError`` and ``except ValueError`` work::

    >>> import neuronkit as nk
    >>> try:
    ...     nk.Tensor([1.0, 2.0]).sum().backward()
    ... except RuntimeError as exc:
    ...     print([cls.__name__ for cls in type(exc).__mro__[:4]])
    ['GraphError', 'NeuronkitError', 'RuntimeError', 'Exception']

No raw ``KeyError``, ``IndexError``, ``AttributeError`` or NumPy message
reaches a user for a mistake of theirs; anything else is a bug in neuronkit
(the command line says so and points to ``--debug``).

Where a new error goes: add a subclass here, under the builtin it behaves
like, and raise it through :mod:`neuronkit.validation` where the check is a
common one. Estimators raise scikit-learn's ``NotFittedError`` and
``ConvergenceWarning`` (their users catch those).

This module imports nothing, so every layer of the package (the engine
included) can raise these errors.
"""

from __future__ import annotations

__all__ = [
    "AttributeNotFoundError", "DataError", "DivergenceError", "GradcheckError", "GraphError", "IndexRangeError",
    "MissingDependencyError", "ModelFileError", "ModelFileNotFoundError", "NameNotFoundError", "NeuronHealthWarning",
    "NeuronkitError", "NeuronkitWarning", "NotFittedError", "ParameterError", "ParameterTypeError", "ShapeError",
    "TrainingError", "TrainingInterrupted", "UnknownNameError", "UsageError",
]


class NeuronkitError(Exception):
    """Base of every error neuronkit raises for a mistake in what it was given."""


# ------------------------------------------------------------- arguments
class ParameterError(NeuronkitError, ValueError):
    """A parameter or argument has a value neuronkit cannot use (``lr=-1``, ``epochs=0``)."""


class ParameterTypeError(NeuronkitError, TypeError):
    """A parameter or argument has the wrong type (a string where a number belongs)."""


class ShapeError(ParameterError):
    """An array has the wrong shape; the message names the layer or argument and both shapes."""


class UnknownNameError(ParameterError):
    """A name that no registry holds (an activation, loss, optimiser, …).

    ``kind`` is the family, ``name`` what was asked for, ``valid`` the names
    there are and ``suggestion`` the closest one (or None).
    """

    def __init__(self, message: str, *, kind: str = "", name: object = None, valid: tuple[str, ...] = (),
                 suggestion: str | None = None) -> None:
        super().__init__(message)
        self.kind, self.name, self.valid, self.suggestion = kind, name, valid, suggestion


class NameNotFoundError(NeuronkitError, KeyError):
    """A key that a container does not hold (``net["hidden9"]``); a ``KeyError`` with a readable message."""

    def __str__(self) -> str:  # KeyError's own str() shows the repr of its argument
        return str(self.args[0]) if self.args else ""


class AttributeNotFoundError(NeuronkitError, AttributeError):
    """An attribute an object does not have, asked for often enough to deserve a message (``net.neurons``).

    Still an ``AttributeError``, so ``hasattr`` and ``getattr(..., default)`` work.
    """


class IndexRangeError(NeuronkitError, IndexError):
    """An index outside its range (``layer.neurons[12]`` of a 10-neuron layer)."""


class UsageError(ParameterError):
    """The command line was used wrongly (it exits with status 2)."""


# ------------------------------------------------------------ data, files
class DataError(NeuronkitError, ValueError):
    """Data that cannot be used as given: a bad CSV, NaN in X, labels the model does not know."""


class ModelFileError(NeuronkitError, ValueError):
    """A model or checkpoint file that cannot be read or written as asked."""


class ModelFileNotFoundError(ModelFileError, FileNotFoundError):
    """The model file does not exist."""


class MissingDependencyError(NeuronkitError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


class NotFittedError(NeuronkitError, ValueError, AttributeError):
    """A scaler (or other fitted transform) used before ``fit``.

    (The estimators raise scikit-learn's ``NotFittedError``, which has the same builtin bases.)
    """


# ------------------------------------------------------ engine, training
class GraphError(NeuronkitError, RuntimeError):
    """The autodiff graph was used in a way it cannot be (``backward()`` on a tensor without a graph)."""


class GradcheckError(NeuronkitError, AssertionError):
    """``gradcheck`` found an analytic gradient that disagrees with finite differences."""


class TrainingError(NeuronkitError, RuntimeError):
    """Training could not go on: a non-finite loss, or a checkpoint that does not fit."""


class DivergenceError(TrainingError):
    """Training diverged: the loss became non-finite, or rose far above where it started (lower the learning rate)."""


class TrainingInterrupted(KeyboardInterrupt):
    """Training stopped by Ctrl-C; ``checkpoint`` is where the state was saved (or None).

    A ``KeyboardInterrupt`` (not a :class:`NeuronkitError`): code that stops on Ctrl-C still stops.
    """

    def __init__(self, epoch: int, step: int, checkpoint: object = None) -> None:
        where = f"; checkpoint saved to {checkpoint} (resume with resume=...)" if checkpoint else ""
        super().__init__(f"training interrupted at epoch {epoch + 1}, step {step}{where}")
        self.epoch, self.step, self.checkpoint = epoch, step, checkpoint


# ---------------------------------------------------------------- warnings
class NeuronkitWarning(UserWarning):
    """Base of neuronkit's warnings."""


class NeuronHealthWarning(NeuronkitWarning):
    """A neuron-health problem seen during training (dead, saturated, vanishing gradients, …)."""
