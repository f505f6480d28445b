"""typing.NamedTuple's class syntax without importing typing (~12 M host instructions of
a boot's start-up): the same collections.namedtuple, defaults, docstring and methods.

Modules import it as ``NamedTuple`` at run time only; mypy sees typing's::

    TYPE_CHECKING = False
    if TYPE_CHECKING:
        from typing import NamedTuple
    else:
        from irqemu.namedtuples import NamedTuple

Unlike typing's it never makes a ForwardRef of annotation text (nor compiles it).
"""

from __future__ import annotations

import collections

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: what a NamedTuple's body may not define (typing's ``_prohibited``)
_PROHIBITED = frozenset({"__new__", "__init__", "__slots__", "__getnewargs__", "_fields",
                         "_field_defaults", "_make", "_replace", "_asdict", "_source"})
#: what the body's namespace holds that the made class keeps its own of
_SPECIAL = frozenset({"__module__", "__name__", "__annotations__"})


class _NamedTupleMeta(type):
    """Makes ``class X(NamedTuple)`` the collections.namedtuple typing makes of it."""

    def __new__(mcs, typename: str, bases: tuple[type, ...], ns: dict[str, Any]) -> Any:
        if bases != (NamedTuple,):
            raise TypeError("can only inherit from a NamedTuple type")
        types = ns.get("__annotations__", {})
        defaults: list[str] = []
        for name in types:  # typing's order check, and its message
            if name in ns:
                defaults.append(name)
            elif defaults:
                raise TypeError(f"Non-default namedtuple field {name} cannot follow default "
                                f"field{'s' if len(defaults) > 1 else ''} {', '.join(defaults)}")
        values, module = [ns[name] for name in defaults], ns["__module__"]
        cls = collections.namedtuple(typename, types, defaults=values, module=module)  # type: ignore[misc]
        cls.__annotations__ = cls.__new__.__annotations__ = dict(types)
        for key, value in ns.items():
            if key in _PROHIBITED:
                raise AttributeError("Cannot overwrite NamedTuple attribute " + key)
            if key not in _SPECIAL and key not in cls._fields:
                setattr(cls, key, value)
        return cls


#: the base to declare from: ``class Header(NamedTuple): ...``
NamedTuple = type.__new__(_NamedTupleMeta, "NamedTuple", (), {})
