"""A trust policy for the CloudFormation tests: the account's root, with MFA."""

from __future__ import annotations

from typing import Any


def root_mfa_trust(account: str) -> dict[str, Any]:
    """The account's root may assume the role with MFA."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ],
    }
