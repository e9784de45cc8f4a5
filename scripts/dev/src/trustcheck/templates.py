"""Read the roles under test from synthesized CloudFormation templates.

Every ``AWS::IAM::Role`` of every ``*.template.json`` in a cloud assembly becomes a
:class:`~trustcheck.matrix.RoleUnderTest`. What the role *claims* comes from the template
itself:

- its owner is the value of the role's ``developer-role:principal`` tag when that is an IAM ARN
  (the stack tags each role with the principal it was made for); otherwise (no tag, or a team
  role's ``group/NAME`` label) every IAM user or role ARN the trust policy names, plus one
  concrete member ARN for each ``ArnLike`` pattern on ``aws:PrincipalArn``;
- a role that trusts a whole organisation (``aws:PrincipalOrgID``) is refused with an error:
  the matrix has no notion of organisation membership;
- its maximum MFA age is the ``NumericLessThan`` value on ``aws:MultiFactorAuthAge`` (the
  product default of 3600 seconds when the policy has none, so a missing age condition shows up
  as an allowed "old MFA" row);
- it requires a source identity when a ``Null`` condition says ``sts:SourceIdentity`` is
  ``"false"``.

Only the intrinsics CDK emits for ARNs are resolved (``Ref`` of pseudo parameters,
``Fn::Join``, ``Fn::Sub`` without a variable map); anything else is an error, not a guess.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trustcheck.matrix import DEFAULT_MAX_MFA_AGE, RoleUnderTest, account_of

OWNER_TAG = "developer-role:principal"
PARTITION = "aws"
_PRINCIPAL = re.compile(r"arn:[\w-]+:iam::\d{12}:(user|role)/.+")
_ACCOUNT_IN_ENV = re.compile(r"aws://(\d{12})/")


class TemplateError(ValueError):
    """A template that the check cannot read; the message names the file and the place."""


@dataclass(frozen=True)
class Pseudo:
    account: str
    region: str = "us-east-1"
    partition: str = PARTITION

    def ref(self, name: str) -> str | None:
        return {
            "AWS::AccountId": self.account,
            "AWS::Region": self.region,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": "amazonaws.com",
        }.get(name)


def resolve(value: Any, pseudo: Pseudo, where: str) -> Any:
    """``value`` with the intrinsics CDK uses for ARNs replaced by strings."""
    if isinstance(value, list):
        return [resolve(item, pseudo, where) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref" and isinstance(arg, str):
            found = pseudo.ref(arg)
            if found is None:
                raise TemplateError(f"{where}: cannot resolve {{'Ref': {arg!r}}}")
            return found
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            separator, parts = arg
            resolved = resolve(parts, pseudo, where)
            if not all(isinstance(part, str) for part in resolved):
                raise TemplateError(f"{where}: cannot resolve {value!r}")
            return str(separator).join(resolved)
        if key == "Fn::Sub" and isinstance(arg, str):
            return _substitute(arg, pseudo, where)
        if key.startswith("Fn::") or key == "Ref":
            raise TemplateError(f"{where}: cannot resolve {value!r}")
    return {key: resolve(item, pseudo, where) for key, item in value.items()}


def _substitute(text: str, pseudo: Pseudo, where: str) -> str:
    def one(match: re.Match[str]) -> str:
        found = pseudo.ref(match[1])
        if found is None:
            raise TemplateError(f"{where}: cannot resolve ${{{match[1]}}} in {text!r}")
        return found

    return re.sub(r"\$\{([\w:]+)\}", one, text)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def named_principals(policy: Mapping[str, Any]) -> list[str]:
    """Every IAM user or role ARN in the ``Principal.AWS`` of an Allow statement."""
    found: list[str] = []
    for statement in _as_list(policy.get("Statement", [])):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if not isinstance(principal, dict):
            continue
        for arn in _as_list(principal.get("AWS", [])):
            if isinstance(arn, str) and _PRINCIPAL.fullmatch(arn) and arn not in found:
                found.append(arn)
    return found


PATTERN_MEMBER = "trustcheck-member"


def _allow_conditions(policy: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for statement in _as_list(policy.get("Statement", [])):
        if isinstance(statement, dict) and statement.get("Effect") == "Allow":
            condition = statement.get("Condition", {})
            if isinstance(condition, dict):
                yield condition


def _condition_values(policy: Mapping[str, Any], operator: str, key: str) -> list[str]:
    values: list[str] = []
    for condition in _allow_conditions(policy):
        block = condition.get(operator, {})
        for found_key, value in block.items() if isinstance(block, dict) else ():
            if found_key.lower() == key.lower():
                values += [str(v) for v in _as_list(value)]
    return values


def pattern_members(policy: Mapping[str, Any]) -> list[str]:
    """One concrete IAM ARN for each ``ArnLike`` pattern on ``aws:PrincipalArn``."""
    members = []
    for pattern in _condition_values(policy, "ArnLike", "aws:PrincipalArn"):
        arn = pattern.replace("*", PATTERN_MEMBER).replace("?", "x")
        if _PRINCIPAL.fullmatch(arn) and arn not in members:
            members.append(arn)
    return members


def trusts_organisation(policy: Mapping[str, Any]) -> bool:
    return any(
        key.lower() == "aws:principalorgid"
        for condition in _allow_conditions(policy)
        for block in condition.values()
        if isinstance(block, dict)
        for key in block
    )


def trusts_any_principal(policy: Mapping[str, Any]) -> bool:
    """True when an Allow statement's principal is ``"*"`` or includes ``{"AWS": "*"}``."""
    for statement in _as_list(policy.get("Statement", [])):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if principal == "*" or (
            isinstance(principal, dict) and "*" in _as_list(principal.get("AWS"))
        ):
            return True
    return False


