"""The format's one description ties the validator, the published JSON Schema and the
configuration reference (docs/configuration.md)."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from developer_role import iam_rules
from developer_roles.config import APP_TAG_KEY, ConfigError, managed_policies, regions, validate
from developer_roles.config import format as config_format
from developer_roles.config.schema import objects

REPO = Path(__file__).resolve().parents[3]
REFERENCE = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
OPERATORS = (REPO / "docs" / "operators.md").read_text(encoding="utf-8")
ALICE = "arn:aws:iam::123456789012:user/alice"


def schema_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(config_format.SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def readme_yaml_examples() -> list[str]:
    """The YAML blocks of the guides that describe the configuration: the reference and the
    operators' section on scale."""
    scale = OPERATORS.split("## Scale: many developers, many accounts\n", 1)[1].split("\n## ", 1)[0]
    return [
        example
        for text in (REFERENCE, scale)
        for example in re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)
    ]


def test_published_schema_is_the_one_the_format_gives() -> None:
    assert config_format.SCHEMA_FILE.read_text(encoding="utf-8") == config_format.schema_text(), (
        "run make config-schema"
    )


def test_readme_reference_is_the_one_the_format_gives() -> None:
    assert config_format.readme_with_reference(REFERENCE) == REFERENCE, "run make config-schema"


def test_every_key_of_the_format_is_in_the_readme_reference() -> None:
    for obj in objects(config_format.FORMAT):
        for spec in obj.fields:
            assert f"| `{spec.key}` |" in REFERENCE


def test_cdk_json_example_validates_against_the_schema_and_the_validator() -> None:
    example = json.loads((REPO / "cdk.json").read_text())["context"]["developerRoles"]
    assert list(schema_validator().iter_errors(example)) == []
    validate(example)


@pytest.mark.parametrize("index", range(len(readme_yaml_examples())))
def test_readme_examples_validate_against_the_schema(index: int) -> None:
    example = yaml.safe_load(readme_yaml_examples()[index])
    errors = [error.message for error in schema_validator().iter_errors(example)]
    assert errors == []


def test_readme_configuration_example_validates() -> None:
    (example, *_fragments) = readme_yaml_examples()
    assert example.startswith(
        "# yaml-language-server: $schema=./schema/developer-roles.schema.json"
    )
    config = validate(yaml.safe_load(example))
    assert len(config.roles) == 3


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param({"principals": [ALICE], "account": 123456789012}, id="account-number"),
        pytest.param({"principals": [ALICE], "rolePrefx": "x"}, id="unknown-key"),
        pytest.param({"principals": [{"arn": ALICE, "maxSessionDuration": True}]}, id="bool"),
        pytest.param({"principals": [ALICE], "stackCount": 0}, id="range"),
        pytest.param({"principals": [ALICE], "targets": []}, id="empty-targets"),
    ],
)
def test_the_schema_and_the_validator_refuse_the_same_structural_mistakes(
    raw: dict[str, Any],
) -> None:
    assert list(schema_validator().iter_errors(raw))
    with pytest.raises(ConfigError):
        validate(raw)


def test_a_json_file_may_name_its_schema() -> None:
    raw = {"$schema": "./schema/developer-roles.schema.json", "principals": [ALICE]}
    assert list(schema_validator().iter_errors(raw)) == []
    assert validate(raw).roles[0].key == ALICE


def test_the_tag_the_app_adds_is_the_one_the_validator_counts() -> None:
    from stacks.developer_roles_stack import PRINCIPAL_TAG

    assert PRINCIPAL_TAG == APP_TAG_KEY


def test_region_partitions_agree_with_botocore() -> None:
    import botocore

    data = json.loads((Path(botocore.__file__).parent / "data" / "partitions.json").read_text())
    for partition in data["partitions"]:
        assert partition["id"] in iam_rules.PARTITIONS
        for region in partition["regions"]:
            if region.startswith("aws-"):  # pseudo-regions such as aws-global
                continue
            assert iam_rules.region_partition(region) == partition["id"], region
            assert re.fullmatch(iam_rules.REGION, region), region


def test_managed_policy_names_are_current_with_the_pinned_moto() -> None:
    from devtools import gen_managed_policies

    assert managed_policies.MANAGED_POLICIES_FILE.read_text(encoding="utf-8") == (
        gen_managed_policies.render()
    ), "run make managed-policies"
    names = managed_policies.aws_managed_policy_names()
    assert {"PowerUserAccess", "ReadOnlyAccess", "job-function/ViewOnlyAccess"} <= names


