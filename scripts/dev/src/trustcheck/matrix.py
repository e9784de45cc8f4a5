"""The request matrix: what the trust policy of a developer role must allow and refuse.

Every row is one STS call that a principal could make against a developer role, with the
decision the product promises. The rows are data; :func:`requests_for` turns them into
concrete requests (principal ARN, actions, request-context keys) for one role.

How the matrix models a request:

- **Who.** The trusted principal (the one the role was made for); another user in the role's
  account; and a principal with the *same name* in another account (the trust policy must
  bind the account, not just the name). Every principal the trust policy names but the role
  was not made for is tried as well, and must be refused.
- **Identity side.** A trust policy is a resource policy. Rows with ``IdentitySide.ALLOW_STS``
  give the caller an identity policy that allows every STS action on every resource, the most
  an attacker's own account could grant; whatever such a caller is refused is refused by the
  trust policy alone. Rows with ``IdentitySide.NONE`` show that within one account the trust
  policy alone is enough (AWS: "either side suffices" in the same account); across accounts
  AWS needs both sides, so those rows expect a refusal when the role lives in another account.
- **Context.** Every request carries ``aws:PrincipalArn`` (the user's or role's IAM ARN) and
  ``aws:PrincipalAccount``, as AWS sets them for every signed request.
- **MFA.** ``aws:MultiFactorAuthPresent`` is ``true`` (with ``aws:MultiFactorAuthAge``),
  ``false`` (temporary credentials obtained without MFA) or absent (long-term access keys).
- **Calls, not bare actions.** ``sts:SetSourceIdentity`` and ``sts:TagSession`` are never
  called alone: they are ``AssumeRole`` with ``SourceIdentity`` or ``Tags``, which AWS
  authorizes as ``sts:AssumeRole`` *and* the extra action. The decision of a row is
  ``Allow`` only if every action of its call is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

ASSUME_ROLE = "sts:AssumeRole"
SET_SOURCE_IDENTITY = "sts:SetSourceIdentity"
TAG_SESSION = "sts:TagSession"

SOURCE_IDENTITY = "trustcheck-source"
SESSION_TAG = ("team", "developers")
SESSION_NAME = "trustcheck"
UNTRUSTED_USER = "trustcheck-untrusted"
DEFAULT_MAX_MFA_AGE = 3600
# Ages relative to the role's maximum MFA age N (seconds).
FRESH_AGE = 0
JUST_UNDER_MARGIN = 60
OLD_MARGIN = 600

_IAM_ARN = re.compile(
    r"arn:(?P<partition>[\w-]+):iam::(?P<account>\d{12}):(?P<kind>user|role)/(?:.*/)?(?P<name>[^/]+)"
)


class Decision(StrEnum):
    ALLOW = "Allow"
    DENY = "Deny"


class Who(StrEnum):
    TRUSTED = "trusted"
    SAME_ACCOUNT = "other user, same account"
    OTHER_ACCOUNT = "same name, other account"
    UNCLAIMED = "named in policy, not the owner"


class Mfa(StrEnum):
    TRUE = "true"
    FALSE = "false"
    ABSENT = "absent"


class Age(StrEnum):
    """``aws:MultiFactorAuthAge`` relative to the role's maximum MFA age N."""

    FRESH = "fresh"  # just authenticated: 0 s
    JUST_UNDER = "N-60s"
    AT_MAX = "N"  # NumericLessThan: exactly N is too old
    OLD = "N+600s"
    NONE = "-"  # key absent (no MFA)


class Call(StrEnum):
    """The STS call a row makes; its value is the action the row is about."""

    ASSUME_ROLE = ASSUME_ROLE
    SET_SOURCE_IDENTITY = SET_SOURCE_IDENTITY
    TAG_SESSION = TAG_SESSION

    @property
    def actions(self) -> tuple[str, ...]:
        if self is Call.ASSUME_ROLE:
            return (ASSUME_ROLE,)
        return (ASSUME_ROLE, self.value)


class IdentitySide(StrEnum):
    NONE = "none"
    ALLOW_STS = "sts:* on *"


@dataclass(frozen=True)
class Case:
    """One row of the matrix: a call and the decision the product promises for it."""

    id: str
    who: Who
    mfa: Mfa
    age: Age
    call: Call
    identity: IdentitySide
    expect: Decision
    # The decision when the role requires a source identity, if it differs.
    expect_with_source_identity_required: Decision | None = None

    def expected(self, *, requires_source_identity: bool, needs_identity_policy: bool) -> Decision:
        """The promised decision; ``needs_identity_policy`` when the trust policy alone cannot
        let the owner in (another account, or trusted through its account and an ARN pattern)."""
        if self.who is Who.TRUSTED and needs_identity_policy and self.identity is IdentitySide.NONE:
            return Decision.DENY
        if requires_source_identity and self.expect_with_source_identity_required is not None:
            return self.expect_with_source_identity_required
        return self.expect


