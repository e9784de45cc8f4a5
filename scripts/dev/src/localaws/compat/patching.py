"""Wrapping moto's methods (machinery, not a fix).

Fixes stack: each wraps whatever the attribute is when it installs, so the order of
``localaws.compat.MODULES`` is the order of the wrappers (a later one runs first).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Func = Callable[..., Any]


def wrap_classmethod(cls: type, name: str, make: Callable[[Func], Func]) -> None:
    """Replace the classmethod ``cls.name`` by ``make(original function)``."""
    original = cls.__dict__[name].__func__
    setattr(cls, name, classmethod(make(original)))


def wrap_method(cls: type, name: str, make: Callable[[Func], Func]) -> None:
    """Replace the method ``cls.name`` by ``make(original function)``."""
    setattr(cls, name, make(getattr(cls, name)))
