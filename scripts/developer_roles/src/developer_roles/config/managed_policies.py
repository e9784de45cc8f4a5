"""AWS managed policy names: the list shipped in ``data/`` and the check against it.

The other IAM rules (names, paths, ARNs, tags, partitions) have one home, the construct
library's :mod:`developer_role.iam_rules`; this module holds only the data-driven one: which
AWS managed policies exist (``data/aws-managed-policies.txt``, from moto's snapshot of AWS's
list: ``make managed-policies``). Names are checked against the commercial partition's list.
"""

from __future__ import annotations

import difflib
import functools
from pathlib import Path

MANAGED_POLICIES_FILE = Path(__file__).resolve().parent / "data" / "aws-managed-policies.txt"


@functools.cache
def aws_managed_policy_names() -> frozenset[str]:
    """The AWS managed policy names shipped in ``data/`` (see its header)."""
    lines = MANAGED_POLICIES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def unknown_aws_managed_policy(name: str) -> str | None:
    """Why ``name`` is no AWS managed policy, with the nearest real names, or ``None``."""
    names = aws_managed_policy_names()
    if name in names:
        return None
    by_lower = {known.lower(): known for known in names}
    bare = {known.rsplit("/", 1)[-1].lower(): known for known in names}
    nearest: list[str] = []
    for candidate in (by_lower.get(name.lower()), bare.get(name.rsplit("/", 1)[-1].lower())):
        if candidate and candidate not in nearest:
            nearest.append(candidate)
    for match in difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.75):
        if by_lower[match] not in nearest:
            nearest.append(by_lower[match])
    hint = f"; did you mean {' or '.join(repr(n) for n in nearest[:3])}?" if nearest else ""
    return (
        f"{name!r} is not an AWS managed policy{hint} (a customer managed policy is given by "
        "its ARN, arn:aws:iam::ACCOUNT:policy/NAME)"
    )
