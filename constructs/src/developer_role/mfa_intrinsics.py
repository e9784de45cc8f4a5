"""The trust policies a CloudFormation value can stand for, one per combination of its
``Fn::If`` conditions.

Pure functions, no CDK import. ``Fn::If`` may stand for the whole document, a statement, or any
value inside one (a condition value included); ``{"Ref": "AWS::NoValue"}`` in a branch removes
the property or list item it stands for; a document may be a JSON string. See "Condition
functions" in the CloudFormation User Guide:
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-conditions.html
and ``AssumeRolePolicyDocument`` ("Json", an object or a JSON string):
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-role.html

Other functions (``Ref`` to a parameter, ``Fn::ImportValue``, ``Fn::Sub``...) are left in
place: their value is unknown at synthesis, and :func:`opaque` names them.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = [
    "MAX_CONDITIONS",
    "MAX_DOCUMENT_CHARACTERS",
    "Branch",
    "branches",
    "is_function",
    "opaque",
]

# Bounds on what one template can cost: 2**8 branches, a 1 MB JSON string (IAM's own quota on
# a trust policy is 2,048 characters, 4,096 when raised).
MAX_CONDITIONS = 8
MAX_DOCUMENT_CHARACTERS = 1_000_000
_NO_VALUE = {"Ref": "AWS::NoValue"}
_REMOVED = object()


@dataclasses.dataclass(frozen=True)
class Branch:
    """One combination of ``Fn::If`` conditions (empty: no ``Fn::If``) and the document it
    gives, or ``None`` with ``unknown`` naming what cannot be seen into."""

    conditions: tuple[tuple[str, bool], ...]
    document: Mapping[str, Any] | None
    unknown: str = ""

    @property
    def words(self) -> str:
        """``"where IsProd is true and Open is false"``, or ``""`` without ``Fn::If``."""
        if not self.conditions:
            return ""
        shown = " and ".join(f"{name} is {str(value).lower()}" for name, value in self.conditions)
        return f"where {shown}"


def _if(value: Mapping[str, Any]) -> list[Any] | None:
    """The arguments of ``{"Fn::If": [condition, if true, if false]}``, else None."""
    arguments = value.get("Fn::If") if len(value) == 1 else None
    if isinstance(arguments, list) and len(arguments) == 3 and isinstance(arguments[0], str):
        return arguments
    return None


def _names(value: Any, found: list[str]) -> None:
    if isinstance(value, Mapping):
        arguments = _if(value)
        if arguments is not None and arguments[0] not in found:
            found.append(arguments[0])
        for item in value.values():
            _names(item, found)
    elif isinstance(value, list):
        for item in value:
            _names(item, found)


def _resolve(value: Any, truth: Mapping[str, bool], holes: bool = False) -> Any:
    """``value`` with each ``Fn::If`` replaced by its branch; ``AWS::NoValue`` removes what it
    stands for, except in ``Statement`` (``holes``), where it leaves ``None`` so that the
    statements keep the indexes they have in the template."""
    if isinstance(value, Mapping):
        if value == _NO_VALUE:
            return _REMOVED
        arguments = _if(value)
        if arguments is not None:
            return _resolve(arguments[1] if truth[arguments[0]] else arguments[2], truth, holes)
        resolved = {key: _resolve(item, truth, key == "Statement") for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not _REMOVED}
    if isinstance(value, list):
        items = [_resolve(item, truth) for item in value]
        if holes:
            return [None if item is _REMOVED else item for item in items]
        return [item for item in items if item is not _REMOVED]
    return value


def opaque(value: Any) -> str:
    """A CloudFormation function as a reader finds it in the template: ``Ref Users``,
    ``Fn::ImportValue``..."""
    if isinstance(value, Mapping) and len(value) == 1:
        ((name, argument),) = value.items()
        if name == "Ref" and isinstance(argument, str):
            return f"Ref {argument}"
        if name == "Fn::GetAtt" and isinstance(argument, list):
            return "Fn::GetAtt " + ".".join(str(a) for a in argument)
        return str(name)
    return "absent" if value is None else f"a {type(value).__name__}, not an object"


def is_function(value: Mapping[str, Any]) -> bool:
    """Whether a mapping is a CloudFormation function (``Ref``, ``Fn::...``)."""
    return any(str(key).startswith("Fn::") or key == "Ref" for key in value)


def _document(value: Any) -> tuple[Mapping[str, Any] | None, str]:
    if isinstance(value, str):
        if len(value) > MAX_DOCUMENT_CHARACTERS:
            return None, f"a JSON string of {len(value)} characters"
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return None, "a string that is not JSON (or nested too deeply)"
    if isinstance(value, Mapping) and not is_function(value):
        return value, ""
    return None, opaque(value)


def branches(value: Any) -> Iterator[Branch]:
    """Every document ``value`` (an ``AssumeRolePolicyDocument``) can stand for."""
    names: list[str] = []
    _names(value, names)
    if len(names) > MAX_CONDITIONS:
        yield Branch((), None, f"{len(names)} Fn::If conditions (at most {MAX_CONDITIONS})")
        return
    for truths in itertools.product((True, False), repeat=len(names)):
        truth = dict(zip(names, truths, strict=True))
        resolved = _resolve(value, truth)
        document, unknown = _document(None if resolved is _REMOVED else resolved)
        yield Branch(tuple(truth.items()), document, unknown)
