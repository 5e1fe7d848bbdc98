"""Sphinx configuration for neuronkit's documentation site.

Build it (no network needed; the lessons are executed):

    sphinx-build -W --keep-going -n -b html docs docs/_build/html
"""

from __future__ import annotations

import builtins
import importlib
import importlib.util
import inspect
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if (HERE.parent / "src" / "neuronkit").is_dir():
    sys.path.insert(0, str(HERE.parent / "src"))  # document this checkout's source, not an installed copy

import neuronkit  # noqa: E402

project = "neuronkit"
author = "the neuronkit authors"
copyright = "the neuronkit authors"
release = neuronkit.__version__
version = release

extensions = [
    "myst_nb",  # MyST Markdown pages and executed MyST Markdown notebooks (docs/lessons/*.md)
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx.ext.mathjax",
    "sphinx.ext.intersphinx",
]

# --- intersphinx: links to NumPy's and scikit-learn's own pages ------------------------------------
# The build may not reach the network, and no PyPI package ships these projects' objects.inv, so the
# inventories are small files kept here (docs/_inventories/*.inv, written by docs/_inventories/make.py):
# the NumPy and scikit-learn objects our pages refer to, at their addresses on the projects' sites.
# A reference to one of them becomes a link; a reference to another object of theirs stays plain text
# (ignored by name below) until it is added to make.py.
intersphinx_mapping = {
    "numpy": ("https://numpy.org/doc/stable/", "_inventories/numpy.inv"),
    "sklearn": ("https://scikit-learn.org/stable/", "_inventories/sklearn.inv"),
}


