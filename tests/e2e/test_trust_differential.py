"""Differential proof: the local AWS and iam-simulate decide the trust matrix the same way.

The trust policies are the app's own, synthesized with the real CDK CLI for developers created
in the local AWS; each role is created with iam:CreateRole from its synthesized trust policy
(the deploy path itself is covered by test_deploy.py). Every request of the matrix
(``trustcheck.matrix``) is then made for real, with real credentials:

- MFA fresh: ``AssumeRole`` with ``SerialNumber``/``TokenCode`` (a never-used TOTP code);
- MFA N-60s / N / N+600s old: ``GetSessionToken`` with MFA, the server clock moved on by that
  age, then ``AssumeRole`` with the session's credentials;
- MFA false: ``GetSessionToken`` without MFA, then ``AssumeRole`` with the session;
- MFA absent: ``AssumeRole`` with the user's long-term access key;
- ``SetSourceIdentity`` and ``TagSession`` rows pass ``SourceIdentity`` or ``Tags``;
- the identity side "sts:* on *" is an inline user policy, put or deleted before each row.

A request is Allowed when AWS returns credentials and Denied on ``AccessDenied``; any other
error fails the test. Both engines must agree on every row, and with the matrix's promise.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localaws.testing import Credentials, Developer, LocalAwsEnv
from trustcheck.check import check
from trustcheck.engine import Outcome
from trustcheck.matrix import (
    ALLOW_STS_POLICY,
    SESSION_NAME,
    SESSION_TAG,
    SOURCE_IDENTITY,
    UNTRUSTED_USER,
    Age,
    Call,
    Decision,
    IdentitySide,
    Mfa,
    Request,
    RoleUnderTest,
    mfa_age_seconds,
    other_account,
)
from trustcheck.synth import synthesize
from trustcheck.templates import roles_in_assembly

pytestmark = pytest.mark.e2e

IDENTITY_POLICY_NAME = "trustcheck-sts"
SESSION_SECONDS = 43_200


@dataclass
class Caller:
    """A principal of the matrix as a real local IAM user, with its identity-policy state."""

    developer: Developer
    admin: Credentials
    identity: IdentitySide = IdentitySide.NONE


@dataclass
class World:
    roles: list[RoleUnderTest]
    callers: dict[str, Caller] = field(default_factory=dict)  # IAM ARN -> caller
    clients: dict[tuple[str, Credentials], Any] = field(default_factory=dict)

    def client(self, local_aws: LocalAwsEnv, service: str, credentials: Credentials) -> Any:
        """A client of the local AWS; one per service and long-term credentials, kept for the
        module (a new client loads botocore's service model afresh, which costs more than the
        call). A session's credentials are new for each row: its client is not kept."""
        if credentials.session_token is not None:
            return local_aws.client(service, credentials)
        key = (service, credentials)
        if key not in self.clients:
            self.clients[key] = local_aws.client(service, credentials)
        return self.clients[key]


def _config(account: str, owners: list[Developer]) -> dict[str, Any]:
    """The app's configuration: one role as configured by default, one requiring a source
    identity with a two-hour MFA age."""
    first, second = owners
    return {
        "account": account,
        "principals": [
            first.arn,
            {"arn": second.arn, "requireSourceIdentity": True, "maxMfaAge": "2h"},
        ],
    }


