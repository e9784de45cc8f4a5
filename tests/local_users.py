"""Local users for tests of what one user of the machine can do to another.

The tests run as root in CI, which can create users (``useradd``) and run commands as them
(``subprocess``'s ``user=``/``group=``); elsewhere these tests skip with the reason. Each user
gets a name unique to this process and is removed (``userdel``) when the block ends, also on
failure.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass(frozen=True)
class LocalUser:
    name: str
    uid: int
    gid: int

    def run(self, args: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        """``args`` run as this user (no extra groups), output captured as text."""
        return subprocess.run(
            list(args),
            user=self.uid,
            group=self.gid,
            extra_groups=[],
            capture_output=True,
            text=True,
            check=False,
            **kwargs,
        )

    def own(self, *paths: Path) -> None:
        for path in paths:
            os.chown(path, self.uid, self.gid, follow_symlinks=False)


def _users_command(*args: str) -> None:
    """``useradd``/``userdel``, again while another process holds /etc/passwd's lock."""
    for _ in range(50):
        done = subprocess.run(list(args), capture_output=True, text=True, check=False)
        if done.returncode == 0:
            return
        if "lock" not in done.stderr:
            break
    raise RuntimeError(f"{' '.join(args)}: {done.stderr.strip()}")


@contextlib.contextmanager
def local_users(*roles: str) -> Iterator[list[LocalUser]]:
    """One new local user per role (``"victim"``, ``"attacker"``), removed afterwards."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("creating local users needs root (CI runs the tests as root)")
    if shutil.which("useradd") is None or shutil.which("userdel") is None:
        pytest.skip("needs useradd and userdel to create local users")
    users: list[LocalUser] = []
    try:
        for role in roles:
            name = f"t-{role[:10]}-{os.getpid()}-{len(users)}"
            _users_command(
                "useradd", "--no-create-home", "--home-dir", "/nonexistent", "--user-group", name
            )
            entry = pwd.getpwnam(name)
            users.append(LocalUser(name, entry.pw_uid, entry.pw_gid))
        yield users
    finally:
        for user in users:
            _users_command("userdel", user.name)
