"""The guides as a reader uses them: every link leads somewhere, and every shell block is a
command that runs.

Each fenced shell block (```sh, ```bash, ```shell, ```console) in a guide carries a marker in
the line above its fence, one of:

* ``<!-- doc: run -->``: this test runs the block with bash (``set -euo pipefail``) from the
  repository's folder, with a fresh ``HOME``, the project's venv and the pinned CDK CLI on
  ``PATH``, and no AWS credentials; it must exit 0;
* ``<!-- doc: tested-by tests/FILE.py::test_name -->``: that test runs these commands (with the
  local AWS or an installed package); the file and the test must exist;
* ``<!-- doc: illustrative: REASON -->``: not run, and the reason says why (it needs a real
  account, a browser, a person's keys...).

A block without a marker fails, so a command added to a guide is either run or says why not.
The summary at the end of the run says how many blocks of each kind there are
(``tests/conftest.py`` prints it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
GUIDES = sorted(
    {
        REPO / "README.md",
        *REPO.glob("docs/*.md"),
        REPO / "constructs" / "README.md",
        *REPO.glob("scripts/*/README.md"),
        *REPO.glob("**/CHANGELOG.md"),
    }
    - set(REPO.glob("node_modules/**/*.md"))
    - set(REPO.glob(".venv/**/*.md"))
)
SHELL_LANGUAGES = {"sh", "bash", "shell", "console"}
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)")
MARKER = re.compile(r"<!--\s*doc:\s*(run|tested-by|illustrative)\s*:?\s*(.*?)\s*-->")
LINK = re.compile(r"(?<!!)\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
ANCHOR_TAG = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"")


@dataclass(frozen=True)
class Block:
    """One fenced shell block: where it is, its marker and its text."""

    guide: Path
    line: int
    kind: str  # run, tested-by, illustrative, or "" (no marker)
    argument: str
    text: str

    @property
    def where(self) -> str:
        return f"{self.guide.relative_to(REPO)}:{self.line}"


def shell_blocks(guide: Path) -> list[Block]:
    lines = guide.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        fence, language = match.group(2), match.group(3).lower()
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        if language in SHELL_LANGUAGES:
            previous = next((ln for ln in reversed(lines[:index]) if ln.strip()), "")
            marker = MARKER.search(previous)
            blocks.append(
                Block(
                    guide,
                    index + 1,
                    marker.group(1) if marker else "",
                    marker.group(2) if marker else "",
                    "\n".join(lines[index + 1 : end]),
                )
            )
        index = end + 1
    return blocks


def all_blocks() -> list[Block]:
    return [block for guide in GUIDES for block in shell_blocks(guide)]


def tally() -> dict[str, int]:
    """How many shell blocks of each kind the guides hold (for the run's summary)."""
    counts = {"run": 0, "tested-by": 0, "illustrative": 0, "unmarked": 0}
    for block in all_blocks():
        counts[block.kind or "unmarked"] += 1
    return counts


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"<[^>]+>", "", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = text.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(guide: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    in_fence = ""
    for line in guide.read_text(encoding="utf-8").splitlines():
        fence = FENCE.match(line)
        if fence and (not in_fence or line.strip().startswith(in_fence)):
            in_fence = "" if in_fence else fence.group(2)
            continue
        if in_fence:
            continue
        found.update(ANCHOR_TAG.findall(line))
        heading = HEADING.match(line)
        if heading:
            base = slug(heading.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(guide: Path) -> list[tuple[int, str]]:
    result: list[tuple[int, str]] = []
    in_fence = ""
    for number, line in enumerate(guide.read_text(encoding="utf-8").splitlines(), start=1):
        fence = FENCE.match(line)
        if fence and (not in_fence or line.strip().startswith(in_fence)):
            in_fence = "" if in_fence else fence.group(2)
            continue
        if in_fence:
            continue
        without_code = re.sub(r"`[^`]*`", "", line)
        result.extend((number, target) for target in LINK.findall(without_code))
    return result


def broken_link(guide: Path, target: str) -> str | None:
    """Why ``target`` (a link in ``guide``) leads nowhere, or None when it leads somewhere."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...
        return None
    path_part, _, anchor = target.partition("#")
    destination = (guide.parent / path_part).resolve() if path_part else guide
    if not destination.exists():
        return f"{path_part} does not exist"
    if not destination.resolve().is_relative_to(REPO):
        return f"{path_part} is outside the repository"
    if anchor and destination.suffix == ".md" and anchor not in anchors(destination):
        return f"{destination.relative_to(REPO)} has no heading for #{anchor}"
    return None


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_link_leads_to_a_file_or_heading_that_exists(guide: Path) -> None:
    problems = [
        f"line {number}: ({target}): {reason}"
        for number, target in links(guide)
        if (reason := broken_link(guide, target))
    ]
    assert not problems, "\n".join(problems)


def test_every_shell_block_is_run_by_a_test_or_says_why_not() -> None:
    problems = []
    for block in all_blocks():
        if not block.kind:
            problems.append(
                f"{block.where}: no marker (<!-- doc: run -->, <!-- doc: tested-by TEST -->, "
                "<!-- doc: illustrative: REASON -->) on the line above the block"
            )
        elif block.kind == "illustrative" and len(block.argument) < 10:
            problems.append(f"{block.where}: 'illustrative' needs a reason a reader can judge")
        elif block.kind == "tested-by":
            file, _, name = block.argument.partition("::")
            test_file = REPO / file
            if not test_file.is_file():
                problems.append(f"{block.where}: tested-by {file}: no such file")
            elif name and not re.search(
                rf"^\s*def {re.escape(name)}\(", test_file.read_text(encoding="utf-8"), re.M
            ):
                problems.append(f"{block.where}: tested-by {file}: no test named {name}")
    assert not problems, "\n".join(problems)


RUN_BLOCKS = [block for block in all_blocks() if block.kind == "run"]


@pytest.mark.parametrize("block", RUN_BLOCKS, ids=lambda b: b.where)
def test_a_run_block_runs(block: Block, tmp_path: Path) -> None:
    venv_bin = Path(sys.executable).parent
    env = {
        "PATH": os.pathsep.join(
            [
                str(venv_bin),
                str(REPO / "node_modules" / ".bin"),
                "/usr/local/bin",
                "/usr/bin",
                "/bin",
            ]
        ),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "CDK_DISABLE_VERSION_CHECK": "1",
        "CDK_DISABLE_CLI_TELEMETRY": "true",
        "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
    }
    result = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + block.text],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"{block.where}:\n{result.stdout}\n{result.stderr}"
