"""Which environments a deploy needs, and whether a configuration is cdk.json's example."""

from __future__ import annotations

from pathlib import Path

import pytest

from developer_roles.bootstrap import plan
from developer_roles.config import validate
from developer_roles.configuration import (
    Environment,
    environments,
    example_notice,
    is_example,
    load,
)
from developer_roles.report import BadInput

YOU = "arn:aws:iam::222222222222:user/you"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(None, ["aws://222222222222/eu-west-1"], id="no-configuration"),
        pytest.param({"principals": [YOU]}, ["aws://222222222222/eu-west-1"], id="no-account"),
        pytest.param(
            {"account": "222222222222", "region": "us-east-2", "principals": [YOU]},
            ["aws://222222222222/us-east-2"],
            id="account-and-region",
        ),
        pytest.param(
            {
                "targets": [
                    {"account": "222222222222", "region": "us-east-1"},
                    {"account": "333333333333", "region": "eu-central-1"},
                ],
                "principals": [YOU],
            },
            ["aws://222222222222/us-east-1", "aws://333333333333/eu-central-1"],
            id="two-targets",
        ),
    ],
)
def test_environments_are_the_targets_else_the_credentials(raw, expected):
    config = None if raw is None else validate(raw)
    found = environments(config, "222222222222", "eu-west-1")
    assert [str(e) for e in found] == expected


def test_no_region_anywhere_is_bad_input():
    with pytest.raises(BadInput, match="no region for account 222222222222"):
        environments(None, "222222222222", None)


def test_another_account_without_credentials_is_refused_before_any_bootstrap():
    config = validate({"account": "333333333333", "region": "us-east-1", "principals": [YOU]})
    with pytest.raises(BadInput, match="not for aws://333333333333/us-east-1"):
        plan(config, "222222222222", "us-east-1", {})
    assert plan(config, "222222222222", None, {"333333333333": "prod"}) == [
        (Environment("333333333333", "us-east-1"), "prod")
    ]


def test_cdk_json_example_is_named_with_how_to_point_it_at_yours():
    config = load(None, Path(__file__).parents[2])
    assert is_example(config)
    notice = example_notice(config, "222222222222")
    assert notice is not None
    assert "123456789012, the example account of cdk.json" in notice
    assert "ADD_ME_ARGS=--new" in notice
    assert example_notice(validate({"account": "222222222222", "principals": [YOU]}), None) is None


def test_a_missing_configuration_file_is_bad_input(tmp_path):
    with pytest.raises(BadInput, match=r"typo\.yaml: no such configuration file"):
        load(Path("typo.yaml"), tmp_path)
    assert not (tmp_path / "typo.yaml").exists()


def test_no_cdk_json_and_no_config_says_where_to_run(tmp_path):
    with pytest.raises(BadInput) as caught:
        load(None, tmp_path)
    assert str(caught.value) == (
        f"no cdk.json in {tmp_path}: run the command in the app's folder (the one with "
        "cdk.json), or pass --config FILE"
    )
