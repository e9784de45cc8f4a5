"""A small declarative schema: one description gives the checks, a JSON Schema and a reference.

A format is a tree of nodes (:class:`Obj` with :class:`Field`s, :class:`ListOf`, :class:`Text`,
...). ``node.check(value, where, problems)`` checks a value, appends one message per problem
(located by ``where``, the key's path such as ``principals[2].roleName``) and returns the clean
value, defaults applied, or :data:`INVALID`. ``node.json_schema()`` is the JSON Schema of the
same node, and :func:`reference` renders the Markdown reference of an object and its parts.

Values that YAML read as something else than the user meant (an account ID as a number, ``on``
as a boolean) are shown as written, with the way out.

Why not pydantic v2 (measured on this machine, median of runs; /tmp timing scripts in the
change's note): checking 1,000 / 5,000 principals took 11-28 / 166-174 ms here and 25-51 /
139-175 ms with an equivalent pydantic model calling the same parse functions, and importing
pydantic added 57-140 ms. Speed is a draw; what decides is the messages: the corpus
(``tests/developer_roles/config/config_mistakes``) pins every message word for word, with the
value as written in YAML, "did you mean" with the allowed keys, and every problem at once.
With pydantic each of its error types would have to be translated back into these messages,
a second place for every rule; here the node that checks a value also words its message.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from developer_roles.config.files import WrittenFloat, WrittenInt, YamlBoolWord


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()
_MISSING: Any = object()
_SHOWN_LIMIT = 120


def shown(value: object) -> str:
    """``value`` as the user wrote it, shortened if long."""
    text = value.written if isinstance(value, WrittenInt | WrittenFloat | YamlBoolWord) else None
    if text is None:
        try:
            text = repr(value)
        except RecursionError:
            text = "(a value nested too deeply)"
    return text if len(text) <= _SHOWN_LIMIT else f"{text[: _SHOWN_LIMIT - 3]}..."


def yaml_trap(value: object) -> str | None:
    """Why a YAML scalar is not the text it looks like, with the way out; ``None`` otherwise."""
    if isinstance(value, YamlBoolWord):
        return (
            f"{value.written} is read by YAML as the boolean {str(value.value).lower()}, not "
            f"as text; quote it: '{value.written}'"
        )
    if isinstance(value, WrittenInt | WrittenFloat):
        written = value.written
        if written.lstrip("+-").startswith("0") and written.strip("+-0") and str(value) != written:
            how = f"the number {int(value)} (a leading 0 makes it octal, and zeros are lost)"
        else:
            how = "a number"
        return f"{written} is read by YAML as {how}, not as text; quote it: '{written}'"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f'{value!r} is a number, not text; write it in quotes: "{value!r}"'
    return None


class Node:
    """One kind of value. Subclasses implement :meth:`check`, :meth:`json_schema`, ``kind``."""

    kind = "value"

    def check(self, value: object, where: str, problems: list[str]) -> Any:
        raise NotImplementedError

    def json_schema(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True)
class Text(Node):
    """Text. ``pattern`` (a regular expression, full match, ASCII classes only so that Python and
    JSON Schema read it alike) and the lengths are checked here and published in the JSON
    Schema: one pattern for both. ``parse`` turns valid text into a value, and explains text
    that is not (``(None, "... trusts a whole account ...")``); its message is preferred to
    the generic one, so the domain's rule is what the user reads."""

    expected: str = "text"
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    parse: Callable[[str], tuple[Any, str | None]] | None = None
    kind = "text"

    def _fits(self, value: str) -> bool:
        if self.min_length is not None and len(value) < self.min_length:
            return False
        if self.max_length is not None and len(value) > self.max_length:
            return False
        return self.pattern is None or re.fullmatch(self.pattern, value) is not None

    def check(self, value: object, where: str, problems: list[str]) -> Any:
        if not isinstance(value, str):
            trap = yaml_trap(value)
            problems.append(
                f"{where}: {trap}" if trap else f"{where}: {shown(value)} must be {self.expected}"
            )
            return INVALID
        parsed, error = self.parse(value) if self.parse is not None else (value, None)
        if error is not None:
            problems.append(f"{where}: {error}")
            return INVALID
        if not self._fits(value):
            problems.append(f"{where}: {shown(value)} is not {self.expected}")
            return INVALID
        return parsed

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string"}
        if self.pattern is not None:
            # Python's named groups are plain groups for JSON Schema's (ECMA 262) dialect.
            schema["pattern"] = "^(?:" + re.sub(r"\(\?P<\w+>", "(", self.pattern) + ")$"
        if self.min_length is not None:
            schema["minLength"] = self.min_length
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        return schema


