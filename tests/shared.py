"""Artefacts built once per test session and shared by every pytest-xdist worker: the default
cloud assembly, the distribution files of ``make dist``.

pytest-xdist's documented pattern: each worker's temporary folder (``popen-gwN``) sits in the
session's one, so the session's folder is common to all workers; the first worker that needs
an artefact builds it there under a file lock, the others wait for it and then read it. Tests
only read a shared artefact; one that changes files works on a copy.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest


def session_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder every worker of this test session sees (the session's own without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def shared_artefact(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """The folder ``name`` of the session, filled by ``build(folder)`` the first time any worker
    asks. A build that fails leaves nothing behind, so the next worker that asks tries again
    (and reports the same failure in its own tests)."""
    root = session_folder(tmp_path_factory)
    done = root / name
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            partial = root / f"{name}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir()
            build(partial)
            partial.rename(done)  # complete or absent: never half-built
    return done
