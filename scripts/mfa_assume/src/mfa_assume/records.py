"""``NamedTuple`` for the records on the cache-hit path, without importing :mod:`typing`.

Importing ``typing`` costs about 4 ms, a third of what a cache hit adds to the interpreter's
own start-up. Type checkers see ``typing.NamedTuple`` itself. At run time the classes are
made as ``typing.NamedTuple`` makes them: a :func:`collections.namedtuple` with the annotated
fields (those with a value are the defaults), and the rest of the class body (docstring,
methods) copied onto it. Use it as ``class Point(NamedTuple): x: int; y: int = 0``.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads it the same)
if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple
else:
    import collections

    # set by collections.namedtuple, or by the class statement itself: not copied
    _NOT_COPIED = frozenset({"__module__", "__qualname__", "__annotations__", "__dict__"})

    class _Meta(type):
        def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, object]) -> type:
            if not bases:  # NamedTuple itself
                return super().__new__(mcs, name, bases, namespace)
            fields = list(namespace.get("__annotations__", {}))
            with_default = [field for field in fields if field in namespace]
            if fields[len(fields) - len(with_default) :] != with_default:
                raise TypeError(f"{name}: a field without a default follows one with a default")
            cls = collections.namedtuple(
                name,
                fields,
                defaults=[namespace[field] for field in with_default],
                module=namespace["__module__"],
            )
            cls.__qualname__ = namespace["__qualname__"]
            cls.__annotations__ = namespace.get("__annotations__", {})
            for key, value in namespace.items():
                if key not in _NOT_COPIED and key not in fields:
                    setattr(cls, key, value)
            return cls

    class NamedTuple(metaclass=_Meta):
        """Base class of records: see the module's docstring."""