def max_mfa_age(policy: Mapping[str, Any]) -> int:
    """The smallest ``NumericLessThan`` on ``aws:MultiFactorAuthAge`` in an Allow statement."""
    ages: list[int] = []
    for statement in _as_list(policy.get("Statement", [])):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        condition = statement.get("Condition", {})
        for operator, block in condition.items() if isinstance(condition, dict) else ():
            base = operator.removesuffix("IfExists")
            if base not in ("NumericLessThan", "NumericLessThanEquals"):
                continue
            for key, value in block.items() if isinstance(block, dict) else ():
                if key.lower() == "aws:multifactorauthage":
                    for item in _as_list(value):
                        ages.append(int(item) + (1 if base.endswith("Equals") else 0))
    return min(ages) if ages else DEFAULT_MAX_MFA_AGE


def requires_source_identity(policy: Mapping[str, Any]) -> bool:
    """True when every Allow statement needs ``sts:SourceIdentity`` to be present."""
    statements = [
        s
        for s in _as_list(policy.get("Statement", []))
        if isinstance(s, dict) and s.get("Effect") == "Allow"
    ]

    def needs(statement: Mapping[str, Any]) -> bool:
        condition = statement.get("Condition", {})
        block = condition.get("Null", {}) if isinstance(condition, dict) else {}
        return any(
            key.lower() == "sts:sourceidentity" and str(value).lower() == "false"
            for key, value in (block.items() if isinstance(block, dict) else ())
        )

    return bool(statements) and all(needs(s) for s in statements)


def _tag(properties: Mapping[str, Any], key: str) -> str | None:
    for tag in _as_list(properties.get("Tags", [])):
        if isinstance(tag, dict) and tag.get("Key") == key and isinstance(tag.get("Value"), str):
            return str(tag["Value"])
    return None