A, D = Decision.ALLOW, Decision.DENY
T, S, X, U = Who.TRUSTED, Who.SAME_ACCOUNT, Who.OTHER_ACCOUNT, Who.UNCLAIMED
ROLE, SOURCE, TAGS = Call.ASSUME_ROLE, Call.SET_SOURCE_IDENTITY, Call.TAG_SESSION
NO_ID, STS_ID = IdentitySide.NONE, IdentitySide.ALLOW_STS

# fmt: off
MATRIX: tuple[Case, ...] = (
    # The trusted principal, with no identity policy: the trust policy alone decides.
    Case("trusted-mfa-fresh-assume",        T, Mfa.TRUE,   Age.FRESH,      ROLE,   NO_ID, A, D),
    Case("trusted-mfa-fresh-source",        T, Mfa.TRUE,   Age.FRESH,      SOURCE, NO_ID, A),
    Case("trusted-mfa-fresh-tags",          T, Mfa.TRUE,   Age.FRESH,      TAGS,   NO_ID, D),
    Case("trusted-mfa-just-under-assume",   T, Mfa.TRUE,   Age.JUST_UNDER, ROLE,   NO_ID, A, D),
    Case("trusted-mfa-just-under-source",   T, Mfa.TRUE,   Age.JUST_UNDER, SOURCE, NO_ID, A),
    Case("trusted-mfa-at-max-assume",       T, Mfa.TRUE,   Age.AT_MAX,     ROLE,   NO_ID, D),
    Case("trusted-mfa-at-max-source",       T, Mfa.TRUE,   Age.AT_MAX,     SOURCE, NO_ID, D),
    Case("trusted-mfa-old-assume",          T, Mfa.TRUE,   Age.OLD,        ROLE,   NO_ID, D),
    Case("trusted-mfa-old-source",          T, Mfa.TRUE,   Age.OLD,        SOURCE, NO_ID, D),
    Case("trusted-mfa-false-assume",        T, Mfa.FALSE,  Age.NONE,       ROLE,   NO_ID, D),
    Case("trusted-mfa-false-source",        T, Mfa.FALSE,  Age.NONE,       SOURCE, NO_ID, D),
    Case("trusted-mfa-absent-assume",       T, Mfa.ABSENT, Age.NONE,       ROLE,   NO_ID, D),
    Case("trusted-mfa-absent-source",       T, Mfa.ABSENT, Age.NONE,       SOURCE, NO_ID, D),
    Case("trusted-mfa-absent-tags",         T, Mfa.ABSENT, Age.NONE,       TAGS,   NO_ID, D),
    # The trusted principal whose own account allows all of STS: still only with fresh MFA.
    Case("trusted-sts-mfa-fresh-assume",    T, Mfa.TRUE,   Age.FRESH,      ROLE,   STS_ID, A, D),
    Case("trusted-sts-mfa-fresh-tags",      T, Mfa.TRUE,   Age.FRESH,      TAGS,   STS_ID, D),
    Case("trusted-sts-mfa-old-assume",      T, Mfa.TRUE,   Age.OLD,        ROLE,   STS_ID, D),
    Case("trusted-sts-mfa-false-assume",    T, Mfa.FALSE,  Age.NONE,       ROLE,   STS_ID, D),
    Case("trusted-sts-mfa-absent-assume",   T, Mfa.ABSENT, Age.NONE,       ROLE,   STS_ID, D),
    # Another user of the role's account, allowed all of STS by its own identity policy.
    Case("same-account-mfa-fresh-assume",   S, Mfa.TRUE,   Age.FRESH,      ROLE,   STS_ID, D),
    Case("same-account-mfa-fresh-source",   S, Mfa.TRUE,   Age.FRESH,      SOURCE, STS_ID, D),
    Case("same-account-mfa-fresh-tags",     S, Mfa.TRUE,   Age.FRESH,      TAGS,   STS_ID, D),
    Case("same-account-mfa-absent-assume",  S, Mfa.ABSENT, Age.NONE,       ROLE,   STS_ID, D),
    # The trusted principal's name in another account, allowed all of STS there.
    Case("other-account-mfa-fresh-assume",  X, Mfa.TRUE,   Age.FRESH,      ROLE,   STS_ID, D),
    Case("other-account-mfa-fresh-source",  X, Mfa.TRUE,   Age.FRESH,      SOURCE, STS_ID, D),
    Case("other-account-mfa-fresh-tags",    X, Mfa.TRUE,   Age.FRESH,      TAGS,   STS_ID, D),
    Case("other-account-mfa-absent-assume", X, Mfa.ABSENT, Age.NONE,       ROLE,   STS_ID, D),
    # Any other principal the trust policy names: the role is not theirs.
    Case("unclaimed-mfa-fresh-assume",      U, Mfa.TRUE,   Age.FRESH,      ROLE,   STS_ID, D),
)
# fmt: on


@dataclass(frozen=True)
class RoleUnderTest:
    """What the matrix needs to know about one role: who it is for, and its limits."""

    name: str  # a readable label: stack/logical ID
    role_arn: str
    account: str
    trust_policy: Mapping[str, object]
    owners: tuple[str, ...]  # the principal ARNs the role was made for
    named_principals: tuple[str, ...]  # every IAM user/role ARN its trust policy names
    trusts_any_principal: bool = False  # an Allow with Principal "*" (or {"AWS": "*"})
    max_mfa_age: int = DEFAULT_MAX_MFA_AGE
    requires_source_identity: bool = False