@dataclass(frozen=True)
class Integer(Node):
    minimum: int
    maximum: int
    why: str
    kind = "integer"

    def check(self, value: object, where: str, problems: list[str]) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{where}: {shown(value)} must be a whole number; {self.why}")
            return INVALID
        if not self.minimum <= value <= self.maximum:
            problems.append(
                f"{where}: {shown(value)} is out of range; {self.why} "
                f"({self.minimum} to {self.maximum})"
            )
            return INVALID
        return int(value)

    def json_schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}


@dataclass(frozen=True)
class Boolean(Node):
    kind = "true or false"

    def check(self, value: object, where: str, problems: list[str]) -> Any:
        if isinstance(value, YamlBoolWord):
            return value.value
        if not isinstance(value, bool):
            problems.append(f"{where}: {shown(value)} must be true or false")
            return INVALID
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


_DURATION = r"[0-9]+ *[smhSMH]?"
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600}


def parse_duration(value: object) -> int | None:
    """Seconds from ``3600``, ``"3600"``, ``"90m"`` or ``"12h"``; ``None`` if unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, WrittenInt) and not value.written.isdigit():
        return None  # YAML 1.1 octal (0600) or base 60 (1:30): not what was meant
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str) and re.fullmatch(_DURATION, text := value.strip().lower()):
        amount = text.rstrip("smh ")
        return int(amount) * _UNIT_SECONDS[text[len(amount) :].strip()]
    return None


@dataclass(frozen=True)
class Duration(Node):
    """Seconds, or text such as ``"90m"``/``"4h"``; ``limit`` is the range rule."""

    limit: Callable[[str, int], str | None]
    minimum: int
    maximum: int
    kind = "duration"

    def check(self, value: object, where: str, problems: list[str]) -> Any:
        seconds = parse_duration(value)
        if isinstance(value, WrittenInt) and seconds is None:
            problems.append(
                f"{where}: {value.written} is read by YAML as the number {int(value)} (base 60 "
                "or octal), not what it looks like; write seconds (3600) or '90m', '4h'"
            )
            return INVALID
        if seconds is None:
            problems.append(
                f"{where}: {shown(value)} is not a duration; use seconds (3600) or '90m', '4h'"
            )
            return INVALID
        if error := self.limit(where, seconds):
            problems.append(error)
            return INVALID
        return seconds

    def json_schema(self) -> dict[str, Any]:
        return {
            "anyOf": [
                {"type": "integer", "minimum": self.minimum, "maximum": self.maximum},
                {"type": "string", "pattern": f"^(?:{_DURATION})$"},
            ]
        }


@dataclass(frozen=True)
class ListOf(Node):
    item: Node
    expected: str = "a list"
    min_items: int = 0
    max_items: int | None = None
    too_many: str = ""
    kind = "list"

    def check(self, value: object, where: str, problems: list[str]) -> Any:
        if not isinstance(value, list):
            problems.append(f"{where}: {shown(value)} must be {self.expected}")
            return INVALID
        if self.min_items and len(value) < self.min_items:
            problems.append(f"{where}: the list is empty; it must be {self.expected}")
            return INVALID
        if self.max_items is not None and len(value) > self.max_items:
            problems.append(f"{where}: {shown(value)} {self.too_many}")
            return INVALID
        return [self.item.check(item, f"{where}[{i}]", problems) for i, item in enumerate(value)]

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "array", "items": self.item.json_schema()}
        if self.min_items:
            schema["minItems"] = self.min_items
        if self.max_items is not None:
            schema["maxItems"] = self.max_items
        return schema


@dataclass(frozen=True)
class MapOf(Node):
    """An object with free keys (tags): ``key`` and ``value`` check each pair."""

    key: Text
    value: Text
    max_items: int
    kind = "map"

    def check(self, value: object, where: str, problems: list[str]) -> Any:
        if not isinstance(value, Mapping):
            problems.append(f"{where}: {shown(value)} must be an object of text keys and values")
            return INVALID
        clean: dict[str, str] = {}
        for key, item in value.items():
            at = f"{where}.{key if isinstance(key, str) else shown(key)}"
            if self.key.check(key, at, problems) is INVALID:
                continue
            checked = self.value.check(item, at, problems)
            if checked is not INVALID:
                clean[key] = checked
        return clean

    def json_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "propertyNames": self.key.json_schema(),
            "additionalProperties": self.value.json_schema(),
            "maxProperties": self.max_items,
        }


@dataclass(frozen=True)
class Field:
    """A key of an object: its node, description and default.

    ``attr`` is the attribute of the data the stacks receive that holds the key's value; a
    field declared with :func:`key` in a model dataclass gets it from the dataclass.
    """

    key: str
    node: Node
    description: str
    default: Any = _MISSING
    required: bool = False
    nullable: bool = False  # ``null`` is a value ("none"); otherwise it counts as absent
    attr: str = ""

    @property
    def has_default(self) -> bool:
        return self.default is not _MISSING

    def without_default(self) -> Field:
        return dataclasses.replace(self, default=_MISSING)


_FIELD = "developer_roles.config"
Model = TypeVar("Model")


def key(
    name: str,
    node: Node,
    description: str,
    *,
    default: Any = _MISSING,
    required: bool = False,
    nullable: bool = False,
    absent: Any = _MISSING,
) -> Any:
    """A dataclass attribute that is also a configuration key: the one place that declares it.

    ``default`` is the key's default (for the configuration and for the attribute alike);
    ``absent`` is the attribute's value where the configuration does not give one (a required
    key of an object that is itself optional, such as a target's unknown account).
    """
    spec = Field(name, node, description, default, required, nullable)
    metadata = {_FIELD: spec}
    fallback = default if default is not _MISSING else absent
    if fallback is _MISSING:
        return dataclasses.field(metadata=metadata)
    if isinstance(fallback, dict | list):
        frozen = fallback
        return dataclasses.field(default_factory=lambda: type(frozen)(frozen), metadata=metadata)
    return dataclasses.field(default=fallback, metadata=metadata)


def fields_of(model: type) -> tuple[Field, ...]:
    """The configuration keys a model dataclass declares with :func:`key`, in order."""
    return tuple(
        dataclasses.replace(item.metadata[_FIELD], attr=item.name)
        for item in dataclasses.fields(model)
        if _FIELD in item.metadata
    )


def build(
    model: type[Model], specs: Sequence[Field], clean: Mapping[str, Any], **derived: Any
) -> Model:
    """An instance of ``model`` from a checked object: each key's value goes to its attribute
    (lists become tuples, invalid items dropped); ``derived`` gives the other attributes."""
    values: dict[str, Any] = {}
    for spec in specs:
        if spec.key not in clean:
            continue
        value = clean[spec.key]
        if isinstance(value, list):
            value = tuple(item for item in value if item is not INVALID)
        values[spec.attr] = value
    return model(**values, **derived)


@dataclass(frozen=True)
class Obj(Node):
    """An object with known keys. Unknown keys are reported with the nearest known key."""

    name: str
    fields: tuple[Field, ...]
    description: str = ""
    expected: str = "an object"
    kind = "object"
    by_key: Mapping[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_key", {f.key: f for f in self.fields})

    def check(self, value: object, where: str, problems: list[str]) -> Any:
        if not isinstance(value, Mapping):
            problems.append(f"{where}: {shown(value)} must be {self.expected}")
            return INVALID
        prefix = f"{where}." if where else ""
        for key in value:
            if key not in self.by_key:
                problems.append(unknown_key(f"{prefix}{key}", key, sorted(self.by_key)))
        clean: dict[str, Any] = {}
        complete = True
        for spec in self.fields:
            raw = value.get(spec.key)
            if raw is None and not (spec.nullable and spec.key in value):
                if spec.required:
                    problems.append(f"{where or 'configuration'}: missing {spec.key!r}")
                    complete = False
                elif spec.has_default:
                    clean[spec.key] = spec.default
                continue
            checked = None if raw is None else spec.node.check(raw, f"{prefix}{spec.key}", problems)
            if checked is INVALID:
                complete = complete and not spec.required
                if spec.has_default:
                    clean[spec.key] = spec.default  # the rest is checked as if it were absent
                continue
            clean[spec.key] = checked
        return clean if complete else INVALID

    def json_schema(self) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        for spec in self.fields:
            schema = spec.node.json_schema()
            if spec.nullable:
                schema = {"anyOf": [schema, {"type": "null"}]}
            schema["description"] = spec.description
            if spec.has_default:
                schema["default"] = _json_default(spec.default)
            properties[spec.key] = schema
        result: dict[str, Any] = {"type": "object", "properties": properties}
        if self.description:
            result["description"] = self.description
        required = [spec.key for spec in self.fields if spec.required]
        if required:
            result["required"] = required
        result["additionalProperties"] = False
        return result


@dataclass(frozen=True)
class Either(Node):
    """Text or an object (``"ARN"`` or ``{"arn": ...}``), told apart by the value's type."""

    text: Text
    obj: Obj
    expected: str
    kind = "text or object"

    def check(self, value: object, where: str, problems: list[str]) -> Any:
        if isinstance(value, Mapping):
            return self.obj.check(value, where, problems)
        if isinstance(value, str) or yaml_trap(value):
            return self.text.check(value, where, problems)
        problems.append(f"{where}: {shown(value)} must be {self.expected}")
        return INVALID

    def json_schema(self) -> dict[str, Any]:
        return {"anyOf": [self.text.json_schema(), self.obj.json_schema()]}


