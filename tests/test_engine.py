"""The autodiff engine: backward semantics, broadcasting, dtypes, Function, no_grad, isolation.

Gradient *values* of every primitive are in test_gradients.py (one table); this file
tests how the engine behaves around them.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.engine import ops
from neuronkit.errors import GraphError

ENGINE_DIR = Path(nk.__file__).parent / "engine"


# ------------------------------------------------------------------ backward


def test_backward_through_a_deep_graph_has_no_recursion_limit():
    x = nk.Tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    y = x
    for _ in range(5000):  # 10,000 nodes: far past Python's recursion limit of 1,000
        y = y * 1.0001 + 0.5
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0001**5000] * 2, rtol=1e-12)
    assert sys.getrecursionlimit() < 10_000


def test_gradients_accumulate_across_backward_calls():
    w = nk.Tensor([1.0, -2.0, 3.0], requires_grad=True)
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad, [2.0, -4.0, 6.0])
    (w * 3.0).sum().backward()
    np.testing.assert_array_equal(w.grad, [5.0, -1.0, 9.0])
    w.zero_grad()
    assert w.grad is None


def test_layer_gradients_accumulate_until_zero_grad():
    layer = nk.Dense(3, 2, activation="identity", seed=0, dtype=np.float64)
    x = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
    layer(x).sum().backward()
    first = layer.weight.grad.copy()
    np.testing.assert_allclose(first, np.tile(x.sum(axis=0), (2, 1)))
    layer(x).sum().backward()
    np.testing.assert_allclose(layer.weight.grad, 2 * first)
    np.testing.assert_allclose(layer.bias.grad, [4.0, 4.0])
    layer.zero_grad()
    assert layer.weight.grad is None and layer.bias.grad is None


def test_a_tensor_used_twice_gets_both_contributions():
    x = nk.Tensor([3.0], requires_grad=True)
    (x * x + x).sum().backward()  # d/dx (x² + x) = 2x + 1
    np.testing.assert_array_equal(x.grad, [7.0])


def test_leaf_gradients_are_not_aliased():
    a = nk.Tensor([1.0, 2.0], requires_grad=True)
    b = nk.Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()  # add passes the same gradient array to both parents
    a.grad *= 10.0
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    seed = np.array([1.0, 1.0], dtype=np.float32)
    c = nk.Tensor([1.0, 1.0], requires_grad=True)
    (c + 0.0).backward(seed)
    c.grad *= 5.0
    np.testing.assert_array_equal(seed, [1.0, 1.0])


def test_backward_with_an_explicit_gradient():
    x = nk.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).backward(np.array([1.0, 0.0, -1.0]))
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, -6.0])


def test_backward_releases_the_graph():
    x = nk.Tensor([1.0], requires_grad=True)
    y = (x * 2.0).exp()
    y.backward()
    assert y._parents == () and not y.is_leaf  # the graph is freed; y stays a computed tensor (as in PyTorch)
    with pytest.raises(GraphError, match="second time"):
        y.backward()


def test_only_tensors_that_require_grad_get_gradients():
    x = nk.Tensor([1.0, 2.0])  # data, not a parameter
    w = nk.Tensor([0.5, 0.5], requires_grad=True)
    (x * w).sum().backward()
    assert x.grad is None
    np.testing.assert_array_equal(w.grad, [1.0, 2.0])


# --------------------------------------------------------------- broadcasting


@pytest.mark.parametrize(
    ("bias_shape", "expected"),
    [((1, 4), [[3.0, 3.0, 3.0, 3.0]]), ((4,), [3.0, 3.0, 3.0, 3.0]), ((), 12.0), ((3, 1), [[4.0], [4.0], [4.0]])],
    ids=["(1,n)", "(n,)", "scalar", "(m,1)"],
)
def test_broadcasting_is_undone_in_the_gradient(bias_shape, expected):
    x = nk.Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    b = nk.Tensor(np.ones(bias_shape), requires_grad=True)
    (x + b).sum().backward()
    assert b.grad.shape == bias_shape
    np.testing.assert_array_equal(b.grad, expected)
    np.testing.assert_array_equal(x.grad, np.ones((3, 4)))


def test_unbroadcast_sums_leading_and_size_one_axes():
    g = np.ones((2, 3, 4))
    np.testing.assert_array_equal(nk.engine.unbroadcast(g, (4,)), np.full(4, 6.0))
    np.testing.assert_array_equal(nk.engine.unbroadcast(g, (3, 1)), np.full((3, 1), 8.0))
    np.testing.assert_array_equal(nk.engine.unbroadcast(g, ()), 24.0)


def test_broadcast_multiplication_gradient_values():
    x = nk.Tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    scale = nk.Tensor([10.0, 100.0], requires_grad=True)
    (x * scale).sum().backward()
    np.testing.assert_array_equal(scale.grad, [9.0, 12.0])
    np.testing.assert_array_equal(x.grad, [[10.0, 100.0]] * 3)


# --------------------------------------------------------------------- dtypes


def test_default_dtype_is_float32():
    assert nk.Tensor([1, 2, 3]).dtype == np.float32
    assert nk.Tensor(2.5).dtype == np.float32
    assert nk.Tensor(np.arange(3)).dtype == np.float32  # integers become float32


@pytest.mark.parametrize(
    "op",
    [lambda x: x * 2.0, lambda x: 2.0 * x, lambda x: x + 1, lambda x: 1 - x, lambda x: x / 3.0,
     lambda x: 1.0 / x, lambda x: x**2, lambda x: x - np.float64(0.5), lambda x: np.float64(2.0) * x,
     lambda x: np.ones(3) * x, lambda x: x.mean(), lambda x: x.sqrt(), lambda x: ops.maximum(x, 0.5),
     lambda x: ops.where(x.data > 1.5, x, 0.0), lambda x: nk.get_activation("gelu")(x),
     lambda x: nk.get_activation("elu")(x)],
    ids=["x*2.0", "2.0*x", "x+1", "1-x", "x/3", "1/x", "x**2", "x-np.float64", "np.float64*x", "ndarray*x",
         "mean", "sqrt", "maximum", "where", "gelu", "elu"],
)
def test_float32_stays_float32_with_python_and_numpy_scalars(op):
    x = nk.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = op(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_float64_on_request():
    x = nk.Tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    y = (x * 0.1 + 1.0).sigmoid()
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float64
    layer = nk.Dense(2, 3, seed=0, dtype=np.float64)
    assert layer.weight.dtype == np.float64 and layer([1.0, 2.0]).dtype == np.float64
    # 0.1 is not exact in float32: float64 keeps the digits
    assert nk.Tensor([0.1], dtype=np.float64).item() == 0.1
    assert nk.Tensor([0.1]).item() != 0.1


def test_a_float64_array_keeps_its_dtype_and_is_not_copied():
    a = np.array([1.0, 2.0])
    t = nk.Tensor(a)
    assert t.dtype == np.float64 and t.data is a


def test_scalar_results_are_arrays():
    x = nk.Tensor(2.0, requires_grad=True)
    y = x * 3.0 + 1.0  # NumPy returns scalars for 0-d arithmetic; the engine keeps arrays
    assert isinstance(y.data, np.ndarray) and y.shape == ()
    y.backward()
    assert isinstance(x.grad, np.ndarray) and x.grad.shape == () and x.grad == 3.0


def test_vector_dot_vector_backward():
    a = nk.Tensor([1.0, 2.0], requires_grad=True)
    b = nk.Tensor([3.0, 4.0], requires_grad=True)
    y = a @ b
    assert y.item() == 11.0
    y.backward()
    np.testing.assert_array_equal(a.grad, [3.0, 4.0])
    np.testing.assert_array_equal(b.grad, [1.0, 2.0])


# ------------------------------------------------------------------- Function


class StraightThroughSign(nk.Function):
    """sign(x) forward; backward passes the gradient through where |x| <= 1 (hard-tanh STE)."""

    @staticmethod
    def forward(ctx, x):
        ctx.x = x
        return np.sign(x)

    @staticmethod
    def backward(ctx, grad):
        return (grad * (np.abs(ctx.x) <= 1),)


class FastSigmoidSpike(nk.Function):
    """Spike = H(v - threshold); surrogate gradient 1 / (1 + k|v - threshold|)² (SuperSpike)."""

    @staticmethod
    def forward(ctx, v, threshold, k=10.0):
        ctx.d, ctx.k = v - threshold, k
        return (v >= threshold).astype(v.dtype)

    @staticmethod
    def backward(ctx, grad):
        surrogate = grad / (1.0 + ctx.k * np.abs(ctx.d)) ** 2
        return surrogate, -surrogate  # the threshold's gradient is broadcast-shaped: the engine sums it


def test_custom_function_straight_through_estimator():
    x = nk.Tensor([-2.0, -0.5, 0.3, 1.5], requires_grad=True)
    y = StraightThroughSign.apply(x)
    np.testing.assert_array_equal(y.data, [-1.0, -1.0, 1.0, 1.0])
    (y * nk.Tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 2.0, 3.0, 0.0])
    assert y.op == "StraightThroughSign"


def test_custom_function_surrogate_gradient_with_a_broadcast_threshold():
    v = nk.Tensor([0.2, 1.5, 0.9], dtype=np.float64, requires_grad=True)
    threshold = nk.Tensor(1.0, dtype=np.float64, requires_grad=True)
    spikes = FastSigmoidSpike.apply(v, threshold, k=10.0)
    np.testing.assert_array_equal(spikes.data, [0.0, 1.0, 0.0])
    spikes.sum().backward()
    expected = 1.0 / (1.0 + 10.0 * np.abs(np.array([0.2, 1.5, 0.9]) - 1.0)) ** 2
    np.testing.assert_allclose(v.grad, expected)
    assert threshold.grad.shape == ()
    np.testing.assert_allclose(threshold.grad, -expected.sum())


def test_custom_function_gradient_flows_into_a_layer():
    layer = nk.Dense(2, 3, activation="identity", seed=0, dtype=np.float64)
    x = np.array([[0.5, -0.2]])
    FastSigmoidSpike.apply(layer(x), 0.0).sum().backward()
    z = layer.potential(x).data
    np.testing.assert_allclose(layer.bias.grad, (1.0 / (1.0 + 10.0 * np.abs(z)) ** 2)[0])


def test_custom_function_records_no_graph_under_no_grad():
    x = nk.Tensor([0.5], requires_grad=True)
    with nk.no_grad():
        y = StraightThroughSign.apply(x)
    assert not y.requires_grad and y.is_leaf


# -------------------------------------------------------------------- no_grad


def test_no_grad_forward_builds_no_graph():
    net = nk.mlp([3, 5, 2], activation="tanh", output="softmax", seed=0)
    x = np.ones((4, 3), dtype=np.float32)
    with nk.no_grad():
        assert not nk.engine.is_grad_enabled()
        out = net(x)
    assert nk.engine.is_grad_enabled()
    assert out.requires_grad is False
    assert out.is_leaf and out._parents == () and out._vjp is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        out.sum().backward()
    assert all(p.grad is None for p in net.parameters())


def test_outside_no_grad_a_graph_is_built():
    net = nk.mlp([3, 5, 2], activation="tanh", output="softmax", seed=0)
    out = net(np.ones((4, 3), dtype=np.float32))
    assert out.requires_grad and not out.is_leaf
    out.sum().backward()
    assert all(p.grad is not None for p in net.parameters())


def test_no_grad_restores_the_mode_after_an_error_and_nests():
    with pytest.raises(ZeroDivisionError):
        with nk.no_grad():
            1 / 0  # noqa: B018
    assert nk.engine.is_grad_enabled()
    with nk.no_grad():
        with nk.no_grad():
            pass
        assert not nk.engine.is_grad_enabled()
    assert nk.engine.is_grad_enabled()


# ------------------------------------------------------------------ isolation

ALLOWED_THIRD_PARTY = {"numpy"}
OPTIONAL_THIRD_PARTY = {"scipy"}  # allowed only inside `try: ... except ImportError:` (erf fallback)


def _imports(tree: ast.AST):
    """(module, level, lineno, inside try/except ImportError) for every import in the tree."""
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
            isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError") for h in node.handlers
        ):
            for inner in node.body:
                guarded.update(id(n) for n in ast.walk(inner))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, 0, node.lineno, id(node) in guarded
        elif isinstance(node, ast.ImportFrom):
            yield node.module or "", node.level, node.lineno, id(node) in guarded


def test_engine_imports_only_stdlib_numpy_and_itself():
    """The primary proof that the engine stands alone: read every import statement in it.

    The one exception is ``neuronkit.errors``, the bottom of the package (it imports nothing),
    so that the engine raises the same errors as everything built on it.
    """
    files = sorted(ENGINE_DIR.glob("*.py"))
    assert {f.name for f in files} >= {"__init__.py", "tensor.py", "function.py", "gradcheck.py"}
    engine_modules = {f.stem for f in files}
    problems = []
    for path in files:
        for module, level, line, guarded in _imports(ast.parse(path.read_text(), filename=str(path))):
            top = module.split(".")[0]
            where = f"{path.name}:{line}: {'.' * level}{module}"
            if level == 2 and module == "errors":
                continue
            if level > 1:
                problems.append(f"{where} reaches outside the engine")
            elif level == 1:
                if top and top not in engine_modules:
                    problems.append(f"{where} is not an engine module")
            elif top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY:
                continue
            elif top in OPTIONAL_THIRD_PARTY and guarded:
                continue
            else:
                problems.append(f"{where} is neither stdlib, numpy nor an optional guarded import")
    assert problems == []


def test_engine_loads_and_works_without_the_rest_of_neuronkit():
    """Load the engine's files as a stand-alone package (``alone.engine``, beside nothing but
    ``alone.errors``), so the ``neuronkit`` package and its ``__init__`` never run; any import of
    another neuronkit module would either fail (``from ..``) or show up in ``sys.modules``."""
    errors_file = ENGINE_DIR.parent / "errors.py"
    script = textwrap.dedent(f"""
        import importlib.util, sys, types
        parent = types.ModuleType("alone")
        parent.__path__ = []
        sys.modules["alone"] = parent

        def load(name, path, package=False):
            spec = importlib.util.spec_from_file_location(
                name, path, submodule_search_locations=[str(path.parent)] if package else None)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            return module

        import pathlib
        load("alone.errors", pathlib.Path({str(errors_file)!r}))
        engine = load("alone.engine", pathlib.Path({str(ENGINE_DIR / "__init__.py")!r}), package=True)
        x = engine.Tensor([1.0, 2.0], requires_grad=True)
        (engine.ops.erf(x) * x).sum().backward()
        assert engine.gradcheck(lambda t: engine.softmax(t * t), [0.1, 0.2, 0.3])
        loaded = sorted(m for m in sys.modules if m.split(".")[0] == "neuronkit")
        print("neuronkit modules:", loaded)
        print("engine modules:", sorted(m for m in sys.modules if m.startswith("alone.engine")))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "neuronkit modules: []" in result.stdout
    assert "'alone.engine.tensor'" in result.stdout and "'alone.engine.gradcheck'" in result.stdout


