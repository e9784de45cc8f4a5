"""``make dist`` as a release manager runs it: six files (an sdist and a wheel of each shipped
package) whose metadata ``twine check --strict`` accepts, each wheel installable into a fresh
virtual environment where its command or import works, at the version its CHANGELOG names.

``dist`` (tests/package/conftest.py) is one ``make dist`` per test session."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
INSTALL_TIMEOUT = 900  # pip installs the CDK's Python bindings with the construct library
# distribution file prefix: (folder with its CHANGELOG, how to ask the installed package its
# version)
PRODUCTS = {
    "developer_role_construct": (
        "constructs",
        [
            "python",
            "-c",
            "import developer_role; print('developer_role', developer_role.__version__)",
        ],
    ),
    "developer_roles": ("scripts/developer_roles", ["developer-roles", "--version"]),
    "mfa_assume": ("scripts/mfa_assume", ["mfa-assume", "--version"]),
}


def changelog_version(folder: str) -> str:
    """The first ``## X.Y.Z`` heading of the product's CHANGELOG.md."""
    text = (REPO / folder / "CHANGELOG.md").read_text(encoding="utf-8")
    match = re.search(r"^## (\d+\.\d+\.\d+)\b", text, flags=re.MULTILINE)
    assert match, f"{folder}/CHANGELOG.md has no '## X.Y.Z' heading"
    return match.group(1)


def test_dist_builds_an_sdist_and_a_wheel_of_each_product_at_its_changelog_version(
    dist: Path,
) -> None:
    expected = set()
    for prefix, (folder, _) in PRODUCTS.items():
        version = changelog_version(folder)
        expected |= {f"{prefix}-{version}.tar.gz", f"{prefix}-{version}-py3-none-any.whl"}
    assert {p.name for p in dist.iterdir()} == expected


def test_each_wheel_installs_into_a_fresh_venv_and_runs(dist: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
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
            *sorted(str(p) for p in dist.glob("*.whl")),
        ],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
        check=False,
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
    }
    for folder, command in PRODUCTS.values():
        result = subprocess.run(
            command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split()[-1] == changelog_version(folder), result.stdout
