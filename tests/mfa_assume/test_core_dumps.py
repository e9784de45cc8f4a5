"""The helper turns off core dumps while it holds secrets: seen in /proc of a running helper.

The helper is started on a real pseudo-terminal with core dumps allowed (as after
``ulimit -c unlimited``) and stopped at its MFA prompt, after it has read the base
credentials; its ``/proc/<pid>/limits`` shows a core file size of 0.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.terminal import Terminal, program_environment

from .conftest import DEFAULT_CREDENTIALS, PROFILE, STACK_CONFIG

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/limits").exists(), reason="reads /proc/<pid>/limits (Linux)"
)


def soft_core_limit(limits: str) -> str:
    """The soft "Max core file size" of a /proc/<pid>/limits text."""
    for line in limits.splitlines():
        if line.startswith("Max core file size"):
            return line.split()[4]
    raise AssertionError(f"no core file size in {limits!r}")


@pytest.fixture
def core_dumps_allowed() -> Iterator[None]:
    """``ulimit -c`` as high as allowed for the processes the test starts."""
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    if hard == 0:
        pytest.skip("core dumps are forbidden here already (hard limit 0)")
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_CORE, (soft, hard))


def test_the_helper_waiting_for_its_code_has_core_dumps_off(
    tmp_path: Path, moto_endpoint: str, core_dumps_allowed: None
) -> None:
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text(STACK_CONFIG)
    (home / ".aws" / "credentials").write_text(DEFAULT_CREDENTIALS)
    python = [sys.executable, "-c", "print(open('/proc/self/limits').read())"]
    started_as_the_helper = subprocess.run(python, capture_output=True, text=True, check=True)
    assert soft_core_limit(started_as_the_helper.stdout) != "0"  # allowed before it runs

    helper = Terminal(
        [sys.executable, "-m", "mfa_assume", "--profile", PROFILE, "--format", "json"],
        program_environment(home, moto_endpoint),
        home,
    )
    try:
        helper.wait_for("MFA code for .*: ")
        limits = Path(f"/proc/{helper.child.pid}/limits").read_text()
    finally:
        helper.end()
    assert soft_core_limit(limits) == "0"