def role_from_resource(
    label: str, properties: Mapping[str, Any], account: str | None, where: str
) -> RoleUnderTest:
    """One role under test from the properties of an ``AWS::IAM::Role``."""
    raw_policy = properties.get("AssumeRolePolicyDocument")
    if not isinstance(raw_policy, dict):
        raise TemplateError(f"{where}: the role has no AssumeRolePolicyDocument object")
    owner = _tag(properties, OWNER_TAG)
    if owner and not _PRINCIPAL.fullmatch(owner):
        owner = None  # a team role's label (group/NAME), not a principal ARN
    # The account the role lives in: the stack's, else its owner's, else the first named one.
    provisional = account or (account_of(owner) if owner and _PRINCIPAL.fullmatch(owner) else "")
    if not provisional:
        first = named_principals(resolve(raw_policy, Pseudo("000000000000"), where))
        provisional = account_of(first[0]) if first else "000000000000"
    pseudo = Pseudo(provisional)
    policy = resolve(raw_policy, pseudo, where)
    if trusts_organisation(policy):
        raise TemplateError(
            f"{where}: trusts an organisation (aws:PrincipalOrgID); the matrix does not model "
            "organisation membership, so this role cannot be checked"
        )
    named = named_principals(policy)
    owners = [owner] if owner else [*named, *pattern_members(policy)]
    if not owners:
        raise TemplateError(
            f"{where}: no owner: neither a {OWNER_TAG!r} tag, an IAM user or role ARN, nor an "
            "aws:PrincipalArn pattern in the trust policy says whom the role is for"
        )
    name = resolve(properties.get("RoleName", label.rsplit("/", 1)[-1]), pseudo, where)
    path = resolve(properties.get("Path", "/"), pseudo, where)
    if not isinstance(name, str) or not isinstance(path, str):
        raise TemplateError(f"{where}: cannot resolve the role name or path")
    return RoleUnderTest(
        name=label,
        role_arn=f"arn:{pseudo.partition}:iam::{pseudo.account}:role{path}{name}",
        account=pseudo.account,
        trust_policy=policy,
        owners=tuple(owners),
        named_principals=tuple(named),
        trusts_any_principal=trusts_any_principal(policy),
        max_mfa_age=max_mfa_age(policy),
        requires_source_identity=requires_source_identity(policy),
    )


def stack_accounts(assembly: Path) -> dict[str, str]:
    """Template file name to the account of its stack's environment, where the manifest says."""
    manifest_path = assembly / "manifest.json"
    if not manifest_path.is_file():
        return {}
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    accounts: dict[str, str] = {}
    for artifact in manifest.get("artifacts", {}).values():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        match = _ACCOUNT_IN_ENV.match(str(artifact.get("environment", "")))
        template = artifact.get("properties", {}).get("templateFile")
        if match and template:
            accounts[template] = match[1]
    return accounts


def roles_in_template(
    path: Path, account: str | None = None, *, stack: str | None = None
) -> Iterator[RoleUnderTest]:
    template = json.loads(path.read_text(encoding="utf-8"))
    stack = stack or path.name.removesuffix(".template.json")
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::IAM::Role":
            continue
        where = f"{path.name}: {logical_id}"
        yield role_from_resource(
            f"{stack}/{logical_id}", resource.get("Properties", {}), account, where
        )


def roles_in_assembly(assembly: Path, account: str | None = None) -> list[RoleUnderTest]:
    """Every role of every template in a cloud assembly directory (for example ``cdk.out``).

    ``account`` overrides the role account; otherwise it is the stack's environment account.
    """
    templates = sorted(assembly.glob("*.template.json"))
    if not templates:
        raise TemplateError(f"{assembly}: no *.template.json; synthesize first")
    accounts = stack_accounts(assembly)
    roles: list[RoleUnderTest] = []
    for template in templates:
        roles.extend(roles_in_template(template, account or accounts.get(template.name)))
    return roles


def roles_from_policies(
    policies: Sequence[tuple[str, Mapping[str, Any]]],
    *,
    owner: str | None = None,
    account: str | None = None,
) -> list[RoleUnderTest]:
    """Roles for bare trust policies (label, policy), as if each were a role's only property.

    ``owner`` is the principal the roles are for (default: every user or role the policy names).
    """
    tags = [{"Key": OWNER_TAG, "Value": owner}] if owner else []
    return [
        role_from_resource(
            label,
            {
                "AssumeRolePolicyDocument": dict(policy),
                "RoleName": re.sub(r"[^\w+=,.@-]", "-", label),
                "Tags": tags,
            },
            account,
            label,
        )
        for label, policy in policies
    ]
