"""YAML bombs: every kind of file that expands beyond reason is refused within bounded memory.

Each bomb is loaded as ``cdk synth -c developerRolesFile=...`` loads it, in a child process
whose address space is limited (RLIMIT_AS): a loader that builds the expansion runs out of
memory there and the child ends in a MemoryError traceback instead of the one-line refusal,
so the test fails without timing anything. The child reports its peak memory and time
(``pytest -s`` prints them; the README's configuration section states the bounds).

A file without aliases costs time in proportion to its size (up to the 16 MiB limit, or until
the value budget is reached): that is PyYAML's own speed, not a bomb, and not tested here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from developer_roles.config import files as config_files

# The child's address space: Python, PyYAML and the configuration package take about 60 MB of
# it; the old loader needed 1.47 GB for the merge-key bomb.
MEMORY_LIMIT = 384 * 1024 * 1024
ALICE = "arn:aws:iam::210987654321:user/alice"
BUDGET = f"more than {config_files.MAX_VALUES:,} values once YAML aliases are expanded"


def laughs(kind: str) -> str:
    """Nested aliases ("billion laughs"): 10 aliases of the level below, 9 levels deep."""
    if kind == "sequence":
        lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    else:
        lines = ["a0: &a0 {" + ", ".join(f"k{j}: lol" for j in range(10)) + "}"]
        lines += [
            f"a{i}: &a{i} {{" + ", ".join(f"k{j}: *a{i - 1}" for j in range(10)) + "}"
            for i in range(1, 10)
        ]
    return "\n".join(lines) + f"\nprincipals: [{ALICE}]\n"


def merge_repeated() -> str:
    """The reported bomb: one mapping of 1,000 keys merged into 20,000 mappings (~200 KB)."""
    keys = ", ".join(f"k{j}: v" for j in range(1000))
    lines = [f"a0: &a0 {{{keys}}}"] + [f"x{i}: {{<<: *a0}}" for i in range(20_000)]
    return "\n".join(lines) + f"\nprincipals: [{ALICE}]\n"


def merge_chain() -> str:
    """Each mapping merges the one before and adds a key: quadratic copies (~5 MB of pairs)."""
    lines = ["m0: &m0 {k0: v}"] + [
        f"m{i}: &m{i} {{<<: *m{i - 1}, k{i}: v}}" for i in range(1, 5000)
    ]
    return "\n".join(lines) + f"\nprincipals: [{ALICE}]\n"


def merge_list() -> str:
    """Merge key lists: each level merges the level below twice, so the copies double."""
    lines = ["m0: &m0 {k: v}"] + [
        f"m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}]}}" for i in range(1, 40)
    ]
    return "\n".join(lines) + f"\nprincipals: [{ALICE}]\n"


def alias_keys() -> str:
    """Aliases as keys: every key of a mapping is the nested-alias bomb."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 5)]
    lines += [f"k{i}:\n  ? *a4\n  : x" for i in range(200)]
    return "\n".join(lines) + f"\nprincipals: [{ALICE}]\n"


def deep(opening: str, closing: str) -> str:
    """Nesting beyond Python's recursion limit, within libyaml's own (1,000 levels)."""
    return f"principals: [{ALICE}]\nx: " + opening * 500 + closing * 500 + "\n"


BOMBS = {
    "nested-aliases-in-sequences": (lambda: laughs("sequence"), BUDGET),
    "nested-aliases-in-mappings": (lambda: laughs("mapping"), BUDGET),
    "merge-key-repeated": (merge_repeated, BUDGET),
    "merge-key-chain": (merge_chain, BUDGET),
    "merge-key-list": (merge_list, BUDGET),
    "aliases-in-keys": (alias_keys, BUDGET),
    "deep-sequences": (lambda: deep("[", "]"), "nested deeper than 100 levels"),
    "deep-mappings": (lambda: deep("{a: ", "}"), "nested deeper than 100 levels"),
}

CHILD = """
import json, resource, sys, time
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from developer_roles.config import ConfigError, load_config
start = time.perf_counter()
try:
    load_config(None, sys.argv[1], Path(sys.argv[2]))
    problems = []
except ConfigError as error:
    problems = error.problems
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"problems": problems, "seconds": seconds, "peak_mb": peak_mb}}))
"""


@pytest.mark.parametrize(("name", "bomb"), sorted(BOMBS.items()), ids=sorted(BOMBS))
def test_a_bomb_is_refused_in_one_line_within_bounded_memory(
    tmp_path: Path, name: str, bomb: tuple[object, str]
) -> None:
    build, expected = bomb
    assert callable(build)
    text = build()
    assert len(text.encode()) <= config_files.MAX_FILE_BYTES
    (tmp_path / f"{name}.yaml").write_text(text)
    child = subprocess.run(
        [sys.executable, "-c", CHILD.format(limit=MEMORY_LIMIT), f"{name}.yaml", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    result = json.loads(child.stdout)
    print(f"{name}: {result['peak_mb']:.0f} MB peak, {result['seconds']:.2f} s")
    (problem,) = result["problems"]
    assert expected in problem
    assert "\n" not in problem


def test_without_libyaml_the_python_parser_counts_the_same() -> None:
    """PyYAML installed without libyaml reads with its Python parser: the same budget."""
    loader = config_files._PythonLoader(merge_list())
    with pytest.raises(config_files._OverBudget, match=BUDGET):
        loader.get_single_data()
    assert config_files._Loader is not config_files._PythonLoader or not yaml.__with_libyaml__
