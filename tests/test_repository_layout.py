"""The repository's `constructs/` folder must not shadow the `constructs` library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import constructs

import developer_role

REPO = Path(__file__).resolve().parent.parent


def test_constructs_resolves_to_the_installed_library() -> None:
    assert hasattr(constructs, "Construct")
    assert Path(constructs.__file__).resolve().parent.parent.name == "site-packages"


def test_construct_library_is_installed_from_the_repository_folder() -> None:
    expected = REPO / "constructs" / "src" / "developer_role"
    assert Path(developer_role.__file__).resolve().parent == expected


def test_app_directory_on_sys_path_does_not_shadow_constructs() -> None:
    # app.py runs with the repository root first on sys.path, exactly as the CDK CLI runs it.
    probe = "import constructs; print(constructs.__file__, hasattr(constructs, 'Construct'))"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    location, has_construct = result.stdout.split()
    assert "site-packages" in location
    assert has_construct == "True"
