"""The operators' commands as an operator installs them: ``pip install ./constructs
./scripts/developer_roles`` into a fresh virtual environment (dependencies from the pip index
or its cache), then ``developer-roles`` run from a folder outside the repository, against the
local AWS, with its own exit codes (no ``make`` in between).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from localaws.testing import LocalAwsEnv

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX virtual environment layout"),
]

REPO = Path(__file__).resolve().parents[2]
SOURCES = (REPO / "constructs", REPO / "scripts" / "developer_roles")
INSTALL_TIMEOUT = 900  # pip installs the CDK's Python bindings with the construct library
_LEAKING = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PYTHONSAFEPATH")


@pytest.fixture(scope="module")
def command(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``developer-roles`` command of a fresh venv, installed from copies of the sources."""
    work = tmp_path_factory.mktemp("installed-operators")
    copies = []
    for source in SOURCES:
        copy = work / "src" / source.name
        shutil.copytree(
            source, copy, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
        )
        copies.append(str(copy))
    venv = work / "venv"
    # As pipx makes one: a venv without pip, filled by this interpreter's pip; no bytecode
    # compiled ahead (the CDK's bindings are thousands of modules the commands never import).
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
    )
    pip = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--quiet",
            "--no-compile",
            "--disable-pip-version-check",
            *copies,
        ],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
        check=False,
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return venv / "bin" / "developer-roles"


def run(command: Path, cwd: Path, *args: str, env: dict[str, str] | None = None):
    environment = {k: v for k, v in (env or os.environ).items() if k not in _LEAKING}
    environment["PATH"] = f"{command.parent}:/usr/bin:/bin"
    return subprocess.run(
        [str(command), *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )


def test_help_runs_from_another_directory(command, tmp_path):
    done = run(command, tmp_path, "preflight", "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: developer-roles preflight")
    assert "--config" in done.stdout
    listing = run(command, tmp_path, "--help")
    assert listing.returncode == 0
    for name in ("preflight", "audit", "deploy", "add-me", "bootstrap"):
        assert f"  {name} " in listing.stdout


def test_an_unknown_command_is_one_line_and_exit_2(command, tmp_path):
    done = run(command, tmp_path, "preflihgt")
    assert done.returncode == 2
    assert done.stderr == (
        "developer-roles: unknown command 'preflihgt'; expected one of "
        "preflight, audit, deploy, add-me, bootstrap\n"
    )


def test_preflight_itself_returns_1_when_a_deploy_would_fail(command, tmp_path, local_aws):
    aws: LocalAwsEnv = local_aws
    missing = f"arn:aws:iam::{aws.account_id}:user/installed-operator-nobody"
    config = tmp_path / "devs.json"
    config.write_text(json.dumps({"account": aws.account_id, "principals": [missing]}))
    done = run(command, tmp_path, "preflight", "--config", str(config), "--json", env=aws.env())
    assert done.returncode == 1, done.stderr
    failed = [r for r in json.loads(done.stdout)["results"] if r["status"] == "fail"]
    assert any(missing in json.dumps(row) for row in failed), failed
