"""Each moto_compat fix restores an AWS behaviour; each test also shows moto 5.2.5 without it.

Every test states the AWS behaviour. The ``*_without_fix`` companions run the same request with
the fix switched off (``aws.fix_disabled``) and assert moto's own, wrong answer: they fail the day
moto fixes the bug upstream, which is the signal to drop the fix.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

from localaws.testing import Credentials, Developer, LocalAwsEnv

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
POWER_USER = "arn:aws:iam::aws:policy/PowerUserAccess"


def mfa_trust(*principals: str, max_age: int = 3600) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeWithMfa",
                "Effect": "Allow",
                "Principal": {"AWS": list(principals)},
                "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
                "Condition": {
                    "Bool": {"aws:MultiFactorAuthPresent": "true"},
                    "NumericLessThan": {"aws:MultiFactorAuthAge": str(max_age)},
                },
            }
        ],
    }


def role_template(
    name: str, trust: dict[str, Any], *, hours: int = 1, policies: list[Any] | None = None
) -> str:
    properties: dict[str, Any] = {
        "RoleName": name,
        "Path": "/developers/",
        "AssumeRolePolicyDocument": trust,
        "MaxSessionDuration": hours * 3600,
        "ManagedPolicyArns": [POWER_USER],
    }
    if policies:
        properties["Policies"] = policies
    return json.dumps(
        {
            "Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": properties}},
            "Outputs": {"RoleArn": {"Value": {"Fn::GetAtt": ["Role", "Arn"]}}},
        }
    )


def create_role(aws: LocalAwsEnv, name: str, trust: dict[str, Any]) -> str:
    aws.client("iam").create_role(
        RoleName=name,
        Path="/developers/",
        AssumeRolePolicyDocument=json.dumps(trust),
        MaxSessionDuration=3600,
    )
    return f"arn:aws:iam::{ACCOUNT}:role/developers/{name}"


def error_of(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response["Error"]
    return str(error.get("Code")), str(error.get("Message"))


def assume(aws: LocalAwsEnv, dev: Developer, role_arn: str, **kwargs: Any) -> Any:
    return aws.client("sts", dev.credentials).assume_role(
        RoleArn=role_arn, RoleSessionName=dev.user_name, **kwargs
    )


def assume_with_mfa(
    aws: LocalAwsEnv, dev: Developer, role_arn: str, token: str | None = None, **kwargs: Any
) -> Any:
    """Assume with the developer's MFA device and ``token`` (default: a fresh code)."""
    code = aws.fresh_totp(dev) if token is None else token
    return assume(aws, dev, role_arn, SerialNumber=dev.mfa_serial, TokenCode=code, **kwargs)


def creds_of(response: Any) -> Credentials:
    c = response["Credentials"]
    return Credentials(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])


# --------------------------------------------------------------------------- CloudFormation


def test_cfn_role_attaches_managed_policy_arns(aws, unique):
    cfn, iam = aws.client("cloudformation"), aws.client("iam")
    cfn.create_stack(StackName=unique, TemplateBody=role_template(unique, mfa_trust(ACCOUNT)))
    attached = iam.list_attached_role_policies(RoleName=unique)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [POWER_USER]


def test_cfn_role_managed_policy_arns_without_fix(aws, unique):
    with aws.fix_disabled("cfn_role_managed_policies"):
        aws.client("cloudformation").create_stack(
            StackName=unique, TemplateBody=role_template(unique, mfa_trust(ACCOUNT))
        )
    assert aws.client("iam").list_attached_role_policies(RoleName=unique)["AttachedPolicies"] == []


def _update_role_stack(aws: LocalAwsEnv, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    cfn, iam = aws.client("cloudformation"), aws.client("iam")
    cfn.create_stack(StackName=name, TemplateBody=role_template(name, mfa_trust(ACCOUNT)))
    before = iam.get_role(RoleName=name)["Role"]
    new_trust = mfa_trust(f"arn:aws:iam::{ACCOUNT}:root", max_age=900)
    cfn.update_stack(StackName=name, TemplateBody=role_template(name, new_trust, hours=2))
    return before, iam.get_role(RoleName=name)["Role"]


def test_cfn_role_update_is_in_place_with_new_trust_policy_and_duration(aws, unique):
    before, after = _update_role_stack(aws, unique)
    assert after["RoleId"] == before["RoleId"]  # updated, not replaced
    assert after["MaxSessionDuration"] == 7200
    statement = after["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Condition"]["NumericLessThan"] == {"aws:MultiFactorAuthAge": "900"}


def test_cfn_role_update_without_fix(aws, unique):
    with aws.fix_disabled("cfn_role_update"):
        _, after = _update_role_stack(aws, unique)
    assert after["MaxSessionDuration"] == 3600
    statement = after["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Condition"]["NumericLessThan"] == {"aws:MultiFactorAuthAge": "3600"}


def _inline_policy_role(aws: LocalAwsEnv, name: str) -> Credentials:
    """A role with only an inline policy allowing ssm:DescribeParameters, assumed by the admin."""
    trust = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}
        ]
    }
    policy = {
        "PolicyName": "read",
        "PolicyDocument": {
            "Statement": [{"Effect": "Allow", "Action": "ssm:DescribeParameters", "Resource": "*"}]
        },
    }
    template = json.loads(role_template(name, trust, policies=[policy]))
    template["Resources"]["Role"]["Properties"]["ManagedPolicyArns"] = []
    aws.client("cloudformation").create_stack(StackName=name, TemplateBody=json.dumps(template))
    response = aws.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/developers/{name}", RoleSessionName="session"
    )
    return creds_of(response)


