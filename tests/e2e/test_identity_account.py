"""The identity-account layout end to end: IAM users in one account, their roles in two others.

Three accounts of the session's local AWS, none of them the example account: the developers'
IAM users live in the identity account 111122223333, their roles in 444455556666 (the
session's region) and 777788889999 (eu-west-1). Nothing is added by hand: the operator runs the
README's commands with the identity account's credentials and a profile per target account,
``developer-roles bootstrap`` (``--trust`` the identity account) and ``developer-roles deploy``;
the identity side (the managed policy naming ``PowerUser-${aws:username}`` and the team role,
and the group that carries it) comes from the ``DeveloperRoleAccess`` stack.

Two developers, each with their own virtual MFA device, and a team of both use the profiles
that synthesis wrote (``aws-config-profiles.ini`` of the deploy's assembly) with the real AWS
CLI and the installed helper as ``credential_process``, on a real pseudo-terminal: each reaches
their own role and the team's role in both targets with one code, and is refused the other
developer's role with AWS's AccessDenied in the helper's message.

The last test shows that this proof can fail: with the deployed identity policy detached from
the group, or replaced by the synthesized document with the own-role resource scoped to the
wrong name (the role path left out), the developer no longer reaches their own role.

Time: the helper runs under ``faketime`` set to the local AWS clock (``fresh_totp`` moves
that clock instead of sleeping), as in test_one_code.py.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from localaws import recipe
from localaws.testing import Developer, LocalAwsEnv
from tests.e2e.developer import write_aws_files
from tests.e2e.terminal import AWS_CLI, Terminal, program_environment

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX pseudo-terminals"),
]

IDENTITY = "111122223333"
TARGET_A = "444455556666"
TARGET_B = "777788889999"
SECOND_REGION = "eu-west-1"
TEAM = "idl-team"
COMMAND = Path(sys.executable).parent / "developer-roles"  # the installed operators' command
EXIT_ACCESS_DENIED = 8  # mfa-assume's documented exit code


@dataclass(frozen=True)
class Layout:
    identity: LocalAwsEnv  # the operator: admin of the identity account
    developers: tuple[Developer, Developer]
    targets: tuple[tuple[str, str], ...]  # (account, region)
    profiles: str  # aws-config-profiles.ini of the deployed assembly


def account_env(local_aws: LocalAwsEnv, account_id: str) -> LocalAwsEnv:
    return LocalAwsEnv(
        endpoint_url=local_aws.endpoint_url,
        region=local_aws.region,
        account_id=account_id,
        admin=local_aws.other_account_admin(account_id),
        server=local_aws.server,
    )


def operator(identity: LocalAwsEnv, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``developer-roles ARGS`` as the operator: identity-account keys, a profile per target."""
    env = recipe._tool_path(
        identity.env(
            HOME=str(home),
            AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws" / "credentials"),
            AWS_CONFIG_FILE=str(home / ".aws" / "config"),
        )
    )
    return subprocess.run(
        [str(COMMAND), *args],
        cwd=recipe.REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def layout(local_aws: LocalAwsEnv, tmp_path_factory: pytest.TempPathFactory) -> Layout:
    if local_aws.is_live:
        pytest.skip("needs three accounts of the local AWS and its clock")
    if shutil.which("faketime") is None:
        pytest.fail("faketime is missing: `make setup` installs it (Debian package faketime)")
    work = tmp_path_factory.mktemp("identity-layout")
    identity = account_env(local_aws, IDENTITY)
    alice = local_aws.create_developer("idl-alice", account_id=IDENTITY)
    bob = local_aws.create_developer("idl-bob", account_id=IDENTITY)
    targets = ((TARGET_A, local_aws.region), (TARGET_B, SECOND_REGION))
    config = work / "roles.json"
    config.write_text(
        json.dumps(
            {
                "identityAccount": IDENTITY,
                "targets": [{"account": a, "region": r} for a, r in targets],
                "principals": [{"arn": d.arn, "mfaSerial": d.mfa_serial} for d in (alice, bob)],
                "groups": [{"name": TEAM, "principals": [alice.arn, bob.arn]}],
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    home = work / "operator"
    (home / ".aws").mkdir(parents=True)
    credentials = [
        f"[{account}]\naws_access_key_id = {keys.access_key_id}\n"
        f"aws_secret_access_key = {keys.secret_access_key}\n"
        for account, keys in ((a, local_aws.other_account_admin(a)) for a, _ in targets)
    ]
    (home / ".aws" / "credentials").write_text("\n".join(credentials), encoding="utf-8")
    (home / ".aws" / "config").write_text("", encoding="utf-8")

    boot = operator(
        identity,
        home,
        "bootstrap",
        f"--config={config}",
        *(f"--account-profile={a}={a}" for a, _ in targets),
        "--",
        "--trust",
        IDENTITY,
        "--cloudformation-execution-policies",
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "--output",
        str(work / "boot.out"),
    )
    assert boot.returncode == 0, boot.stdout + boot.stderr
    # ... without running the app once per environment (it would write its assembly there)
    assert not (work / "boot.out").exists()
    out = work / "cdk.out"
    deploy = operator(
        identity,
        home,
        "deploy",
        "--require-approval=never",
        f"--output={out}",
        "--",
        "-c",
        f"developerRolesFile={config}",
    )
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    profiles = (out / "aws-config-profiles.ini").read_text(encoding="utf-8")
    return Layout(identity, (alice, bob), targets, profiles)


def own_profile(developer: Developer, account: str) -> str:
    return f"{developer.user_name}-power-user-{account}"


def team_profile(account: str) -> str:
    return f"{TEAM}-team-power-user-{account}"


def role_arn(account: str, name: str) -> str:
    return f"arn:aws:iam::{account}:role/developers/PowerUser-{name}"


@pytest.fixture(scope="module")
def homes(layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each developer's home: the synthesized profiles as ~/.aws/config, their own keys."""
    return {
        d.user_name: write_aws_files(tmp_path_factory.mktemp(d.user_name), layout.profiles, d)
        for d in layout.developers
    }


@pytest.fixture
def shell(local_aws: LocalAwsEnv) -> Iterator[Callable[[Path, str], Terminal]]:
    """Factory: ``bash -c SCRIPT`` in a home on a real terminal, on the local AWS's clock."""
    started: list[Terminal] = []

    def start(home: Path, script: str) -> Terminal:
        offset = local_aws.server_time() - time.time()
        env = program_environment(home, local_aws.endpoint_url)
        wrapped = f"faketime -f '{offset:+.3f}s' bash -c {shlex.quote(script)}"
        started.append(Terminal(["bash", "-c", wrapped], env, home))
        return started[-1]

    yield start
    for term in started:
        term.end()


def caller_loop(profiles: list[str]) -> str:
    joined = " ".join(profiles)
    return (
        f"for p in {joined}; do {AWS_CLI} sts get-caller-identity --profile $p "
        "--query Arn --output text || echo FAILED; done; echo LOOP-DONE"
    )


def forget_role_sessions(home: Path) -> None:
    """Drop the helper's cached role credentials; the MFA session stays."""
    for entry in (home / ".cache" / "mfa-assume").glob("*.json"):
        if "AuthenticatedAt" not in entry.read_text(encoding="utf-8"):
            entry.unlink()


@pytest.mark.parametrize("index", [0, 1], ids=["alice", "bob"])
def test_each_developer_reaches_own_and_team_roles_in_both_targets_with_one_code(
    local_aws, layout, homes, shell, index
):
    me, other = layout.developers[index], layout.developers[1 - index]
    home = homes[me.user_name]
    accounts = [a for a, _ in layout.targets]
    profiles = [own_profile(me, a) for a in accounts] + [team_profile(a) for a in accounts]
    term = shell(home, caller_loop(profiles))
    term.wait_for(re.escape(f"MFA code for {me.mfa_serial}: "))
    term.type(local_aws.fresh_totp(me))
    term.wait_for("LOOP-DONE")
    status, _ = term.finish()
    assert status == 0
    assert term.output.count("MFA code for") == 1, term.output
    assert "FAILED" not in term.output, term.output
    for account in accounts:
        assert f"arn:aws:sts::{account}:assumed-role/PowerUser-{me.user_name}/" in term.output
        assert f"arn:aws:sts::{account}:assumed-role/PowerUser-{TEAM}/" in term.output

    # The other developer's role, asked for by ARN with this developer's own device.
    refused = role_arn(accounts[1], other.user_name)
    denied = shell(
        home,
        f"mfa-assume --role-arn {refused} --serial-number {me.mfa_serial} "
        f"--region {SECOND_REGION} --format json; echo EXIT=$?",
    )
    denied.wait_for(re.escape(f"MFA code for {me.mfa_serial}: "))
    denied.type(local_aws.fresh_totp(me))
    denied.wait_for("EXIT=")
    denied.finish()
    assert f"EXIT={EXIT_ACCESS_DENIED}" in denied.output, denied.output
    assert (
        f"AssumeRole was denied (AccessDenied: User: {me.arn} is not authorized to perform: "
        f"sts:AssumeRole on resource: {refused})"
    ) in denied.output, denied.output


def _group_policy_arn(iam: Any) -> str:
    (attached,) = iam.list_attached_group_policies(GroupName="PowerUserDevelopers")[
        "AttachedPolicies"
    ]
    return str(attached["PolicyArn"])


def _path_left_out(document: dict[str, Any]) -> dict[str, Any]:
    """The identity policy with its own-role resource scoped to the wrong name (no path)."""
    for statement in document["Statement"]:
        if statement.get("Sid") == "AssumeOwnDeveloperRole":
            statement["Resource"] = [r.replace("/developers/", "/") for r in statement["Resource"]]
    return document


@pytest.mark.parametrize("breakage", ["policy-removed", "wrong-role-name"])
def test_without_the_identity_policy_the_own_role_is_refused(
    local_aws, layout, homes, shell, breakage
):
    """The proof above fails when the identity side is wrong (it does not pass regardless)."""
    me = layout.developers[0]
    home = homes[me.user_name]
    forget_role_sessions(home)
    iam = layout.identity.client("iam")
    policy_arn = _group_policy_arn(iam)
    if breakage == "policy-removed":
        iam.detach_group_policy(GroupName="PowerUserDevelopers", PolicyArn=policy_arn)
        restore: Callable[[], None] = lambda: iam.attach_group_policy(  # noqa: E731
            GroupName="PowerUserDevelopers", PolicyArn=policy_arn
        )
    else:
        policy = iam.get_policy(PolicyArn=policy_arn)["Policy"]
        version = iam.get_policy_version(
            PolicyArn=policy_arn, VersionId=policy["DefaultVersionId"]
        )["PolicyVersion"]
        document = version["Document"]
        if isinstance(document, str):
            document = json.loads(document)
        created = iam.create_policy_version(
            PolicyArn=policy_arn,
            PolicyDocument=json.dumps(_path_left_out(document)),
            SetAsDefault=True,
        )["PolicyVersion"]["VersionId"]

        def restore() -> None:
            iam.set_default_policy_version(
                PolicyArn=policy_arn, VersionId=policy["DefaultVersionId"]
            )
            iam.delete_policy_version(PolicyArn=policy_arn, VersionId=created)

    try:
        account = layout.targets[0][0]
        term = shell(home, caller_loop([own_profile(me, account)]))
        if term.child.expect([re.escape(f"MFA code for {me.mfa_serial}: "), "LOOP-DONE"]) == 0:
            term.type(local_aws.fresh_totp(me))  # run alone: no MFA session cached yet
            term.wait_for("LOOP-DONE")
        term.finish()
    finally:
        restore()
    assert "FAILED" in term.output, term.output
    assert (
        f"AssumeRole was denied (AccessDenied: User: {me.arn} is not authorized to perform: "
        f"sts:AssumeRole on resource: {role_arn(account, me.user_name)})"
    ) in term.output, term.output
