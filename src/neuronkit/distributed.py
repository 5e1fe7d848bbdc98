r"""Data-parallel training and federated averaging over MPI (``mpi4py``; ``pip install 'neuronkit[mpi]'``).

Every MPI process (a *rank*) runs the same script: it loads the same data, builds the
same model and calls :func:`neuronkit.fit` with the same seed, adding a
:class:`DataParallel` callback. ``fit`` then cuts the same global batches on every rank
(the batch order comes from the seed), and each rank trains on its shard of every
global batch: rank r of R takes the r-th of R near-equal slices
(:func:`shard_bounds`). After the backward pass the ranks combine their gradients
with **one** ``Allreduce`` over a flat float64 buffer per step, each shard's gradient
weighted by its sample count :math:`n_r` (or its sum of sample weights):

.. math::

    g = \frac{\sum_r n_r\, g_r}{\sum_r n_r}
      = \frac{1}{N} \sum_{i \in \text{batch}} \nabla \ell_i ,

the mean gradient of the whole global batch, so every rank takes the optimiser step a
single process would take on that batch. The same buffer carries the shards' losses
(the logged loss is the global batch's) and Ctrl-C requests (every rank stops after
the same step). For a network without dropout or batch norm the weights after
training equal a one-process run with the same global batch, within float rounding.

Everything else is identical on all ranks because it is computed from identical
values: the validation split (from the seed), the validation loss (each rank
evaluates the whole validation set), early stopping, schedules, divergence checks.
Rank 0's weights are broadcast when training starts, so ranks whose models were
built with different seeds still start equal. Only rank 0 may write: give
``checkpoint=`` and ``history_file=`` on rank 0 alone (others are refused) and save
the model there (``if dp.is_root: nk.save(net, path)``); ``progress=dp.is_root``
keeps the other ranks quiet. ``resume=`` works on every rank (each reads rank 0's
checkpoint: a shared file system when ranks run on several machines).

- **Dropout** draws its masks from per-rank streams: rank 0 keeps the layer's stream,
  rank r > 0 gets one derived from it and r at the start of each ``fit`` (so a resumed
  run draws other masks on ranks > 0 than an uninterrupted one would).
- **Batch norm** does *not* synchronise its statistics: each rank normalises its shard
  with the shard's own mean and variance, and the running statistics saved (rank 0's)
  are those seen by rank 0. With it the result is close to, not equal to, a one-process run.
- Every rank holds the whole data set (and checks at the start, with one ``Allgather``,
  that all ranks agree on its shapes and contents).

>>> import neuronkit as nk
>>> nk.distributed.shard_bounds(10, rank=1, size=3)
(4, 7)

Start a script with ``mpirun -n 2 python train.py``; the command line is
``mpirun -n 2 neuronkit train DATA --distributed``.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np

from .callbacks import Callback, Checkpoint, HistoryLogger
from .data.batches import batch_indices
from .errors import DataError, MissingDependencyError, ParameterError, ParameterTypeError, ShapeError, UsageError
from .federated import FederatedHistory, _client_data, _validation, client_seed, copy_model
from .layers.base import Module
from .losses import Loss, get_loss
from .training import default_loss, evaluate, fit
from .validation import check_bool, check_int, check_number

__all__ = ["DataParallel", "fedavg_mpi", "launched_by_mpirun", "require_several_ranks", "shard_bounds", "world"]

INSTALL = "pip install 'neuronkit[mpi]'"
START = "mpirun -n 2 neuronkit train DATA --distributed"
_MAX_DIMS = 6  # shapes exchanged at the start: up to this many dimensions


def _mpi() -> Any:
    """The ``mpi4py.MPI`` module (importing it initialises MPI), or a message naming the extra to install."""
    try:
        from mpi4py import MPI
    except ImportError:
        raise MissingDependencyError(f"distributed training needs mpi4py and an MPI library; install them with "
                                     f"{INSTALL} (it brings the Open MPI wheel), then start the processes with "
                                     f"mpirun, e.g. {START}") from None
    return MPI


def world(comm: Any = None) -> Any:
    """``comm``, or MPI's world communicator when None (every process ``mpirun`` started).

    Examples
    --------
    >>> import neuronkit as nk
    >>> callable(nk.distributed.world)
    True
    """
    MPI = _mpi()
    if comm is None:
        return MPI.COMM_WORLD
    if not isinstance(comm, MPI.Comm):
        raise ParameterTypeError(f"comm must be an mpi4py communicator (e.g. MPI.COMM_WORLD) or None; got "
                                 f"{type(comm).__name__}")
    return comm


def shard_bounds(n: int, *, rank: int, size: int) -> tuple[int, int]:
    """Rank ``rank``'s slice ``[start, stop)`` of a batch of ``n`` samples cut into ``size`` near-equal parts.

    The first ``n % size`` ranks take one sample more (NumPy's ``array_split`` rule).

    Examples
    --------
    >>> from neuronkit.distributed import shard_bounds
    >>> [shard_bounds(10, rank=r, size=3) for r in range(3)]
    [(0, 4), (4, 7), (7, 10)]
    """
    n = check_int(n, "n", low=0, owner="shard_bounds")
    size = check_int(size, "size", low=1, owner="shard_bounds")
    rank = check_int(rank, "rank", low=0, high=size - 1, owner="shard_bounds")
    base, extra = divmod(n, size)
    start = rank * base + min(rank, extra)
    return start, start + base + (rank < extra)


def _fingerprint(*arrays: Any) -> list[int]:
    """Each array's ndim, shape (padded to ``_MAX_DIMS``) and a CRC-32 of its bytes: what ranks compare."""
    row: list[int] = []
    for a in arrays:
        if a is None:
            row += [-1] * (_MAX_DIMS + 2)
            continue
        a = np.ascontiguousarray(a)
        shape = list(a.shape[:_MAX_DIMS]) + [-1] * (_MAX_DIMS - min(a.ndim, _MAX_DIMS))
        row += [a.ndim, *shape, zlib.crc32(a.tobytes()) if a.size else 0]
    return row


def _shape_text(row: np.ndarray, k: int) -> str:
    ndim = int(row[k])
    return str(tuple(int(d) for d in row[k + 1:k + 1 + min(ndim, _MAX_DIMS)]))


def _agree(comm: Any, row: list[int], names: list[str], owner: str) -> np.ndarray:
    """Allgather every rank's ``row`` of int64 facts; refuse, naming rank and both values, where one differs."""
    mine = np.asarray(row, dtype=np.int64)
    table = np.empty((comm.Get_size(), len(mine)), dtype=np.int64)
    comm.Allgather(mine, table)
    for r in range(1, len(table)):
        differs = np.flatnonzero(table[r] != table[0])
        if not len(differs):
            continue
        k = int(differs[0])
        stride = _MAX_DIMS + 2
        array_fields = len(names) * stride
        if k < array_fields:  # an array: its shape, or its values
            name, start = names[k // stride], (k // stride) * stride
            if table[r][start] != table[0][start] or (table[r][start + 1:start + stride - 1] !=
                                                     table[0][start + 1:start + stride - 1]).any():
                raise ShapeError(f"{owner}: the ranks disagree on the data: rank {r} has {name} of shape "
                                 f"{_shape_text(table[r], start)}, rank 0 of shape {_shape_text(table[0], start)}; "
                                 "every rank must load the same data (the same file, the same preparation)")
            raise DataError(f"{owner}: the ranks disagree on the data: rank {r}'s {name} has the shape of rank 0's "
                            f"{_shape_text(table[0], start)} but other values; every rank must load the same data "
                            "in the same order")
        return table  # a setting: the caller names it
    return table


class DataParallel(Callback):
    """Data-parallel training over MPI: give one to :func:`neuronkit.fit` on every rank.

    Each rank trains on its shard of every global batch; the gradients are combined with
    one ``Allreduce`` per step, weighted by each shard's sample count, so every rank takes
    the step a single process would take on the global batch (see the module's text for
    what is and is not identical: dropout streams, batch norm). ``comm`` is an mpi4py
    communicator (default: every process ``mpirun`` started). ``rank``, ``size`` and
    ``is_root`` (rank 0, the one that writes) tell a script where it runs.

    Examples
    --------
    In a script started with ``mpirun -n 2 python train.py`` (one process here: one rank)::

        dp = nk.distributed.DataParallel()
        net = nk.mlp([64, 256, 10], output="softmax", seed=0)
        nk.fit(net, X, y, epochs=5, batch_size=256, seed=0, callbacks=[dp], progress=dp.is_root)
        if dp.is_root:
            nk.save(net, "digits.nkm")

    With a global batch of 256 and 2 ranks, rank 1 trains on the batch's samples 128..255:

    >>> import neuronkit as nk
    >>> nk.distributed.shard_bounds(256, rank=1, size=2)
    (128, 256)
    """

    def __init__(self, comm: Any = None) -> None:
        self.comm = world(comm)
        self.rank: int = self.comm.Get_rank()
        self.size: int = self.comm.Get_size()
        self._MPI = _mpi()
        self._buffer = np.zeros(0)
        self._params: list[Any] = []
        self._from_batch = 0  # the epoch's first batch whose outputs are still this rank's shard only
        self._global_rows = 0  # rows of state.epoch_outputs already gathered in global order

    @property
    def is_root(self) -> bool:
        """True on rank 0, the rank that prints and writes."""
        return self.rank == 0

    def __repr__(self) -> str:
        return f"DataParallel(rank={self.rank}, size={self.size})"

    # ------------------------------------------------------------------ start
    def on_train_begin(self, state) -> None:
        writers = [type(c).__name__ for c in state.callbacks if isinstance(c, (Checkpoint, HistoryLogger))]
        n = len(state.X)
        settings = [state.seed, state.batch_size, state.epochs, state.epoch, state.step, n,
                    sum(p.size for p in state.model.parameters()), int(bool(writers) and not self.is_root)]
        table = _agree(self.comm, _fingerprint(state.X, state.y, state.X_val, state.y_val) + settings,
                       ["X", "y", "validation X", "validation y"], "DataParallel")
        setting_names = ["seed", "batch_size", "epochs", "epoch", "step", "training samples", "parameters"]
        offset = 4 * (_MAX_DIMS + 2)
        for r in range(1, self.size):
            for j, name in enumerate(setting_names):
                if table[r][offset + j] != table[0][offset + j]:
                    raise ParameterError(f"DataParallel: rank {r} trains with {name}={table[r][offset + j]}, rank 0 "
                                         f"with {table[0][offset + j]}; give every rank the same (fit's seed= in "
                                         "particular: it decides the batches and the validation split)")
        if table[:, offset + len(setting_names)].any():
            bad = int(np.flatnonzero(table[:, offset + len(setting_names)])[0])
            raise ParameterError(f"DataParallel: rank {bad} was given a checkpoint or history file to write; only "
                                 "rank 0 writes: pass checkpoint=path if dp.is_root else None (history_file= alike)")
        last = n - state.batch_size * (state.steps_per_epoch - 1)
        if min(state.batch_size, last) < self.size:
            raise ParameterError(f"DataParallel: every global batch needs at least one sample per rank ({self.size}); "
                                 f"with {n} training samples and batch_size={state.batch_size} the last batch of an "
                                 f"epoch has {last}. Choose a batch_size that leaves at least {self.size} for the "
                                 "last batch, or drop a few samples")
        self._params = state.model.parameters()
        flat = np.concatenate([p.data.astype(np.float64).ravel() for p in self._params]) if self._params else \
            np.zeros(0)
        self.comm.Bcast(flat, root=0)  # rank 0's weights: ranks built with other seeds start equal
        offset_p = 0
        for p in self._params:
            p.data[...] = flat[offset_p:offset_p + p.size].reshape(p.shape)
            offset_p += p.size
        self._buffer = np.zeros(offset_p + len(self._params) + 3)
        if self.rank:  # dropout: a stream of this rank's own, derived from the layer's
            for m in state.model.modules():
                rng = getattr(m, "rng", None)
                if isinstance(rng, np.random.Generator):
                    words = [int(w) for w in rng.integers(0, 2**32, size=4)] + [self.rank]
                    rng.bit_generator.state = type(rng.bit_generator)(np.random.SeedSequence(words)).state
        self._from_batch = state.batch_in_epoch
        self._global_rows = sum(len(o) for o in state.epoch_outputs) if state.batch_in_epoch else 0

    def on_epoch_begin(self, state) -> None:
        self._from_batch, self._global_rows = 0, 0

    # ------------------------------------------------------------------ every step
    def shard_batch(self, state, indices: np.ndarray) -> np.ndarray:
        """This rank's slice of the global batch ``indices`` (see :func:`shard_bounds`)."""
        start, stop = shard_bounds(len(indices), rank=self.rank, size=self.size)
        return indices[start:stop]

    def on_after_backward(self, state) -> None:
        buf, weight = self._buffer, state.batch_weight
        k = len(buf) - len(self._params) - 3
        offset = 0
        for i, p in enumerate(self._params):
            if p.grad is None:
                buf[offset:offset + p.size] = 0.0
            else:
                np.multiply(p.grad.reshape(-1), weight, out=buf[offset:offset + p.size])
            buf[k + i] = p.grad is not None
            offset += p.size
        buf[-3:] = state.last_loss * weight, weight, float(state.interrupt_requested)
        self.comm.Allreduce(self._MPI.IN_PLACE, buf, op=self._MPI.SUM)  # the one collective of a step
        total = buf[-2]
        offset = 0
        for i, p in enumerate(self._params):
            p.grad = (buf[offset:offset + p.size] / total).astype(p.dtype).reshape(p.shape) if buf[k + i] else None
            offset += p.size
        state.last_loss, state.batch_weight = float(buf[-3] / total), float(total)
        if buf[-1]:  # Ctrl-C on any rank: every rank stops after this step
            state.interrupt_requested = True

    def on_batch_end(self, state, loss: float) -> None:
        if state.batch_in_epoch == state.steps_per_epoch:  # the epoch's metrics need every rank's outputs
            self._gather_outputs(state)

    def on_train_abort(self, state, exc: BaseException) -> None:
        if isinstance(exc, KeyboardInterrupt):  # every rank stops after the same step: the checkpoint's outputs
            self._gather_outputs(state)

    def _gather_outputs(self, state) -> None:
        """Put the epoch's outputs (each rank's shards) together in the global batches' order, on every rank."""
        if not state.epoch_outputs or state.batch_in_epoch <= self._from_batch:
            return
        done = np.concatenate(state.epoch_outputs)
        prefix, mine = done[:self._global_rows], np.ascontiguousarray(done[self._global_rows:])
        n = len(state.X)
        sizes = [len(b) for b in batch_indices(n, state.batch_size, shuffle=False)]
        sizes = sizes[self._from_batch:state.batch_in_epoch]
        table = np.array([[np.subtract(*shard_bounds(s, rank=r, size=self.size)[::-1]) for r in range(self.size)]
                          for s in sizes], dtype=np.int64)  # (batches, ranks): shard sizes
        row = int(np.prod(mine.shape[1:], dtype=np.int64))
        counts = table.sum(axis=0) * row
        received = np.empty(int(counts.sum()), dtype=mine.dtype)
        self.comm.Allgatherv(mine.reshape(-1), [received, counts])
        per_rank = np.split(received, np.cumsum(counts)[:-1])
        parts, cursor = [], np.zeros(self.size, dtype=np.int64)
        for b in range(len(sizes)):
            for r in range(self.size):
                rows = int(table[b, r])
                parts.append(per_rank[r][cursor[r] * row:(cursor[r] + rows) * row].reshape(rows, *mine.shape[1:]))
                cursor[r] += rows
        state.epoch_outputs = [np.concatenate([prefix, *parts])]
        self._global_rows = len(state.epoch_outputs[0])
        self._from_batch = state.batch_in_epoch


# ----------------------------------------------------------------------------- federated averaging
def fedavg_mpi(model: Module | Callable[[], Module], X: Any, y: Any, *, comm: Any = None, rounds: int = 10,
               local_epochs: int = 1, batch_size: int = 32, lr: float | None = None, optimizer: Any = "sgd",
               loss: str | Loss | None = None, weighted: bool = True,
               validation_data: tuple[Any, Any] | None = None, seed: int = 0) -> tuple[Module, FederatedHistory]:
    """Federated averaging with the MPI ranks as the clients: rank k holds client k's data (X, y).

    The same algorithm, seeds and history as :func:`neuronkit.federated.fedavg` with every
    client chosen in every round (``fraction=1``): client k's local ``fit`` in round r uses
    ``seed=client_seed(seed, r, k, K)``, and the new global weights are the clients' weights
    averaged by size (``weighted``), here with one ``Allreduce`` per round; only weights,
    sizes and each client's loss and metrics travel, never samples. Rank 0's starting
    weights are broadcast first. Returns ``(global_model, history)`` on every rank.

    Examples
    --------
    In a script started with ``mpirun -n 4 python fed.py``, each rank with its own data::

        model, history = nk.distributed.fedavg_mpi(nk.mlp([64, 32, 10], output="softmax", seed=0),
                                                   X_mine, y_mine, rounds=20, lr=0.05)

    >>> from neuronkit.distributed import fedavg_mpi
    >>> fedavg_mpi.__name__
    'fedavg_mpi'
    """
    owner = "fedavg_mpi"
    rounds = check_int(rounds, "rounds", low=1, owner=owner)
    local_epochs = check_int(local_epochs, "local_epochs", low=1, owner=owner)
    batch_size = check_int(batch_size, "batch_size", low=1, owner=owner)
    if lr is not None:
        lr = check_number(lr, "lr", low=0.0, low_open=True, owner=owner)
    weighted = check_bool(weighted, "weighted", owner=owner)
    seed = check_int(seed, "seed", low=0, owner=owner)
    comm = world(comm)
    MPI = _mpi()
    rank, k = comm.Get_rank(), comm.Get_size()
    if isinstance(model, Module):
        global_model = copy_model(model)
    elif callable(model):
        global_model = model()
        if not isinstance(global_model, Module):
            raise ParameterTypeError(f"{owner}: model() must return a neuronkit Module; got "
                                     f"{type(global_model).__name__}")
    else:
        raise ParameterTypeError(f"{owner}: model must be a neuronkit Module or a function that makes one; got "
                                 f"{type(model).__name__}")
    loss_fn = default_loss(global_model) if loss is None else get_loss(loss)
    ((X, y),) = _client_data(global_model, [(X, y)], loss_fn, f"{owner} rank {rank}")
    row = [X.ndim, *(list(X.shape[1:_MAX_DIMS + 1]) + [-1] * (_MAX_DIMS - min(X.ndim - 1, _MAX_DIMS)))]
    table = np.empty((k, len(row)), dtype=np.int64)
    comm.Allgather(np.asarray(row, dtype=np.int64), table)
    for r in range(1, k):
        if (table[r] != table[0]).any():
            def shape(t: np.ndarray) -> str:
                return str(tuple(int(d) for d in t[1:t[0]]))
            raise ShapeError(f"{owner}: rank {r}'s samples have shape {shape(table[r])}, rank 0's {shape(table[0])}; "
                             "every client must hold the same features")
    validation = _validation(global_model, validation_data, loss_fn, owner)
    state = global_model.state_dict()
    floats = [key for key, v in state.items() if np.issubdtype(v.dtype, np.floating)]
    names = {name for name, _ in global_model.named_parameters()}
    _bcast_state(comm, global_model, floats)
    history = FederatedHistory()
    for r in range(rounds):
        local = copy_model(global_model)
        s = client_seed(seed, r, rank, k)
        h = fit(local, X, y, loss=loss_fn, optimizer=optimizer, lr=lr, epochs=local_epochs, batch_size=batch_size,
                seed=s, progress=False)
        mine = local.state_dict()
        w = float(len(y)) if weighted else 1.0
        buf = np.concatenate([np.asarray(mine[key], dtype=np.float64).ravel() * w for key in floats] + [[w]])
        comm.Allreduce(MPI.IN_PLACE, buf, op=MPI.SUM)  # the round's one exchange of weights
        average, offset = dict(mine), 0
        for key in floats:
            size = mine[key].size
            average[key] = (buf[offset:offset + size] / buf[-1]).astype(mine[key].dtype).reshape(mine[key].shape)
            offset += size
        global_model.load_state_dict(average)
        _bcast_state(comm, global_model, [key for key in state if key not in floats])  # counters: client 0's
        global_model.eval()
        centre = np.concatenate([average[key].astype(np.float64).ravel() for key in floats if key in names] or
                                [np.zeros(1)])
        spread = np.concatenate([mine[key].astype(np.float64).ravel() for key in floats if key in names] or
                                [np.zeros(1)])
        evaluation = evaluate(global_model, X, y, loss=loss_fn)
        facts = np.array([len(y), h.history["loss"][-1],
                          np.linalg.norm(spread - centre) / (float(np.linalg.norm(centre)) or 1.0),
                          *evaluation.values()], dtype=np.float64)
        gathered = np.empty((k, len(facts)))
        comm.Allgather(facts, gathered)
        sizes = gathered[:, 0].astype(int).tolist()
        record: dict[str, Any] = {
            "round": r + 1, "clients": list(range(k)), "sizes": sizes,
            "seeds": [client_seed(seed, r, c, k) for c in range(k)],
            "client_loss": float(np.average(gathered[:, 1], weights=sizes)),
            "divergence": float(np.mean(gathered[:, 2])),
        }
        record.update({key: float(np.average(gathered[:, 3 + j], weights=sizes))
                       for j, key in enumerate(evaluation)})
        if validation is not None:
            record.update({f"val_{key}": value
                           for key, value in evaluate(global_model, *validation, loss=loss_fn).items()})
        history.rounds.append(record)
    return global_model, history


def _bcast_state(comm: Any, model: Module, keys: list[str]) -> None:
    """Rank 0's values of the state entries ``keys``, sent to every rank (one Bcast each, no pickle)."""
    if not keys:
        return
    state = model.state_dict()
    for key in keys:
        value = np.ascontiguousarray(state[key])
        comm.Bcast(value, root=0)
        state[key] = value
    model.load_state_dict(state)


def launched_by_mpirun() -> bool:
    """True when an MPI launcher started this process (``mpirun``/``mpiexec`` set their variables).

    Examples
    --------
    >>> from neuronkit.distributed import launched_by_mpirun
    >>> isinstance(launched_by_mpirun(), bool)
    True
    """
    return any(name in os.environ for name in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"))


def require_several_ranks(comm: Any = None, *, command: str = START) -> Any:
    """The communicator, refused (:class:`~neuronkit.errors.UsageError`) when it holds one process only.

    One process means the program was not started by ``mpirun`` (or with ``-n 1``); the
    message says how to start it.

    Examples
    --------
    >>> from neuronkit.distributed import require_several_ranks
    >>> require_several_ranks.__name__
    'require_several_ranks'
    """
    comm = world(comm)
    if comm.Get_size() < 2:
        how = "with -n 1" if launched_by_mpirun() else "without mpirun"
        raise UsageError(f"--distributed needs several MPI processes, but this is the only one (started {how}); "
                         f"start it as: {command}")
    return comm
