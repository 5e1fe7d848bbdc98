"""One registry type behind every named family: activations, initialisers, losses, metrics, …

A :class:`Registry` maps names to entries (classes or functions). Every family
looks names up the same way: case, spaces, ``-`` and ``_`` are ignored
(``"He-Normal"``, ``"he_normal"`` and ``"HENORMAL"`` are one name), aliases
point at a canonical name, and an unknown name gets one message that lists
the valid names and suggests the closest::

    >>> colours = Registry("colour")
    >>> colours.register("dark_red", "#8b0000", aliases=("maroon",))
    '#8b0000'
    >>> colours.get("Dark-Red"), colours.get("maroon"), colours.canonical("DARKRED")
    ('#8b0000', '#8b0000', 'dark_red')
    >>> print(colours.unknown("dark_rde"))
    unknown colour 'dark_rde'; valid names are: dark_red (aliases: maroon); did you mean 'dark_red'?

Adding a variant to a family is one ``register`` call (or decorator) beside
its definition. Imports only :mod:`neuronkit.errors`.
"""

from __future__ import annotations

import difflib
import importlib
import sys
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar, overload

from .errors import ParameterTypeError, UnknownNameError

T = TypeVar("T")

__all__ = ["Registry", "normalise"]


def normalise(name: str) -> str:
    """The lookup key of a name: lower case, without spaces, ``-`` or ``_``.

    Examples
    --------
    >>> from neuronkit.registry import normalise
    >>> normalise(" Leaky-ReLU "), normalise("he_normal")
    ('leakyrelu', 'henormal')
    """
    return "".join(ch for ch in name.strip().lower() if ch not in " -_")


class Registry(Generic[T]):
    """Named entries of one family (``kind`` is used in messages: ``"activation"``, ``"loss"``).

    Examples
    --------
    >>> from neuronkit.registry import Registry
    >>> shapes = Registry("shape")
    >>> shapes.register("square", 4, aliases=("quad",))
    4
    >>> shapes.get("QUAD"), shapes.names(), "Square" in shapes
    (4, ['square'], True)
    >>> print(shapes.unknown("sqare"))
    unknown shape 'sqare'; valid names are: square (aliases: quad); did you mean 'square'?
    """

    def __init__(self, kind: str, *, providers: tuple[str, ...] = ()) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}  # canonical name -> entry, in registration order
        self._keys: dict[str, str] = {}  # normalised name or alias -> canonical name
        self._aliases: dict[str, str] = {}  # alias as written -> canonical name
        # Modules above this registry's own that register more entries in it (the spiking package's layers and
        # losses). Importing them from below would be a cycle, so, like a package's entry points, they are named
        # here and imported by name the first time a name is missing or all names are asked for: one registry,
        # and `import neuronkit` does not load them.
        self._providers = tuple(providers)

    def _load_providers(self) -> bool:
        """Import the provider modules not yet imported; True if any was (the entries may have grown)."""
        missing = [module for module in self._providers if module not in sys.modules]
        for module in missing:
            importlib.import_module(module)
        return bool(missing)

    @overload
    def register(self, name: str, entry: T, *, aliases: tuple[str, ...] = ..., replace: bool = ...) -> T: ...
    @overload
    def register(self, name: str, entry: None = ..., *, aliases: tuple[str, ...] = ...,
                 replace: bool = ...) -> Callable[[T], T]: ...

    def register(self, name: str, entry: T | None = None, *, aliases: tuple[str, ...] = (),
                 replace: bool = False) -> T | Callable[[T], T]:
        """Add ``entry`` under ``name`` (and its ``aliases``); returns it, so it also works as a decorator.

        A name that is already taken by another entry is refused unless ``replace=True``.
        """
        if not isinstance(name, str) or not normalise(name):
            raise ParameterTypeError(f"a {self.kind} name must be a non-empty string; got {name!r}")
        if entry is None:
            def decorator(obj: T) -> T:
                self.register(name, obj, aliases=aliases, replace=replace)
                return obj
            return decorator
        for key in (name, *aliases):
            taken = self._keys.get(normalise(key))
            if taken is None or replace:
                continue
            if taken != name:
                raise UnknownNameError(f"the {self.kind} name {key!r} is already taken by {taken!r}; "
                                       "pass replace=True to replace it", kind=self.kind, name=key)
            if not _same_definition(self._entries[name], entry):  # the same name for something else
                raise UnknownNameError(f"the {self.kind} name {key!r} is already taken by another entry "
                                       f"({self._entries[name]!r}); pass replace=True to replace it, or choose "
                                       "another name", kind=self.kind, name=key)
        self._entries[name] = entry
        self._keys[normalise(name)] = name
        for alias in aliases:
            self._keys[normalise(alias)] = name
            self._aliases[alias] = name
        return entry

    # ------------------------------------------------------------ lookups
    def canonical(self, name: Any) -> str:
        """The canonical name for ``name`` (an alias or any spelling), or an :class:`UnknownNameError`."""
        if not isinstance(name, str):
            raise ParameterTypeError(f"a {self.kind} name must be a string; got {name!r}")
        found = self._keys.get(normalise(name))
        if found is None and self._load_providers():
            found = self._keys.get(normalise(name))
        if found is None:
            raise self.unknown(name)
        return found

    def get(self, name: Any) -> T:
        """The entry registered under ``name`` (any spelling or alias)."""
        return self._entries[self.canonical(name)]

    def unknown(self, name: Any) -> UnknownNameError:
        """The error for a name this registry does not hold: the valid names and the closest one."""
        self._load_providers()
        valid = tuple(self._entries)
        keys = {normalise(k): v for k, v in self._keys.items()}
        close = difflib.get_close_matches(normalise(str(name)), list(keys), n=1, cutoff=0.6)
        suggestion = keys[close[0]] if close else None
        aliases = f" (aliases: {', '.join(sorted(self._aliases))})" if self._aliases else ""
        hint = f"; did you mean {suggestion!r}?" if suggestion else ""
        return UnknownNameError(f"unknown {self.kind} {name!r}; valid names are: {', '.join(valid)}{aliases}{hint}",
                                kind=self.kind, name=name, valid=valid, suggestion=suggestion)

    def names(self) -> list[str]:
        """The canonical names, in registration order."""
        self._load_providers()
        return list(self._entries)

    @property
    def aliases(self) -> dict[str, str]:
        """Alias -> canonical name."""
        return dict(self._aliases)

    def items(self) -> list[tuple[str, T]]:
        self._load_providers()
        return list(self._entries.items())

    def values(self) -> list[T]:
        self._load_providers()
        return list(self._entries.values())

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        return normalise(name) in self._keys or (self._load_providers() and normalise(name) in self._keys)

    def __getitem__(self, name: str) -> T:
        return self.get(name)

    def __iter__(self) -> Iterator[str]:
        self._load_providers()
        return iter(list(self._entries))

    def __len__(self) -> int:
        self._load_providers()
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}: {', '.join(self._entries)})"


def _same_definition(old: Any, new: Any) -> bool:
    """The same object, or the same definition again (a module imported a second time defines its
    classes and functions anew: same module and qualified name)."""
    if old is new:
        return True
    key = lambda obj: (getattr(obj, "__module__", None), getattr(obj, "__qualname__", None))  # noqa: E731
    return key(old)[1] is not None and key(old) == key(new)