def test_cfn_role_inline_policies_apply_to_the_roles_requests(aws, unique):
    role = _inline_policy_role(aws, unique)
    aws.client("ssm", role).describe_parameters()
    code, _ = error_of(aws.client("iam", role).list_users)
    assert code == "AccessDenied"


def test_cfn_role_inline_policies_without_fix(aws, unique):
    with aws.fix_disabled("cfn_role_inline_policies"):
        role = _inline_policy_role(aws, unique)
    with pytest.raises(ClientError) as caught:
        aws.client("ssm", role).describe_parameters()
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def _deploy_with_change_set(aws: LocalAwsEnv, name: str) -> Any:
    cfn = aws.client("cloudformation")
    cfn.create_change_set(
        StackName=name,
        ChangeSetName="deploy",
        ChangeSetType="CREATE",
        TemplateBody=role_template(name, mfa_trust(ACCOUNT)),
    )
    cfn.execute_change_set(StackName=name, ChangeSetName="deploy")
    return cfn.describe_stacks(StackName=name)["Stacks"][0]


def test_cfn_change_set_deploy_reports_outputs(aws, unique):
    stack = _deploy_with_change_set(aws, unique)
    assert stack["Outputs"] == [
        {
            "OutputKey": "RoleArn",
            "OutputValue": f"arn:aws:iam::{ACCOUNT}:role/developers/{unique}",
        }
    ]


def test_cfn_change_set_outputs_without_fix(aws, unique):
    with aws.fix_disabled("cfn_change_set_outputs"):
        stack = _deploy_with_change_set(aws, unique)
    assert "Outputs" not in stack


def test_cfn_missing_change_set_is_change_set_not_found(aws, unique):
    cfn = aws.client("cloudformation")
    code, message = error_of(cfn.describe_change_set, StackName=unique, ChangeSetName="nope")
    assert (code, message) == ("ChangeSetNotFound", "ChangeSet [nope] does not exist")


def test_cfn_missing_change_set_without_fix(aws, unique):
    cfn = aws.client("cloudformation")
    with aws.fix_disabled("cfn_change_set_not_found"):
        code, _ = error_of(cfn.describe_change_set, StackName=unique, ChangeSetName="nope")
    assert code == "ValidationError"


def _update_with_previous_ssm_parameter(aws: LocalAwsEnv, name: str) -> None:
    aws.client("ssm").put_parameter(Name=f"/{name}/version", Value="21", Type="String")
    cfn = aws.client("cloudformation")
    template: dict[str, Any] = {
        "Parameters": {
            "Version": {
                "Type": "AWS::SSM::Parameter::Value<String>",
                "Default": f"/{name}/version",
            }
        },
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"Version": {"Value": {"Ref": "Version"}}},
    }
    cfn.create_change_set(
        StackName=name,
        ChangeSetName="one",
        ChangeSetType="CREATE",
        TemplateBody=json.dumps(template),
    )
    cfn.execute_change_set(StackName=name, ChangeSetName="one")
    template["Resources"]["Queue"] = {"Type": "AWS::SQS::Queue"}
    cfn.create_change_set(
        StackName=name,
        ChangeSetName="two",
        ChangeSetType="UPDATE",
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": "Version", "UsePreviousValue": True}],
    )
    cfn.execute_change_set(StackName=name, ChangeSetName="two")


def test_cfn_use_previous_value_keeps_the_ssm_parameter(aws, unique):
    _update_with_previous_ssm_parameter(aws, unique)
    stack = aws.client("cloudformation").describe_stacks(StackName=unique)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"


def test_cfn_use_previous_value_without_fix(aws, unique):
    with (
        aws.fix_disabled("cfn_use_previous_parameter"),
        pytest.raises(ResponseParserError, match="500 Internal Server Error"),
    ):
        _update_with_previous_ssm_parameter(aws, unique)


