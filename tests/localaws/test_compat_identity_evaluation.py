"""Identity-policy evaluation as IAM does it: policy variables, permissions boundaries and the
resource an IAM call acts on (fixes ``iam_policy_variables``, ``iam_permissions_boundary``,
``iam_request_resources``), each with and without its fix.

Users in an account other than the example's (210987654321), as the identity account of the
product's identity-account layout.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from localaws.testing import Credentials, LocalAwsEnv
from tests.localaws.test_moto_compat import error_of

ACCOUNT = "210987654321"
DENIED = "AccessDenied"


def _read_own_user_policy() -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["iam:GetUser", "iam:ListMFADevices"],
                    "Resource": f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}",
                }
            ],
        }
    )


@pytest.fixture
def pair(aws: LocalAwsEnv, unique: str) -> tuple[Any, str, str]:
    """alice (an IAM client with her keys) allowed to read user/${aws:username}; bob's name."""
    alice = aws.create_developer(f"{unique}-alice", account_id=ACCOUNT)
    bob = aws.create_developer(f"{unique}-bob", account_id=ACCOUNT)
    admin = aws.client("iam", aws.other_account_admin(ACCOUNT))
    admin.put_user_policy(
        UserName=alice.user_name, PolicyName="read-own", PolicyDocument=_read_own_user_policy()
    )
    return aws.client("iam", alice.credentials), alice.user_name, bob.user_name


def test_user_name_variable_lets_alice_read_alice_and_not_bob(pair):
    iam, alice, bob = pair
    assert iam.get_user(UserName=alice)["User"]["UserName"] == alice
    assert iam.get_user()["User"]["UserName"] == alice  # no UserName: the caller's own user
    assert [d["UserName"] for d in iam.list_mfa_devices(UserName=alice)["MFADevices"]] == [alice]
    assert error_of(iam.get_user, UserName=bob)[0] == DENIED
    assert error_of(iam.list_mfa_devices, UserName=bob)[0] == DENIED


def test_without_variables_the_text_is_compared_and_alice_cannot_read_herself(aws, pair):
    iam, alice, _ = pair
    with aws.fix_disabled("iam_policy_variables"):
        assert error_of(iam.get_user, UserName=alice)[0] == DENIED


def test_without_request_resources_alice_reads_bob(aws, pair):
    iam, _, bob = pair
    with aws.fix_disabled("iam_request_resources"):
        assert iam.get_user(UserName=bob)["User"]["UserName"] == bob  # moto: resource "*"


def test_principal_tag_variable(aws, unique):
    carol = aws.create_developer(f"{unique}-carol", account_id=ACCOUNT)
    admin = aws.client("iam", aws.other_account_admin(ACCOUNT))
    admin.tag_user(UserName=carol.user_name, Tags=[{"Key": "team", "Value": "payments"}])
    admin.create_role(
        RoleName=f"{unique}-payments", AssumeRolePolicyDocument=_trust(ACCOUNT), Path="/payments/"
    )
    admin.create_role(
        RoleName=f"{unique}-data", AssumeRolePolicyDocument=_trust(ACCOUNT), Path="/data/"
    )
    admin.put_user_policy(
        UserName=carol.user_name,
        PolicyName="team-roles",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "iam:GetRole",
                        # moto's policy validator splits the ARN at every ":", so a
                        # variable in the account field is refused here (AWS accepts it;
                        # test_iam_eval.py covers ${aws:PrincipalAccount})
                        "Resource": f"arn:aws:iam::{ACCOUNT}:role/${{aws:PrincipalTag/team}}/*",
                    }
                ],
            }
        ),
    )
    iam = aws.client("iam", carol.credentials)
    assert iam.get_role(RoleName=f"{unique}-payments")["Role"]["Path"] == "/payments/"
    assert error_of(iam.get_role, RoleName=f"{unique}-data")[0] == DENIED


def _trust(account: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": account}, "Action": "sts:AssumeRole"}
            ],
        }
    )


def _bounded_session(aws: LocalAwsEnv, name: str) -> Credentials:
    """A session of a role with AdministratorAccess and the boundary AmazonS3ReadOnlyAccess."""
    admin_keys = aws.other_account_admin(ACCOUNT)
    iam = aws.client("iam", admin_keys)
    iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=_trust(ACCOUNT),
        PermissionsBoundary="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    )
    iam.attach_role_policy(RoleName=name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    found = aws.client("sts", admin_keys).assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{name}", RoleSessionName="bounded"
    )["Credentials"]
    return Credentials(found["AccessKeyId"], found["SecretAccessKey"], found["SessionToken"])


def test_role_session_acts_only_within_its_boundary(aws, unique):
    session = _bounded_session(aws, unique)
    aws.client("s3", session).list_buckets()  # in both AdministratorAccess and the boundary
    assert error_of(aws.client("iam", session).list_users)[0] == DENIED
    assert error_of(aws.client("s3", session).create_bucket, Bucket=unique)[0] == DENIED


def test_without_the_boundary_fix_the_session_acts_outside_it(aws, unique):
    session = _bounded_session(aws, unique)
    with aws.fix_disabled("iam_permissions_boundary"):
        assert "Users" in aws.client("iam", session).list_users()


def _group_template(group: str, user: str) -> dict[str, Any]:
    return {
        "Resources": {
            "Developers": {
                "Type": "AWS::IAM::Group",
                "Properties": {
                    "GroupName": group,
                    "ManagedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                },
            },
            "Members": {
                "Type": "AWS::IAM::UserToGroupAddition",
                "Properties": {"GroupName": {"Ref": "Developers"}, "Users": [user]},
            },
        }
    }


def test_cloudformation_creates_the_group_with_its_policy_and_members(aws, unique):
    dev = aws.create_developer(unique)
    assert aws.deploy_failure(_group_template(unique, dev.user_name)) is None
    iam = aws.client("iam")
    assert [u["UserName"] for u in iam.get_group(GroupName=unique)["Users"]] == [dev.user_name]
    attached = iam.list_attached_group_policies(GroupName=unique)["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["ReadOnlyAccess"]


def test_without_the_groups_fix_the_stack_completes_without_the_group(aws, unique):
    dev = aws.create_developer(unique)
    with aws.fix_disabled("cfn_iam_groups"):
        assert aws.deploy_failure(_group_template(unique, dev.user_name)) is None
    assert error_of(aws.client("iam").get_group, GroupName=unique)[0] == "NoSuchEntity"
