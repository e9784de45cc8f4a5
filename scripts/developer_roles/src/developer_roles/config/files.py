"""Reading a configuration file or context text into plain data, with one-line errors.

YAML is read as PyYAML reads it (YAML 1.1), with three changes that keep what the user wrote
visible to the validator: a number keeps the text it was written as (:class:`WrittenInt`,
:class:`WrittenFloat`), so that an account ID that YAML turned into a number can be shown as
written; ``yes``/``no``/``on``/``off`` become :class:`YamlBoolWord` (a boolean where one is
expected, refused where text is); a date stays text. A key given twice is refused;
YAML 1.1 merge keys (``<<: *anchor``) are accepted, the mapping's own keys overriding merged ones.

Bounds: whatever a file holds, reading it costs bounded time and memory. The file has at most
:data:`MAX_FILE_BYTES`; the YAML document is composed node by node (:class:`_BudgetComposer`)
and refused as soon as it holds more than :data:`MAX_VALUES` values, counting every alias as
the values it stands for (so nested aliases, "billion laughs", and merge keys, which copy the
merged mapping's pairs, count what they would expand to) or nests deeper than
:data:`MAX_DEPTH`. Nothing is built from the document before it is within these bounds.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml

from developer_roles.config.values import ConfigError

MAX_FILE_BYTES = 16 * 1024 * 1024  # 5,000 principals with settings take about 2 MB
MAX_VALUES = 250_000  # nodes (keys and values), aliases counted as what they expand to
MAX_DEPTH = 100  # levels of nesting; a configuration needs 6
_BOMS = {
    b"\xef\xbb\xbf": "a UTF-8 byte order mark (BOM)",
    b"\xff\xfe": "a UTF-16 byte order mark",
    b"\xfe\xff": "a UTF-16 byte order mark",
}


class WrittenInt(int):
    """An integer read from YAML, with the text it was written as."""

    written: str


class WrittenFloat(float):
    """A float read from YAML, with the text it was written as."""

    written: str


class YamlBoolWord:
    """``yes``, ``no``, ``on``, ``off``, ``y``, ``n``: booleans in YAML 1.1, text in YAML 1.2."""

    __slots__ = ("value", "written")

    def __init__(self, written: str, value: bool) -> None:
        self.written = written
        self.value = value

    def __repr__(self) -> str:
        return self.written

    def __eq__(self, other: object) -> bool:
        return isinstance(other, YamlBoolWord) and other.written == self.written

    def __hash__(self) -> int:
        return hash(("YamlBoolWord", self.written))


class _OverBudget(Exception):
    """The document holds more values, or nests deeper, than a configuration may."""

    def __init__(self, message: str, mark: Any) -> None:
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        super().__init__(f"{where}{message}")


class _BudgetComposer(yaml.composer.Composer):
    """PyYAML's composer that counts values while it builds the node graph.

    A node's weight is the number of values it expands to: 1 for a scalar, 1 plus its items
    for a sequence or mapping, and for an alias the weight of the node it names (an alias is
    one reference in the graph, but the document's data holds its values again wherever it is
    used, and a merge key copies the merged pairs). The running total stops the composition
    at :data:`MAX_VALUES`; a count of nodes and expansions, so the cost is linear in it."""

    def __init__(self) -> None:
        super().__init__()
        self._values = 0
        self._depth = 0
        self._weights: dict[int, int] = {}

    def _spend(self, count: int, mark: Any) -> None:
        self._values += count
        if self._values > MAX_VALUES:
            raise _OverBudget(
                f"the configuration has more than {MAX_VALUES:,} values once YAML aliases are "
                "expanded and merge keys copied; write the values out",
                mark,
            )

    peek_event: Any  # yaml.parser.Parser's, next in the loader's bases

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            # a node still being composed (an alias inside its own anchor) counts 1 here;
            # the constructor refuses it as recursive
            self._spend(self._weights.get(id(node), 1), event.start_mark)
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _OverBudget(
                f"nested deeper than {MAX_DEPTH} levels; a configuration needs a few",
                event.start_mark,
            )
        before = self._values
        node = super().compose_node(parent, index)
        self._depth -= 1
        self._spend(1, event.start_mark)
        self._weights[id(node)] = self._values - before
        return node


class _PythonLoader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    _BudgetComposer,
    yaml.constructor.SafeConstructor,
    yaml.resolver.Resolver,
):
    """PyYAML's ``SafeLoader`` with the counting composer (PyYAML without libyaml)."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        _BudgetComposer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)