@pytest.mark.parametrize("layout", ["C", "F", "strided", "one row"])
def test_linear_gives_the_same_values_and_gradients_whatever_the_input_layout(layout):
    """``linear`` multiplies as (W xᵀ)ᵀ for speed; values and gradients are x Wᵀ + b's for any memory layout."""
    rng = np.random.default_rng(7)
    W = rng.standard_normal((5, 6))
    b = rng.standard_normal(5)
    base = rng.standard_normal((8, 12))
    x = {"C": np.ascontiguousarray(base[:, :6]), "F": np.asfortranarray(base[:, :6]),
         "strided": base[:, ::2], "one row": base[:1, :6]}[layout]
    g = rng.standard_normal((len(x), 5))
    xt, wt, bt = nk.Tensor(x, requires_grad=True), nk.Parameter(W), nk.Parameter(b)
    out = ops.linear(xt, wt, bt)
    np.testing.assert_allclose(out.data, x @ W.T + b, rtol=1e-13)
    (out * g).sum().backward()
    np.testing.assert_allclose(xt.grad, g @ W, rtol=1e-13)
    np.testing.assert_allclose(wt.grad, g.T @ x, rtol=1e-13)
    np.testing.assert_allclose(bt.grad, g.sum(axis=0), rtol=1e-13)
    assert wt.grad.flags.c_contiguous  # a parameter's gradient has the parameter's layout (in-place updates)


def test_dense_activations_are_feature_major_and_inference_matches_training_forward():
    """Layers keep activations feature-major (Fortran order: the fast BLAS orientation); infer == forward."""
    net = nk.mlp([6, 5, 4, 3], output="softmax", seed=2)
    x = np.random.default_rng(3).standard_normal((7, 6)).astype(np.float32)
    hidden = net["hidden1"](x)
    assert hidden.data.flags.f_contiguous and not hidden.data.flags.c_contiguous
    with nk.no_grad():
        forward = net(x).data
    np.testing.assert_allclose(net.infer(x), forward, rtol=1e-6)
    np.testing.assert_allclose(forward.sum(axis=1), 1.0, rtol=1e-6)


def test_gradcheck_perturbs_fortran_ordered_inputs():
    # a Fortran-ordered input (e.g. a layer's array output) must be perturbed in place, not in a reshaped copy
    x = np.asfortranarray(np.arange(1.0, 7.0).reshape(2, 3))
    assert nk.gradcheck(lambda t: (t * t * t).sum(), x)
    with pytest.raises(nk.GradcheckError):
        nk.gradcheck(lambda t: nk.Tensor(t.data * 2.0, requires_grad=True).sum() + t.sum(), x)