def test_the_defaults_the_stacks_receive_are_the_ones_the_format_publishes() -> None:
    from developer_roles.config.model import RolesConfig, RoleSettings
    from developer_roles.config.schema import fields_of

    config = validate({"principals": [ALICE]})
    properties = json.loads(config_format.schema_text())["properties"]
    for spec in fields_of(RolesConfig):
        value = getattr(config, spec.attr)
        assert value == (spec.default if spec.has_default else None), spec.key
        assert properties[spec.key].get("default") == (value if spec.has_default else None), (
            spec.key
        )
    defaults = properties["defaults"]["properties"]
    for spec in fields_of(RoleSettings):
        assert getattr(config.roles[0], spec.attr) == spec.default, spec.key
        assert defaults[spec.key]["default"] == spec.default, spec.key


@pytest.mark.parametrize(
    "principal",
    [
        ALICE,
        "arn:aws:iam::123456789012:role/platform/ci",
        "arn:aws:iam::123456789012:user//alice",
        "arn:aws:iam::123456789012:user/åsa",
        "arn:aws:iam::123456789012:group/developers",
        "arn:aws:iam::123456789012:user/dev-*",
        "arn:aws:iam::12345678901:user/alice",
        "arn:aws:iam::123456789012:user/" + "a" * 65,
    ],
    ids=repr,
)
def test_the_schema_and_the_validator_read_a_principal_with_one_pattern(principal: str) -> None:
    raw = {"principals": [principal]}
    schema_accepts = not list(schema_validator().iter_errors(raw))
    try:
        validate(raw)
    except ConfigError:
        assert not schema_accepts
    else:
        assert schema_accepts


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("extraManagedPolicies", ["arn:aws:iam::123456789012:policy/team extras"]),
        ("extraManagedPolicies", ["arn:aws:iam::1234:policy/x"]),
        ("extraManagedPolicies", ["arn:aws:iam::123456789012:role/x"]),
        ("mfaSerial", "arn:aws:iam::123456789012:mfa/åsa"),
        ("mfaSerial", "GAHT1234"),
        ("roleName", "r" * 65),
    ],
    ids=repr,
)
def test_a_value_the_schema_refuses_the_validator_refuses(key: str, value: object) -> None:
    raw = {"principals": [{"arn": ALICE, key: value}]}
    assert list(schema_validator().iter_errors(raw))
    with pytest.raises(ConfigError):
        validate(raw)


def botocore_partitions() -> dict[str, str]:
    """What botocore's own loader reads, in a process of its own (botocore fixes ~/.aws/models
    when it is imported): the regions module no longer imports it."""
    program = (
        "import json, os, botocore.loaders; "
        "data = botocore.loaders.create_loader(os.environ.get('AWS_DATA_PATH'))"
        ".load_data('partitions'); "
        "print(json.dumps({r: p['id'] for p in data['partitions'] for r in p['regions'] "
        "if not r.startswith('aws-')}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=60
    )
    found: dict[str, str] = json.loads(done.stdout)
    return found


@pytest.mark.parametrize("where", ["botocore", "AWS_DATA_PATH", "~/.aws/models"])
def test_regions_come_from_where_botocore_s_loader_finds_them(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import botocore

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("AWS_DATA_PATH", raising=False)
    if where != "botocore":
        # A replacement file with a region botocore's own does not have, gzipped as botocore
        # ships some of its data.
        data = json.loads((Path(botocore.__file__).parent / "data" / "partitions.json").read_text())
        data["partitions"][0]["regions"]["xx-test-9"] = {"description": "a test region"}
        folder = tmp_path / "home" / ".aws" / "models" if where == "~/.aws/models" else tmp_path
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "partitions.json.gz").write_bytes(gzip.compress(json.dumps(data).encode()))
        if where == "AWS_DATA_PATH":
            monkeypatch.setenv(
                "AWS_DATA_PATH", f"{tmp_path / 'nothing-here'}{os.pathsep}{tmp_path}"
            )
    regions.region_partitions.cache_clear()
    try:
        ours = dict(regions.region_partitions())
    finally:
        regions.region_partitions.cache_clear()
    assert ours == botocore_partitions()
    assert ("xx-test-9" in ours) is (where != "botocore")
    assert ours["eu-north-1"] == "aws"
