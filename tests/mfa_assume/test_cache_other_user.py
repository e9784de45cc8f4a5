"""Another local user plants a link or a folder at the cache folder in a shared cache home.

The victim (the test's own user: the interpreter under test may sit where only it can run it)
runs the installed helper, a real process, with ``XDG_CACHE_HOME`` in a world-writable folder
(mode 1777, as ``/tmp``) where the attacker, a second local user made for the test, created
``mfa-assume`` first. The helper still prints the credentials, but
neither follows the link (no chmod of, no file in, the victim's folder it points to) nor
writes into the attacker's folder, and its warning says why.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.local_users import LocalUser, local_users

from .conftest import DEFAULT_CREDENTIALS, PROFILE, STACK_CONFIG

ENTRY = [sys.executable, "-m", "mfa_assume"]


@pytest.fixture
def place() -> Iterator[Path]:
    """A folder every local user can enter (pytest's tmp_path is root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="mfa-assume-users-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if path.is_dir() and not path.is_symlink():
                path.rmdir()
            else:
                path.unlink()
        folder.rmdir()


@pytest.fixture
def attacker() -> Iterator[LocalUser]:
    with local_users("attacker") as (made,):
        yield made


def victim_home(place: Path) -> Path:
    home = place / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text(STACK_CONFIG)
    (home / ".aws" / "credentials").write_text(DEFAULT_CREDENTIALS)
    (home / ".aws" / "credentials").chmod(0o600)
    (home / "projects").mkdir(mode=0o755)
    return home


def run_helper(home: Path, cache_home: Path, endpoint: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(cache_home), AWS_ENDPOINT_URL=endpoint)
    return subprocess.run(
        [*ENTRY, "--profile", PROFILE, "--token-code", "123456", "--format", "json"],
        env=env,
        cwd=str(home),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def shared_cache_home(place: Path) -> Path:
    shared = place / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    return shared


def test_a_link_planted_at_the_cache_folder_is_not_followed(attacker, place, moto_endpoint):
    home = victim_home(place)
    shared = shared_cache_home(place)
    planted = attacker.run(["ln", "-s", str(home / "projects"), str(shared / "mfa-assume")])
    assert planted.returncode == 0, planted.stderr

    done = run_helper(home, shared, moto_endpoint)

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["AccessKeyId"]
    assert stat.S_IMODE((home / "projects").stat().st_mode) == 0o755  # not chmod'ed to 0700
    assert list((home / "projects").iterdir()) == []  # nothing written through the link
    assert "Traceback" not in done.stderr
    assert done.stderr == (
        f"mfa-assume: warning: credentials not cached ({shared}/mfa-assume is a symbolic link, "
        "which the helper does not follow; the helper keeps secrets only in a folder of its "
        "own: remove it, or set XDG_CACHE_HOME to a folder only you can write)\n"
    )


def test_a_folder_planted_by_another_user_is_refused_with_the_reason(
    attacker, place, moto_endpoint
):
    home = victim_home(place)
    shared = shared_cache_home(place)
    planted = attacker.run(["mkdir", "-m", "0777", str(shared / "mfa-assume")])
    assert planted.returncode == 0, planted.stderr

    done = run_helper(home, shared, moto_endpoint)

    assert done.returncode == 0, done.stderr
    assert list((shared / "mfa-assume").iterdir()) == []  # no secret in the attacker's folder
    assert "(None)" not in done.stderr
    assert done.stderr == (
        f"mfa-assume: warning: credentials not cached ({shared}/mfa-assume belongs to another "
        f"user (uid {attacker.uid}); the helper keeps secrets only in a folder of its own: "
        "remove it, or set XDG_CACHE_HOME to a folder only you can write)\n"
    )
