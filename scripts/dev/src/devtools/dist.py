"""``make dist``: the three shipped packages as a source distribution and a wheel each, built
the way a release is (the wheel from the sdist, by ``python -m build``), then their metadata
checked with ``twine check --strict``. The build uses the setuptools pinned in requirements.txt
(``--no-isolation``): no build environment is downloaded, so the files are the same offline and
the six take seconds instead of minutes (measured here: 45 s against 4 min 33 s isolated, on a
loaded machine).

The sources are copied first, so a build leaves no ``build/`` or ``*.egg-info`` in the working
tree (a later ``pip install ./scripts/...`` would pick those up). Exit 0 when all six files were
built and pass the check, 1 when a build or the check failed, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[4]


@dataclass(frozen=True)
class Package:
    """One shipped product: its folder and the distribution name its files start with."""

    folder: str
    distribution: str


PACKAGES = (
    Package("constructs", "developer_role_construct"),
    Package("scripts/developer_roles", "developer_roles"),
    Package("scripts/mfa_assume", "mfa_assume"),
)

IGNORED = shutil.ignore_patterns("__pycache__", "build", "dist", "*.egg-info", ".mypy_cache")


def build(package: Package, out: Path, work: Path) -> list[Path]:
    """Build ``package``'s sdist and its wheel (from the sdist) into ``out``; return the files."""
    source = work / package.distribution
    shutil.copytree(REPO / package.folder, source, ignore=IGNORED)
    before = set(out.iterdir())
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).strip().splitlines()[-15:]
        raise BuildError(f"{package.folder}: python -m build failed:\n" + "\n".join(tail))
    return sorted(set(out.iterdir()) - before)


class BuildError(Exception):
    """A build or the metadata check failed; the message says which and why."""


def twine_check(files: list[Path]) -> str:
    """``twine check --strict`` on ``files``; return its report or raise BuildError."""
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    report = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        raise BuildError(f"twine check failed:\n{report}")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make dist", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "dist", help="folder (default: dist/)")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    stale = [
        p for p in out.iterdir() if p.name.startswith(tuple(pk.distribution for pk in PACKAGES))
    ]
    for path in stale:
        path.unlink()
    try:
        with tempfile.TemporaryDirectory(prefix="dist-") as work:
            files = [f for pk in PACKAGES for f in build(pk, out, Path(work))]
        report = twine_check(files)
    except BuildError as error:
        print(f"make dist: {error}", file=sys.stderr)
        return 1
    print(report)
    for path in files:
        print(f"{path.relative_to(out)}  {path.stat().st_size:,} bytes")
    print(f"make dist: {len(files)} files in {out}, twine check --strict passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