try:
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _Loader: type[Any] = _PythonLoader
else:

    class _CLoader(
        _BudgetComposer, CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver
    ):
        """libyaml's parser (about 9 times faster) with the counting composer before it:
        ``CParser`` composes in C too, which this class's composer replaces, so the count
        sees every node and alias."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _BudgetComposer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    _Loader = _CLoader


def _int(loader: Any, node: yaml.ScalarNode) -> object:
    value = WrittenInt(yaml.SafeLoader.construct_yaml_int(loader, node))
    value.written = str(node.value)
    return value


def _float(loader: Any, node: yaml.ScalarNode) -> object:
    value = WrittenFloat(yaml.SafeLoader.construct_yaml_float(loader, node))
    value.written = str(node.value)
    return value


def _bool(loader: Any, node: yaml.ScalarNode) -> object:
    value = yaml.SafeLoader.construct_yaml_bool(loader, node)
    if str(node.value).lower() in ("true", "false"):
        return value
    return YamlBoolWord(str(node.value), bool(value))


def _text(loader: Any, node: yaml.ScalarNode) -> object:
    return str(node.value)


_MERGE = "tag:yaml.org,2002:merge"


def _mapping(loader: Any, node: yaml.MappingNode) -> object:
    """A mapping whose keys are each written once. YAML 1.1 merge keys (``<<: *anchor`` or
    ``<<: [*a, *b]``) are valid YAML (https://yaml.org/type/merge.html): the mapping's own keys
    override merged ones, and of the merged mappings the first that has a key gives it."""
    own = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE)
    loader.flatten_mapping(node)  # the merged pairs in order, then the mapping's own
    first_own = len(node.value) - own
    result: dict[Hashable, object] = {}
    written: set[Hashable] = set()
    for index, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be text", key_node.start_mark
            )
        if index >= first_own:
            if key in written:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is given twice", key_node.start_mark
                )
            written.add(key)
        elif key in result:
            continue  # an earlier merged mapping gives this key
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_Loader.add_constructor("tag:yaml.org,2002:int", _int)
_Loader.add_constructor("tag:yaml.org,2002:float", _float)
_Loader.add_constructor("tag:yaml.org,2002:bool", _bool)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _text)
_Loader.add_constructor("tag:yaml.org,2002:map", _mapping)


def read_config_file(path: Path, source: str | None = None) -> object:
    """The data in a JSON or YAML file (by its suffix), or a one-line :class:`ConfigError`.

    ``source`` names the file in messages (default: the path)."""
    source = str(path) if source is None else source
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ConfigError(["is a directory; give the path of a JSON or YAML file"], source)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(["is not a regular file; give a JSON or YAML file"], source)
        if info.st_size > MAX_FILE_BYTES:
            raise ConfigError([_too_large(info.st_size)], source)
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise ConfigError([f"cannot read the file: {error.strerror}"], source) from error
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError([_too_large(len(data))], source)
    return parse_text(_decode(data, source), source, yaml_syntax=_is_yaml(path))


def _too_large(size: int) -> str:
    return (
        f"the file is {size / 1e6:.1f} MB, over the {MAX_FILE_BYTES // (1024 * 1024)} MiB a "
        "configuration may have (5,000 principals take about 2 MB); is it the right file?"
    )


def _is_yaml(path: Path) -> bool:
    return path.suffix.lower() in (".yaml", ".yml")


def _decode(data: bytes, source: str) -> str:
    for bom, name in _BOMS.items():
        if data.startswith(bom):
            raise ConfigError(
                [f"the file starts with {name}; save it as UTF-8 without BOM"], source
            )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ConfigError(
            [
                f"the file is not UTF-8 text (byte 0x{data[error.start]:02x} on line {line}); "
                "save it as UTF-8"
            ],
            source,
        ) from error


def parse_text(text: str, source: str, *, yaml_syntax: bool, what: str = "the file") -> object:
    """JSON or YAML text as data; a one-line :class:`ConfigError` if it cannot be read."""
    if not text.strip():
        raise ConfigError([f"{what} is empty; it needs at least a 'principals' list"], source)
    try:
        data = _load_yaml(text) if yaml_syntax else _load_json(text)
    except _OverBudget as error:
        raise ConfigError([str(error)], source) from error
    except (yaml.YAMLError, ValueError, RecursionError) as error:
        raise ConfigError([f"cannot parse {what}: {_one_line(error)}"], source) from error
    if not _within_budget(data):
        raise ConfigError(
            [
                f"the configuration has more than {MAX_VALUES:,} values once YAML aliases are "
                "expanded (or an alias contains itself); write the values out"
            ],
            source,
        )
    return data


def _load_yaml(text: str) -> object:
    loader = _Loader(text)  # the safe constructor: plain data only
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _load_json(text: str) -> object:
    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        result: dict[str, object] = {}
        for key, value in items:
            if key in result:
                raise ValueError(f"the key {key!r} is given twice")
            result[key] = value
        return result

    def constant(name: str) -> object:
        raise ValueError(f"{name} is not a JSON number")

    return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)


def _one_line(error: BaseException) -> str:
    if isinstance(error, RecursionError):
        return "nested too deeply"
    if isinstance(error, json.JSONDecodeError):
        return f"line {error.lineno}, column {error.colno}: {error.msg}"
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        parts = [part for part in (error.context, error.problem) if part]
        what = "; ".join(parts) or "not valid YAML"
        return f"{where}{what}"
    return " ".join(str(error).split())


def _within_budget(data: object) -> bool:
    """Whether the data has at most :data:`MAX_VALUES` values (aliases counted each time)."""
    budget = MAX_VALUES
    stack = [data]
    while stack:
        value = stack.pop()
        budget -= 1
        if budget < 0:
            return False
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return True