def _linked_names() -> list[str]:
    """The names docs/_inventories/make.py lists (each must resolve: a broken one fails the build)."""
    spec = importlib.util.spec_from_file_location("_nk_inventories", HERE / "_inventories" / "make.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return sorted(name for table in (module.NUMPY, module.SKLEARN) for name in table)

exclude_patterns = ["_build", "**.ipynb_checkpoints", "README.md"]
templates_path = ["_templates"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb"}

# --- HTML -------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"neuronkit {release}"
html_static_path: list[str] = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"index": []}
html_show_sourcelink = False

# --- MyST and MyST-NB ----------------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
nb_execution_mode = "force"  # every build runs every lesson: what the site shows is what the code does today
nb_execution_timeout = 60  # seconds per cell; a lesson is meant to run in under 10 s
nb_execution_raise_on_error = True  # a failing cell fails the build
nb_execution_show_tb = True
nb_merge_streams = True

# --- autodoc, autosummary, numpydoc --------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "undoc-members": True, "member-order": "bysource"}
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
numpydoc_show_class_members = False  # each class documents its methods with autodoc's :members:
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False


def _compile_numpydoc_template_once() -> None:
    """numpydoc compiles its Jinja template anew for every docstring (a third of the API pages' time)."""
    import numpydoc.docscrape_sphinx as numpydoc_sphinx

    class CachingEnvironment(numpydoc_sphinx.SandboxedEnvironment):
        compiled: dict = {}

        def get_template(self, name, *args, **kwargs):
            if name not in self.compiled:
                self.compiled[name] = super().get_template(name, *args, **kwargs)
            return self.compiled[name]

    numpydoc_sphinx.SandboxedEnvironment = CachingEnvironment


_compile_numpydoc_template_once()

# The public modules, one API page each (docs/api/index.md lists them in this order).
PUBLIC_MODULES = [
    "neuronkit", "neuronkit.engine", "neuronkit.neuron", "neuronkit.layers", "neuronkit.activations",
    "neuronkit.init", "neuronkit.losses", "neuronkit.metrics", "neuronkit.optim", "neuronkit.training",
    "neuronkit.callbacks", "neuronkit.history", "neuronkit.checkpoints", "neuronkit.monitor", "neuronkit.data",
    "neuronkit.datasets", "neuronkit.io", "neuronkit.estimators", "neuronkit.inspect", "neuronkit.errors",
    "neuronkit.validation", "neuronkit.registry", "neuronkit.cli",
    "neuronkit.layers.spec",
    "neuronkit.spiking", "neuronkit.spiking.neurons", "neuronkit.spiking.layers", "neuronkit.spiking.surrogates",
    "neuronkit.spiking.encoders", "neuronkit.spiking.decoders", "neuronkit.spiking.losses", "neuronkit.spiking.record",
    "neuronkit.spiking.izhikevich",
    "neuronkit.spiking.plots", "neuronkit.spiking.conversion", "neuronkit.engine.spiking",
    "neuronkit.spiking.learning",
    "neuronkit.spiking.plasticity",
    "neuronkit.spiking.nir",
    "neuronkit.spiking.simulation",
    "neuronkit.spiking.sim_report",
    "neuronkit.spiking.unsupervised",
    "neuronkit.dashboard", "neuronkit.dashboard.state", "neuronkit.dashboard.callback", "neuronkit.dashboard.views",
    "neuronkit.dashboard.session", "neuronkit.dashboard.server",
    "neuronkit.federated",
    "neuronkit.adaptive_activations",
    "neuronkit.continual",
    "neuronkit.export.onnx",
    "neuronkit.distributed",
    "neuronkit.tuning",
]


def _public_names(module) -> list[str]:
    """A module's public names: its ``__all__``, or else what it defines itself."""
    names = getattr(module, "__all__", None)
    if names is not None:
        return [n for n in names if not n.startswith("_")]
    return [
        n for n, obj in vars(module).items()
        if not n.startswith("_") and (
            ((inspect.isclass(obj) or inspect.isfunction(obj)) and getattr(obj, "__module__", None) == module.__name__)
            or (n.isupper() and not inspect.ismodule(obj))  # its tables: ACTIVATIONS, ALIASES, …
        )
    ]


def _api_table() -> dict[str, dict[str, list]]:
    """For every public module: the names documented on its page, by kind, and those linked elsewhere.

    Each object is documented once, on the page of the public module it belongs to (the longest
    public module name that prefixes its ``__module__``); other modules that re-export it link there.
    """
    modules = {name: importlib.import_module(name) for name in PUBLIC_MODULES}
    listed = {name: _public_names(mod) for name, mod in modules.items()}

    def home(module_name: str, name: str, obj) -> str:
        if inspect.ismodule(obj):
            return obj.__name__
        if not (inspect.isclass(obj) or inspect.isroutine(obj)):
            # data (a registry, a table): its __module__, if any, is its type's; its home is the deepest public
            # module that lists it (where it is assigned, with its attribute docstring), not every re-export
            holders = [m for m in PUBLIC_MODULES if name in listed[m] and getattr(modules[m], name, None) is obj]
            return max(holders, key=len) if holders else module_name
        origin = getattr(obj, "__module__", None) or module_name
        owners = [m for m in PUBLIC_MODULES if (origin == m or origin.startswith(m + ".")) and name in listed[m]]
        return max(owners, key=len) if owners else module_name

    table: dict[str, dict[str, list]] = {}
    for module_name, module in modules.items():
        entry: dict[str, list] = {"classes": [], "exceptions": [], "functions": [], "data": [], "elsewhere": []}
        for name in listed[module_name]:
            obj = getattr(module, name)
            where = home(module_name, name, obj)
            if where != module_name:
                target = where if inspect.ismodule(obj) else f"{where}.{name}"
                kind = "mod" if inspect.ismodule(obj) else "obj"
                entry["elsewhere"].append((name, kind, target))
            elif inspect.isclass(obj) and issubclass(obj, BaseException):
                entry["exceptions"].append(name)
            elif inspect.isclass(obj):
                entry["classes"].append(name)
            elif callable(obj):
                entry["functions"].append(name)
            else:
                entry["data"].append(name)
        table[module_name] = entry
    return table


autosummary_context = {"api": _api_table()}

# --- nitpicky (-n): references that cannot resolve ----------------------------------------------
# Only genuinely external types: the standard library, SciPy, pandas, matplotlib, tqdm, safetensors, Starlette,
# and the NumPy and scikit-learn objects that the inventories above do not list (those they list
# must resolve). Every neuronkit name must resolve.
_LINKED = "|".join(re.escape(name) for name in _linked_names())
nitpick_ignore_regex = [
    (r"py:.*", rf"(?!(?:{_LINKED})$)(numpy|np|numpy\.typing|npt|sklearn)(\..*)?"),
    # NumPy documents its sized scalar aliases as attributes (numpy.float32 is numpy.single), so the
    # :class: reference autodoc makes for ``DEFAULT_DTYPE = np.float32`` ("alias of float32") has no class
    (r"py:class", r"numpy\.(float32|float64|int64)"),
    # outside libraries: the dashboard's server, ONNX export, tuning
    (r"py:.*", r"(scipy|pandas|pd|matplotlib|tqdm|safetensors|starlette|uvicorn|onnx|optuna)(\..*)?"),
    # the ONNX graph builder is internal: LAYER_WRITERS' type names it
    (r"py:.*", r"neuronkit\.export\.onnx_graph\..*"),
    (r"py:.*", r"(typing|collections\.abc|collections|pathlib|os|io|types|argparse|threading|contextlib|"
               r"contextvars|enum|dataclasses|abc|json|csv|logging|warnings)(\..*)?"),
    (r"py:.*", rf"({'|'.join(n for n in dir(builtins) if not n.startswith('_'))})"),  # builtins: int, ValueError, …
    (r"py:.*", r"(callable|iterable|sequence|mapping|optional|array_like|array-like|scalar)"),  # numpydoc type words
]


# --- resolving neuronkit's own names -----------------------------------------------------------------
# Docstrings name objects the way a reader would (`fit`, `ModelFileError`, `neuronkit.load`), and
# signatures name them where they are defined (`neuronkit.layers.dense.Dense`). Each object is
# documented once, under its public module; this resolves such a reference to that one entry, and
# fails (a warning, so the strict build fails) when no documented neuronkit object matches.

def _import_dotted(path: str):
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for part in parts[i:]:
                obj = getattr(obj, part)
        except AttributeError:
            return None
        return obj
    return None


_PUBLIC_NAMES: dict[int, str] = {}


def _public_foreign_name(app, env, node, contnode):
    """Signatures name some NumPy objects where they are defined (``numpy.random._generator.Generator``):
    such a reference is pointed at the public name an inventory lists (``numpy.random.Generator``), which
    intersphinx then links. Runs before the resolvers, and resolves nothing itself."""
    target = node.get("reftarget", "")
    if node.get("refdomain") != "py" or target.split(".")[0] not in ("numpy", "sklearn"):
        return None
    if not any(part.startswith("_") for part in target.split(".")):
        return None
    if not _PUBLIC_NAMES:
        for name in reversed(_linked_names()):  # the first name wins for an object listed twice
            obj = _import_dotted(name)
            if obj is not None:
                _PUBLIC_NAMES[id(obj)] = name
    obj = _import_dotted(target)
    if obj is not None and id(obj) in _PUBLIC_NAMES:
        node["reftarget"] = _PUBLIC_NAMES[id(obj)]
    return None


def _resolve_neuronkit(app, env, node, contnode):
    from docutils import nodes
    from sphinx.util.nodes import make_refnode

    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip("~.")
    objects = env.get_domain("py").objects
    if any(part.startswith("_") and not part.startswith("__") for part in target.split(".")) or (
        type(_import_dotted(target)).__name__ == "TypeVar"
    ):
        return nodes.literal(text=target.rsplit(".", 1)[-1])  # private or a type variable: no page, by design
    last = target.rsplit(".", 1)[-1]
    candidates = [name for name in objects if name == target or name.endswith("." + target)]
    if not candidates and "." in target:  # an alias: neuronkit.fit is neuronkit.training.fit
        obj = _import_dotted(target)
        if obj is not None:
            candidates = [n for n in objects if n.rsplit(".", 1)[-1] == last and _import_dotted(n) is obj]
    if not candidates and node.get("reftype") == "mod":  # a submodule of a public module: its page
        candidates = [m for m in PUBLIC_MODULES if target.startswith(m + ".") or target == m.rsplit(".", 1)[-1]]
        candidates = candidates[-1:] if candidates else []
        for module in (node.get("py:module") or "",):
            if module and f"{module}.{target}" in sys.modules:
                candidates = [module]
    if len(candidates) > 1:  # prefer the reader's context: same class, same module, in the module, the shallowest
        cls, module = node.get("py:class"), node.get("py:module")
        # (a class's summary line in its module's table has no class context: `run` is then the module's
        # one Network.run, not another module's Replay.run)
        for prefix, exact in ((f"{module}.{cls}." if cls and module else None, True),
                              (f"{module}." if module else None, True), (f"{module}." if module else None, False)):
            near = [c for c in candidates if prefix and c.startswith(prefix)
                    and (not exact or c.count(".") == prefix.count("."))]
            if len(near) == 1:
                candidates = near
                break
        else:
            depth = min(c.count(".") for c in candidates)
            shallow = [c for c in candidates if c.count(".") == depth]
            candidates = shallow if len(shallow) == 1 else candidates
    if len(candidates) != 1:
        return None
    entry = objects[candidates[0]]
    return make_refnode(app.builder, node["refdoc"], entry.docname, entry.node_id, contnode, candidates[0])


def _skip_member(app, what, name, obj, skip, options):
    # scikit-learn adds set_*_request methods to every estimator; they are scikit-learn's, documented there
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def _signature(app, what, name, obj, options, signature, return_annotation):
    # a dataclass field with default_factory shows as "=<factory>", which the signature parser cannot read
    # and a class as a dataclass default shows as its repr "<class 'neuronkit.errors.TrainingError'>"
    if signature and ("<factory>" in signature or "<class '" in signature):
        return re.sub(r"<class '([\w.]+)'>", r"\1", signature.replace("<factory>", "...")), return_annotation
    return None


_LITERAL = re.compile(r"(``.*?``|`[^`]*`)")
_BORDER = re.compile(r"^\s*=+( +=+)*\s*$")


def _escape(text: str) -> str:
    parts = _LITERAL.split(text)
    return "".join(part if k % 2 else part.replace("|", "\\|") for k, part in enumerate(parts))


def _escape_table(rows: list[str]) -> list[str]:
    """A simple table (``===`` borders) with its cells escaped, its columns widened to fit."""
    border = next(r for r in rows if _BORDER.match(r))
    indent = len(border) - len(border.lstrip())
    spans = [m.span() for m in re.finditer(r"=+", border)]
    cells = []
    for row in rows:
        if _BORDER.match(row):
            cells.append(None)
            continue
        starts = [a for a, _ in spans] + [None]
        cells.append([_escape(row[starts[k]:starts[k + 1]].rstrip()) for k in range(len(spans))])
    widths = [max([b - a] + [len(c[k]) for c in cells if c]) for k, (a, b) in enumerate(spans)]
    out = []
    for c in cells:
        if c is None:
            out.append(" " * indent + "  ".join("=" * w for w in widths))
        else:
            out.append((" " * indent + "  ".join(cell.ljust(w) for cell, w in zip(c, widths))).rstrip())
    return out


def _escape_bars(app, what, name, obj, options, lines):
    """Docstrings write ``|x|`` for an absolute value; reStructuredText would read a substitution.

    Outside literals, roles, doctests, literal blocks and grid tables, a ``|`` is escaped; a simple
    table's columns are widened by the escapes.
    """
    literal_indent = None
    in_doctest = False
    table_start = None
    borders = 0
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if table_start is not None:
            if _BORDER.match(line):
                borders += 1
                if borders == 3 or (borders == 2 and (i + 1 == len(lines) or not lines[i + 1].strip())):
                    lines[table_start:i + 1] = _escape_table(lines[table_start:i + 1])
                    table_start = None
            continue
        if _BORDER.match(line) and "|" in "".join(lines[i:]):
            table_start, borders = i, 1
            continue
        if not stripped:
            in_doctest = False
            continue
        if literal_indent is not None:
            if indent > literal_indent:
                continue
            literal_indent = None
        if stripped.startswith(">>>"):
            in_doctest = True
        if in_doctest or stripped[0] in "+|":
            continue
        if stripped.endswith("::"):
            literal_indent = indent
        lines[i] = _escape(line)


def _public_bases(app, name, obj, options, bases):
    # a private base (_Neuron, _SpikingLayer) is shown as its nearest public ancestor, so "Bases:" is never empty
    public = []
    for base in bases:
        if base.__name__.startswith("_"):
            base = next(b for b in base.__mro__ if not b.__name__.startswith("_"))
        if base not in public:
            public.append(base)
    bases[:] = public


def setup(app):
    app.connect("missing-reference", _public_foreign_name, priority=100)  # before intersphinx's (500)
    app.connect("missing-reference", _resolve_neuronkit)
    app.connect("autodoc-skip-member", _skip_member)
    app.connect("autodoc-process-bases", _public_bases)
    app.connect("autodoc-process-signature", _signature)
    app.connect("autodoc-process-docstring", _escape_bars)
