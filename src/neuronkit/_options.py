"""The options a registry entry takes, checked by name before it is called.

``get_activation("leaky_relu", slope=0.1)`` should say which options
``leaky_relu`` has, not leak Python's "unexpected keyword argument". Used by
the named families of activations, initialisers and losses. (It belongs with
:mod:`neuronkit.validation`, or as ``Registry.create``; it lives here until one
of them takes it.) Imports :mod:`neuronkit.errors` only.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from .errors import ParameterError, ParameterTypeError

__all__ = ["check_options"]


def check_options(kind: str, name: str, fn: Callable[..., Any], options: Mapping[str, Any], *,
                  fixed: tuple[str, ...] = (), complete: bool = False) -> None:
    """Refuse ``options`` that ``fn`` (a class or function) has no keyword for; ``fixed`` are not options.

    With ``complete``, ``options`` must also give every parameter that has no default (a saved config).

    >>> def elu(z, *, alpha=1.0): ...
    >>> check_options("activation", "elu", elu, {"alpha": 0.5}, fixed=("z",))
    >>> check_options("activation", "elu", elu, {"slope": 0.5}, fixed=("z",))
    Traceback (most recent call last):
    ...
    neuronkit.errors.ParameterTypeError: activation 'elu' has no option 'slope'; its options are: alpha
    """
    if not options and not complete:
        return
    parameters = [p for p in inspect.signature(fn).parameters.values()
                  if p.name not in fixed and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY, p.VAR_KEYWORD)]
    allowed = [p.name for p in parameters if p.kind is not p.VAR_KEYWORD]
    missing = [p.name for p in parameters if complete and p.default is p.empty and p.kind is not p.VAR_KEYWORD
               and p.name not in options]
    if missing:
        raise ParameterError(f"{kind} {name!r} needs {', '.join(map(repr, missing))}; got only "
                             f"{', '.join(map(repr, options)) or 'no options'}")
    unknown = [option for option in options if option not in allowed]
    if unknown and not any(p.kind is p.VAR_KEYWORD for p in parameters):
        takes = f"its options are: {', '.join(allowed)}" if allowed else "it takes no options"
        raise ParameterTypeError(f"{kind} {name!r} has no option {', '.join(map(repr, unknown))}; {takes}")