# --------------------------------------------------------------------------- identity policies


def _user_with_policy(aws: LocalAwsEnv, name: str, statements: list[Any]) -> Developer:
    dev = aws.create_developer(name)
    aws.client("iam").put_user_policy(
        UserName=name,
        PolicyName="p",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    return dev


RESOURCE_SCOPED = [
    {
        "Effect": "Allow",
        "Action": "ssm:DescribeParameters",
        "Resource": f"arn:aws:ssm:us-east-1:{ACCOUNT}:*",
    }
]
MFA_ONLY = [
    {
        "Effect": "Allow",
        "Action": "iam:ListUsers",
        "Resource": "*",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    }
]


def test_identity_allow_scoped_to_resources_applies(aws, unique):
    dev = _user_with_policy(aws, unique, RESOURCE_SCOPED)
    aws.client("ssm", dev.credentials).describe_parameters()
    code, _ = error_of(aws.client("iam", dev.credentials).list_users)
    assert code == "AccessDenied"


def test_identity_allow_scoped_to_resources_without_fix(aws, unique):
    dev = _user_with_policy(aws, unique, RESOURCE_SCOPED)
    with aws.fix_disabled("iam_identity_evaluation"), pytest.raises(ClientError) as caught:
        aws.client("ssm", dev.credentials).describe_parameters()
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_identity_allow_with_unmet_mfa_condition_does_not_apply(aws, unique):
    dev = _user_with_policy(aws, unique, MFA_ONLY)
    code, _ = error_of(aws.client("iam", dev.credentials).list_users)
    assert code == "AccessDenied"


def test_identity_allow_with_unmet_mfa_condition_without_fix(aws, unique):
    dev = _user_with_policy(aws, unique, MFA_ONLY)
    with aws.fix_disabled("iam_identity_evaluation"):
        aws.client("iam", dev.credentials).list_users()  # moto ignores the Bool condition


# --------------------------------------------------------------------------- MFA codes

INVALID = "MultiFactorAuthentication failed with invalid MFA one time pass code."
UNKNOWN_DEVICE = (
    "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA "
    "serial number is valid and associated with this user."
)


@pytest.fixture
def alice(aws, unique) -> tuple[Developer, str]:
    dev = aws.create_developer(unique)
    return dev, create_role(aws, unique, mfa_trust(dev.arn))


def test_valid_code_assumes_the_role(aws, alice):
    dev, role = alice
    response = assume_with_mfa(aws, dev, role, SourceIdentity=dev.user_name)
    assert response["AssumedRoleUser"]["Arn"].endswith(f"/{dev.user_name}")
    assert response["SourceIdentity"] == dev.user_name


def test_valid_code_without_fix_is_not_seen_as_mfa(aws, alice):
    dev, role = alice
    with aws.fix_disabled("sts_mfa_verification"):
        code, _ = error_of(
            assume_with_mfa,
            aws=aws,
            dev=dev,
            role_arn=role,
        )
    assert code == "AccessDenied"


def test_wrong_code_is_refused_with_the_aws_message(aws, alice):
    dev, role = alice
    good = aws.totp(dev)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    code, message = error_of(assume_with_mfa, aws=aws, dev=dev, role_arn=role, token=wrong)
    assert (code, message.strip()) == ("AccessDenied", INVALID)


def test_reused_code_is_refused(aws, alice):
    dev, role = alice
    token = aws.fresh_totp(dev)
    assume_with_mfa(aws, dev, role, token)
    code, message = error_of(assume_with_mfa, aws=aws, dev=dev, role_arn=role, token=token)
    assert (code, message.strip()) == ("AccessDenied", INVALID)


def test_previous_step_code_is_accepted_but_not_two_steps_back(aws, alice):
    dev, role = alice
    aws.fresh_totp(dev)  # skip past the steps used when the device was enabled
    old = aws.totp(dev)
    aws.advance_clock(30)
    assume_with_mfa(aws, dev, role, old)
    older = aws.fresh_totp(dev)
    aws.advance_clock(60)
    code, _ = error_of(assume_with_mfa, aws=aws, dev=dev, role_arn=role, token=older)
    assert code == "AccessDenied"


def test_another_users_device_is_refused(aws, alice, unique):
    dev, role = alice
    other = aws.create_developer(unique + "x")
    code, message = error_of(
        assume,
        aws=aws,
        dev=dev,
        role_arn=role,
        SerialNumber=other.mfa_serial,
        TokenCode=aws.fresh_totp(other),
    )
    assert (code, message) == ("AccessDenied", UNKNOWN_DEVICE)


# --------------------------------------------------------------------------- trust policy


def test_no_mfa_is_refused_even_with_an_identity_policy(aws, alice):
    dev, role = alice
    aws.client("iam").put_user_policy(
        UserName=dev.user_name,
        PolicyName="assume",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
            }
        ),
    )
    code, message = error_of(assume, aws=aws, dev=dev, role_arn=role)
    assert code == "AccessDenied"
    assert (
        message
        == f"User: {dev.arn} is not authorized to perform: sts:AssumeRole on resource: {role}"
    )


