"""Fix ``iam_role_inline_policy_size``: a role's inline policies total at most 10,240 characters.

AWS IAM quotas: "Role policy size cannot exceed 10,240 characters" for the aggregate of all
inline policies of a role, white space not counted. Over it, PutRolePolicy (and an
``AWS::IAM::Role`` with such ``Policies``) fails with ``LimitExceeded`` (HTTP 409) "Maximum
policy size of 10240 bytes exceeded for role <roleName>" (aws/aws-cdk#12403,
serverless/serverless#7643). moto 5.2.5 only reports the quota.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
"""

from __future__ import annotations

from typing import Any

from moto.iam import models as iam_models

from localaws.compat import patching
from localaws.compat.errors import IamLimitExceeded
from localaws.compat.iam_trust_policy_size import size
from localaws.compat.registry import Fix, enabled, register

QUOTA = 10240
MESSAGE = "Maximum policy size of {quota} bytes exceeded for role {role}"
FIX = register(
    Fix(
        "iam_role_inline_policy_size",
        "PutRolePolicy (and AWS::IAM::Role Policies) refuses inline policies over 10,240 "
        "characters in total per role (white space not counted)",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html",
        error_code="LimitExceeded",
        message=MESSAGE.format(quota=QUOTA, role="{role}"),
    )
)


def install() -> None:
    def make(original: patching.Func) -> patching.Func:
        def put_policy(self: Any, policy_name: str, policy_json: str) -> None:
            if enabled(FIX.name):
                others = sum(
                    size(str(text)) for name, text in self.policies.items() if name != policy_name
                )
                if others + size(str(policy_json)) > QUOTA:
                    raise IamLimitExceeded(MESSAGE.format(quota=QUOTA, role=self.name))
            original(self, policy_name, policy_json)

        return put_policy

    patching.wrap_method(iam_models.Role, "put_policy", make)
