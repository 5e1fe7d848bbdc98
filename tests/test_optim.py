"""Optimisers, schedules and clipping against torch.optim, plus state, memory and error-message tests."""

import json
import math
import tracemalloc

import numpy as np
import pytest

import neuronkit as nk
from neuronkit import optim

torch = pytest.importorskip("torch")

SHAPES = [(3, 4), (4,), (2, 3, 2)]
STEPS = 6
TOLERANCE = {np.float64: dict(rtol=1e-12, atol=1e-13), np.float32: dict(rtol=1e-6, atol=2e-6)}

# (neuronkit class, options) — torch.optim has a class of the same name taking the same options
OPTIMIZER_CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.05)),
    ("SGD", dict(lr=0.1, momentum=0.5, dampening=0.5, weight_decay=0.05)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.05)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, alpha=0.3, eps=1e-4, centered=True, momentum=0.5, weight_decay=0.1)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.8), eps=1e-3, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.0)),
    ("AdamW", dict(lr=0.01, weight_decay=0.3, amsgrad=True)),
    ("AdamW", dict(lr=0.01, betas=(0.5, 0.9), weight_decay=0.1)),
]


def _run_both(name, options, dtype, steps=STEPS, seed=0):
    """The same weights and gradients through neuronkit and torch; parameter 1 has no gradient at step 2."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=s).astype(dtype) for s in SHAPES]
    ours = [nk.Parameter(w.copy()) for w in weights]
    theirs = [torch.tensor(w.copy(), requires_grad=True) for w in weights]
    opt = getattr(optim, name)(ours, **options)
    reference = getattr(torch.optim, name)(theirs, foreach=False, **options)
    for step in range(steps):
        for i, (p, q) in enumerate(zip(ours, theirs, strict=True)):
            if i == 1 and step == 2:
                p.grad, q.grad = None, None
                continue
            g = rng.normal(size=p.shape).astype(dtype)
            p.grad, q.grad = g.copy(), torch.tensor(g.copy())
        opt.step()
        reference.step()
    return opt, reference, ours, theirs


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, options", OPTIMIZER_CASES, ids=[f"{n}-{o}" for n, o in OPTIMIZER_CASES])
def test_optimizer_matches_torch(name, options, dtype):
    opt, reference, ours, theirs = _run_both(name, options, dtype)
    for i, (p, q) in enumerate(zip(ours, theirs, strict=True)):
        assert p.data.dtype == dtype
        np.testing.assert_allclose(p.data, q.detach().numpy(), **TOLERANCE[dtype])
        torch_state = reference.state[q]
        if "step" in torch_state:
            assert opt.steps[i] == int(torch_state["step"])
        assert set(opt.state[i]) == {k for k, v in torch_state.items() if k != "step" and v is not None}
        for key, buf in opt.state[i].items():
            np.testing.assert_allclose(buf, torch_state[key].numpy(), **TOLERANCE[dtype])
    assert opt.steps == [STEPS, STEPS - 1, STEPS]


def test_every_optimizer_is_in_the_torch_table():
    assert {name for name, _ in OPTIMIZER_CASES} == {cls.__name__ for cls in optim.OPTIMIZERS.values()}


def test_hand_computed_adam_step():
    # t=1: m = 0.1·2 = 0.2, v = 0.001·4 = 0.004; θ = 1 − 0.1/(1−0.9) · 0.2 / (√0.004/√0.001 + 0.5)
    w = nk.Parameter(np.array([1.0]))
    opt = nk.Adam([w], lr=0.1, eps=0.5)
    w.grad = np.array([2.0])
    opt.step()
    np.testing.assert_allclose(w.data, [1.0 - 1.0 * 0.2 / (2.0 + 0.5)], rtol=1e-15)


ALL_OPTIONS = {  # every temporary in use
    "SGD": dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
    "RMSprop": dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1),
    "Adam": dict(lr=0.01, amsgrad=True, weight_decay=0.1),
    "AdamW": dict(lr=0.01, amsgrad=True),
}


@pytest.mark.parametrize("name", sorted(ALL_OPTIONS))
def test_step_updates_in_place_without_parameter_sized_allocations(name):
    size = 500_000  # 4 MB in float64
    p = nk.Parameter(np.linspace(-1.0, 1.0, size))
    small = nk.Parameter(np.ones((3, 2)))
    data = p.data
    opt = getattr(optim, name)([small, p], **ALL_OPTIONS[name])
    p.grad = np.full(size, 0.5)
    small.grad = np.ones((3, 2))
    opt.step()  # the first step allocates the state and the scratch space
    tracemalloc.start()
    try:
        for _ in range(2):
            opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < p.data.nbytes / 50, f"a step allocated {peak} bytes for a {p.data.nbytes}-byte parameter"
    assert p.data is data
    assert np.all(np.isfinite(p.data)) and not np.array_equal(p.data, np.linspace(-1.0, 1.0, size))


def test_step_leaves_gradients_untouched_and_skips_missing_ones():
    shared = np.array([1.0, 2.0])
    a, b, c = nk.Parameter(np.zeros(2)), nk.Parameter(np.zeros(2)), nk.Parameter(np.ones(2))
    a.grad = b.grad = shared  # aliasing gradients must not be written to (weight decay goes to scratch)
    opt = nk.Adam([a, b, c], lr=0.1, weight_decay=0.5)
    opt.step()
    np.testing.assert_array_equal(shared, [1.0, 2.0])
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(c.data, [1.0, 1.0])
    assert opt.steps == [1, 1, 0] and opt.state[2] == {}
    opt.zero_grad()
    assert a.grad is None and b.grad is None and c.grad is None


def test_lr_is_a_settable_attribute_used_by_the_next_step():
    w = nk.Parameter(np.array([1.0]))
    opt = nk.SGD([w], lr=0.1)
    opt.lr = 0.25
    w.grad = np.array([2.0])
    opt.step()
    np.testing.assert_allclose(w.data, [0.5])
    opt.lr = 0.0  # a schedule may anneal to 0
    with pytest.raises(ValueError, match=r"SGD lr must be a finite number >= 0; got -1"):
        opt.lr = -1


def test_module_parameters_are_accepted():
    net = nk.Sequential(nk.Dense(3, 4, seed=0), nk.Dense(4, 2, activation="identity", seed=1))
    opt = nk.SGD(net.parameters(), lr=0.1)
    assert len(opt.params) == 4
    net(np.ones((2, 3))).sum().backward()
    before = net.state_dict()
    opt.step()
    after = net.state_dict()
    assert all(not np.array_equal(before[k], after[k]) for k in after if k.endswith("weight"))


# ---------------------------------------------------------------- state dicts
def _roundtrip(meta, arrays, tmp_path):
    """Through a checkpoint: JSON for the metadata, safetensors (if installed) for the arrays."""
    meta = json.loads(json.dumps(meta))
    try:
        from safetensors.numpy import load_file, save_file
    except ImportError:
        return meta, {k: v.copy() for k, v in arrays.items()}
    save_file(arrays, str(tmp_path / "optim.safetensors"))
    return meta, load_file(str(tmp_path / "optim.safetensors"))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, options", [("SGD", ALL_OPTIONS["SGD"]), ("RMSprop", ALL_OPTIONS["RMSprop"]),
                                           ("Adam", ALL_OPTIONS["Adam"]), ("AdamW", ALL_OPTIONS["AdamW"])])
def test_state_dict_resume_is_bit_identical(name, options, dtype, tmp_path):
    rng = np.random.default_rng(1)
    grads = [[rng.normal(size=s).astype(dtype) for s in SHAPES] for _ in range(7)]
    params = [nk.Parameter(rng.normal(size=s).astype(dtype)) for s in SHAPES]
    opt = getattr(optim, name)(params, **options)

    def run(optimizer, parameters, steps):
        for step_grads in steps:
            for p, g in zip(parameters, step_grads, strict=True):
                p.grad = g.copy()
            optimizer.step()

    run(opt, params, grads[:3])
    meta, arrays = _roundtrip(*opt.state_dict(), tmp_path)
    saved_weights = [p.data.copy() for p in params]
    run(opt, params, grads[3:])

    fresh = [nk.Parameter(w) for w in saved_weights]
    resumed = getattr(optim, name)(fresh, lr=0.5)  # other hyper-parameters come from the state
    resumed.load_state_dict(meta, arrays)
    assert resumed.hyperparameters == opt.hyperparameters
    run(resumed, fresh, grads[3:])
    for p, q in zip(params, fresh, strict=True):
        np.testing.assert_array_equal(p.data, q.data)
    assert resumed.steps == opt.steps


def test_state_dict_is_a_copy_and_names_the_buffers():
    w = nk.Parameter(np.zeros(2))
    opt = nk.Adam([w], lr=0.1)
    w.grad = np.ones(2)
    opt.step()
    meta, arrays = opt.state_dict()
    assert meta == {"type": "Adam", "steps": [1], "hyperparameters": {
        "lr": 0.1, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False}}
    assert sorted(arrays) == ["state.0.exp_avg", "state.0.exp_avg_sq"]
    arrays["state.0.exp_avg"][:] = 99.0
    assert opt.state[0]["exp_avg"][0] != 99.0


def test_load_state_dict_errors():
    w = nk.Parameter(np.zeros(2))
    opt = nk.Adam([w])
    w.grad = np.ones(2)
    opt.step()
    meta, arrays = opt.state_dict()
    with pytest.raises(ValueError, match=r"state is for a 'Adam' optimiser; cannot load it into SGD"):
        nk.SGD([w]).load_state_dict(meta, arrays)
    with pytest.raises(ValueError, match=r"steps for 1 parameters; this optimiser has 2"):
        nk.Adam([w, nk.Parameter(np.zeros(1))]).load_state_dict(meta, arrays)
    with pytest.raises(ValueError, match=r"unexpected array 'state.0.momentum'"):
        nk.Adam([w]).load_state_dict(meta, {"state.0.momentum": np.zeros(2)})
    with pytest.raises(ValueError, match=r"'state.0.exp_avg' has shape \(3,\); parameter 0 has shape \(2,\)"):
        nk.Adam([w]).load_state_dict(meta, {"state.0.exp_avg": np.zeros(3)})
    bad = {**meta, "hyperparameters": {**meta["hyperparameters"], "betas": [0.9, 1.5]}}
    with pytest.raises(ValueError, match=r"Adam betas\[1\] must be a finite number in \[0, 1\); got 1.5"):
        nk.Adam([w]).load_state_dict(bad, arrays)


# ---------------------------------------------------------------- schedules
def _lr_sequences(make_ours, make_theirs, epochs=30, metrics=None):
    w = nk.Parameter(np.zeros(1))
    q = torch.zeros(1, requires_grad=True)
    opt, reference = nk.SGD([w], lr=0.1), torch.optim.SGD([q], lr=0.1)
    ours, theirs = make_ours(opt), make_theirs(reference)
    got, expected = [], []
    for epoch in range(epochs):
        reference.step()  # torch warns if its schedule steps before its optimiser
        if metrics is None:
            ours.step()
            theirs.step()
        else:
            ours.step(metrics[epoch])
            theirs.step(metrics[epoch])
        got.append(opt.lr)
        expected.append(theirs.get_last_lr()[0])
        assert ours.lr == opt.lr
    return got, expected


SCHEDULE_CASES = [
    (lambda o: optim.StepLR(o, step_size=7, gamma=0.5), lambda o: torch.optim.lr_scheduler.StepLR(o, 7, 0.5)),
    (lambda o: optim.StepLR(o, step_size=1), lambda o: torch.optim.lr_scheduler.StepLR(o, 1)),
    (lambda o: optim.ExponentialLR(o, gamma=0.9), lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.9)),
    (lambda o: optim.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
     lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.001)),
    (lambda o: optim.CosineAnnealingLR(o, T_max=7),
     lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=7)),
]


@pytest.mark.parametrize("make_ours, make_theirs", SCHEDULE_CASES, ids=["step7", "step1", "exp", "cos10", "cos7"])
def test_schedule_matches_torch(make_ours, make_theirs):
    got, expected = _lr_sequences(make_ours, make_theirs)
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-17)


PLATEAU_METRICS = [5.0, 4.0, 4.0, 3.99999, 4.1, 4.2, 3.0, 3.0, 3.0, 3.0, 2.9, 2.95, 2.95, 2.95, 2.95,
                   2.95, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5]
PLATEAU_CASES = [
    dict(),
    dict(patience=0),
    dict(mode="min", factor=0.5, patience=1, cooldown=2),
    dict(mode="min", factor=0.5, patience=1, threshold=0.01, threshold_mode="abs", min_lr=0.02),
    dict(mode="max", factor=0.3, patience=2, threshold=0.05),
    dict(mode="max", factor=0.5, patience=0, threshold_mode="abs", cooldown=1, min_lr=1e-3),
]


@pytest.mark.parametrize("options", PLATEAU_CASES, ids=[str(c) for c in PLATEAU_CASES])
def test_reduce_lr_on_plateau_matches_torch(options):
    metrics = PLATEAU_METRICS if options.get("mode") != "max" else [10.0 - m for m in PLATEAU_METRICS]
    got, expected = _lr_sequences(lambda o: optim.ReduceLROnPlateau(o, **options),
                                  lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, **options),
                                  metrics=metrics)
    assert got == expected
    assert len(set(got)) > 1 or options == {}  # the cases do reduce the lr


LONG_PLATEAU_CASES = [
    dict(factor=0.5, patience=2),
    dict(factor=0.5, patience=1, threshold=0.02, cooldown=2),
    dict(factor=0.7, patience=2, threshold=0.05, threshold_mode="abs", min_lr=0.01),
    dict(mode="max", factor=0.5, patience=2, threshold=0.01),
    dict(mode="max", factor=0.8, patience=1, threshold=0.02, threshold_mode="abs", cooldown=1, eps=1e-3),
]


@pytest.mark.parametrize("options", LONG_PLATEAU_CASES, ids=[str(c) for c in LONG_PLATEAU_CASES])
@pytest.mark.parametrize("seed", [0, 1])
def test_reduce_lr_on_plateau_matches_torch_over_a_long_noisy_run(options, seed):
    # 80 epochs of a noisy loss curve (negated in "max" mode): improvements of every size around both thresholds,
    # a NaN epoch (never an improvement), and many reductions
    rng = np.random.default_rng(seed)
    curve = 2.0 * np.exp(-np.arange(80) / 25.0) + 0.3 + rng.normal(scale=0.03, size=80)
    curve[37] = np.nan
    metrics = [float(-m if options.get("mode") == "max" else m) for m in curve]
    got, expected = _lr_sequences(lambda o: optim.ReduceLROnPlateau(o, **options),
                                  lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, **options),
                                  epochs=80, metrics=metrics)
    assert got == expected
    assert len(set(got)) >= 3


def test_reduce_lr_on_plateau_decides_with_the_shared_improvement_rule(monkeypatch):
    calls = []

    def spy(value, best, **kwargs):
        calls.append((value, best, kwargs))
        return improved(value, best, **kwargs)

    improved = optim.schedules.improved
    monkeypatch.setattr(optim.schedules, "improved", spy)
    schedule = optim.ReduceLROnPlateau(nk.SGD([nk.Parameter(np.zeros(1))]), mode="max", threshold=0.1,
                                       threshold_mode="abs")
    schedule.step(1.0)
    schedule.step(1.05)
    assert calls == [(1.0, -math.inf, dict(mode="max", delta=0.1, relative=False)),
                     (1.05, 1.0, dict(mode="max", delta=0.1, relative=False))]
    assert schedule.best == 1.0 and schedule.num_bad_epochs == 1


def test_every_schedule_is_tested_against_torch():
    w = nk.Parameter(np.zeros(1))
    covered = {type(make(nk.SGD([w]))).__name__ for make, _ in SCHEDULE_CASES} | {"ReduceLROnPlateau"}
    assert covered == {cls.__name__ for cls in optim.SCHEDULES.values()}


@pytest.mark.parametrize("name, options, metric", [
    ("step", dict(step_size=3, gamma=0.5), None), ("exponential", dict(gamma=0.8), None),
    ("cosine", dict(T_max=5, eta_min=0.01), None),
    ("plateau", dict(factor=0.5, patience=1, cooldown=1), [3, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
])
def test_schedule_state_dict_resume(name, options, metric):
    def make():
        opt = nk.SGD([nk.Parameter(np.zeros(1))], lr=0.1)
        return opt, optim.get_schedule(name, opt, **options)

    def run(schedule, epochs):
        for e in epochs:
            schedule.step(metric[e]) if metric else schedule.step()
        return schedule.lr

    opt, schedule = make()
    run(schedule, range(7))
    opt_state, schedule_state = opt.state_dict(), json.loads(json.dumps(schedule.state_dict()))
    straight = [run(schedule, [e]) for e in range(7, 16)]
    opt2, schedule2 = make()
    opt2.load_state_dict(*opt_state)
    schedule2.load_state_dict(schedule_state)
    assert [run(schedule2, [e]) for e in range(7, 16)] == straight
    assert schedule2.state_dict() == schedule.state_dict()


def test_plateau_state_before_any_metric_is_json():
    schedule = optim.ReduceLROnPlateau(nk.SGD([nk.Parameter(np.zeros(1))]))
    state = schedule.state_dict()
    assert state["best"] is None
    json.dumps(state, allow_nan=False)


# ---------------------------------------------------------------- clipping
def _grads(dtype, seed=0, scale=3.0):
    rng = np.random.default_rng(seed)
    return [(scale * rng.normal(size=s)).astype(dtype) for s in SHAPES]


def _torch_clipped(grads, clip):
    tensors = [torch.zeros(g.shape, dtype=torch.float64 if g.dtype == np.float64 else torch.float32,
                           requires_grad=True) for g in grads]
    for t, g in zip(tensors, grads, strict=True):
        t.grad = torch.tensor(g.copy())
    result = clip(tensors)
    return result, [t.grad.numpy() for t in tensors]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, dtype):
    grads = _grads(dtype)
    params = [nk.Parameter(np.zeros(g.shape, dtype=dtype)) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = g.copy()
    params.append(nk.Parameter(np.zeros(2)))  # no gradient: ignored
    total = optim.clip_grad_norm(params, max_norm, norm_type)
    expected_total, expected = _torch_clipped(
        grads, lambda ts: torch.nn.utils.clip_grad_norm_(ts, max_norm, norm_type, foreach=False))
    rtol = 1e-12 if dtype == np.float64 else 2e-6
    assert isinstance(total, float)
    np.testing.assert_allclose(total, expected_total.item(), rtol=rtol)
    for p, e in zip(params[:-1], expected, strict=True):
        assert p.grad.dtype == dtype
        np.testing.assert_allclose(p.grad, e, rtol=rtol, atol=1e-7 if dtype == np.float32 else 0)


def test_clip_grad_norm_with_aliased_gradients_scales_each_array_once():
    grads = _grads(np.float64)
    base = np.concatenate([np.ravel(g) for g in grads[1:]])
    a, b, c, d = (nk.Parameter(np.zeros(s)) for s in [SHAPES[0], SHAPES[0], SHAPES[1], SHAPES[2]])
    a.grad = b.grad = grads[0].copy()  # the same array for two parameters
    c.grad = base[:4]  # views into one buffer
    d.grad = base[4:].reshape(SHAPES[2])
    shared = a.grad
    total = optim.clip_grad_norm([a, b, c, d], 0.5)
    expected_total, expected = _torch_clipped([grads[0], grads[0], grads[1], grads[2]],
                                              lambda ts: torch.nn.utils.clip_grad_norm_(ts, 0.5))
    np.testing.assert_allclose(total, expected_total.item(), rtol=1e-12)
    for p, e in zip([a, b, c, d], expected, strict=True):
        np.testing.assert_allclose(p.grad, e, rtol=1e-12)
    assert a.grad is shared and b.grad is shared  # owned arrays are scaled in place


def test_clip_grad_norm_does_not_touch_small_gradients_and_handles_none():
    w = nk.Parameter(np.zeros(2))
    g = np.array([0.3, 0.4])
    w.grad = g
    assert optim.clip_grad_norm(w, 1.0) == pytest.approx(0.5)
    assert w.grad is g and np.array_equal(g, [0.3, 0.4])
    w.grad = None
    assert optim.clip_grad_norm([w], 1.0) == 0.0


def test_clip_grad_norm_nonfinite():
    w = nk.Parameter(np.zeros(2))
    w.grad = np.array([np.nan, 1.0])
    with pytest.raises(RuntimeError, match=r"total 2-norm of the gradients is nan"):
        optim.clip_grad_norm([w], 1.0, error_if_nonfinite=True)
    assert math.isnan(optim.clip_grad_norm([w], 1.0))
    assert np.all(np.isnan(w.grad))  # as torch: a nan norm makes every gradient nan


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_clip_grad_value_matches_torch_with_aliasing(dtype):
    grads = _grads(dtype, seed=2)
    a, b, c = (nk.Parameter(np.zeros(g.shape, dtype=dtype)) for g in grads)
    a.grad = grads[0].copy()
    b.grad = grads[1].copy()
    c.grad = grads[2].copy()
    twin = nk.Parameter(np.zeros(SHAPES[0], dtype=dtype))
    twin.grad = a.grad
    view_base = grads[1].copy()
    b.grad = view_base[:]  # a view
    optim.clip_grad_value([a, twin, b, c], 1.5)
    _, expected = _torch_clipped(grads, lambda ts: torch.nn.utils.clip_grad_value_(ts, 1.5, foreach=False))
    for p, e in zip([a, b, c], expected, strict=True):
        np.testing.assert_array_equal(p.grad, e)
    np.testing.assert_array_equal(twin.grad, expected[0])
    np.testing.assert_array_equal(view_base, grads[1])  # the view's base was not written to


# ---------------------------------------------------------------- registries
def test_get_optimizer_by_name_dict_and_instance():
    w = nk.Parameter(np.zeros(1))
    assert type(optim.get_optimizer("SGD", [w], lr=0.1, momentum=0.9)) is nk.SGD
    assert type(optim.get_optimizer("adam-w", [w])) is nk.AdamW
    opt = optim.get_optimizer({"name": "rmsprop", "lr": 0.05}, [w], centered=True)
    assert type(opt) is nk.RMSprop and opt.lr == 0.05 and opt.centered
    assert nk.get_optimizer(opt) is opt
    assert nk.optim is optim and nk.Adam is optim.Adam and nk.AdamW is optim.AdamW
    assert nk.AdamW([w]).weight_decay == 1e-2 and nk.Adam([w]).weight_decay == 0.0


@pytest.mark.parametrize("spelling", ["AdamW", "adamw", "Adam_W", "adam-w", "ADAM W", " adamW "])
def test_optimizer_names_are_normalised_once(spelling):
    assert type(optim.get_optimizer(spelling, [nk.Parameter(np.zeros(1))])) is nk.AdamW
    assert optim.OPTIMIZERS.canonical(spelling) == "adamw"


def test_optimizers_and_schedules_are_registries():
    from neuronkit.registry import Registry

    assert isinstance(optim.OPTIMIZERS, Registry) and isinstance(optim.SCHEDULES, Registry)
    assert optim.OPTIMIZERS.names() == ["sgd", "rmsprop", "adam", "adamw"]
    assert optim.SCHEDULES.names() == ["step", "exponential", "cosine", "plateau"]
    assert dict(optim.OPTIMIZERS.items()) == {"sgd": nk.SGD, "rmsprop": nk.RMSprop, "adam": nk.Adam,
                                              "adamw": nk.AdamW}
    assert optim.SCHEDULES["Reduce-LR-on-plateau"] is optim.ReduceLROnPlateau
    assert optim.SCHEDULES.aliases == {"StepLR": "step", "ExponentialLR": "exponential",
                                       "CosineAnnealingLR": "cosine", "ReduceLROnPlateau": "plateau"}


def test_get_schedule_by_name_and_class_name():
    opt = nk.SGD([nk.Parameter(np.zeros(1))], lr=0.1)
    assert type(optim.get_schedule("step", opt, step_size=3)) is optim.StepLR
    assert type(optim.get_schedule("ReduceLROnPlateau", opt, patience=2)) is optim.ReduceLROnPlateau
    assert type(optim.get_schedule({"name": "cosine_annealing_lr", "T_max": 4}, opt)) is optim.CosineAnnealingLR
    assert optim.ReduceLROnPlateau.needs_metric and not optim.StepLR.needs_metric


# The table of bad calls (messages and exception classes) is tests/test_bad_calls_optim.py.


def test_gradient_shape_mismatch_names_the_parameter():
    w = nk.Parameter(np.zeros((2, 3)))
    opt = nk.SGD([nk.Parameter(np.zeros(1)), w], lr=0.1)
    w.grad = np.zeros(3)
    with pytest.raises(ValueError, match=r"parameter 1 has shape \(2, 3\) but its gradient has shape \(3,\)"):
        opt.step()
