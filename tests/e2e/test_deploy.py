"""The recipe end to end: real CDK CLI deploy, then the MFA-gated assume with the helper.

Local by default (moto server with localaws fixes); against a sandbox account when
E2E_LIVE_PROFILE is set (see conftest.py). The deployment is shared by the tests of this
module; each test then checks one user-visible behaviour.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from localaws import recipe
from localaws.testing import Credentials, Developer, LocalAwsEnv

pytestmark = pytest.mark.e2e

# Exit codes of mfa-assume (see its --help).
EXIT_ROLE_REQUIRES_MFA = 5
EXIT_MFA_REJECTED = 6
EXIT_DURATION_ABOVE_MAXIMUM = 9


@dataclass
class Deployment:
    developer: Developer
    role_arn: str
    config: Path
    out_dir: Path
    home: Path


@pytest.fixture(scope="module")
def deployment(local_aws: LocalAwsEnv, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    work = tmp_path_factory.mktemp("e2e")
    developer = local_aws.create_developer("e2e-alice")
    config = recipe.write_roles_config(work / "roles.json", local_aws.account_id, [developer.arn])
    boot = recipe.bootstrap(local_aws, work / "cdk.out")
    assert boot.returncode == 0, boot.output
    deployed = recipe.deploy(local_aws, config, work / "cdk.out")
    assert deployed.returncode == 0, deployed.output
    home = work / "home"
    home.mkdir()
    return Deployment(
        developer,
        recipe.role_arn_for(developer, local_aws.account_id),
        config,
        work / "cdk.out",
        home,
    )


def test_deploy_outputs_the_role_arn(local_aws, deployment):
    stack = local_aws.client("cloudformation").describe_stacks(StackName=recipe.STACK_NAME)
    outputs = [o["OutputValue"] for o in stack["Stacks"][0].get("Outputs", [])]
    assert deployment.role_arn in outputs


def test_role_has_power_user_access_and_mfa_trust(local_aws, deployment):
    iam = local_aws.client("iam")
    name = deployment.role_arn.rsplit("/", 1)[1]
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["PowerUserAccess"]
    statement = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Condition"]["Bool"] == {"aws:MultiFactorAuthPresent": "true"}


def test_assume_without_mfa_is_denied(local_aws, deployment):
    result = recipe.assume_with_helper(
        local_aws, deployment.developer, deployment.role_arn, deployment.home
    )
    assert result.returncode == EXIT_ROLE_REQUIRES_MFA, result.output
    assert "AccessKeyId" not in result.stdout


def test_assume_with_wrong_code_is_refused(local_aws, deployment):
    good = local_aws.totp(deployment.developer)
    wrong = f"{(int(good) + 500_000) % 1_000_000:06d}"
    result = recipe.assume_with_helper(
        local_aws, deployment.developer, deployment.role_arn, deployment.home, token_code=wrong
    )
    assert result.returncode == EXIT_MFA_REJECTED, result.output


def _assume(local_aws: LocalAwsEnv, deployment: Deployment, duration: str | None = None):
    return recipe.assume_with_helper(
        local_aws,
        deployment.developer,
        deployment.role_arn,
        deployment.home,
        token_code=local_aws.fresh_totp(deployment.developer),
        duration=duration,
    )


def test_valid_code_gives_a_power_user_session(local_aws, deployment):
    result = _assume(local_aws, deployment)
    assert result.returncode == 0, result.output
    creds = recipe.credentials_from_helper(result)
    identity = local_aws.client("sts", creds).get_caller_identity()
    role_name = deployment.role_arn.rsplit("/", 1)[1]
    assert f":assumed-role/{role_name}/" in identity["Arn"]

    s3 = local_aws.client("s3", creds)
    bucket = f"e2e-power-user-{local_aws.account_id}-{secrets.token_hex(4)}"  # global namespace
    s3.create_bucket(Bucket=bucket)
    try:
        assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    finally:
        s3.delete_bucket(Bucket=bucket)
    with pytest.raises(ClientError) as denied:
        local_aws.client("iam", creds).list_users()
    assert denied.value.response["Error"]["Code"] == "AccessDenied"


def test_mfa_older_than_the_maximum_age_is_denied(local_aws, deployment, needs_clock):
    dev = deployment.developer
    token = local_aws.client("sts", dev.credentials).get_session_token(
        SerialNumber=dev.mfa_serial, TokenCode=local_aws.fresh_totp(dev)
    )["Credentials"]
    session = Credentials(token["AccessKeyId"], token["SecretAccessKey"], token["SessionToken"])
    local_aws.advance_clock(3600)
    with pytest.raises(ClientError) as denied:
        local_aws.client("sts", session).assume_role(
            RoleArn=deployment.role_arn, RoleSessionName="too-old"
        )
    assert denied.value.response["Error"]["Code"] == "AccessDenied"


def test_redeploy_with_longer_session_is_an_in_place_update(local_aws, deployment):
    iam = local_aws.client("iam")
    name = deployment.role_arn.rsplit("/", 1)[1]
    before = iam.get_role(RoleName=name)["Role"]
    refused = _assume(local_aws, deployment, duration="2h")
    assert refused.returncode == EXIT_DURATION_ABOVE_MAXIMUM, refused.output

    recipe.write_roles_config(
        deployment.config,
        local_aws.account_id,
        [deployment.developer.arn],
        max_session_duration="2h",
    )
    redeployed = recipe.deploy(local_aws, deployment.config, deployment.out_dir)
    assert redeployed.returncode == 0, redeployed.output

    after = iam.get_role(RoleName=name)["Role"]
    assert after["RoleId"] == before["RoleId"]
    assert after["CreateDate"] == before["CreateDate"]
    assert after["MaxSessionDuration"] == 7200
    longer = _assume(local_aws, deployment, duration="2h")
    assert longer.returncode == 0, longer.output
