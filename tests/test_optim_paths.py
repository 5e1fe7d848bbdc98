"""Every path of Optimizer.step (fused, blocked, plain, and user subclasses) against torch.optim.

Each case asserts the path every step took (``optimizer.paths``), so a change that moves a case
to another path fails here, and compares the weights and the state with torch's after several
float64 steps. The paths are also compared with each other bit for bit.
"""

import numpy as np
import pytest

import neuronkit as nk
from neuronkit import optim
from neuronkit.optim import _fast

torch = pytest.importorskip("torch")

STEPS = 6
TOLERANCE = dict(rtol=1e-12, atol=1e-13)

# parameter shapes (float64) -> the path each parameter takes with an elementwise rule
SHAPE_CASES = {
    # 30 numbers in all: one fused call
    "fused": ([(3, 4), (4,), (2, 3, 2)], ("fused", "fused", "fused")),
    # 75,000 numbers (600 kB): blocks of 32,768 and a partial one; the others are small but the model is too big to fuse
    "blocked": ([(300, 250), (250,), (7, 5)], ("blocked", "plain", "plain")),
    # 36,192 numbers: too many to fuse, each parameter too small to block
    "plain": ([(200, 180), (180,), (3, 4)], ("plain", "plain", "plain")),
}

# (torch.optim class name, options): each built-in optimiser with its state-creating options
OPTIMIZER_CASES = [
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.05)),
    ("SGD", dict(lr=0.1, momentum=0.5, dampening=0.3, weight_decay=0.05)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, betas=(0.5, 0.9), weight_decay=0.3, amsgrad=True)),
]
CASE_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in options.items())}" for name, options in OPTIMIZER_CASES]


def test_the_shape_cases_are_on_the_right_side_of_the_thresholds():
    fused, blocked, plain = (SHAPE_CASES[k][0] for k in ("fused", "blocked", "plain"))
    size = lambda shapes: sum(int(np.prod(s)) for s in shapes)
    largest_whole = 2 * _fast.BLOCK_BYTES // 8  # float64 numbers
    assert size(fused) <= _fast.FUSE_MAX_SIZE < min(size(blocked), size(plain))
    assert np.prod(blocked[0]) > largest_whole and np.prod(blocked[0]) % (_fast.BLOCK_BYTES // 8) != 0
    assert max(np.prod(s) for s in plain + blocked[1:]) <= largest_whole


def _subclass(base, *, declared):
    """A user's subclass that overrides the update rule (same maths), declaring it elementwise or not."""
    def _update(self, param, grad, state, t, tmp, tmp2):
        base._update(self, param, grad, state, t, tmp, tmp2)

    body = {"_update": _update, **({"elementwise": True} if declared else {})}
    return type(f"{'Declared' if declared else 'Undeclared'}{base.__name__}", (base,), body)


def _run(cls, reference_cls, options, shapes, *, steps=STEPS, seed=0, missing=None, order="C"):
    """The same weights and gradients through ``cls`` and torch; returns the paths of every step.

    ``missing`` = (step, parameter): that parameter has no gradient at that step.
    """
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=s) for s in shapes]
    ours = [nk.Parameter(np.asarray(w.copy(), order=order)) for w in weights]
    theirs = [torch.tensor(w.copy(), requires_grad=True) for w in weights]
    opt = cls(ours, **options)
    reference = reference_cls(theirs, foreach=False, **options)
    paths = []
    for step in range(steps):
        for i, (p, q) in enumerate(zip(ours, theirs, strict=True)):
            if missing == (step, i):
                p.grad, q.grad = None, None
                continue
            g = rng.normal(size=p.shape)
            p.grad, q.grad = np.asarray(g.copy(), order=order), torch.tensor(g.copy())
        opt.step()
        reference.step()
        paths.append(opt.paths)
    for i, (p, q) in enumerate(zip(ours, theirs, strict=True)):
        np.testing.assert_allclose(p.data, q.detach().numpy(), **TOLERANCE)
        torch_state = reference.state[q]
        assert set(opt.state[i]) == {k for k, v in torch_state.items() if k != "step" and v is not None}
        for key, buf in opt.state[i].items():
            assert buf.shape == p.shape
            np.testing.assert_allclose(buf, torch_state[key].numpy(), **TOLERANCE)
    return opt, paths


@pytest.mark.parametrize("shape_case", sorted(SHAPE_CASES))
@pytest.mark.parametrize("name, options", OPTIMIZER_CASES, ids=CASE_IDS)
def test_builtin_optimizer_path_matches_torch(name, options, shape_case):
    shapes, expected = SHAPE_CASES[shape_case]
    opt, paths = _run(getattr(optim, name), getattr(torch.optim, name), options, shapes)
    assert paths == [expected] * STEPS
    assert opt.steps == [STEPS] * len(shapes)


@pytest.mark.parametrize("shape_case", sorted(SHAPE_CASES))
@pytest.mark.parametrize("name, options", OPTIMIZER_CASES, ids=CASE_IDS)
def test_subclass_overriding_the_update_without_declaring_takes_the_plain_path(name, options, shape_case):
    shapes, _ = SHAPE_CASES[shape_case]
    cls = _subclass(getattr(optim, name), declared=False)
    assert cls.elementwise is False
    _, paths = _run(cls, getattr(torch.optim, name), options, shapes)
    assert paths == [("plain",) * len(shapes)] * STEPS


@pytest.mark.parametrize("shape_case", sorted(SHAPE_CASES))
@pytest.mark.parametrize("name, options", OPTIMIZER_CASES, ids=CASE_IDS)
def test_subclass_declaring_elementwise_takes_the_fast_paths(name, options, shape_case):
    shapes, expected = SHAPE_CASES[shape_case]
    cls = _subclass(getattr(optim, name), declared=True)
    assert cls.elementwise is True
    _, paths = _run(cls, getattr(torch.optim, name), options, shapes)
    assert paths == [expected] * STEPS


