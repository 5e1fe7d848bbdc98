"""Bad calls to neuronkit.optim: one table of (callable, arguments, error, builtin, message fragment).

Every row asserts that the exception is a neuronkit error (``NeuronkitError``) of the expected
class, that it is also the builtin a Python user would catch (``ValueError``, ``TypeError``,
``RuntimeError``), and that its message holds the fragment (plain text, not a pattern).
"""

import math

import numpy as np
import pytest

import neuronkit as nk
from neuronkit import optim
from neuronkit.errors import (
    ModelFileError,
    NeuronkitError,
    ParameterError,
    ParameterTypeError,
    ShapeError,
    TrainingError,
    UnknownNameError,
)

W = nk.Parameter(np.zeros(2))


class A:
    """The arguments of one call: ``A(1, lr=2)``."""

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs

    def __repr__(self):
        return ", ".join([*map(repr, self.args), *(f"{k}={v!r}" for k, v in self.kwargs.items())])


def _adam_state():
    w = nk.Parameter(np.zeros(2))
    opt = nk.Adam([w])
    w.grad = np.ones(2)
    opt.step()
    return opt.state_dict()


META, ARRAYS = _adam_state()
HYPER = META["hyperparameters"]


def load_adam(meta=META, arrays=ARRAYS, params=None):
    nk.Adam(params or [nk.Parameter(np.zeros(2))]).load_state_dict(meta, arrays)


def step_with_gradient(grad):
    """An SGD step over a (1,) and a (2, 3) parameter, the second one with ``grad``."""
    w = nk.Parameter(np.zeros((2, 3)))
    b = nk.Parameter(np.zeros(1))
    b.grad, w.grad = np.zeros(1), grad
    nk.SGD([b, w], lr=0.1).step()


def load_step_lr(state):
    optim.StepLR(nk.SGD([W]), 3).load_state_dict(state)


STEP_STATE = optim.StepLR(nk.SGD([W]), 3).state_dict()


def clip_nonfinite():
    w = nk.Parameter(np.zeros(2))
    w.grad = np.array([np.nan, 1.0])
    optim.clip_grad_norm([w], 1.0, error_if_nonfinite=True)


SGD, Adam, AdamW, RMSprop = nk.SGD, nk.Adam, nk.AdamW, nk.RMSprop
PE, PTE, VE, TE = ParameterError, ParameterTypeError, ValueError, TypeError

