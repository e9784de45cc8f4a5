"""IAM quotas the fixes enforce, at AWS's defaults; adjustable like AWS's (machinery, not a fix).

AWS lets an account raise these through Service Quotas; the local AWS takes the new value from
``POST /_localaws/quotas`` ``{name: value}`` (``LocalAwsEnv.set_quota``), for example a
benchmark with more roles than the default quota, as its operator would request.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
"""

from __future__ import annotations

DEFAULTS: dict[str, int] = {
    "RolesPerAccount": 1000,
    "PoliciesPerRole": 10,
    "PoliciesPerUser": 10,
    "ACLSizePerRole": 2048,
}
_values: dict[str, int] = dict(DEFAULTS)


def get(name: str) -> int:
    return _values[name]


def set_quota(name: str, value: int) -> None:
    if name not in DEFAULTS:
        raise KeyError(f"unknown quota {name!r}; known quotas: {sorted(DEFAULTS)}")
    if value < 1:
        raise ValueError(f"quota {name} must be at least 1, not {value}")
    _values[name] = value


def state() -> dict[str, int]:
    return dict(_values)