def unknown_key(where: str, key: object, known: Sequence[str]) -> str:
    matches = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
    suggestion = f"; did you mean {matches[0]!r}?" if matches else ""
    return f"{where}: unknown key{suggestion} (allowed: {', '.join(known)})"


def _json_default(value: object) -> object:
    if isinstance(value, tuple | list):
        return [_json_default(item) for item in value]
    if isinstance(value, Mapping):
        return {str(k): _json_default(v) for k, v in value.items()}
    if hasattr(value, "name_or_arn"):
        return value.name_or_arn
    return value


# ---------------------------------------------------------------------------------------------
# The reference


def objects(node: Node, seen: set[str] | None = None) -> Iterator[Obj]:
    """Every object of a format, each once, the outermost first."""
    seen = set() if seen is None else seen
    if isinstance(node, Obj):
        if node.name in seen:
            return
        seen.add(node.name)
        yield node
        for spec in node.fields:
            yield from objects(spec.node, seen)
    elif isinstance(node, ListOf):
        yield from objects(node.item, seen)
    elif isinstance(node, Either):
        yield from objects(node.obj, seen)


def type_name(node: Node) -> str:
    if isinstance(node, Obj):
        return f"object ({node.name})"
    if isinstance(node, ListOf):
        return f"list of {type_name(node.item)}"
    if isinstance(node, Either):
        return f"{node.text.expected} or object ({node.obj.name})"
    if isinstance(node, Text):
        return node.expected
    if isinstance(node, Integer):
        return f"integer {node.minimum}..{node.maximum}"
    if isinstance(node, Duration):
        return "duration (seconds, or '90m', '4h')"
    return node.kind


def reference(root: Obj) -> str:
    """The Markdown reference of ``root`` and every object in it: one table each."""
    sections: list[str] = []
    for obj in objects(root):
        lines = [f"**{obj.name}**" + (f": {obj.description}" if obj.description else ""), ""]
        lines += ["| key | type | default | meaning |", "|---|---|---|---|"]
        for spec in obj.fields:
            if spec.required:
                default = "required"
            elif spec.has_default:
                default = f"`{json.dumps(_json_default(spec.default))}`"
            else:
                default = ""
            lines.append(
                f"| `{spec.key}` | {type_name(spec.node)} | {default} | {spec.description} |"
            )
        sections.append("\n".join(lines))
    return "\n\n".join(sections) + "\n"