BAD_CALLS = [
    # ----------------------------------------------------------------- optimiser hyper-parameters
    (SGD, A([W], lr=0), PE, VE, "SGD lr must be a finite number > 0; got 0"),
    (SGD, A([W], lr=-1), PE, VE, "SGD lr must be a finite number > 0; got -1"),
    (Adam, A([W], lr=float("nan")), PE, VE, "Adam lr must be a finite number > 0; got nan"),
    (Adam, A([W], lr=True), PTE, TE, "Adam lr must be a finite number > 0; got True"),
    (Adam, A([W], lr="0.1"), PTE, TE, "Adam lr must be a finite number > 0; got '0.1'"),
    (setattr, A(SGD([W]), "lr", -1), PE, VE, "SGD lr must be a finite number >= 0; got -1"),
    (setattr, A(Adam([W]), "lr", math.inf), PE, VE, "Adam lr must be a finite number >= 0; got inf"),
    (SGD, A([W], lr=0.1, momentum=1.0), PE, VE, "SGD momentum must be a finite number in [0, 1); got 1.0"),
    (SGD, A([W], lr=0.1, momentum=-0.1), PE, VE, "SGD momentum must be a finite number in [0, 1); got -0.1"),
    (SGD, A([W], dampening=1.5), PE, VE, "SGD dampening must be a finite number in [0, 1]; got 1.5"),
    (SGD, A([W], weight_decay=-1), PE, VE, "SGD weight_decay must be a finite number >= 0; got -1"),
    (SGD, A([W], nesterov=True), PE, VE,
     "SGD nesterov=True requires momentum > 0 and dampening == 0; got momentum=0.0, dampening=0.0"),
    (SGD, A([W], momentum=0.9, dampening=0.1, nesterov=True), PE, VE,
     "requires momentum > 0 and dampening == 0; got momentum=0.9, dampening=0.1"),
    (SGD, A([W], nesterov="yes"), PTE, TE, "SGD nesterov must be True or False; got 'yes'"),
    (RMSprop, A([W], alpha=1.0), PE, VE, "RMSprop alpha must be a finite number in [0, 1); got 1.0"),
    (RMSprop, A([W], eps=-1e-8), PE, VE, "RMSprop eps must be a finite number >= 0; got -1e-08"),
    (RMSprop, A([W], momentum=2), PE, VE, "RMSprop momentum must be a finite number in [0, 1); got 2"),
    (RMSprop, A([W], centered=None), PTE, TE, "RMSprop centered must be True or False; got None"),
    (Adam, A([W], betas=(0.9, 1.0)), PE, VE, "Adam betas[1] must be a finite number in [0, 1); got 1.0"),
    (AdamW, A([W], betas=(-0.1, 0.9)), PE, VE, "AdamW betas[0] must be a finite number in [0, 1); got -0.1"),
    (Adam, A([W], betas=0.9), PE, VE, "Adam betas must be a pair (beta1, beta2) such as (0.9, 0.999); got 0.9"),
    (Adam, A([W], betas=(0.9, 0.99, 0.999)), PE, VE, "Adam betas must be a pair (beta1, beta2)"),
    (Adam, A([W], betas=("0.9", 0.999)), PTE, TE, "Adam betas[0] must be a finite number in [0, 1); got '0.9'"),
    (Adam, A([W], eps=math.inf), PE, VE, "Adam eps must be a finite number >= 0; got inf"),
    (AdamW, A([W], weight_decay=-0.01), PE, VE, "AdamW weight_decay must be a finite number >= 0; got -0.01"),
    (Adam, A([W], amsgrad=1), PTE, TE, "Adam amsgrad must be True or False; got 1"),
    # ----------------------------------------------------------------- parameters and gradients
    (SGD, A([], lr=0.1), PE, VE, "SGD got an empty parameter list"),
    (SGD, A([W, W], lr=0.1), PE, VE, "SGD got the same parameter more than once"),
    (SGD, A([W, np.zeros(2)], lr=0.1), PTE, TE, "SGD params must be Parameters (e.g. model.parameters()); "
                                                "item 1 is a ndarray"),
    (SGD, A(nk.Dense(2, 2, seed=0), lr=0.1), PTE, TE,
     "SGD takes the parameters, not the model: write SGD(model.parameters(), lr=...)"),
    (SGD, A(3, lr=0.1), PTE, TE, "SGD params must be an iterable of Parameters (e.g. model.parameters()); got int"),
    (Adam, A(None), PTE, TE, "Adam params must be an iterable of Parameters (e.g. model.parameters()); got NoneType"),
    (step_with_gradient, A(np.zeros(3)), ShapeError, VE,
     "SGD: parameter 1 has shape (2, 3) but its gradient has shape (3,)"),
    (step_with_gradient, A([[0.0] * 3] * 2), ShapeError, VE,
     "SGD: parameter 1 has shape (2, 3) but its gradient has a list"),
    # ----------------------------------------------------------------- get_optimizer
    (optim.get_optimizer, A("adagrad", [W]), UnknownNameError, VE,
     "unknown optimizer 'adagrad'; valid names are: sgd, rmsprop, adam, adamw"),
    (optim.get_optimizer, A("adamm", [W]), UnknownNameError, VE, "did you mean 'adam'?"),
    (optim.get_optimizer, A({"name": "nadam"}, [W]), UnknownNameError, VE, "unknown optimizer 'nadam'"),
    (optim.get_optimizer, A("adam"), PE, VE, "get_optimizer('adam') needs the parameters"),
    (optim.get_optimizer, A("adam", [W], momentum=0.9), PTE, TE, "optimizer 'adam': "),
    (optim.get_optimizer, A("adam", [W], momentum=0.9), PTE, TE, "momentum"),
    (optim.get_optimizer, A("adam", [W], lr=-1), PE, VE, "Adam lr must be a finite number > 0; got -1"),
    (optim.get_optimizer, A(SGD([W]), [W]), PE, VE, "got a ready SGD together with params or options"),
    (optim.get_optimizer, A(42), PTE, TE, "optimizer must be a name or an Optimizer; got 42"),
    (optim.get_optimizer, A({"lr": 0.1}, [W]), PE, VE, "an optimiser dict needs a 'name' key"),
    # ----------------------------------------------------------------- optimiser load_state_dict
    (load_adam, A(), None, None, None),  # the fixture itself loads: the rows below change one thing each
    (SGD([W]).load_state_dict, A(META, ARRAYS), ModelFileError, VE,
     "this state is for a 'Adam' optimiser; cannot load it into SGD"),
    (load_adam, A(params=[nk.Parameter(np.zeros(2)), nk.Parameter(np.zeros(1))]), ModelFileError, VE,
     "Adam state has steps for 1 parameters; this optimiser has 2"),
    (load_adam, A(META, {"state.0.momentum": np.zeros(2)}), ModelFileError, VE,
     "Adam state has an unexpected array 'state.0.momentum'"),
    (load_adam, A(META, {"state.3.exp_avg": np.zeros(2)}), ModelFileError, VE, "unexpected array 'state.3.exp_avg'"),
    (load_adam, A(META, {"state.0.exp_avg": np.zeros(3)}), ModelFileError, VE,
     "Adam state array 'state.0.exp_avg' has shape (3,); parameter 0 has shape (2,)"),
    (load_adam, A(META, {"state.0.exp_avg": np.array(["a", "b"])}), ModelFileError, VE,
     "Adam state array 'state.0.exp_avg' has dtype <U1; it must hold numbers"),
    (load_adam, A({**META, "steps": [-1]}), ModelFileError, VE, "Adam state steps[0] must be an integer >= 0; got -1"),
    (load_adam, A({**META, "steps": [1.5]}), ModelFileError, VE,
     "Adam state steps[0] must be an integer >= 0; got 1.5"),
    (load_adam, A({**META, "hyperparameters": {**HYPER, "betas": [0.9, 1.5]}}), ModelFileError, VE,
     "Adam betas[1] must be a finite number in [0, 1); got 1.5"),
    (load_adam, A({**META, "hyperparameters": {**HYPER, "lr": -0.1}}), ModelFileError, VE,
     "Adam state lr must be a finite number >= 0; got -0.1"),
    (load_adam, A({**META, "hyperparameters": {**HYPER, "momentum": 0.9}}), ModelFileError, VE,
     "Adam state has hyper-parameters ['amsgrad', 'betas', 'eps', 'momentum', 'weight_decay'] that do not fit"),
    (load_adam, A({**META, "hyperparameters": [0.1]}), ModelFileError, VE,
     "Adam state hyperparameters must be a dict; got [0.1]"),
    (load_adam, A("Adam"), PTE, TE,
     "Adam.load_state_dict meta must be a dict, as returned by state_dict(); got 'Adam'"),
    (load_adam, A(META, [np.zeros(2)]), PTE, TE, "Adam.load_state_dict arrays must be a dict"),
    # ----------------------------------------------------------------- schedules
    (optim.get_schedule, A("linear", SGD([W])), UnknownNameError, VE,
     "unknown schedule 'linear'; valid names are: step, exponential, cosine, plateau"),
    (optim.get_schedule, A("cosin", SGD([W])), UnknownNameError, VE, "did you mean 'cosine'?"),
    (optim.get_schedule, A("step"), PE, VE, "get_schedule('step') needs the optimiser"),
    (optim.get_schedule, A("step", SGD([W]), step_size=2, period=3), PTE, TE, "schedule 'step': "),
    (optim.get_schedule, A(3, SGD([W])), PTE, TE, "schedule must be a name or a Schedule; got 3"),
    (optim.get_schedule, A({"step_size": 2}, SGD([W])), PE, VE, "a schedule dict needs a 'name' key"),
    (optim.get_schedule, A(optim.StepLR(SGD([W]), 2), SGD([W])), PE, VE,
     "get_schedule got a ready StepLR together with an optimiser or options"),
    (optim.StepLR, A(SGD([W]), step_size=0), PE, VE, "StepLR step_size must be an integer >= 1; got 0"),
    (optim.StepLR, A(SGD([W]), step_size=2.0), PTE, TE, "StepLR step_size must be an integer >= 1; got 2.0"),
    (optim.StepLR, A(SGD([W]), 2, gamma=-0.5), PE, VE, "StepLR gamma must be a finite number > 0; got -0.5"),
    (optim.ExponentialLR, A(SGD([W]), gamma=0), PE, VE, "ExponentialLR gamma must be a finite number > 0; got 0"),
    (optim.CosineAnnealingLR, A(SGD([W]), T_max=2.5), PTE, TE,
     "CosineAnnealingLR T_max must be an integer >= 1; got 2.5"),
    (optim.CosineAnnealingLR, A(SGD([W]), 5, eta_min=-1.0), PE, VE,
     "CosineAnnealingLR eta_min must be a finite number >= 0; got -1.0"),
    (optim.ReduceLROnPlateau, A(SGD([W]), "lowest"), PE, VE,
     "ReduceLROnPlateau mode must be one of 'min', 'max'; got 'lowest'"),
    (optim.ReduceLROnPlateau, A(SGD([W]), factor=1.0), PE, VE,
     "ReduceLROnPlateau factor must be a finite number in (0, 1); got 1.0"),
    (optim.ReduceLROnPlateau, A(SGD([W]), patience=-1), PE, VE, "ReduceLROnPlateau patience must be an integer >= 0"),
    (optim.ReduceLROnPlateau, A(SGD([W]), threshold_mode="relative"), PE, VE,
     "ReduceLROnPlateau threshold_mode must be one of 'rel', 'abs'; got 'relative'"),
    (optim.ReduceLROnPlateau, A(SGD([W]), cooldown=None), PTE, TE, "ReduceLROnPlateau cooldown must be an integer"),
    (optim.ReduceLROnPlateau(SGD([W])).step, A(None), PTE, TE,
     "ReduceLROnPlateau.step needs the monitored value as a number, e.g. schedule.step(val_loss); got None"),
    (optim.ReduceLROnPlateau(SGD([W])).step, A("low"), PTE, TE, "needs the monitored value as a number"),
    (optim.StepLR, A(object(), 3), PTE, TE, "StepLR needs a neuronkit optimiser (e.g. nk.SGD(...)); got object"),
    # ----------------------------------------------------------------- schedule load_state_dict
    (load_step_lr, A(STEP_STATE), None, None, None),
    (load_step_lr, A({"type": "ExponentialLR"}), ModelFileError, VE,
     "this state is for a 'ExponentialLR' schedule; cannot load it into StepLR"),
    (load_step_lr, A({k: v for k, v in STEP_STATE.items() if k != "last_lr"}), ModelFileError, VE,
     "StepLR state is missing last_lr"),
    (load_step_lr, A({**STEP_STATE, "last_epoch": -2}), ModelFileError, VE,
     "StepLR state last_epoch must be an integer >= 0; got -2"),
    (load_step_lr, A({**STEP_STATE, "gamma": 0}), ModelFileError, VE, "StepLR gamma must be a finite number > 0"),
    (load_step_lr, A({**STEP_STATE, "T_max": 3}), ModelFileError, VE, "StepLR state has hyper-parameters"),
    (load_step_lr, A([("type", "StepLR")]), PTE, TE, "StepLR.load_state_dict state must be a dict"),
    (optim.ReduceLROnPlateau(SGD([W])).load_state_dict,
     A({**optim.ReduceLROnPlateau(SGD([W])).state_dict(), "best": "low"}), ModelFileError, VE,
     "ReduceLROnPlateau state best must be a number; got 'low'"),
    # ----------------------------------------------------------------- clipping
    (optim.clip_grad_norm, A([W], -1.0), PE, VE, "clip_grad_norm max_norm must be a finite number >= 0; got -1.0"),
    (optim.clip_grad_norm, A([W], "1"), PTE, TE, "clip_grad_norm max_norm must be a finite number >= 0; got '1'"),
    (optim.clip_grad_norm, A([W], 1.0, norm_type=0), PE, VE,
     "clip_grad_norm norm_type must be a number > 0 or math.inf; got 0"),
    (optim.clip_grad_norm, A([W], 1.0, norm_type="fro"), PTE, TE,
     "clip_grad_norm norm_type must be a number > 0 or math.inf; got 'fro'"),
    (optim.clip_grad_norm, A([np.zeros(2)], 1.0), PTE, TE, "clip_grad_norm params must be Parameters"),
    (optim.clip_grad_norm, A(nk.Dense(2, 2, seed=0), 1.0), PTE, TE,
     "clip_grad_norm takes the parameters, not the model: write clip_grad_norm(model.parameters(), ...)"),
    (clip_nonfinite, A(), TrainingError, RuntimeError, "the total 2-norm of the gradients is nan"),
    (optim.clip_grad_value, A([W], float("inf")), PE, VE,
     "clip_grad_value clip_value must be a finite number >= 0; got inf"),
    (optim.clip_grad_value, A([W], -1), PE, VE, "clip_grad_value clip_value must be a finite number >= 0; got -1"),
    (optim.clip_grad_value, A(5, 1.0), PTE, TE, "clip_grad_value params must be an iterable of Parameters"),
]


