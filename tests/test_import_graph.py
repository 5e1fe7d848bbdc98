"""No import cycles between neuronkit's modules, not even through imports inside functions.

The graph has one node per module of the package and one edge per import statement found
anywhere in a module (top level, inside functions, under ``if TYPE_CHECKING``). A package's
``__init__`` only re-exports its submodules, so it is not a node of its own: importing a name
from a package is an edge to the submodule the ``__init__`` takes that name from. Lazy imports
that make no cycle are fine (they keep ``import neuronkit`` fast).
"""

from __future__ import annotations

import ast
from pathlib import Path

import neuronkit

ROOT = Path(neuronkit.__file__).parent
PACKAGE = "neuronkit"


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join([PACKAGE, *parts])] = path
    return found


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _absolute(module: str, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    base = module.split(".") if _is_package(module) else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _reexports(package: str) -> dict[str, str]:
    """name -> submodule, for the names a package's ``__init__`` imports from its own submodules."""
    out: dict[str, str] = {}
    tree = ast.parse(MODULES[package].read_text())
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            source = _absolute(package, node.level, node.module)
            for alias in node.names:
                as_module = f"{source}.{alias.name}"
                if as_module in MODULES:
                    out[alias.asname or alias.name] = as_module
                elif source in MODULES and source != package and source.startswith(package + "."):
                    out[alias.asname or alias.name] = source
    return out


def _resolve(name: str, imported: str | None) -> str | None:
    """The module an import really reaches (following a package's re-exports), or None if outside."""
    if imported is not None and f"{name}.{imported}" in MODULES:
        name = f"{name}.{imported}"
    if name not in MODULES:
        return None
    while _is_package(name) and imported is not None:
        target = _reexports(name).get(imported)
        if target is None or target == name:
            break
        name = target
        if not _is_package(name):
            break
    return name


def import_graph() -> dict[str, set[tuple[str, int]]]:
    """module -> {(imported module, line)} over every import statement in the module."""
    graph: dict[str, set[tuple[str, int]]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            targets: list[str | None] = []
            if isinstance(node, ast.Import):
                targets = [_resolve(alias.name, None) for alias in node.names if alias.name.startswith(PACKAGE)]
            elif isinstance(node, ast.ImportFrom):
                source = _absolute(module, node.level, node.module)
                if source.split(".")[0] != PACKAGE:
                    continue
                targets = [_resolve(source, alias.name) for alias in node.names]
            for target in targets:
                if target is None or target == module:
                    continue
                if _is_package(module) and target.startswith(module + "."):
                    continue  # a package's __init__ re-exporting its own submodules
                graph[module].add((target, node.lineno))
    return graph


def find_cycles(graph: dict[str, set[tuple[str, int]]]) -> list[list[str]]:
    """Every strongly connected component with more than one module (Tarjan), as a readable path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w, _ in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return components


def _describe(component: list[str], graph: dict[str, set[tuple[str, int]]]) -> str:
    inside = set(component)
    edges = [f"{m} -> {t} (line {line})" for m in component for t, line in sorted(graph[m]) if t in inside]
    return "; ".join(edges)


def test_the_package_has_no_import_cycles():
    graph = import_graph()
    cycles = find_cycles(graph)
    assert cycles == [], "import cycles: " + " | ".join(_describe(c, graph) for c in cycles)


def test_the_cycle_finder_finds_a_cycle_through_a_function_level_import():
    graph = {"a": {("b", 1)}, "b": {("c", 5)}, "c": {("a", 9)}, "d": {("a", 2)}}
    assert find_cycles(graph) == [["a", "b", "c"]]
    assert find_cycles({"a": {("b", 1)}, "b": set()}) == []


def test_the_graph_sees_imports_inside_functions_and_follows_reexports():
    graph = import_graph()
    # estimators import data inside functions; the engine is reached through its package's re-exports
    assert any(t.startswith("neuronkit.engine.") for t, _ in graph["neuronkit.training"])
    assert "neuronkit.engine" not in {t for t, _ in graph["neuronkit.training"]}
    assert all(not t.startswith("neuronkit.") or t.startswith("neuronkit.errors")
               for t, _ in graph["neuronkit.engine.tensor"])


def test_the_engine_and_the_base_modules_stand_at_the_bottom():
    graph = import_graph()
    bottom = {"neuronkit.errors": set(), "neuronkit.registry": {"neuronkit.errors"},
              "neuronkit.validation": {"neuronkit.errors"}}
    for module, allowed in bottom.items():
        assert {t for t, _ in graph[module]} <= allowed, module
