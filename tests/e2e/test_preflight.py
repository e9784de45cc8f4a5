"""``make preflight`` on the local AWS: it catches what would make ``make deploy`` fail.

Each module works in a fresh local account (bootstrapped once with the real CDK CLI), so other
tests' users and roles never show up. A deleted principal: the preflight says so and exits 1,
and the deploy it warned about really fails (IAM refuses "Invalid principal in policy").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from localaws import recipe
from localaws.testing import Developer, LocalAwsEnv
from tests.e2e.account_checks_env import (
    delete_developer,
    fresh_account,
    run_checks,
    run_make,
    write_config,
)

pytestmark = pytest.mark.e2e


@dataclass
class World:
    aws: LocalAwsEnv
    work: Path


@pytest.fixture(scope="module")
def world(local_aws: LocalAwsEnv, tmp_path_factory: pytest.TempPathFactory) -> World:
    if local_aws.is_live:
        pytest.skip("needs fresh local accounts; a live sandbox account is not empty")
    aws = fresh_account(local_aws, "preflight")
    work = tmp_path_factory.mktemp("preflight")
    boot = recipe.bootstrap(aws, work / "cdk.out")
    assert boot.returncode == 0, boot.output
    return World(aws, work)


@pytest.fixture(scope="module")
def deployed(world: World) -> Developer:
    """A ready account: the preflight passes, then the deploy succeeds."""
    dev = world.aws.create_developer("pf-ready")
    config = write_config(world.work / "ready.json", world.aws.account_id, [dev.arn])

    table = run_checks(world.aws, "preflight", "--config", str(config))
    assert table.returncode == 0, table.stdout + table.stderr
    assert "READY: nothing found that would make the deploy fail" in table.stdout
    deployed = recipe.deploy(world.aws, config, world.work / "cdk.out")
    assert deployed.returncode == 0, deployed.output
    return dev


def test_a_ready_account_passes_in_both_formats(world, deployed):
    config = write_config(world.work / "ready.json", world.aws.account_id, [deployed.arn])

    as_json = run_checks(world.aws, "preflight", "--config", str(config), "--json")

    assert as_json.returncode == 0
    assert as_json.json["passed"] is True
    assert [r["status"] for r in as_json.rows("principal")] == ["ok"]
    assert [r["status"] for r in as_json.rows("mfa-device")] == ["ok"]
    assert [r["status"] for r in as_json.rows("role-names")] == ["ok"]  # its own stack's role
    assert as_json.rows("bootstrap", "ok")
    assert as_json.rows("role-quota", "ok")


def test_a_deleted_principal_fails_the_preflight_and_would_fail_the_deploy(world, deployed):
    dev = world.aws.create_developer("pf-leaver")
    principals = [deployed.arn, dev.arn]
    config = write_config(world.work / "leaver.json", world.aws.account_id, principals)
    delete_developer(world.aws, dev)  # the developer left

    checked = run_checks(world.aws, "preflight", "--config", str(config), "--json")

    assert checked.returncode == 1
    [row] = checked.rows("principal", "fail")
    assert row["subject"] == dev.arn
    assert "Invalid principal in policy" in row["message"]
    table = run_checks(world.aws, "preflight", "--config", str(config))
    assert table.returncode == 1
    through_make = run_make(world.aws, "preflight", config, "ACCOUNT_CHECKS_ARGS=--json")
    assert through_make.returncode == 2  # make's own code for a failed recipe (README)
    assert through_make.json["passed"] is False  # stdout is the JSON alone
    assert "NOT READY" in table.stdout

    # Without the preflight: the deploy fails as IAM refuses the trust policy.
    deployed_run = recipe.deploy(world.aws, config, world.work / "cdk.out")
    assert deployed_run.returncode != 0
    assert f'Invalid principal in policy: "AWS":"{dev.arn}"' in deployed_run.output


def test_a_deleted_principal_whose_deployed_role_the_deploy_leaves_alone_is_a_warning(
    world, deployed
):
    dev = world.aws.create_developer("pf-gone-quiet")
    principals = [deployed.arn, dev.arn]
    config = write_config(world.work / "quiet.json", world.aws.account_id, principals)
    first = recipe.deploy(world.aws, config, world.work / "cdk.out")
    assert first.returncode == 0, first.output
    delete_developer(world.aws, dev)  # left after the deploy: the role stays as it is

    checked = run_checks(world.aws, "preflight", "--config", str(config), "--json")

    assert checked.returncode == 0, checked.stdout + checked.stderr
    [row] = checked.rows("principal", "warning")
    assert row["subject"] == dev.arn
    assert "the next change to this role will fail" in row["message"]
    # ... and the deploy the preflight let through does succeed.
    again = recipe.deploy(world.aws, config, world.work / "cdk.out")
    assert again.returncode == 0, again.output


def test_findings_of_a_kind_are_one_row_with_a_count_unless_verbose(world):
    iam = world.aws.client("iam")
    names = [f"pf-nomfa-{i}" for i in range(12)]  # over ten: read from the credential report
    for name in names:
        iam.create_user(UserName=name)
    arns = [f"arn:aws:iam::{world.aws.account_id}:user/{name}" for name in names]
    config = write_config(world.work / "nomfa.json", world.aws.account_id, arns)

    table = run_checks(world.aws, "preflight", "--config", str(config))
    verbose = run_checks(world.aws, "preflight", "--config", str(config), "--verbose")

    assert table.returncode == verbose.returncode == 0, table.stderr
    warnings = [line for line in table.stdout.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 1
    assert "mfa-device" in warnings[0]
    assert "12: user/pf-nomfa-0, user/pf-nomfa-1, user/pf-nomfa-2 and 9 more" in warnings[0]
    assert "preflight --verbose lists each" in table.stdout
    listed = [line for line in verbose.stdout.splitlines() if line.startswith("WARNING")]
    assert len(listed) == 12


def test_a_role_name_taken_outside_the_stack_fails(local_aws, world):
    other = fresh_account(local_aws, "preflight-squatted")
    dev = other.create_developer("pf-squatted")
    other.client("iam").create_role(
        RoleName="PowerUser-pf-squatted",
        Path="/developers/",
        AssumeRolePolicyDocument=f'{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", '
        f'"Principal": {{"AWS": "{dev.arn}"}}, "Action": "sts:AssumeRole"}}]}}',
    )
    config = write_config(world.work / "squatted.json", other.account_id, [dev.arn])

    checked = run_checks(other, "preflight", "--config", str(config), "--json")

    assert checked.returncode == 1
    [row] = checked.rows("role-names", "fail")
    assert "PowerUser-pf-squatted" in row["message"]


def test_a_principal_under_another_path_is_a_missing_principal(world):
    iam = world.aws.client("iam")
    iam.create_user(UserName="pf-pathed", Path="/contractors/")
    wrong = f"arn:aws:iam::{world.aws.account_id}:user/pf-pathed"
    config = write_config(world.work / "pathed.json", world.aws.account_id, [wrong])

    checked = run_checks(world.aws, "preflight", "--config", str(config), "--json")

    assert checked.returncode == 1
    [row] = checked.rows("principal", "fail")
    assert "/contractors/" in row["message"]


def test_a_user_without_an_mfa_device_is_a_warning(world):
    iam = world.aws.client("iam")
    arn = iam.create_user(UserName="pf-nomfa")["User"]["Arn"]
    config = write_config(world.work / "nomfa.json", world.aws.account_id, [arn])

    checked = run_checks(world.aws, "preflight", "--config", str(config), "--json")

    assert checked.returncode == 0  # the deploy works; the role is just unusable
    [row] = checked.rows("mfa-device")
    assert row["status"] == "warning"
    assert "no MFA device" in row["message"]


def test_an_account_that_is_not_bootstrapped_fails(local_aws, world):
    other = fresh_account(local_aws, "preflight-unbootstrapped")
    dev = other.create_developer("pf-other")
    config = write_config(world.work / "unboot.json", other.account_id, [dev.arn])

    checked = run_checks(other, "preflight", "--config", str(config), "--json")

    assert checked.returncode == 1
    [row] = checked.rows("bootstrap")
    assert row["status"] == "fail"
    assert f"cdk bootstrap aws://{other.account_id}/" in row["message"]


def test_a_cross_account_principal_is_not_checked_and_says_how(local_aws, world):
    elsewhere = "arn:aws:iam::555555555555:user/pf-remote"
    config = write_config(world.work / "remote.json", world.aws.account_id, [elsewhere])

    checked = run_checks(world.aws, "preflight", "--config", str(config), "--json")

    [row] = checked.rows("principal")
    assert row["status"] == "not checked"
    assert "--account-profile 555555555555=PROFILE" in row["message"]
    assert checked.returncode == 0


def test_missing_read_permissions_are_reported_per_check(world):
    iam = world.aws.client("iam")
    dev = world.aws.create_developer("pf-reader")
    iam.put_user_policy(
        UserName=dev.user_name,
        PolicyName="only-some-reads",
        PolicyDocument=(
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": '
            '["sts:GetCallerIdentity", "cloudformation:Describe*", "iam:ListRoles"], '
            '"Resource": "*"}]}'
        ),
    )
    config = write_config(world.work / "reader.json", world.aws.account_id, [dev.arn])

    checked = run_checks(
        world.aws, "preflight", "--config", str(config), "--json", credentials=dev.credentials
    )

    assert checked.returncode == 0, checked.stderr
    assert "Traceback" not in checked.stderr
    [row] = checked.rows("principal")
    assert row["status"] == "not checked"
    assert row["message"] == "not checked: iam:ListUsers denied"
    assert checked.rows("role-quota")[0]["message"] == ("not checked: iam:GetAccountSummary denied")
    assert checked.rows("bootstrap", "ok")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--account-profile", "nope"], "expected ACCOUNT=PROFILE"),
        (["--assume-role", "arn:aws:iam::1:role/x"], "{account} placeholder"),
        (["--config", "/nonexistent/roles.yaml"], "no such configuration file"),
    ],
    ids=["account-profile", "assume-role", "config"],
)
def test_bad_input_exits_2_with_one_message(world, args, message):
    checked = run_checks(world.aws, "preflight", *args)
    assert checked.returncode == 2
    assert message in checked.stderr
    assert "Traceback" not in checked.stderr


def test_no_credentials_exits_2(world, tmp_path):
    checked = run_checks(
        world.aws,
        "preflight",
        drop=("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_CONFIG_FILE=str(tmp_path / "none"),
    )
    assert checked.returncode == 2
    assert "no AWS credentials" in checked.stderr