class UserSGD(optim.Optimizer):
    """An optimiser written from the base class by a user: θ ← θ − γ g, declared elementwise."""

    elementwise = True

    def __init__(self, params, lr=1e-3):
        super().__init__(params, lr)
        self._configure()

    def _configure(self):
        pass

    def _hyperparameters(self):
        return {}

    def _update(self, param, grad, state, t, tmp, tmp2):
        np.multiply(grad, self.lr, out=tmp)
        param -= tmp


class UndeclaredUserSGD(UserSGD):
    def _update(self, param, grad, state, t, tmp, tmp2):
        super()._update(param, grad, state, t, tmp, tmp2)


@pytest.mark.parametrize("shape_case", sorted(SHAPE_CASES))
def test_optimizer_written_from_the_base_class(shape_case):
    shapes, expected = SHAPE_CASES[shape_case]
    _, paths = _run(UserSGD, torch.optim.SGD, dict(lr=0.05), shapes)
    assert paths == [expected] * STEPS
    _, paths = _run(UndeclaredUserSGD, torch.optim.SGD, dict(lr=0.05), shapes)
    assert paths == [("plain",) * len(shapes)] * STEPS


def test_elementwise_declarations():
    assert optim.Optimizer.elementwise is False
    assert optim.SGD.elementwise and optim.RMSprop.elementwise and optim.Adam.elementwise
    assert optim.AdamW.elementwise  # inherits Adam's rule, and with it the declaration

    class KeepsTheRule(optim.Adam):  # changes no rule: inherits the declaration
        pass

    class NewRule(optim.SGD):
        def _update(self, param, grad, state, t, tmp, tmp2):
            param -= grad

    class DeclaresAgain(NewRule):
        elementwise = True

        def _update(self, param, grad, state, t, tmp, tmp2):
            param -= grad

    class ChildOfDeclared(DeclaresAgain):
        pass

    assert KeepsTheRule.elementwise and not NewRule.elementwise
    assert DeclaresAgain.elementwise and ChildOfDeclared.elementwise


@pytest.mark.parametrize("name, options", OPTIMIZER_CASES, ids=CASE_IDS)
@pytest.mark.parametrize("shape_case", ["fused", "blocked"])
def test_fast_paths_are_bit_identical_to_the_plain_path(name, options, shape_case):
    shapes, _ = SHAPE_CASES[shape_case]
    rng = np.random.default_rng(3)
    weights = [rng.normal(size=s) for s in shapes]
    grads = [[rng.normal(size=s) for s in shapes] for _ in range(STEPS)]
    results = []
    for cls in (getattr(optim, name), _subclass(getattr(optim, name), declared=False)):
        params = [nk.Parameter(w.copy()) for w in weights]
        opt = cls(params, **options)
        for step_grads in grads:
            for p, g in zip(params, step_grads, strict=True):
                p.grad = g
            opt.step()
        results.append((params, opt))
    (fast, fast_opt), (plain, plain_opt) = results
    assert fast_opt.paths != plain_opt.paths
    for p, q in zip(fast, plain, strict=True):
        np.testing.assert_array_equal(p.data, q.data)
    for a, b in zip(fast_opt.state, plain_opt.state, strict=True):
        assert a.keys() == b.keys()
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])


def test_a_missing_gradient_moves_a_small_model_to_the_plain_path():
    shapes, _ = SHAPE_CASES["fused"]
    opt, paths = _run(optim.Adam, torch.optim.Adam, dict(lr=0.01, amsgrad=True), shapes, missing=(2, 1))
    fused = ("fused",) * 3
    # from step 2 on the step counts differ (parameter 1 has one update fewer): no fused step can serve them all
    assert paths == [fused, fused, ("plain", None, "plain")] + [("plain",) * 3] * (STEPS - 3)
    assert opt.steps == [STEPS, STEPS - 1, STEPS]


def test_fused_path_resumes_after_load_state_dict():
    shapes, _ = SHAPE_CASES["fused"]
    opt, _ = _run(optim.SGD, torch.optim.SGD, dict(lr=0.1, momentum=0.9), shapes, missing=(0, 2))
    meta, arrays = opt.state_dict()
    meta["steps"] = [STEPS] * 3  # equal step counts again (the momentum buffers are all there)
    opt.load_state_dict(meta, arrays)
    for p in opt.params:
        p.grad = np.ones(p.shape)
    opt.step()
    assert opt.paths == ("fused",) * 3


def test_large_parameter_not_c_contiguous_takes_the_plain_path():
    shapes, _ = SHAPE_CASES["blocked"]
    _, paths = _run(optim.Adam, torch.optim.Adam, dict(lr=0.01), shapes, order="F")
    assert paths == [("plain",) * 3] * STEPS


def test_mixed_dtypes_are_not_fused():
    a, b = nk.Parameter(np.ones(3)), nk.Parameter(np.ones(2, dtype=np.float32))
    opt = optim.SGD([a, b], lr=0.5)
    a.grad, b.grad = np.ones(3), np.ones(2, dtype=np.float32)
    opt.step()
    assert opt.paths == ("plain", "plain")
    np.testing.assert_array_equal(a.data, [0.5, 0.5, 0.5])
    assert b.data.dtype == np.float32 and np.array_equal(b.data, [0.5, 0.5])


def test_paths_before_any_step():
    opt = optim.Adam([nk.Parameter(np.zeros(2)), nk.Parameter(np.zeros(1))])
    assert opt.paths == (None, None)
