from __future__ import annotations

import typing
from typing import Any

import pytest

from mfa_assume import records
from mfa_assume.credentials import Credentials
from mfa_assume.flow import Result
from mfa_assume.request import Options, Request


def point_class(base: Any) -> Any:
    """The same class body on either base."""

    class Point(base):  # type: ignore[misc]
        """A point."""

        x: int
        y: int = 0
        label: str = "origin"

        def __repr__(self) -> str:
            return f"<{self.label}>"

        def moved(self, dx: int) -> Any:
            return self._replace(x=self.x + dx)

        @classmethod
        def at(cls, x: int) -> Any:
            return cls(x)

    return Point


LIGHT, TYPING = point_class(records.NamedTuple), point_class(typing.NamedTuple)


def test_records_are_made_as_typing_makes_named_tuples():
    for made in (LIGHT, TYPING):
        point = made.at(1).moved(2)
        assert point == (3, 0, "origin")
        assert repr(point) == "<origin>"
        assert point._asdict() == {"x": 3, "y": 0, "label": "origin"}
        assert isinstance(point, tuple)
    for attribute in ("_fields", "_field_defaults", "__doc__", "__module__", "__qualname__"):
        assert getattr(LIGHT, attribute) == getattr(TYPING, attribute), attribute
    assert list(LIGHT.__annotations__) == list(TYPING.__annotations__)  # typing: ForwardRef


def test_a_field_without_default_after_one_with_a_default_is_refused():
    with pytest.raises(TypeError, match="without a default follows one with a default"):

        class Wrong(records.NamedTuple):
            a: int = 0
            b: int  # type: ignore[misc]


@pytest.mark.parametrize("record", [Credentials, Options, Request, Result])
def test_the_package_records_are_named_tuples_of_their_annotations(record):
    assert issubclass(record, tuple)
    assert record._fields == tuple(record.__annotations__)
