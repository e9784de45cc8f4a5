"""Shared test set-up: the CDK's jsii runtime must use the project's Node.js, not the machine's;
one local AWS per test session (per xdist worker) for every folder that needs one; the app's
default assembly, synthesized once per session (for all xdist workers) with the real CDK CLI."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from localaws.testing import LocalAwsEnv, env_from_environment
from tests.cdk_cli import assembly_tmpdir, cdk_synth
from tests.shared import shared_artefact

VENV_BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent

# Tests run `make` as a person does, at the top level, also when `make test` started them:
# a sub-make would prefix its messages with "make[1]:" (and inherit the parent's flags).
for _name in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS"):
    os.environ.pop(_name, None)

# Synthesis in the test processes runs as the app's does: without the CDK's built-in
# CloudFormation validation (stacks/app_context.py builtin_validation). jsii's Node.js kernel
# reads this when it starts, at the first CDK import. tests/stacks/test_deployment_matrix.py
# registers that validation itself, with its findings as errors.
os.environ.setdefault("CDK_VALIDATION", "false")

# jsii starts `node` from PATH when the first CDK module is imported; Node 20 is unsupported.
os.environ["PATH"] = os.pathsep.join(
    [str(VENV_BIN), str(REPO / "node_modules" / ".bin"), os.environ.get("PATH", "")]
)


# Modules that deploy with the CDK CLI or build and install packages take a minute or more each,
# most others seconds. xdist (--dist loadfile, --no-loadscope-reorder: `make test`) hands out
# whole modules in this order, so these go first and the short ones fill the gaps at the end,
# instead of one long module starting last while the other worker has nothing left to do.
LONG_MODULES = ("tests/e2e/", "tests/package/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(LONG_MODULES))  # stable


@pytest.fixture(scope="session")
def local_aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAwsEnv]:
    """The local AWS (or, with E2E_LIVE_PROFILE, a sandbox account: see tests/e2e/conftest.py)."""
    with env_from_environment(tmp_path_factory.mktemp("localaws")) as env:
        yield env


@pytest.fixture(scope="session")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app as configured in cdk.json, synthesized by the real CDK CLI without AWS
    credentials; one synthesis for the whole session, read by every module (never changed).
    Its temporary folder (``TMPDIR``) is :func:`assembly_tmpdir` of it, kept for the test that
    nothing is left there."""

    def build(outdir: Path) -> None:
        tmpdir = assembly_tmpdir(outdir)
        shutil.rmtree(tmpdir, ignore_errors=True)
        tmpdir.mkdir()
        result = cdk_synth(outdir, tmpdir=tmpdir)
        assert result.returncode == 0, result.stderr

    return shared_artefact(tmp_path_factory, "default-assembly", build)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many of the guides' shell blocks the run checked, and how (tests/test_docs.py)."""
    from tests.test_docs import tally

    counts = tally()
    terminalreporter.write_line(
        "docs: shell blocks run by the doc test {run}, run by a named test {tested-by}, "
        "marked illustrative {illustrative}, unmarked {unmarked}".format(**counts)
    )