def _id(row):
    fn, args, error, _, fragment = row
    name = getattr(fn, "__qualname__", getattr(fn, "__name__", type(fn).__name__))
    return f"{name}-{error.__name__ if error else 'ok'}-{(fragment or '')[:40]}"


@pytest.mark.parametrize("fn, args, error, builtin, fragment", BAD_CALLS, ids=[_id(r) for r in BAD_CALLS])
def test_bad_call(fn, args, error, builtin, fragment):
    if error is None:  # a control row: the unchanged call works
        fn(*args.args, **args.kwargs)
        return
    with pytest.raises(error) as info:
        fn(*args.args, **args.kwargs)
    exc = info.value
    assert isinstance(exc, NeuronkitError) and isinstance(exc, builtin)
    assert fragment in str(exc), f"{fragment!r} not in {str(exc)!r}"


def _callable_name(fn):
    """A class's or function's name; for a bound method, its object's class."""
    owner = getattr(fn, "__self__", None)
    return type(owner).__name__ if owner is not None else fn.__name__


def test_the_table_covers_every_public_callable():
    called = {_callable_name(fn) for fn, *_ in BAD_CALLS}
    public = {name for name in optim.__all__ if callable(getattr(optim, name))} - {"Optimizer", "Schedule"}
    assert public <= called, public - called


def test_failed_load_state_dict_changes_nothing():
    w = nk.Parameter(np.zeros(2))
    opt = nk.Adam([w], lr=0.5, betas=(0.8, 0.9), eps=1e-6)
    before = opt.hyperparameters
    bad = {**META, "hyperparameters": {**HYPER, "eps": -1.0}}  # betas are fine and would be set first
    with pytest.raises(ModelFileError, match="eps"):
        opt.load_state_dict(bad, ARRAYS)
    assert opt.hyperparameters == before and opt.steps == [0] and opt.state == [{}]

    schedule = optim.ReduceLROnPlateau(nk.SGD([w]), factor=0.5, patience=3)
    state = {**schedule.state_dict(), "factor": 0.2, "patience": -1}
    with pytest.raises(ModelFileError, match="patience"):
        schedule.load_state_dict(state)
    assert (schedule.factor, schedule.patience) == (0.5, 3)
