r"""Federated averaging (FedAvg, McMahan et al. 2017) over clients simulated in one process.

Each client holds its own data; in every round the server sends the global weights to a
sample of the clients, each trains a copy on its own data with :func:`neuronkit.fit`, and
the server replaces the global weights by the average of the copies, weighted by the
clients' sizes:

.. math::

    S_t \subset \{1..K\},\ |S_t| = m = \max(\lfloor C K \rfloor, 1), \qquad
    w_{t+1} = \sum_{k \in S_t} \frac{n_k}{n_{S_t}}\, w^{(k)}_{t+1}, \quad n_{S_t} = \sum_{k \in S_t} n_k

where :math:`w^{(k)}_{t+1}` is client k's copy of :math:`w_t` after ``local_epochs`` (E)
epochs of minibatches of ``batch_size`` (B) on its :math:`n_k` samples. With C = 1, E = 1
and B = ∞ (one batch per client) and SGD this is FedSGD, one large-batch gradient step.

>>> import numpy as np, neuronkit as nk
>>> from neuronkit.federated import fedavg, split_clients
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(300, 2)).astype(np.float32); y = (X[:, 0] + X[:, 1] > 0).astype(int)
>>> clients = split_clients(X, y, 3, how="iid", seed=0)
>>> model, history = fedavg(nk.mlp([2, 8, 2], output="softmax", seed=0), clients, rounds=5,
...                         optimizer="adam", lr=0.05, seed=0)
>>> history["accuracy"][-1] > 0.9
True

What this is and is not. In the simulation a client's raw samples never leave it: the server
sees only weights (and each client's size and its loss and accuracy on its own data, for the
history). That is the data-minimisation of federated learning, not a privacy guarantee:
model updates can leak information about the data that produced them, and nothing here adds
differential privacy, secure aggregation or any other protection. All clients run one after
another in this process; the point is to study the algorithm (client sampling, local epochs,
non-IID data), not to deploy it.

Copies of the model go through ``config()`` and ``state_dict()`` (no pickle), so any model that
can be saved to a model file can be trained federatedly. Optimiser state (Adam's moments,
momentum) starts afresh on every client in every round, as in the paper's SGD; floating-point
buffers (BatchNorm's running statistics) are averaged like the weights, other buffers are
taken from the first chosen client.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import DataError, ParameterError, ParameterTypeError, ShapeError
from .layers.base import Module, layer_from_config
from .losses import Loss, get_loss
from .training import _prepare_xy, default_loss, evaluate, fit
from .validation import check_array, check_bool, check_choice, check_consistent_length, check_int, check_number

__all__ = ["Client", "FederatedHistory", "average_states", "client_seed", "copy_model", "fedavg", "split_clients"]

SPLITS = ("iid", "by_class", "dirichlet")
"""The ways :func:`split_clients` deals samples to clients."""


# ----------------------------------------------------------------------------- clients
@dataclass(frozen=True)
class Client:
    """One simulated client's data: ``X``, ``y`` and ``indices``, the rows of the full data set it holds.

    Made by :func:`split_clients`; :func:`fedavg` also takes plain ``(X, y)`` pairs.

    >>> import numpy as np
    >>> from neuronkit.federated import Client
    >>> c = Client(np.zeros((3, 2)), np.array([0, 1, 1]), np.array([4, 7, 9]))
    >>> len(c), c.classes.tolist()
    (3, [0, 1])
    """

    X: np.ndarray
    y: np.ndarray
    indices: np.ndarray

    def __len__(self) -> int:
        return len(self.y)

    @property
    def classes(self) -> np.ndarray:
        """The distinct labels this client holds, sorted."""
        return np.unique(self.y)


def split_clients(X: Any, y: Any, n_clients: int, *, how: str = "iid", alpha: float = 0.5,
                  classes_per_client: int | None = None, seed: int = 0) -> list[Client]:
    r"""Deal the rows of (X, y) to ``n_clients`` simulated clients; every row goes to exactly one client.

    ``how``:

    - ``"iid"``: a random permutation cut into ``n_clients`` parts (sizes differ by at most one);
    - ``"by_class"`` (non-IID, as in McMahan et al.'s "pathological" split): client k holds only
      the ``classes_per_client`` classes that follow the ``⌊k C / K⌋``-th of the C sorted classes
      (cyclically); each class's samples are shared evenly, at random, among the clients holding
      it. The default, ``⌈C / K⌉`` classes each, is the least that covers every class; with
      10 classes and 10 clients it gives each client one digit;
    - ``"dirichlet"`` (Hsu et al. 2019): for each class, the shares of the clients are drawn from
      :math:`\mathrm{Dir}(\alpha, \dots, \alpha)`; small ``alpha`` (0.1) is very skewed, large
      (100) is close to IID. Redrawn (up to 100 times) until no client is empty.

    Randomness comes only from ``seed``. y must hold class labels for ``"by_class"`` and
    ``"dirichlet"``.

    >>> import numpy as np
    >>> from neuronkit.federated import split_clients
    >>> X = np.arange(12, dtype=np.float32).reshape(6, 2); y = np.array([0, 0, 1, 1, 2, 2])
    >>> [c.classes.tolist() for c in split_clients(X, y, 3, how="by_class")]
    [[0], [1], [2]]
    >>> sorted(len(c) for c in split_clients(X, y, 4, seed=1))
    [1, 1, 2, 2]
    """
    owner = "split_clients"
    X = check_array(X, "X", ndim=None, dtype=None, owner=owner)
    y = np.asarray(y)
    if X.ndim < 2 or y.ndim not in (1, 2):
        raise ShapeError(f"{owner}: X must be (n_samples, features...) and y (n_samples,) or (n_samples, outputs); "
                         f"got shapes {X.shape} and {y.shape}")
    check_consistent_length(X, y, owner=owner)
    n = len(y)
    n_clients = check_int(n_clients, "n_clients", low=1, owner=owner)
    if n_clients > n:
        raise ParameterError(f"{owner}: n_clients ({n_clients}) is more than the {n} samples; every client needs at "
                             "least one sample: use fewer clients")
    how = check_choice(how, "how", SPLITS, owner=owner)
    seed = check_int(seed, "seed", low=0, owner=owner)
    rng = np.random.default_rng(seed)
    if how == "iid":
        parts = np.array_split(rng.permutation(n), n_clients)
    else:
        if y.ndim != 1 or y.dtype.kind not in "iub":
            raise DataError(f"{owner}: how={how!r} needs y as one class label per sample (integers); got y of "
                            f"shape {y.shape} and dtype {y.dtype}")
        if how == "by_class":
            parts = _by_class(y, n_clients, classes_per_client, rng, owner)
        else:
            alpha = check_number(alpha, "alpha", low=0.0, low_open=True, owner=owner)
            parts = _dirichlet(y, n_clients, alpha, rng, owner)
    return [Client(X[idx], y[idx], idx) for idx in (np.sort(p).astype(np.intp) for p in parts)]


def _by_class(y: np.ndarray, k: int, per_client: int | None, rng: np.random.Generator,
              owner: str) -> list[np.ndarray]:
    classes = np.unique(y)
    c = len(classes)
    least = math.ceil(c / k)
    per_client = least if per_client is None else check_int(per_client, "classes_per_client", low=1, high=c,
                                                             owner=owner)
    if per_client < least:
        raise ParameterError(f"{owner}: classes_per_client={per_client} leaves some of the {c} classes without a "
                             f"client ({k} clients); give at least {least}")
    holders: list[list[int]] = [[] for _ in range(c)]  # class position -> the clients holding it
    for client in range(k):
        start = client * c // k
        for j in range(per_client):
            holders[(start + j) % c].append(client)
    parts: list[list[np.ndarray]] = [[] for _ in range(k)]
    for position, label in enumerate(classes):
        rows = rng.permutation(np.flatnonzero(y == label))
        for client, share in zip(holders[position], np.array_split(rows, len(holders[position])), strict=True):
            parts[client].append(share)
    out = [np.concatenate(p) for p in parts]
    empty = [i for i, p in enumerate(out) if len(p) == 0]
    if empty:
        raise DataError(f"{owner}: how='by_class' leaves clients {empty} without samples (a class has fewer samples "
                        "than the clients sharing it); use fewer clients or fewer classes_per_client")
    return out


def _dirichlet(y: np.ndarray, k: int, alpha: float, rng: np.random.Generator, owner: str) -> list[np.ndarray]:
    classes = np.unique(y)
    for _ in range(100):
        parts: list[list[np.ndarray]] = [[] for _ in range(k)]
        for label in classes:
            rows = rng.permutation(np.flatnonzero(y == label))
            shares = rng.dirichlet(np.full(k, alpha))
            cuts = np.round(np.cumsum(shares)[:-1] * len(rows)).astype(np.intp)
            for client, part in enumerate(np.split(rows, cuts)):
                parts[client].append(part)
        out = [np.concatenate(p) for p in parts]
        if all(len(p) for p in out):
            return out
    raise DataError(f"{owner}: how='dirichlet' with alpha={alpha} left a client without samples in 100 draws; use a "
                    "larger alpha or fewer clients")


# ----------------------------------------------------------------------------- history
class FederatedHistory:
    r"""What :func:`fedavg` did in each round: one dict per round, read by key as a column.

    Each round's dict holds ``round`` (1, 2, ...), ``clients`` (the indices chosen), ``sizes``
    (their numbers of samples), ``seeds`` (the seed of each client's ``fit``), ``client_loss``
    (the size-weighted mean of the chosen clients' last local training loss), ``divergence``
    (the mean over the chosen clients of :math:`\lVert w^{(k)} - w \rVert / \lVert w \rVert`,
    how far the local models spread around their average w, all parameters as one vector),
    ``loss`` and the metric (``accuracy`` for classification, else ``r2``) of the new global model
    on all clients' data (each client evaluates on its own; the server combines them by size:
    exact for the loss and accuracy), and with ``validation_data`` ``val_loss`` and ``val_accuracy``
    (or ``val_r2``).

    >>> from neuronkit.federated import FederatedHistory
    >>> h = FederatedHistory([{"round": 1, "loss": 0.5}, {"round": 2, "loss": 0.25}])
    >>> len(h), h["loss"], h.to_dict()["rounds"][1]["round"]
    (2, [0.5, 0.25], 2)
    """

    def __init__(self, rounds: Sequence[dict[str, Any]] = ()) -> None:
        self.rounds: list[dict[str, Any]] = [dict(r) for r in rounds]

    def __len__(self) -> int:
        return len(self.rounds)

    def __getitem__(self, key: str) -> list[Any]:
        if not self.rounds or key not in self.rounds[0]:
            known = sorted(self.rounds[0]) if self.rounds else []
            raise ParameterError(f"the federated history has no column {key!r}; it has {known}")
        return [r[key] for r in self.rounds]

    def __repr__(self) -> str:
        return f"FederatedHistory({len(self)} rounds)"

    def to_dict(self) -> dict[str, Any]:
        """The history as JSON-able Python values: ``{"rounds": [...]}``."""
        return {"rounds": [{k: _plain(v) for k, v in r.items()} for r in self.rounds]}


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


# ----------------------------------------------------------------------------- averaging
def average_states(states: Sequence[dict[str, np.ndarray]], weights: Sequence[float] | None = None
                   ) -> dict[str, np.ndarray]:
    """The weighted mean of several ``state_dict()`` s, entry by entry (weights normalised to sum 1).

    Floating-point entries are averaged in float64 and given back in their own dtype; other entries
    (integer counters) are taken from the first state.

    >>> import numpy as np
    >>> from neuronkit.federated import average_states
    >>> average_states([{"w": np.array([0.0, 2.0])}, {"w": np.array([4.0, 2.0])}], [1, 3])
    {'w': array([3., 2.])}
    """
    if not states:
        raise ParameterError("average_states needs at least one state")
    w = np.ones(len(states)) if weights is None else check_array(weights, "weights", ndim=1, dtype=np.float64,
                                                                 owner="average_states")
    if len(w) != len(states) or (w < 0).any() or not w.any():
        raise ParameterError(f"average_states weights must be one number >= 0 per state, not all 0; got {w.tolist()} "
                             f"for {len(states)} states")
    w = w / w.sum()
    out = {}
    for key, first in states[0].items():
        if np.issubdtype(first.dtype, np.floating):
            total = sum(wi * np.asarray(s[key], dtype=np.float64) for wi, s in zip(w, states, strict=True))
            out[key] = np.asarray(total, dtype=first.dtype)
        else:
            out[key] = first.copy()
    return out


def _divergence(states: Sequence[dict[str, np.ndarray]], average: dict[str, np.ndarray], names: list[str]) -> float:
    """Mean relative L2 distance of the local parameter vectors from their average."""
    def flat(state: dict[str, np.ndarray]) -> np.ndarray:
        return np.concatenate([np.asarray(state[n], dtype=np.float64).ravel() for n in names]) if names else np.zeros(1)

    centre = flat(average)
    scale = float(np.linalg.norm(centre)) or 1.0
    return float(np.mean([np.linalg.norm(flat(s) - centre) / scale for s in states]))


def copy_model(model: Module) -> Module:
    """A new model equal to ``model`` (same config, copies of its arrays), built without pickle.

    >>> import neuronkit as nk
    >>> from neuronkit.federated import copy_model
    >>> net = nk.mlp([2, 3, 1], seed=0)
    >>> twin = copy_model(net)
    >>> twin is net, bool((twin["output"].weight.data == net["output"].weight.data).all())
    (False, True)
    """
    return layer_from_config(model.config(), model.state_dict())


def client_seed(seed: int, round_index: int, client: int, n_clients: int) -> int:
    """The seed of client ``client``'s ``nk.fit`` in round ``round_index`` (from 0): ``seed + round·K + client``.

    Distinct for every (round, client); round 0's client 0 trains with ``seed`` itself, so one round
    with one client is exactly ``nk.fit(..., seed=seed)``.

    >>> from neuronkit.federated import client_seed
    >>> client_seed(7, 0, 0, 10), client_seed(7, 2, 3, 10)
    (7, 30)
    """
    return seed + round_index * n_clients + client


# ----------------------------------------------------------------------------- FedAvg

def _validation(model: Module, validation_data: Any, loss_fn: Any, owner: str) -> Any:
    """``(X_val, y_val)`` checked and converted for ``model`` (None when not given)."""
    if validation_data is None:
        return None
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        raise ParameterError(f"{owner}: validation_data must be (X_val, y_val); got {type(validation_data).__name__}")
    return _prepare_xy(model, validation_data[0], validation_data[1], loss_fn, f"{owner} validation_data")

def fedavg(model: Module | Callable[[], Module], clients: Sequence[Any], *, rounds: int = 10, fraction: float = 1.0,
           local_epochs: int = 1, batch_size: int = 32, lr: float | None = None, optimizer: Any = "sgd",
           loss: str | Loss | None = None, weighted: bool = True, validation_data: tuple[Any, Any] | None = None,
           seed: int = 0) -> tuple[Module, FederatedHistory]:
    """Train a global model by federated averaging over ``clients``; returns ``(global_model, history)``.

    Parameters
    ----------
    model : Module or callable
        The starting global model (copied; the one given is not changed), or a function of no
        arguments that makes it.
    clients : sequence of Client or (X, y)
        Each client's data, e.g. from :func:`split_clients`; none may be empty.
    rounds : int
        Communication rounds, >= 1.
    fraction : float
        C in (0, 1]: each round ``max(floor(C·K), 1)`` of the K clients are chosen at random
        (``default_rng([seed, round])``, without replacement).
    local_epochs, batch_size, lr, optimizer, loss
        E, B and the rest of each client's ``nk.fit`` (a fresh optimiser per client and round;
        the paper's is plain SGD, the default). Client k's fit in round r uses
        ``seed=client_seed(seed, r, k, K)``.
    weighted : bool
        Weigh each local model by its client's number of samples (FedAvg); False: a plain mean.
    validation_data : (X, y), optional
        Held-out data on which the server evaluates the global model after every round.
    seed : int
        The only source of randomness (client sampling and every client's shuffling).

    Returns
    -------
    (Module, FederatedHistory)
        The global model after the last round, and one record per round (see
        :class:`FederatedHistory`).

    Examples
    --------
    One linear neuron, two clients of one sample each, one full-batch SGD step (lr 0.1) from
    w = b = 0 on the squared error: client A (x = 1, y = 1) moves to w = b = 0.2, client B
    (x = 2, y = 4) to w = 1.6, b = 0.8; the server averages them:

    >>> import numpy as np, neuronkit as nk
    >>> from neuronkit.federated import fedavg
    >>> net = nk.mlp([1, 1], seed=0)
    >>> net["output"].weight.data[:] = 0.0; net["output"].bias.data[:] = 0.0
    >>> clients = [(np.array([[1.0]]), np.array([1.0])), (np.array([[2.0]]), np.array([4.0]))]
    >>> glob, history = fedavg(net, clients, rounds=1, lr=0.1)
    >>> glob["output"].weight.data.round(4), glob["output"].bias.data.round(4)
    (array([[0.9]], dtype=float32), array([0.5], dtype=float32))
    >>> history["clients"], history["sizes"]
    ([[0, 1]], [[1, 1]])
    """
    owner = "fedavg"
    rounds = check_int(rounds, "rounds", low=1, owner=owner)
    fraction = check_number(fraction, "fraction", low=0.0, high=1.0, low_open=True, owner=owner)
    local_epochs = check_int(local_epochs, "local_epochs", low=1, owner=owner)
    batch_size = check_int(batch_size, "batch_size", low=1, owner=owner)
    if lr is not None:
        lr = check_number(lr, "lr", low=0.0, low_open=True, owner=owner)
    weighted = check_bool(weighted, "weighted", owner=owner)
    seed = check_int(seed, "seed", low=0, owner=owner)
    if isinstance(model, Module):
        global_model = copy_model(model)
    elif callable(model):
        made = model()
        if not isinstance(made, Module):
            raise ParameterTypeError(f"{owner}: model() must return a neuronkit Module; got {type(made).__name__}")
        global_model = made
    else:
        raise ParameterTypeError(f"{owner}: model must be a neuronkit Module or a function that makes one; got "
                                 f"{type(model).__name__}")
    loss_fn = default_loss(global_model) if loss is None else get_loss(loss)
    data = _client_data(global_model, clients, loss_fn, owner)
    validation = _validation(global_model, validation_data, loss_fn, owner)
    k = len(data)
    m = max(int(math.floor(fraction * k + 1e-9)), 1)
    names = [name for name, _ in global_model.named_parameters()]
    history = FederatedHistory()
    for r in range(rounds):
        chosen = np.sort(np.random.default_rng([seed, r]).choice(k, size=m, replace=False)).tolist()
        states, sizes, seeds, losses = [], [], [], []
        for c in chosen:
            local = copy_model(global_model)
            X, y = data[c]
            s = client_seed(seed, r, c, k)
            h = fit(local, X, y, loss=loss_fn, optimizer=optimizer, lr=lr, epochs=local_epochs,
                    batch_size=batch_size, seed=s, progress=False)
            states.append(local.state_dict())
            sizes.append(len(y))
            seeds.append(s)
            losses.append(h.history["loss"][-1])
        average = average_states(states, sizes if weighted else None)
        global_model.load_state_dict(average)
        global_model.eval()
        record: dict[str, Any] = {
            "round": r + 1, "clients": chosen, "sizes": sizes, "seeds": seeds,
            "client_loss": float(np.average(losses, weights=sizes)),
            "divergence": _divergence(states, average, names),
        }
        record.update(_client_evaluation(global_model, data, loss_fn))
        if validation is not None:
            record.update({f"val_{key}": value
                           for key, value in evaluate(global_model, *validation, loss=loss_fn).items()})
        history.rounds.append(record)
    return global_model, history


def _client_data(model: Module, clients: Sequence[Any], loss_fn: Loss, owner: str
                 ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each client's (X, y), checked against the model; an empty client or a wrong shape is refused by index."""
    if isinstance(clients, (str, bytes)) or not isinstance(clients, Sequence) or not len(clients):
        raise ParameterError(f"{owner}: clients must be a non-empty list of Client or (X, y) pairs (see "
                             f"split_clients); got {clients!r:.80}")
    out: list[tuple[np.ndarray, np.ndarray]] = []
    for i, client in enumerate(clients):
        if isinstance(client, Client):
            X, y = client.X, client.y
        elif isinstance(client, (tuple, list)) and len(client) == 2:
            X, y = client
        else:
            raise ParameterTypeError(f"{owner}: clients[{i}] must be a Client or an (X, y) pair; got "
                                     f"{type(client).__name__}")
        if len(np.asarray(y)) == 0 or len(np.asarray(X)) == 0:
            raise DataError(f"{owner}: clients[{i}] is empty (no samples); every client needs at least one: drop it "
                            "or split the data again with fewer clients")
        try:
            X, y = _prepare_xy(model, X, y, loss_fn, f"{owner} clients[{i}]")
        except ShapeError as error:  # the first layer's own message, naming the client
            message = str(error)
            raise ShapeError(message if f"clients[{i}]" in message else f"{owner} clients[{i}]: {message}") from None
        if out and X.shape[1:] != out[0][0].shape[1:]:
            raise ShapeError(f"{owner}: clients[{i}] has samples of shape {X.shape[1:]}, clients[0] of shape "
                             f"{out[0][0].shape[1:]}; every client must hold the same features")
        out.append((X, y))
    return out


def _client_evaluation(model: Module, data: list[tuple[np.ndarray, np.ndarray]], loss_fn: Loss) -> dict[str, float]:
    """The global model's loss and metric on every client's data, combined by size (as a server would)."""
    results = [evaluate(model, X, y, loss=loss_fn) for X, y in data]
    sizes = [len(y) for _, y in data]
    return {key: float(np.average([res[key] for res in results], weights=sizes)) for key in results[0]}
