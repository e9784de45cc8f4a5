"""``make dist``, run once per test session (for all xdist workers): its six files are read by
test_dist.py and the construct library's wheel is the one test_wheel.py installs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.shared import shared_artefact

REPO = Path(__file__).resolve().parents[2]


def make_dist(out: Path) -> None:
    """``make dist`` as a release manager runs it, into ``out``; it must pass twine's check."""
    result = subprocess.run(
        ["make", "--no-print-directory", "dist", f"DIST_ARGS=--out {out}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "twine check --strict passed" in result.stdout


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of ``make dist``'s files (read only)."""
    return shared_artefact(tmp_path_factory, "dist", make_dist)
