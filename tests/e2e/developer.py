"""A developer's side of the e2e tests: their ~/.aws files, and a role trusting them with MFA."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from localaws.testing import Developer


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
