"""The local AWS's speed settings (``moto_compat.tune_for_speed``) change no answer.

JSON templates are read as JSON, YAML ones still by PyYAML with moto's short-form intrinsics;
attaching and detaching managed policies by ARN keeps moto's errors for unknown or unattached
policies; the account of an access key is moto's answer, without IAM state made for partitions
nobody used, and every account's AWS managed policies are moto's. The speed itself is measured
by ``make bench-deploy``, not here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.cloudformation.utils import yaml_tag_constructor
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.iam import models as iam_models

from localaws import moto_compat
from localaws.compat import server_settings
from localaws.testing import LocalAwsEnv

ROOT = Path(__file__).resolve().parents[2]
POWER_USER = "arn:aws:iam::aws:policy/PowerUserAccess"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def pyyaml(text: str) -> object:
    yaml.add_multi_constructor("", yaml_tag_constructor)
    return yaml.load(text, Loader=yaml.Loader)


BOOTSTRAP = (
    ROOT / "node_modules" / "aws-cdk" / "lib" / "api" / "bootstrap" / "bootstrap-template.yaml"
)


def test_a_json_template_reads_as_pyyaml_reads_it() -> None:
    # The CDK's bootstrap template, as JSON: conditions, nested intrinsics, numbers, booleans.
    as_json = json.dumps(pyyaml(BOOTSTRAP.read_text()), indent=1)
    assert moto_compat._JsonFirstYaml(yaml).load(as_json, Loader=yaml.Loader) == pyyaml(as_json)


@pytest.mark.parametrize(
    "text",
    [
        "{Resources: {}}",  # a YAML flow mapping, not JSON
        BOOTSTRAP.read_text(),  # YAML with short-form intrinsics (!Sub, !If, !Ref)
        "Resources:\n  Topic: {Type: 'AWS::SNS::Topic'}\nOutputs:\n  A: {Value: !Ref Topic}\n",
    ],
    ids=["flow-mapping", "cdk-bootstrap", "short-form-ref"],
)
def test_yaml_templates_still_go_to_pyyaml(text: str) -> None:
    assert moto_compat._JsonFirstYaml(yaml).load(text, Loader=yaml.Loader) == pyyaml(text)


def test_a_yaml_template_with_short_form_intrinsics_deploys(aws: LocalAwsEnv, unique: str) -> None:
    template = (
        "Resources:\n"
        "  Role:\n"
        "    Type: AWS::IAM::Role\n"
        "    Properties:\n"
        f"      RoleName: {unique}\n"
        f"      AssumeRolePolicyDocument: {TRUST}\n"
        "Outputs:\n"
        "  RoleArn:\n"
        "    Value: !GetAtt Role.Arn\n"
    )
    cfn = aws.client("cloudformation")
    cfn.create_stack(StackName=unique, TemplateBody=template)
    stack = cfn.describe_stacks(StackName=unique)["Stacks"][0]
    arn = aws.client("iam").get_role(RoleName=unique)["Role"]["Arn"]
    assert stack["Outputs"] == [{"OutputKey": "RoleArn", "OutputValue": arn}]


def test_attach_and_detach_by_arn_keep_moto_errors(aws: LocalAwsEnv, unique: str) -> None:
    iam = aws.client("iam")
    iam.create_role(RoleName=unique, AssumeRolePolicyDocument=TRUST)
    missing = "arn:aws:iam::aws:policy/NoSuchPolicy"
    with pytest.raises(ClientError, match=f"Policy {missing} does not exist or is not attachable"):
        iam.attach_role_policy(RoleName=unique, PolicyArn=missing)
    with pytest.raises(ClientError, match=f"Policy {POWER_USER} was not found"):
        iam.detach_role_policy(RoleName=unique, PolicyArn=POWER_USER)  # not attached
    iam.attach_role_policy(RoleName=unique, PolicyArn=POWER_USER)
    attached = iam.list_attached_role_policies(RoleName=unique)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [POWER_USER]
    iam.detach_role_policy(RoleName=unique, PolicyArn=POWER_USER)
    assert iam.list_attached_role_policies(RoleName=unique)["AttachedPolicies"] == []
    with pytest.raises(ClientError, match=f"Role {unique}-gone not found"):
        iam.attach_role_policy(RoleName=unique + "-gone", PolicyArn=POWER_USER)


def test_the_account_of_an_access_key_is_moto_s_without_iam_state_for_unused_partitions() -> None:
    moto_compat.tune_for_speed()
    keys = {}
    with mock_aws():
        # Two accounts no other test uses, in two partitions.
        for account, partition, region in (
            ("135792468013", "aws", "eu-north-1"),
            ("864209753186", "aws-cn", "cn-north-1"),
        ):
            backend = iam_models.iam_backends[account][partition]
            backend.create_user(region, "dev")
            keys[account] = (partition, backend.create_access_key("dev").access_key_id)
        for account, (_, key) in keys.items():
            assert iam_models.get_account_id_from(key) == account
        assert iam_models.get_account_id_from("no-such-access-key") == DEFAULT_ACCOUNT_ID
        made = {account: sorted(dict.keys(iam_models.iam_backends[account])) for account in keys}
        assert made == {account: [partition] for account, (partition, _) in keys.items()}
        # moto's own lookup gives the same answers (and makes the other partitions' state).
        for account, (_, key) in keys.items():
            assert server_settings.moto_account_of_access_key(key) == account
        assert (
            server_settings.moto_account_of_access_key("no-such-access-key") == DEFAULT_ACCOUNT_ID
        )


def test_every_account_starts_with_moto_s_aws_managed_policies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    moto_compat.tune_for_speed()

    def table(policies: list[iam_models.ManagedPolicy]) -> dict[str, tuple[object, ...]]:
        return {
            p.arn: (
                p.path,
                p.default_version_id,
                [(v.version_id, v.document) for v in p.versions],
                p.create_date,
                p.update_date,
            )
            for p in policies
        }

    with mock_aws():
        for account, partition in (("135792468013", "aws"), ("864209753186", "aws-us-gov")):
            backend = iam_models.iam_backends[account][partition]
            ours = table(backend.aws_managed_policies)
            assert len(ours) > 1000
            assert POWER_USER.replace("aws", partition, 1) in ours
            assert ours == table(server_settings.moto_init_aws_policies(backend))
