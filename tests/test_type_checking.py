"""mypy analyses only the CDK modules our code uses (pyproject.toml's ``[tool.mypy]``): the list it
follows must hold every CDK module those modules name in their signatures, or the types they
take or return from it would silently become ``Any``."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# jsii writes the modules a module's signatures name as aliased imports under TYPE_CHECKING
# (``    import aws_cdk.aws_iam as _aws_iam_940a1ce0``); the examples in its docstrings never use
# such an alias.
SIGNATURE_IMPORT = re.compile(r"^    import (aws_cdk(?:\.\w+)*) as _\w+_[0-9a-f]{8}$", re.MULTILINE)
JSII_IMPORT = re.compile(r"^from (\.+)_jsii import \*$", re.MULTILINE)


def followed_cdk_modules() -> list[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    (followed,) = [o["module"] for o in config["overrides"] if o.get("follow_imports") == "normal"]
    return list(followed)


def cdk_source(module: str) -> Path:
    spec = importlib.util.find_spec("aws_cdk")  # the top-level package: nothing is imported
    assert spec is not None
    assert spec.submodule_search_locations is not None
    path = Path(next(iter(spec.submodule_search_locations))).parent.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def modules_needed_by(module: str) -> set[str]:
    """Its parent packages, the modules its signatures name, and its package's ``_jsii``."""
    parts = module.split(".")
    needed = {".".join(parts[:end]) for end in range(1, len(parts))}
    text = cdk_source(module).read_text(encoding="utf-8")
    needed |= set(SIGNATURE_IMPORT.findall(text))
    jsii = JSII_IMPORT.search(text)
    if jsii:
        package = parts if cdk_source(module).name == "__init__.py" else parts[:-1]
        needed.add(".".join([*package[: len(package) - len(jsii.group(1)) + 1], "_jsii"]))
    return needed


def test_mypy_follows_every_cdk_module_the_followed_ones_name() -> None:
    followed = followed_cdk_modules()
    assert "aws_cdk.aws_iam" in followed
    missing = {
        f"{needed} (named by {module})"
        for module in followed
        for needed in modules_needed_by(module)
        if needed not in followed
    }
    assert sorted(missing) == []


def test_the_rule_finds_what_a_module_names_in_its_signatures() -> None:
    # aws_s3's Bucket takes a KMS key and IAM principals, and returns EventBridge rules.
    assert {
        "aws_cdk",
        "aws_cdk._jsii",
        "aws_cdk.aws_iam",
        "aws_cdk.aws_kms",
        "aws_cdk.aws_events",
    } <= modules_needed_by("aws_cdk.aws_s3")
    # aws_iam's README shows `import aws_cdk.aws_cognito as cognito`: an example, not a signature.
    iam = modules_needed_by("aws_cdk.aws_iam")
    assert "aws_cdk.interfaces.aws_iam" in iam
    assert "aws_cdk.aws_cognito" not in iam
    assert "import aws_cdk.aws_cognito as cognito" in cdk_source("aws_cdk.aws_iam").read_text(
        encoding="utf-8"
    )