@dataclass(frozen=True)
class Request:
    """One concrete request of one case against one role, ready for an evaluator."""

    case: Case
    role: RoleUnderTest
    principal: str  # the ARN that signs the request (an assumed-role ARN for a role)
    principal_label: str
    actions: tuple[str, ...]
    context: Mapping[str, str | list[str]]
    expected: Decision
    identity_policies: Sequence[Mapping[str, object]] = field(default_factory=tuple)

    @property
    def key(self) -> str:
        return f"{self.role.name}::{self.principal_label}::{self.case.id}"


ALLOW_STS_POLICY: Mapping[str, object] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [ASSUME_ROLE, SET_SOURCE_IDENTITY, TAG_SESSION],
            "Resource": "*",
        }
    ],
}


def other_account(account: str) -> str:
    """A 12-digit account that is not ``account``."""
    return "210987654321" if account != "210987654321" else "109876543210"


def with_account(arn: str, account: str) -> str:
    match = _IAM_ARN.fullmatch(arn)
    if not match:
        raise ValueError(f"{arn!r} is not an IAM user or role ARN")
    return arn[: match.start("account")] + account + arn[match.end("account") :]


def account_of(arn: str) -> str:
    match = _IAM_ARN.fullmatch(arn)
    if not match:
        raise ValueError(f"{arn!r} is not an IAM user or role ARN")
    return match["account"]


def signing_arn(principal: str) -> str:
    """The ARN that signs a request made by ``principal``.

    A user signs as itself; a role signs as one of its sessions, whose ARN drops the path.
    """
    match = _IAM_ARN.fullmatch(principal)
    if not match:
        raise ValueError(f"{principal!r} is not an IAM user or role ARN")
    if match["kind"] == "user":
        return principal
    return (
        f"arn:{match['partition']}:sts::{match['account']}:assumed-role/"
        f"{match['name']}/{SESSION_NAME}"
    )


def mfa_age_seconds(age: Age, max_mfa_age: int) -> int | None:
    return {
        Age.FRESH: FRESH_AGE,
        Age.JUST_UNDER: max(max_mfa_age - JUST_UNDER_MARGIN, 0),
        Age.AT_MAX: max_mfa_age,
        Age.OLD: max_mfa_age + OLD_MARGIN,
        Age.NONE: None,
    }[age]


def request_context(
    case: Case, max_mfa_age: int, principal: str | None = None
) -> dict[str, str | list[str]]:
    """The request-context keys AWS would set for this call by ``principal`` (an IAM ARN)."""
    context: dict[str, str | list[str]] = {}
    if principal is not None:
        context["aws:PrincipalArn"] = principal
        context["aws:PrincipalAccount"] = account_of(principal)
    if case.mfa is not Mfa.ABSENT:
        context["aws:MultiFactorAuthPresent"] = case.mfa.value
    age = mfa_age_seconds(case.age, max_mfa_age)
    if age is not None:
        context["aws:MultiFactorAuthAge"] = str(age)
    if case.call is Call.SET_SOURCE_IDENTITY:
        context["sts:SourceIdentity"] = SOURCE_IDENTITY
    if case.call is Call.TAG_SESSION:
        key, value = SESSION_TAG
        context[f"aws:RequestTag/{key}"] = value
        context["aws:TagKeys"] = [key]
    return context


def principals_for(case: Case, role: RoleUnderTest) -> list[tuple[str, str]]:
    """(principal ARN, label) pairs that make the request of ``case`` against ``role``."""
    owner_set = set(role.owners)
    if case.who is Who.TRUSTED:
        return [(arn, arn) for arn in role.owners]
    if case.who is Who.SAME_ACCOUNT:
        arn = f"arn:aws:iam::{role.account}:user/{UNTRUSTED_USER}"
        return [(arn, arn)]
    if case.who is Who.OTHER_ACCOUNT:
        pairs = []
        for owner in role.owners:
            arn = with_account(owner, other_account(account_of(owner)))
            pairs.append((arn, arn))
        return pairs
    return [(arn, arn) for arn in role.named_principals if arn not in owner_set]


def requests_for(role: RoleUnderTest, matrix: Sequence[Case] = MATRIX) -> list[Request]:
    """Every request of the matrix against one role."""
    requests = []
    for case in matrix:
        for principal, label in principals_for(case, role):
            named = principal in role.named_principals or role.trusts_any_principal
            needs_identity_policy = account_of(principal) != role.account or not named
            requests.append(
                Request(
                    case=case,
                    role=role,
                    principal=signing_arn(principal),
                    principal_label=label,
                    actions=case.call.actions,
                    context=request_context(case, role.max_mfa_age, principal),
                    expected=case.expected(
                        requires_source_identity=role.requires_source_identity,
                        needs_identity_policy=needs_identity_policy,
                    ),
                    identity_policies=(
                        (ALLOW_STS_POLICY,) if case.identity is IdentitySide.ALLOW_STS else ()
                    ),
                )
            )
    return requests
