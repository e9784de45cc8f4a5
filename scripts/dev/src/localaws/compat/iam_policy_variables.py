"""Fix ``iam_policy_variables``: policy variables resolve from the request, as in IAM.

AWS: "When the policy is evaluated, the policy variables are replaced with values that come
from the conditional context keys passed in the request" (``${aws:username}``,
``${aws:userid}``, ``${aws:PrincipalTag/team}``, ``${aws:PrincipalAccount}`` ...), in the
``Resource`` element and in string conditions, in policies of version ``2012-10-17``; a
variable without a value makes its element match nothing; ``${key, 'default'}`` gives a
default; ``${*}``, ``${?}``, ``${$}`` stand for the characters. moto 5.2.5 compares the text
``${aws:username}`` literally, so the identity account's policy (``PowerUser-${aws:username}``)
allows nobody, and an Allow scoped to ``user/${aws:username}`` is ignored altogether where
moto does not know the resource. The evaluation is ``localaws.iam_eval.substitute``; the keys
the local AWS puts in a request's context are listed in ``sessions.request_context``.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
"""

from __future__ import annotations

from localaws.compat.registry import Fix, enabled, register

FIX = register(
    Fix(
        "iam_policy_variables",
        "Policy variables in Resource, NotResource and string/ARN condition values are "
        "replaced by the request context's values (identity, boundary and trust policies)",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html",
    )
)


def on() -> bool:
    """Whether the evaluating fixes resolve variables (otherwise: moto's literal text)."""
    return enabled(FIX.name)


def install() -> None:
    """Nothing to patch: the deciders ask :func:`on` on every request."""
