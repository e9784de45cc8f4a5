"""A developer's side of the e2e tests: their ~/.aws files, and a role trusting them with MFA."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from localaws.testing import Developer, LocalAwsEnv
from trustcheck.synth import synthesize
from trustcheck.templates import roles_in_assembly


def write_aws_files(home: Path, config: str, developer: Developer) -> Path:
    """``home/.aws/config`` holding ``config``, the developer's keys as ``[default]``; home."""
    aws = home / ".aws"
    aws.mkdir(parents=True, exist_ok=True)
    (aws / "config").write_text(config, encoding="utf-8")
    (aws / "credentials").write_text(
        f"[default]\naws_access_key_id = {developer.access_key_id}\n"
        f"aws_secret_access_key = {developer.secret_access_key}\n",
        encoding="utf-8",
    )
    return home


def mfa_trust(developer: Developer, max_age: int | None = 3600) -> dict[str, Any]:
    """The trust policy the app writes for one developer: MFA present, younger than max_age."""
    condition: dict[str, Any] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    if max_age is not None:
        condition["NumericLessThan"] = {"aws:MultiFactorAuthAge": str(max_age)}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": developer.arn},
                "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
                "Condition": condition,
            }
        ],
    }


@contextmanager
def synthesized_role(
    local_aws: LocalAwsEnv, developer: Developer, work: Path
) -> Iterator[tuple[str, str]]:
    """The developer's role as ``cdk synth`` writes it, created in the local AWS with its
    synthesized trust policy (the deploy path is test_deploy.py's): the role ARN and the
    generated ``aws-config-profiles.ini``. The role is deleted afterwards (live mode too)."""
    config = work / "roles.json"
    config.write_text(
        json.dumps(
            {
                "account": local_aws.account_id,
                "region": local_aws.region,
                "principals": [{"arn": developer.arn, "mfaSerial": developer.mfa_serial}],
            }
        ),
        encoding="utf-8",
    )
    assembly = synthesize(work / "cdk.out", {"developerRolesFile": str(config)})
    (role,) = roles_in_assembly(assembly, local_aws.account_id)
    name = role.role_arn.rsplit("/", 1)[1]
    iam = local_aws.client("iam")
    iam.create_role(
        RoleName=name,
        Path=role.role_arn.split(":role", 1)[1].removesuffix(name),
        AssumeRolePolicyDocument=json.dumps(role.trust_policy),
    )
    try:
        yield role.role_arn, (assembly / "aws-config-profiles.ini").read_text(encoding="utf-8")
    finally:
        iam.delete_role(RoleName=name)
