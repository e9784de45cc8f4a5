"""``make audit`` on the local AWS: each seeded bad state is one finding; a clean account none.

Every test audits a fresh local account, whose only IAM user is the local AWS's own
``localaws-admin`` (AdministratorAccess): the acknowledgements file accepts it with a reason,
as a real account would accept its break-glass administrator.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from developer_roles.audit import expected_tags, expected_trust
from developer_roles.config import load_config
from localaws.testing import LocalAwsEnv
from tests.e2e.account_checks_env import fresh_account, run_checks, write_config

pytestmark = pytest.mark.e2e

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
POWER_USER = "arn:aws:iam::aws:policy/PowerUserAccess"


@pytest.fixture
def account(local_aws: LocalAwsEnv, request: pytest.FixtureRequest) -> LocalAwsEnv:
    if local_aws.is_live:
        pytest.skip("needs fresh local accounts; a live sandbox account is not empty")
    return fresh_account(local_aws, request.node.nodeid)


@pytest.fixture
def acknowledgements(tmp_path: Path) -> Path:
    path = tmp_path / "acknowledged.yaml"
    path.write_text(
        "- check: standing-privilege\n"
        "  subject: 'arn:aws:iam::*:user/localaws-admin'\n"
        "  reason: the local AWS's own administrator, used to seed the test\n",
        encoding="utf-8",
    )
    return path


def audit(account: LocalAwsEnv, acknowledgements: Path, *args: str):
    return run_checks(account, "audit", "--acknowledgements", str(acknowledgements), *args)


def findings(checked) -> list[tuple[str, str]]:
    return [(r["check"], r["subject"]) for r in checked.json["results"] if r["status"] == "fail"]


def trust(principal: str, *, mfa: bool) -> str:
    statement = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
    if mfa:
        statement["Condition"] = {
            "Bool": {"aws:MultiFactorAuthPresent": "true"},
            "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
        }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_a_clean_account_has_no_finding_in_either_format(account, acknowledgements):
    iam = account.client("iam")
    iam.create_user(UserName="reader")
    iam.attach_user_policy(UserName="reader", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.create_role(
        RoleName="with-mfa",
        AssumeRolePolicyDocument=trust(f"arn:aws:iam::{account.account_id}:root", mfa=True),
    )

    as_json = audit(account, acknowledgements, "--json")
    table = audit(account, acknowledgements)

    assert as_json.returncode == 0, as_json.stdout + as_json.stderr
    assert findings(as_json) == []
    assert [r["status"] for r in as_json.rows("standing-privilege")] == ["acknowledged"]
    assert table.returncode == 0
    assert "no finding" in table.stdout
    assert "the local AWS's own administrator" in table.stdout


def test_a_user_with_administrator_access_is_a_finding(account, acknowledgements):
    iam = account.client("iam")
    arn = iam.create_user(UserName="root-ish")["User"]["Arn"]
    iam.attach_user_policy(UserName="root-ish", PolicyArn=ADMIN)

    checked = audit(account, acknowledgements, "--json")

    assert checked.returncode == 1
    assert findings(checked) == [("standing-privilege", arn)]
    assert "AdministratorAccess" in checked.rows("standing-privilege", "fail")[0]["message"]
    table = audit(account, acknowledgements)
    assert table.returncode == 1
    assert arn in table.stdout


def test_power_user_through_a_group_and_an_inline_star_are_findings(account, acknowledgements):
    iam = account.client("iam")
    group = iam.create_group(GroupName="devs")["Group"]["Arn"]
    iam.attach_group_policy(GroupName="devs", PolicyArn=POWER_USER)
    member = iam.create_user(UserName="member")["User"]["Arn"]
    iam.add_user_to_group(GroupName="devs", UserName="member")
    starred = iam.create_user(UserName="starred")["User"]["Arn"]
    iam.put_user_policy(
        UserName="starred",
        PolicyName="everything",
        PolicyDocument='{"Version": "2012-10-17", "Statement": '
        '[{"Effect": "Allow", "Action": "*", "Resource": "*"}]}',
    )

    checked = audit(account, acknowledgements, "--json")

    assert checked.returncode == 1
    assert sorted(findings(checked)) == sorted(
        [
            ("standing-privilege", group),
            ("standing-privilege", member),
            ("standing-privilege", starred),
        ]
    )
    by_subject = {r["subject"]: r["message"] for r in checked.rows("standing-privilege")}
    assert "PowerUserAccess through group devs" in by_subject[member]
    assert 'inline policy everything ("Action": "*")' in by_subject[starred]


def test_a_role_trusted_without_mfa_is_a_finding(account, acknowledgements):
    iam = account.client("iam")
    user = iam.create_user(UserName="caller")["User"]["Arn"]
    role = iam.create_role(RoleName="no-mfa", AssumeRolePolicyDocument=trust(user, mfa=False))

    checked = audit(account, acknowledgements, "--json")

    assert checked.returncode == 1
    assert findings(checked) == [("mfa-trust", role["Role"]["Arn"])]
    [row] = checked.rows("mfa-trust", "fail")
    assert row["message"].startswith("MFA1: ")
    assert user in row["message"]


def test_a_drifted_developer_role_is_a_finding(account, acknowledgements, tmp_path):
    dev = account.create_developer("drifter")
    config_path = write_config(tmp_path / "roles.json", account.account_id, [dev.arn])
    [spec] = load_config(None, str(config_path), tmp_path).roles
    iam = account.client("iam")
    # the role as this app deploys it...
    role = iam.create_role(
        RoleName=spec.role_name,
        Path=spec.path,
        AssumeRolePolicyDocument=json.dumps(expected_trust(spec)),
        MaxSessionDuration=spec.max_session_seconds,
        Tags=[{"Key": key, "Value": value} for key, value in expected_tags(spec).items()],
    )["Role"]
    iam.attach_role_policy(RoleName=spec.role_name, PolicyArn=POWER_USER)
    clean = audit(account, acknowledgements, "--json", "--config", str(config_path))
    assert clean.returncode == 0, clean.stdout
    assert clean.rows("drift", "ok")

    # ...then changed by hand: a longer session, AdministratorAccess, no MFA age limit, a tag
    iam.update_role(RoleName=spec.role_name, MaxSessionDuration=43200)
    iam.tag_role(RoleName=spec.role_name, Tags=[{"Key": "owner", "Value": "me"}])
    iam.attach_role_policy(RoleName=spec.role_name, PolicyArn=ADMIN)
    iam.update_assume_role_policy(RoleName=spec.role_name, PolicyDocument=trust(dev.arn, mfa=True))
    checked = audit(account, acknowledgements, "--json", "--config", str(config_path))

    assert checked.returncode == 1
    [row] = checked.rows("drift", "fail")
    assert row["subject"] == role["Arn"]
    assert "trust policy" in row["message"]
    assert f"managed policies (added {ADMIN})" in row["message"]
    assert "session duration (43200 s, expected 3600 s)" in row["message"]
    assert "tags (+owner=me)" in row["message"]


def test_bad_acknowledgements_exit_2(account, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("- check: standing-privilege\n  subject: '*'\n", encoding="utf-8")

    checked = run_checks(account, "audit", "--acknowledgements", str(path))

    assert checked.returncode == 2
    assert "expected exactly the keys check, subject, reason" in checked.stderr
    assert "Traceback" not in checked.stderr


def test_a_configured_role_that_is_not_deployed_is_reported(account, acknowledgements, tmp_path):
    config_path = write_config(
        tmp_path / "roles.json",
        account.account_id,
        [f"arn:aws:iam::{account.account_id}:user/not-yet"],
    )

    checked = audit(account, acknowledgements, "--json", "--config", str(config_path))

    [row] = checked.rows("drift", "warning")
    assert row["subject"] == f"arn:aws:iam::{account.account_id}:role/developers/PowerUser-not-yet"
    assert row["message"] == "configured but not deployed (make deploy creates it)"
    [ok] = checked.rows("drift", "ok")
    assert ok["subject"] == "0 of 1 developer role(s) deployed"


def test_without_a_configuration_drift_is_not_checked(account, acknowledgements, tmp_path):
    checked = run_checks(
        account,
        "audit",
        "--acknowledgements",
        str(acknowledgements),
        "--json",
    )
    [row] = checked.rows("drift")
    assert row["status"] == "not checked"
    assert "the configuration is cdk.json's example (account 123456789012)" in row["message"]
