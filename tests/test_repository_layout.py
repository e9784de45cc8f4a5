"""Where things live: each package installed from its own folder, nothing edits ``sys.path``,
and the repository's `constructs/` folder does not shadow the `constructs` library."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import constructs
import pytest

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


@pytest.mark.parametrize(
    ("package", "folder"),
    [
        ("developer_role", "constructs/src/developer_role"),
        ("developer_roles", "scripts/developer_roles/src/developer_roles"),
        ("mfa_assume", "scripts/mfa_assume/src/mfa_assume"),
        ("localaws", "scripts/dev/src/localaws"),
        ("trustcheck", "scripts/dev/src/trustcheck"),
        ("devtools", "scripts/dev/src/devtools"),
    ],
)
def test_each_package_is_installed_from_its_own_folder_with_a_test_folder_of_its_name(
    package: str, folder: str
) -> None:
    spec = importlib.util.find_spec(package)
    assert spec is not None
    assert spec.origin is not None
    assert Path(spec.origin).resolve().parent == REPO / folder
    assert (REPO / "tests" / package).is_dir()


def test_no_module_edits_sys_path() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    editing = [
        name
        for name in tracked
        if name != "tests/test_repository_layout.py"
        and re.search(
            r"sys\.path\.(insert|append|extend)|sys\.path\s*=|sys\.path\s*\+=",
            (REPO / name).read_text(encoding="utf-8"),
        )
    ]
    assert editing == []


def test_the_configuration_loads_without_the_cdk() -> None:
    probe = (
        "import sys, developer_roles.config, developer_roles.preflight, developer_roles.add_me\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'aws_cdk', 'jsii', 'cdk_nag'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd="/", capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