@pytest.fixture(scope="module")
def world(local_aws: LocalAwsEnv, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    work = tmp_path_factory.mktemp("trust-differential")
    account = local_aws.account_id
    owners = [local_aws.create_developer("tc-alice"), local_aws.create_developer("tc-bob")]
    config = work / "roles.json"
    config.write_text(json.dumps(_config(account, owners)), encoding="utf-8")
    roles = roles_in_assembly(
        synthesize(work / "cdk.out", {"developerRolesFile": str(config)}), account
    )
    iam = local_aws.client("iam")
    for role in roles:
        name = role.role_arn.rsplit("/", 1)[1]
        path = role.role_arn.split(":role", 1)[1].removesuffix(name)
        created = iam.create_role(
            RoleName=name,
            Path=path,
            AssumeRolePolicyDocument=json.dumps(role.trust_policy),
            MaxSessionDuration=SESSION_SECONDS,
        )
        assert created["Role"]["Arn"] == role.role_arn

    world = World(roles)
    for owner in owners:
        world.callers[owner.arn] = Caller(owner, local_aws.admin)
    untrusted = local_aws.create_developer(UNTRUSTED_USER)
    world.callers[untrusted.arn] = Caller(untrusted, local_aws.admin)
    elsewhere = other_account(account)
    elsewhere_admin = local_aws.other_account_admin(elsewhere)
    for owner in owners:
        twin = local_aws.create_developer(owner.user_name, account_id=elsewhere)
        world.callers[twin.arn] = Caller(twin, elsewhere_admin)
    yield world
    for role in roles:
        iam.delete_role(RoleName=role.role_arn.rsplit("/", 1)[1])


def _set_identity(local_aws: LocalAwsEnv, world: World, caller: Caller, side: IdentitySide) -> None:
    if caller.identity is side:
        return
    iam = world.client(local_aws, "iam", caller.admin)
    if side is IdentitySide.ALLOW_STS:
        iam.put_user_policy(
            UserName=caller.developer.user_name,
            PolicyName=IDENTITY_POLICY_NAME,
            PolicyDocument=json.dumps(ALLOW_STS_POLICY),
        )
    else:
        iam.delete_user_policy(UserName=caller.developer.user_name, PolicyName=IDENTITY_POLICY_NAME)
    caller.identity = side


def _signing_credentials(
    local_aws: LocalAwsEnv, world: World, request: Request, caller: Caller
) -> Credentials:
    """Credentials whose MFA state and age are what the request's row asks for."""
    developer = caller.developer
    case = request.case
    if case.mfa is Mfa.ABSENT or (case.mfa is Mfa.TRUE and case.age is Age.FRESH):
        return developer.credentials
    sts = world.client(local_aws, "sts", developer.credentials)
    if case.mfa is Mfa.FALSE:
        token = sts.get_session_token(DurationSeconds=SESSION_SECONDS)
    else:
        token = sts.get_session_token(
            DurationSeconds=SESSION_SECONDS,
            SerialNumber=developer.mfa_serial,
            TokenCode=local_aws.fresh_totp(developer),
        )
        age = mfa_age_seconds(case.age, request.role.max_mfa_age)
        assert age is not None
        local_aws.advance_clock(age)
    found = token["Credentials"]
    return Credentials(found["AccessKeyId"], found["SecretAccessKey"], found["SessionToken"])


def decide_locally(local_aws: LocalAwsEnv, world: World, request: Request) -> Decision:
    """Make the row's STS call against the local AWS; Allow or Deny, nothing else."""
    caller = world.callers[request.principal_label]
    _set_identity(local_aws, world, caller, request.case.identity)
    credentials = _signing_credentials(local_aws, world, request, caller)
    params: dict[str, Any] = {"RoleArn": request.role.role_arn, "RoleSessionName": SESSION_NAME}
    case = request.case
    if case.mfa is Mfa.TRUE and case.age is Age.FRESH:
        params["SerialNumber"] = caller.developer.mfa_serial
        params["TokenCode"] = local_aws.fresh_totp(caller.developer)
    if case.call is Call.SET_SOURCE_IDENTITY:
        params["SourceIdentity"] = SOURCE_IDENTITY
    if case.call is Call.TAG_SESSION:
        key, value = SESSION_TAG
        params["Tags"] = [{"Key": key, "Value": value}]
    try:
        world.client(local_aws, "sts", credentials).assume_role(**params)
    except ClientError as error:
        if error.response["Error"]["Code"] != "AccessDenied":
            raise AssertionError(f"{request.key}: not a decision: {error}") from error
        return Decision.DENY
    return Decision.ALLOW


@pytest.fixture(scope="module")
def simulated(world: World) -> list[Outcome]:
    return check(world.roles)


def test_every_role_of_the_configuration_is_under_test(world):
    assert len(world.roles) == 2
    assert sorted(r.requires_source_identity for r in world.roles) == [False, True]


@pytest.mark.usefixtures("needs_clock")
def test_local_aws_and_iam_simulate_decide_every_request_alike(local_aws, world, simulated):
    rows = []
    for outcome in simulated:
        local = decide_locally(local_aws, world, outcome.request)
        rows.append((outcome.request, local, outcome.decision))
    disagreements = [
        f"{request.key}: local AWS {local}, iam-simulate {simulated_decision}, "
        f"promised {request.expected}"
        for request, local, simulated_decision in rows
        if not local == simulated_decision == request.expected
    ]
    assert rows
    assert not disagreements, "\n".join(disagreements)


def test_the_matrix_is_not_trivially_one_sided(simulated):
    decisions = {o.decision for o in simulated}
    assert decisions == {Decision.ALLOW, Decision.DENY}


@pytest.mark.usefixtures("needs_clock")
def test_the_differential_catches_moto_without_its_trust_policy_fix(local_aws, world, simulated):
    """With moto's own sts:AssumeRole check (the fix off), the comparison must disagree: moto
    refuses a same-account user whom the trust policy names unless an identity policy allows
    it too, and treats Bool and Numeric conditions on absent keys as matching."""
    probes = {"trusted-mfa-fresh-assume", "trusted-sts-mfa-absent-assume"}
    chosen = [o for o in simulated if o.request.case.id in probes]
    assert chosen
    with local_aws.fix_disabled("sts_trust_policy_evaluation"):
        local = [decide_locally(local_aws, world, o.request) for o in chosen]
    disagree = {o.request.case.id for d, o in zip(local, chosen, strict=True) if d != o.decision}
    assert disagree == probes