def test_no_mfa_without_fix_is_let_through(aws, alice):
    dev, role = alice
    aws.client("iam").put_user_policy(
        UserName=dev.user_name,
        PolicyName="assume",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
            }
        ),
    )
    with aws.fix_disabled("sts_trust_policy_evaluation"):
        assert assume(aws, dev, role)["AssumedRoleUser"]


def test_same_account_user_named_in_trust_policy_needs_no_identity_policy(aws, alice):
    dev, role = alice  # alice has no identity policy at all
    assume_with_mfa(aws, dev, role)


def test_mfa_session_older_than_the_maximum_age_is_refused(aws, alice):
    dev, role = alice
    token = aws.client("sts", dev.credentials).get_session_token(
        SerialNumber=dev.mfa_serial, TokenCode=aws.fresh_totp(dev)
    )
    session = creds_of(token)
    assert aws.client("sts", session).assume_role(RoleArn=role, RoleSessionName="fresh")
    aws.advance_clock(3600)
    code, _ = error_of(aws.client("sts", session).assume_role, RoleArn=role, RoleSessionName="old")
    assert code == "AccessDenied"


def test_tag_session_must_be_allowed_by_the_trust_policy(aws, alice):
    dev, role = alice
    code, message = error_of(
        assume_with_mfa,
        aws=aws,
        dev=dev,
        role_arn=role,
        Tags=[{"Key": "team", "Value": "a"}],
    )
    assert code == "AccessDenied"
    assert "sts:TagSession" in message


def test_duration_above_the_roles_maximum_is_refused(aws, alice):
    dev, role = alice
    code, message = error_of(
        assume_with_mfa,
        aws=aws,
        dev=dev,
        role_arn=role,
        DurationSeconds=7200,
    )
    assert code == "ValidationError"
    assert "MaxSessionDuration" in message


def test_cross_account_principal_needs_its_own_identity_policy(aws, unique):
    other_admin = aws.other_account_admin(OTHER_ACCOUNT)
    dev = aws.create_developer(unique, account_id=OTHER_ACCOUNT)
    role = create_role(aws, unique, mfa_trust(dev.arn))
    code, _ = error_of(
        assume_with_mfa,
        aws=aws,
        dev=dev,
        role_arn=role,
    )
    assert code == "AccessDenied"
    aws.client("iam", other_admin).put_user_policy(
        UserName=unique,
        PolicyName="assume",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role}],
            }
        ),
    )
    assume_with_mfa(aws, dev, role)


# --------------------------------------------------------------------------- GetSessionToken


def test_session_token_credentials_work_and_carry_the_user(aws, alice):
    dev, _ = alice
    session = creds_of(
        aws.client("sts", dev.credentials).get_session_token(
            SerialNumber=dev.mfa_serial, TokenCode=aws.fresh_totp(dev)
        )
    )
    assert aws.client("sts", session).get_caller_identity()["Arn"] == dev.arn


def test_session_token_without_fix(aws, alice):
    dev, _ = alice
    with aws.fix_disabled("sts_session_token"):
        code, _ = error_of(aws.client("sts", dev.credentials).get_session_token)
    assert code == "AccessDenied"  # moto demands a permission AWS does not require


def test_issued_credentials_expire_on_the_server_clock(aws, alice):
    """The clock seam dates expiries too: a client on the server's clock sees them as AWS's."""
    dev, role = alice
    aws.advance_clock(7200)
    now = aws.server_time()
    token = aws.client("sts", dev.credentials).get_session_token(
        SerialNumber=dev.mfa_serial, TokenCode=aws.fresh_totp(dev), DurationSeconds=900
    )
    assumed = assume_with_mfa(aws, dev, role, DurationSeconds=900)
    for response in (token, assumed):
        left = response["Credentials"]["Expiration"].timestamp() - now
        assert 800 < left <= 960, left


def test_iam_authorization_is_what_makes_moto_check_anything(aws, alice):
    """Server setting, not a fix: without moto's auth switch no request is checked at all."""
    dev, role = alice

    def reset_auth(value: str) -> None:
        aws.moto_api("reset-auth", value.encode())

    reset_auth("inf")
    try:
        assert assume(aws, dev, role)["AssumedRoleUser"]  # no MFA, yet allowed
    finally:
        reset_auth("0")
    code, _ = error_of(assume, aws=aws, dev=dev, role_arn=role)
    assert code == "AccessDenied"
