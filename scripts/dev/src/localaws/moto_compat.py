"""Every fix to moto 5.2.5 that the developer-role recipe needs, in one place.

Each fix restores one documented AWS behaviour that moto gets wrong, can be switched off at run
time (``set_enabled(name, False)``, or ``POST /_localaws/fixes``) so that its test shows the
difference, and is listed with its documentation link in ``FIXES`` and in docs/local-aws.md.
``apply()`` installs them all; the server calls it once before serving.

The fixes, by name:

* ``cfn_role_managed_policies``: ``AWS::IAM::Role`` attaches its ``ManagedPolicyArns``.
* ``cfn_role_inline_policies``: ``AWS::IAM::Role`` keeps its inline ``Policies`` as JSON
  documents (moto kept template objects and then failed every request signed by the role).
* ``cfn_role_update``: updating an ``AWS::IAM::Role`` applies the new trust policy, maximum
  session duration, description and inline policies in place (moto kept the old trust policy
  and reset the duration to one hour).
* ``cfn_change_set_outputs``: a stack deployed through a change set has its ``Outputs``.
* ``cfn_change_set_not_found``: ``DescribeChangeSet`` of a missing change set answers
  ``ChangeSetNotFound`` (the CDK CLI relies on it before every update).
* ``cfn_change_set_per_stack``: a change set given by name (with ``StackName``) is that
  stack's change set, not the first of any stack with that name (the CDK CLI names every
  stack's change set ``cdk-deploy-change-set``, so concurrent deploys mixed them up).
* ``cfn_use_previous_parameter``: ``UsePreviousValue`` for a parameter answers with the
  stack's previous value instead of HTTP 500.
* ``iam_trust_principal_exists``: a trust policy naming an IAM user or role that does not
  exist is refused (``MalformedPolicyDocument``: ``Invalid principal in policy``), on create
  and on update, so a CloudFormation deploy of such a role fails as it does in AWS.
* ``iam_identity_evaluation``: every other action is decided by ``localaws.iam_eval`` on the
  caller's identity policies (moto turned an Allow with unmet conditions into a Deny and
  denied statements scoped to resources it cannot name).
* ``sts_mfa_verification``: ``SerialNumber``/``TokenCode`` are verified against the virtual
  MFA device's seed (time window, single use, device of the caller), with AWS's error texts.
* ``sts_trust_policy_evaluation``: ``AssumeRole`` is decided by ``localaws.iam_eval`` with the
  real request context (MFA present/age, source identity, tags), the role must exist,
  ``sts:SetSourceIdentity``/``sts:TagSession`` are checked when used, and ``DurationSeconds``
  may not exceed the role's maximum.
* ``sts_session_token``: ``GetSessionToken`` needs no permission, verifies MFA and returns
  working credentials of the user that carry the MFA context (moto returned fixed fake keys).

Requires the server's IAM authorization switch (moto's ``INITIAL_NO_AUTH_ACTION_COUNT = 0``):
without it moto checks no request at all.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import struct
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import unquote

import moto

from localaws import clock, iam_eval

PINNED_MOTO_VERSION = "5.2.5"
if moto.__version__ != PINNED_MOTO_VERSION:  # pragma: no cover - guards an upgrade
    raise ImportError(
        f"localaws.moto_compat patches moto {PINNED_MOTO_VERSION} internals; found moto "
        f"{moto.__version__}. Re-check every fix against the new version before changing the pin."
    )

from botocore.credentials import Credentials  # noqa: E402
from moto.cloudformation import models as cfn_models  # noqa: E402
from moto.cloudformation import responses as cfn_responses  # noqa: E402
from moto.cloudformation.exceptions import CloudFormationError  # noqa: E402
from moto.cloudformation.exceptions import ValidationError as CfnValidationError  # noqa: E402
from moto.core.exceptions import _RESTError  # noqa: E402
from moto.core.responses import ActionResult, EmptyResult  # noqa: E402
from moto.core.utils import utcnow  # noqa: E402
from moto.iam import access_control  # noqa: E402
from moto.iam import models as iam_models  # noqa: E402
from moto.iam import responses as iam_responses  # noqa: E402
from moto.iam.exceptions import (  # noqa: E402
    MalformedPolicyDocument,
    NotFoundException,
)
from moto.iam.exceptions import ValidationError as IamValidationError  # noqa: E402
from moto.sts import models as sts_models  # noqa: E402
from moto.sts import responses as sts_responses  # noqa: E402
from moto.sts.exceptions import STSValidationError  # noqa: E402
from moto.sts.utils import random_session_token  # noqa: E402
from moto.utilities.utils import get_partition  # noqa: E402


@dataclass
class Fix:
    name: str
    restores: str
    docs: str
    enabled: bool = True


FIXES: dict[str, Fix] = {
    fix.name: fix
    for fix in [
        Fix(
            "cfn_role_managed_policies",
            "AWS::IAM::Role attaches the managed policies listed in ManagedPolicyArns",
            "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html",
        ),
        Fix(
            "cfn_role_inline_policies",
            "AWS::IAM::Role stores its inline Policies as JSON policy documents, which the "
            "role's requests are then evaluated against",
            "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-iam-role-policy.html",
        ),
        Fix(
            "cfn_role_update",
            "Updating AWS::IAM::Role changes AssumeRolePolicyDocument, MaxSessionDuration, "
            "Description and Policies in place (no replacement)",
            "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html",
        ),
        Fix(
            "cfn_change_set_outputs",
            "A stack created or updated through a change set reports its Outputs",
            "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Output.html",
        ),
        Fix(
            "cfn_change_set_not_found",
            "DescribeChangeSet of a change set that does not exist fails with ChangeSetNotFound",
            "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeChangeSet.html",
        ),
        Fix(
            "cfn_change_set_per_stack",
            "A change set name is unique per stack: DescribeChangeSet, ExecuteChangeSet and "
            "DeleteChangeSet with a name and a StackName act on that stack's change set",
            "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ExecuteChangeSet.html",
        ),
        Fix(
            "cfn_use_previous_parameter",
            "CreateChangeSet with UsePreviousValue reuses the stack's previous parameter value",
            "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Parameter.html",
        ),
        Fix(
            "iam_trust_principal_exists",
            "CreateRole and UpdateAssumeRolePolicy refuse a trust policy that names an IAM user "
            "or role that does not exist (path included) with MalformedPolicyDocument "
            "'Invalid principal in policy'",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html",
        ),
        Fix(
            "iam_identity_evaluation",
            "Other actions are allowed only when an identity-policy statement allows them and "
            "none denies them; an Allow whose conditions do not match is not a Deny",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html",
        ),
        Fix(
            "sts_mfa_verification",
            "SerialNumber/TokenCode must name the caller's MFA device and carry a current, "
            "unused TOTP code; otherwise AccessDenied with AWS's MultiFactorAuthentication text",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_configure-api-require.html",
        ),
        Fix(
            "sts_trust_policy_evaluation",
            "AssumeRole is allowed only as the trust policy (conditions with real IAM semantics, "
            "MFA context) and, where required, identity policies allow; DurationSeconds is "
            "limited by the role's MaxSessionDuration",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html",
        ),
        Fix(
            "sts_role_chaining_limit",
            "AssumeRole signed with temporary credentials (a role session or GetSessionToken "
            "credentials) is role chaining: DurationSeconds above 3600 is a ValidationError",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining",
        ),
        Fix(
            "sts_session_token_long_term_only",
            "GetSessionToken signed with temporary credentials is refused: AccessDenied "
            "'Cannot call GetSessionToken with session credentials'",
            "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html",
        ),
        Fix(
            "iam_list_mfa_devices_caller",
            "ListMFADevices without UserName lists the devices of the IAM user whose access key "
            "signed the request",
            "https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListMFADevices.html",
        ),
        Fix(
            "cfn_role_delete_detaches_policies",
            "Deleting an AWS::IAM::Role resource detaches its managed policies (and deletes its "
            "inline policies) before DeleteRole, so the stack deletes it without DeleteConflict",
            "https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html",
        ),
        Fix(
            "cfn_delete_missing_change_set",
            "DeleteChangeSet of a change set that does not exist (on an existing stack) succeeds; "
            "the CDK CLI deletes its change set 'if it exists' before every deploy and diff",
            "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeleteChangeSet.html",
        ),
        Fix(
            "sts_session_token",
            "GetSessionToken needs no permission and returns working credentials of the caller "
            "that carry aws:MultiFactorAuthPresent/Age when MFA was used",
            "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html",
        ),
    ]
}


def enabled(name: str) -> bool:
    return FIXES[name].enabled


def set_enabled(name: str, on: bool) -> None:
    if name not in FIXES:
        raise KeyError(f"unknown fix {name!r}; known fixes: {sorted(FIXES)}")
    FIXES[name].enabled = on


def fixes_state() -> dict[str, bool]:
    return {name: fix.enabled for name, fix in FIXES.items()}


_applied = False
_lock = threading.Lock()


def apply() -> None:
    """Install every fix (idempotent). Each one checks its switch on every call."""
    global _applied
    with _lock:
        if _applied:
            return
        _install_iam_fixes()
        _install_cloudformation_fixes()
        _install_sts_fixes()
        _applied = True


# =========================================================================== CloudFormation


class _ChangeSetNotFound(CloudFormationError):
    code = "ChangeSetNotFoundException"  # serialized as the AWS error code "ChangeSetNotFound"


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _with_policy_text(cloudformation_json: dict[str, Any]) -> dict[str, Any]:
    """Fix ``cfn_role_inline_policies``: keep a role's inline policies as JSON documents.

    AWS stores an inline policy as a JSON policy document whatever the template syntax (IAM
    returns it URL-encoded from GetRolePolicy). moto 5.2.5 stores the parsed template object,
    and its own authorization code then fails with HTTP 500 on every request signed by the role
    (the CDK's deploy role, for example).
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-iam-role-policy.html
    """
    properties = dict(cloudformation_json["Properties"])
    properties["Policies"] = [
        {**policy, "PolicyDocument": _json_text(policy["PolicyDocument"])}
        for policy in properties.get("Policies", [])
    ]
    return {**cloudformation_json, "Properties": properties}


def _sync_managed_policies(backend: Any, role: Any, wanted: list[str]) -> None:
    current = set(role.managed_policies)
    for arn in sorted(current - set(wanted)):
        backend.detach_role_policy(arn, role.name)
    for arn in wanted:
        if arn not in current:
            backend.attach_role_policy(arn, role.name)


def _previous_parameter_values(stack: Any) -> dict[str, Any]:
    """A stack's parameter values as CloudFormation keeps them for ``UsePreviousValue``.

    For an ``AWS::SSM::Parameter::Value<...>`` parameter that is the SSM parameter's name (the
    value given, or the template default), not the value it resolved to.
    """
    values: dict[str, Any] = dict(stack.stack_parameters)
    for key, slot in (stack.template_dict.get("Parameters") or {}).items():
        if str(slot.get("Type", "")).startswith("AWS::SSM::Parameter::"):
            values[key] = stack.parameters.get(key, slot.get("Default"))
        elif key in stack.parameters:
            values[key] = stack.parameters[key]
    return values


def _aws_principals(document: Mapping[str, Any]) -> list[str]:
    """Every ``Principal: {"AWS": ...}`` value of a policy document, in order."""
    statements = document.get("Statement", [])
    found: list[str] = []
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal") if isinstance(statement, Mapping) else None
        if not isinstance(principal, Mapping):
            continue
        values = principal.get("AWS", [])
        found += [str(v) for v in (values if isinstance(values, list) else [values])]
    return found


def _missing_principal(document_text: str) -> str | None:
    """The first IAM user or role ARN a trust policy names that does not exist, if any."""
    try:
        document = json.loads(
            unquote(document_text) if document_text.startswith("%7B") else document_text
        )
    except ValueError:
        return None  # moto's own validator reports malformed documents
    if not isinstance(document, Mapping):
        return None
    for arn in _aws_principals(document):
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[2] != "iam" or not parts[4].isdigit():
            continue  # "*", an account ID, a unique ID: not checked
        kind, _, rest = parts[5].partition("/")
        if kind not in ("user", "role") or not rest:
            continue  # :root, assumed-role sessions and federated users are not IAM entities
        backend = iam_models.iam_backends[parts[4]][parts[1]]
        name = rest.rpartition("/")[2]  # the path is part of the ARN, compared below
        if kind == "user":
            user = backend.users.get(name)  # users are keyed by name
            candidates: list[Any] = [user] if user is not None else []
        else:
            candidates = [role for role in backend.get_roles() if role.name == name]
        if not any(str(entity.arn) == arn for entity in candidates):
            return arn
    return None


def _install_iam_fixes() -> None:
    backend_cls = iam_models.IAMBackend
    original_create_role = backend_cls.create_role
    original_update_trust = backend_cls.update_assume_role_policy

    def refuse_missing_principal(document_text: str) -> None:
        """Fix ``iam_trust_principal_exists``: a trust policy may only name existing principals.

        AWS: "If your Principal element in a role trust policy contains an ARN that points to a
        specific IAM role [or user], then that ARN transforms to the role's unique principal ID
        when you save the policy"; a principal that does not exist (a deleted user, a wrong
        path) cannot be transformed, and CreateRole/UpdateAssumeRolePolicy fail with
        MalformedPolicyDocument "Invalid principal in policy: "AWS":"<arn>"". CloudFormation
        then rolls the stack back. moto 5.2.5 stores any principal.
        https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
        https://repost.aws/knowledge-center/iam-trust-policy-error
        """
        if not enabled("iam_trust_principal_exists"):
            return
        missing = _missing_principal(document_text)
        if missing is not None:
            raise MalformedPolicyDocument(f'Invalid principal in policy: "AWS":"{missing}"')

    def create_role(
        self: Any, role_name: str, assume_role_policy_document: str, *args: Any, **kwargs: Any
    ) -> Any:
        refuse_missing_principal(assume_role_policy_document)
        return original_create_role(self, role_name, assume_role_policy_document, *args, **kwargs)

    def update_assume_role_policy(self: Any, role_name: str, policy_document: str) -> None:
        refuse_missing_principal(policy_document)
        original_update_trust(self, role_name, policy_document)

    backend_cls.create_role = create_role  # type: ignore[method-assign]
    backend_cls.update_assume_role_policy = update_assume_role_policy  # type: ignore[method-assign]

    response_cls = iam_responses.IamResponse
    original_list_mfa_devices = response_cls.list_mfa_devices

    def list_mfa_devices(self: Any) -> Any:
        """Fix ``iam_list_mfa_devices_caller``: no UserName means the signing user.

        AWS: "If you do not specify a user name, IAM determines the user name implicitly based
        on the AWS access key ID signing the request for this operation." moto 5.2.5 looks up
        the user ``None`` and answers NoSuchEntity "The user with name None cannot be found."
        Credentials that belong to no IAM user (a role session) are refused as IAM refuses
        GetUser without a user name for them: ValidationError "Must specify userName when
        calling with non-User credentials" (observed for GetUser; assumed to be the same here).
        https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListMFADevices.html
        """
        if self._get_param("UserName") or not enabled("iam_list_mfa_devices_caller"):
            return original_list_mfa_devices(self)
        user_name = _signing_user_name(self.backend, self.get_access_key())
        if user_name is None:
            raise IamValidationError("Must specify userName when calling with non-User credentials")
        devices = self.backend.list_mfa_devices(user_name)
        return ActionResult(
            {
                "MFADevices": [
                    {
                        "UserName": user_name,
                        "SerialNumber": device.serial_number,
                        "EnableDate": device.enable_date,
                    }
                    for device in devices
                ],
                "IsTruncated": False,
            }
        )

    response_cls.list_mfa_devices = list_mfa_devices  # type: ignore[method-assign]


def _signing_user_name(backend: Any, access_key_id: str) -> str | None:
    """The IAM user an access key belongs to (long-term key or GetSessionToken session)."""
    session = _user_sessions.get(access_key_id)
    if session is not None:
        return session.user_name
    if is_temporary_key(access_key_id):
        return None
    user = backend.get_user_from_access_key_id(access_key_id)
    return None if user is None else str(user.name)


def _change_set_arn(backend: Any, name: str, stack_name: str | None) -> str | None:
    """The ARN of the change set ``name`` of the stack ``stack_name`` (a name or a stack ID)."""
    if name in backend.change_sets or not stack_name:
        return None  # an ARN, or no stack to scope by: moto's own lookup applies
    for arn, change_set in list(backend.change_sets.items()):
        stack = backend.stacks.get(change_set.stack_id)
        if change_set.change_set_name == name and stack_name in (
            change_set.stack_id,
            getattr(stack, "name", None),
        ):
            return str(arn)
    if enabled("cfn_change_set_not_found"):
        raise _ChangeSetNotFound(f"ChangeSet [{name}] does not exist")
    return None


def _install_change_set_per_stack(response_cls: Any) -> None:
    originals = {
        action: getattr(response_cls, action)
        for action in ("describe_change_set", "execute_change_set", "delete_change_set")
    }

    def scoped(action: str) -> Any:
        def handler(self: Any) -> Any:
            """Fix ``cfn_change_set_per_stack``: a change set name is scoped to its stack.

            AWS: "ChangeSetName: The name or Amazon Resource Name (ARN) of the change set";
            "StackName: If you specified the name of a change set, specify the stack name or
            Amazon Resource Name (ARN) that's associated with the change set". moto 5.2.5
            looks a name up across all stacks and takes the first (or last) match, so when
            the CDK CLI deploys several stacks at once (each with a change set named
            ``cdk-deploy-change-set``) it executes another stack's change set, and the
            stacks stay in REVIEW_IN_PROGRESS while ``cdk deploy`` reports success.
            https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ExecuteChangeSet.html
            """
            if enabled("cfn_change_set_per_stack"):
                backend = self.cloudformation_backend
                name = self._get_param("ChangeSetName")
                arn = _change_set_arn(backend, name, self._get_param("StackName"))
                if arn is not None:
                    if action == "describe_change_set":
                        return ActionResult(backend.describe_change_set(change_set_name=arn))
                    if action == "execute_change_set":
                        backend.execute_change_set(
                            stack_name=self._get_param("StackName"), change_set_name=arn
                        )
                    else:
                        backend.delete_change_set(change_set_name=arn)
                    return EmptyResult()
            return originals[action](self)

        return handler

    for action in originals:
        setattr(response_cls, action, scoped(action))


def _install_delete_missing_change_set(response_cls: Any) -> None:
    original = response_cls.delete_change_set

    def delete_change_set(self: Any) -> Any:
        """Fix ``cfn_delete_missing_change_set``: deleting a missing change set succeeds.

        AWS's DeleteChangeSet lists one error, InvalidChangeSetStatus; deleting a change set
        that does not exist on an existing stack answers 200 (Sceptre/sceptre#449: "The AWS API
        returns a 200 regardless of whether the change-set existed or not"; measured on AWS in
        ministackorg/ministack#1625). Only a stack that does not exist is a ValidationError.
        The CDK CLI relies on it: "Removing existing change set with name ... if it exists"
        before it creates the change set of every deploy and every ``cdk diff``. moto 5.2.5
        fails with HTTP 500 (an unbound variable), or ChangeSetNotFound through the
        ``cfn_change_set_per_stack`` lookup.
        https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeleteChangeSet.html
        """
        if enabled("cfn_delete_missing_change_set"):
            backend = self.cloudformation_backend
            name = str(self._get_param("ChangeSetName"))
            stack_name = self._get_param("StackName")
            if name not in backend.change_sets and not _change_set_exists(
                backend, name, stack_name
            ):
                if stack_name and not _stack_exists(backend, stack_name):
                    raise CfnValidationError(stack_name)
                return EmptyResult()
        return original(self)

    response_cls.delete_change_set = delete_change_set


def _stack_exists(backend: Any, name_or_id: str) -> bool:
    stack = backend.stacks.get(name_or_id)
    if stack is not None:
        return True  # a stack ID names a stack even once deleted
    return any(
        stack.name == name_or_id and stack.status != "DELETE_COMPLETE"
        for stack in backend.stacks.values()
    )


def _change_set_exists(backend: Any, name: str, stack_name: str | None) -> bool:
    for change_set in list(backend.change_sets.values()):
        if change_set.change_set_name != name:
            continue
        stack = backend.stacks.get(change_set.stack_id)
        if not stack_name or stack_name in (change_set.stack_id, getattr(stack, "name", None)):
            return True
    return False


def _install_cloudformation_fixes() -> None:
    role_cls = iam_models.Role
    original_create = role_cls.__dict__["create_from_cloudformation_json"].__func__
    original_update = role_cls.__dict__["update_from_cloudformation_json"].__func__

    def create_role(
        cls: type,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        """Fix ``cfn_role_managed_policies``: attach ``ManagedPolicyArns`` on create.

        AWS: "ManagedPolicyArns: A list of Amazon Resource Names (ARNs) of the IAM managed
        policies that you want to attach to the role." moto 5.2.5 ignores the property, so a
        PowerUser role ends up with no permissions at all.
        https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html
        """
        if enabled("cfn_role_inline_policies"):
            cloudformation_json = _with_policy_text(cloudformation_json)
        role = original_create(
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        )
        if enabled("cfn_role_managed_policies"):
            backend = iam_models.iam_backends[account_id][get_partition(region_name)]
            arns = list(cloudformation_json["Properties"].get("ManagedPolicyArns", []))
            _sync_managed_policies(backend, role, arns)
        return role

    def update_role(
        cls: type,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        """Fix ``cfn_role_update``: update a role in place with all its mutable properties.

        AWS updates AssumeRolePolicyDocument, Description, ManagedPolicyArns, MaxSessionDuration,
        PermissionsBoundary and Policies with "No interruption"; only RoleName and Path
        require a replacement. moto 5.2.5 keeps the old trust policy and policies and sets
        MaxSessionDuration from the wrong property (so back to 3600).
        https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html
        """
        properties = cloudformation_json["Properties"]
        backend = iam_models.iam_backends[account_id][get_partition(region_name)]
        if not enabled("cfn_role_update"):
            role = original_update(
                cls,
                original_resource,
                new_resource_name,
                cloudformation_json,
                account_id,
                region_name,
            )
        else:
            new_name = properties.get("RoleName", original_resource.name)
            new_path = properties.get("Path", "/")
            if new_name != original_resource.name or new_path != original_resource.path:
                # Replacement, as in AWS: a new role, then the old one goes.
                role = create_role(cls, new_name, cloudformation_json, account_id, region_name)
                role_cls.delete_from_cloudformation_json(
                    original_resource.name, {}, account_id, region_name
                )
            else:
                role = original_resource
                backend.update_assume_role_policy(
                    role.name, _json_text(properties["AssumeRolePolicyDocument"])
                )
                role.max_session_duration = int(properties.get("MaxSessionDuration", 3600))
                role.description = properties.get("Description", "")
                wanted = {
                    p["PolicyName"]: _json_text(p["PolicyDocument"])
                    for p in properties.get("Policies", [])
                }
                for name in list(role.policies):
                    if name not in wanted:
                        backend.delete_role_policy(role.name, name)
                for name, document in wanted.items():
                    backend.put_role_policy(role.name, name, document)
                boundary = properties.get("PermissionsBoundary")
                if boundary:
                    backend.put_role_permissions_boundary(role.name, boundary)
                elif role.permissions_boundary_arn:
                    backend.delete_role_permissions_boundary(role.name)
        if enabled("cfn_role_managed_policies"):
            _sync_managed_policies(backend, role, list(properties.get("ManagedPolicyArns", [])))
        return role

    original_delete = role_cls.__dict__["delete_from_cloudformation_json"].__func__

    def delete_role(
        cls: type,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        """Fix ``cfn_role_delete_detaches_policies``: a stack deletes its roles cleanly.

        AWS IAM: "Unlike the AWS Management Console, when you delete a role programmatically,
        you must delete the items attached to the role manually, or the deletion fails"; the
        CloudFormation handler of AWS::IAM::Role does that (it owns the role's
        ManagedPolicyArns and Policies), so removing a role from a template deletes it. moto
        5.2.5 calls DeleteRole with the managed policies still attached and the stack update
        fails with DeleteConflict "Cannot delete entity, must detach all policies first."
        https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html
        https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html
        """
        if enabled("cfn_role_delete_detaches_policies"):
            backend = iam_models.iam_backends[account_id][get_partition(region_name)]
            try:
                role = backend.get_role(resource_name)
            except NotFoundException:
                role = None
            if role is not None:
                for arn in list(role.managed_policies):
                    backend.detach_role_policy(arn, role.name)
        original_delete(cls, resource_name, cloudformation_json, account_id, region_name)

    role_cls.create_from_cloudformation_json = classmethod(create_role)  # type: ignore[assignment,arg-type]
    role_cls.update_from_cloudformation_json = classmethod(update_role)  # type: ignore[assignment]
    role_cls.delete_from_cloudformation_json = classmethod(delete_role)  # type: ignore[assignment]

    original_apply = cfn_models.ChangeSet.apply

    def apply_change_set(self: Any) -> None:
        """Fix ``cfn_change_set_outputs``: executing a change set refreshes the stack's Outputs.

        AWS: DescribeStacks returns the Outputs of the stack's current template, however it was
        deployed. moto 5.2.5 computes them only in CreateStack/UpdateStack, so after the CDK's
        change-set deploy the stack has no Outputs (and ``cdk deploy`` prints none).
        https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Output.html
        """
        original_apply(self)
        if enabled("cfn_change_set_outputs"):
            stack = self.stack
            stack.template = self.template
            stack._parse_template()
            stack.output_map = stack._create_output_map()

    cfn_models.ChangeSet.apply = apply_change_set  # type: ignore[method-assign]

    backend_cls = cfn_models.CloudFormationBackend
    original_describe = backend_cls.describe_change_set

    def describe_change_set(self: Any, change_set_name: str) -> Any:
        """Fix ``cfn_change_set_not_found``: a missing change set is ``ChangeSetNotFound``.

        AWS: DescribeChangeSet errors include ChangeSetNotFound ("The specified change set name
        or ID doesn't exit", HTTP 404). moto 5.2.5 answers ValidationError "Stack with id ...
        does not exist", which the CDK CLI reports as a failed deploy on every update.
        https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeChangeSet.html
        """
        if enabled("cfn_change_set_not_found"):
            known = change_set_name in self.change_sets or any(
                cs.change_set_name == change_set_name for cs in self.change_sets.values()
            )
            if not known:
                raise _ChangeSetNotFound(f"ChangeSet [{change_set_name}] does not exist")
        return original_describe(self, change_set_name)

    backend_cls.describe_change_set = describe_change_set  # type: ignore[method-assign]

    response_cls = cfn_responses.CloudFormationResponse
    _install_change_set_per_stack(response_cls)
    _install_delete_missing_change_set(response_cls)
    original_create_change_set = response_cls.create_change_set

    def create_change_set(self: Any) -> Any:
        """Fix ``cfn_use_previous_parameter``: ``UsePreviousValue`` takes the stack's value.

        AWS: "UsePreviousValue: During a stack update, use the existing parameter value that
        the stack is using for a given parameter key." moto 5.2.5 looks the value up in a map
        that lacks SSM-typed parameters such as the CDK's BootstrapVersion, and fails with
        HTTP 500 on the CDK CLI's second deploy.
        https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Parameter.html
        """
        if enabled("cfn_use_previous_parameter"):
            parameters = self._get_param("Parameters", [])
            if any(p.get("UsePreviousValue") for p in parameters):
                stack_name = self._get_param("StackName")
                previous: dict[str, Any] = {}
                for stack in self.cloudformation_backend.stacks.values():
                    if stack.name == stack_name and stack.status != "DELETE_COMPLETE":
                        previous = _previous_parameter_values(stack)
                for parameter in parameters:
                    key = parameter.get("ParameterKey")
                    if parameter.get("UsePreviousValue") and key in previous:
                        parameter.pop("UsePreviousValue")
                        parameter["ParameterValue"] = previous[key]
        return original_create_change_set(self)

    response_cls.create_change_set = create_change_set  # type: ignore[method-assign]


# =========================================================================== server setting

_cloudformation_lock = threading.RLock()
_serialized = False


def serialize_cloudformation() -> None:
    """Run CloudFormation requests one at a time (a server setting, not a switchable fix).

    moto 5.2.5's stacks are not safe under concurrent requests: a stack's resources are
    created lazily on first access, so a ``DescribeStacks`` or ``ListStackResources`` while
    another thread executes a change set creates the same resources twice, and with ``cdk
    deploy --all --concurrency 4`` of 7 stacks hundreds of roles went missing while every stack
    reported ``CREATE_COMPLETE``. In AWS, stacks deploy independently and in parallel; here the
    server executes one CloudFormation request at a time (each completes synchronously), while
    the CDK CLI still overlaps everything around it (asset publishing, change set creation,
    polling). IAM and STS requests are not serialized.
    """
    global _serialized
    with _lock:
        if _serialized:
            return
        response_cls = cfn_responses.CloudFormationResponse
        original_call_action = response_cls.call_action

        def call_action(self: Any) -> Any:
            with _cloudformation_lock:
                return original_call_action(self)

        response_cls.call_action = call_action  # type: ignore[method-assign]
        _serialized = True


_tuned = False


class _JsonFirstYaml:
    """moto's ``yaml`` module as its CloudFormation modules see it, reading JSON as JSON.

    moto parses every template body with PyYAML's pure-Python loader (JSON is YAML), which was
    a third of the server's time in a 1,000-role deploy. CloudFormation reads a JSON template
    as JSON, so a body that is a JSON object is decoded with ``json``; anything else (YAML,
    short-form intrinsics such as ``!Ref``) still goes to PyYAML with moto's constructors.
    """

    def __init__(self, module: Any) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)

    def load(self, stream: Any, Loader: Any) -> Any:  # PyYAML spells the keyword Loader
        if isinstance(stream, str) and stream.lstrip().startswith("{"):
            try:
                return json.loads(stream)
            except ValueError:
                pass  # not JSON after all (a YAML flow mapping): PyYAML decides
        return self._module.load(stream, Loader=Loader)


def tune_for_speed() -> None:
    """Server settings that change how fast moto answers, never what it answers.

    * JSON template bodies are parsed as JSON (``_JsonFirstYaml``).
    * ``AttachRolePolicy``/``DetachRolePolicy`` look the policy up by its ARN, the key moto
      stores it under, instead of rebuilding a map of all 1,300 AWS managed policies on every
      call; moto's own code still decides when the key does not match.
    """
    global _tuned
    with _lock:
        if _tuned:
            return
        for module in (cfn_models, cfn_responses):  # each did ``import yaml``
            setattr(module, "yaml", _JsonFirstYaml(module.yaml))  # noqa: B010
        backend_cls = iam_models.IAMBackend
        original_attach = backend_cls.attach_role_policy
        original_detach = backend_cls.detach_role_policy

        def attach_role_policy(self: Any, policy_arn: str, role_name: str) -> None:
            policy = self.managed_policies.get(policy_arn)
            if policy is None or policy.arn != policy_arn:
                return original_attach(self, policy_arn, role_name)
            policy.attach_to(self.get_role(role_name))

        def detach_role_policy(self: Any, policy_arn: str, role_name: str) -> None:
            policy = self.managed_policies.get(policy_arn)
            if policy is None or policy.arn != policy_arn:
                return original_detach(self, policy_arn, role_name)
            role = self.get_role(role_name)
            if policy_arn not in role.managed_policies:
                return original_detach(self, policy_arn, role_name)
            policy.detach_from(role)

        backend_cls.attach_role_policy = attach_role_policy  # type: ignore[method-assign]
        backend_cls.detach_role_policy = detach_role_policy  # type: ignore[method-assign]
        _tuned = True


# =========================================================================== STS


class _AccessDenied(_RESTError):
    code = 403

    def __init__(self, message: str) -> None:
        super().__init__("AccessDenied", message)


ROLE_CHAINING_MAX_SECONDS = 3600
ROLE_CHAINING_LIMIT = (
    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role "
    "chaining."
)
SESSION_TOKEN_WITH_SESSION_CREDENTIALS = "Cannot call GetSessionToken with session credentials"


def is_temporary_key(access_key_id: str) -> bool:
    """Whether an access key ID is one of temporary credentials (STS), not a long-term key.

    AWS: "Access key IDs beginning with AKIA are long-term access keys for an IAM user or the
    AWS account root user. Access key IDs beginning with ASIA are temporary credentials access
    keys that you create using AWS STS operations." moto issues its temporary keys (AssumeRole
    and, through ``sts_session_token``, GetSessionToken) with ASIA too.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html
    """
    return access_key_id.startswith("ASIA")


MFA_INVALID_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code. "
MFA_UNKNOWN_DEVICE = (
    "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA "
    "serial number is valid and associated with this user."
)
MFA_INCOMPLETE = (
    "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code."
)
TOTP_STEP_SECONDS = 30
TOTP_ACCEPTED_STEPS = (-1, 0, 1)  # the current code and its neighbours (clock skew)


def totp(seed_base32: str, step: int, digits: int = 6) -> str:
    """RFC 6238 TOTP (HMAC-SHA1, 30 s steps), independent of the TOTP library the tests use."""
    key = base64.b32decode(seed_base32.upper() + "=" * (-len(seed_base32) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


@dataclass
class _Session:
    """Temporary credentials issued by GetSessionToken, or the MFA context of a role session."""

    account_id: str
    user_name: str | None
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    mfa_authenticated_at: float | None


_user_sessions: dict[str, _Session] = {}  # GetSessionToken access key id -> session
_role_session_mfa: dict[str, float | None] = {}  # AssumeRole access key id -> MFA time
_last_used_step: dict[str, int] = {}  # MFA serial -> last accepted TOTP time step
_mfa_lock = threading.Lock()
_request = threading.local()  # MFA outcome of the current request, from auth to response


def _param(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value is None else str(value)


def _tags(data: Mapping[str, Any]) -> dict[str, str]:
    tags: dict[str, str] = {}
    index = 1
    while (key := _param(data, f"Tags.member.{index}.Key")) is not None:
        tags[key] = _param(data, f"Tags.member.{index}.Value") or ""
        index += 1
    return tags


def _verify_mfa(caller_user: Any, account_id: str, serial: str | None, code: str | None) -> bool:
    """Check SerialNumber/TokenCode; True when MFA was used and is valid, False when absent."""
    if serial is None and code is None:
        return False
    if serial is None or code is None:
        raise _AccessDenied(MFA_INCOMPLETE)
    backend = iam_models.iam_backends[account_id]["aws"]
    device = backend.virtual_mfa_devices.get(serial)
    if (
        device is None
        or caller_user is None
        or device.user is None
        or (device.user.name != caller_user.name)
    ):
        raise _AccessDenied(MFA_UNKNOWN_DEVICE)
    now_step = int(clock.now() // TOTP_STEP_SECONDS)
    with _mfa_lock:
        for delta in TOTP_ACCEPTED_STEPS:
            step = now_step + delta
            if hmac.compare_digest(totp(device.base32_string_seed, step), code):
                if step <= _last_used_step.get(serial, -1):
                    raise _AccessDenied(MFA_INVALID_CODE)  # AWS: same text for a reused code
                _last_used_step[serial] = step
                return True
    raise _AccessDenied(MFA_INVALID_CODE)


class _UserSessionAccessKey(access_control.IAMUserAccessKey):
    """Credentials from GetSessionToken: the user's identity and policies, plus a session token."""

    def __init__(
        self, account_id: str, partition: str, access_key_id: str, headers: Mapping[str, str]
    ) -> None:
        session = _user_sessions[access_key_id]
        self.account_id = account_id
        self.partition = partition
        self._owner_user_name = str(session.user_name)
        self._access_key_id = access_key_id
        self._secret_access_key = session.secret_access_key
        self._session_token = session.session_token
        if headers.get("X-Amz-Security-Token") != session.session_token:
            raise access_control.CreateAccessKeyFailure(reason="InvalidToken")

    def create_credentials(self) -> Credentials:
        return Credentials(self._access_key_id, self._secret_access_key, self._session_token)


def _caller_mfa_context(access_key: Any, access_key_id: str) -> tuple[bool, float | None]:
    """(uses temporary credentials, MFA authentication time) of the request's credentials."""
    if access_key_id in _user_sessions:
        return True, _user_sessions[access_key_id].mfa_authenticated_at
    if access_key_id in _role_session_mfa:
        return True, _role_session_mfa[access_key_id]
    return isinstance(access_key, access_control.AssumedRoleAccessKey), None


def _policy_document(policy: Any) -> dict[str, Any]:
    if isinstance(policy, iam_models.Policy):
        version = next(v for v in policy.versions if v.is_default)
        text = version.document
    elif isinstance(policy, str):
        text = policy
    else:
        text = policy["policy_document"]
    document: dict[str, Any] = json.loads(unquote(text) if text.startswith("%7B") else text)
    return document


def _caller(request: Any) -> tuple[iam_eval.Caller, Any]:
    """The caller as the evaluator sees it, and the IAM user behind it (None for a role)."""
    key = request._access_key
    backend = request.backend
    arn = str(key.arn)
    if isinstance(key, access_control.AssumedRoleAccessKey):
        role_arn = None
        for role in backend.roles.values():
            if role.name == key._owner_role_name:
                role_arn = str(role.arn)
        return iam_eval.Caller(arn=arn, account_id=request.account_id, role_arn=role_arn), None
    return iam_eval.Caller(arn=arn, account_id=request.account_id), backend.get_user(
        key._owner_user_name
    )


def _on_server_clock(expiration: Any) -> Any:
    """An expiry moto dated by real time, on the server's clock (``localaws.clock``).

    Part of the clock seam, not a fix: a client that judges MFA age by the server's clock
    (tests run it under faketime set to that clock) must see credentials expire by it too.
    """
    return expiration + datetime.timedelta(seconds=clock.offset())


def _find_role(role_arn: str) -> Any:
    """The role an ARN names, looked up in the role's own account (None when missing)."""
    parts = role_arn.split(":")
    if len(parts) < 6 or not parts[4].isdigit():
        return None
    try:
        return iam_models.iam_backends[parts[4]]["aws"].get_role_by_arn(role_arn)
    except NotFoundException:
        return None


def _check_assume_role(request: Any, role_arn: str) -> None:
    """Replacement of moto's permission check for ``sts:AssumeRole`` (see the fix's docstring)."""
    data = request._data
    caller, user = _caller(request)
    access_key_id = request._access_key._access_key_id
    _, mfa_at = _caller_mfa_context(request._access_key, access_key_id)
    if enabled("sts_mfa_verification") and _verify_mfa(
        user, request.account_id, _param(data, "SerialNumber"), _param(data, "TokenCode")
    ):
        mfa_at = clock.now()
    _request.mfa_authenticated_at = mfa_at

    deny = (
        f"User: {caller.arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
    )
    role = _find_role(role_arn)
    if role is None:
        raise _AccessDenied(deny)

    context = _request_context(request, caller, user)
    if mfa_at is not None:
        context["aws:MultiFactorAuthPresent"] = "true"
        context["aws:MultiFactorAuthAge"] = str(max(0, int(clock.now() - mfa_at)))
    for name, key in [
        ("RoleSessionName", "sts:RoleSessionName"),
        ("ExternalId", "sts:ExternalId"),
        ("SourceIdentity", "sts:SourceIdentity"),
    ]:
        value = _param(data, name)
        if value is not None:
            context[key] = value
    tags = _tags(data)
    for tag_key, tag_value in tags.items():
        context[f"aws:RequestTag/{tag_key}"] = tag_value
    if tags:
        context["aws:TagKeys"] = list(tags)

    actions = ["sts:AssumeRole"]
    if _param(data, "SourceIdentity") is not None:
        actions.append("sts:SetSourceIdentity")
    if tags:
        actions.append("sts:TagSession")
    trust = json.loads(role.assume_role_policy_document)
    identity = [_policy_document(p) for p in request._access_key.collect_policies()]
    for action in actions:
        decision = iam_eval.decide_with_resource_policy(
            trust_policy=trust,
            identity_policies=identity,
            caller=caller,
            action=action,
            resource=str(role.arn),
            resource_account=str(role.account_id),
            context=context,
        )
        if not decision.allowed:
            raise _AccessDenied(
                f"User: {caller.arn} is not authorized to perform: {action} on resource: {role.arn}"
            )


def _request_context(request: Any, caller: iam_eval.Caller, user: Any) -> dict[str, Any]:
    """Global condition keys of a request signed with the caller's credentials."""
    access_key_id = request._access_key._access_key_id
    temporary, mfa_at = _caller_mfa_context(request._access_key, access_key_id)
    context: dict[str, iam_eval.ContextValue] = {
        "aws:PrincipalArn": caller.role_arn or caller.arn,
        "aws:PrincipalAccount": caller.account_id,
        "aws:PrincipalType": "AssumedRole" if caller.role_arn else "User",
        "aws:CurrentTime": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(clock.now())),
        "aws:SecureTransport": "false",
        "aws:RequestedRegion": request._region,
    }
    if user is not None:
        context["aws:username"] = str(user.name)
        context["aws:userid"] = str(user.id)
    if mfa_at is not None:
        context["aws:MultiFactorAuthPresent"] = "true"
        context["aws:MultiFactorAuthAge"] = str(max(0, int(clock.now() - mfa_at)))
    elif temporary:
        context["aws:MultiFactorAuthPresent"] = "false"
    return context


def _check_identity_policies(request: Any, resource: str) -> None:
    """Fix ``iam_identity_evaluation``: decide other actions on the caller's identity policies.

    AWS: an action is allowed when an identity-based policy statement allows it (action,
    resource and conditions all matching) and none denies it; a statement whose conditions do
    not match simply does not apply. moto 5.2.5 treats an Allow with unmet conditions as an
    explicit Deny and, not knowing the resource ARN of most actions (it passes ``*``), denies
    every statement scoped to specific resources, such as the CDK deploy role's
    ``ssm:GetParameter`` on the bootstrap version parameter. Here, when moto does not know
    the resource, a statement's Resource is taken as matching (the resource dimension is not
    enforced for those actions; ``aws:ResourceAccount`` is the caller's account).
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    """
    if request._action == "sts:GetCallerIdentity":
        return  # always allowed, as in AWS
    caller, user = _caller(request)
    context = _request_context(request, caller, user)
    context["aws:ResourceAccount"] = caller.account_id
    documents = [_policy_document(p) for p in request._access_key.collect_policies()]
    if resource == "*":
        documents = [_ignoring_resource(document) for document in documents]
    result = iam_eval.evaluate_identity_policies(documents, request._action, resource, context)
    if result.denied or not result.allowed:
        request._raise_access_denied()


def _ignoring_resource(document: dict[str, Any]) -> dict[str, Any]:
    statements = document.get("Statement")
    listed = statements if isinstance(statements, list) else [statements]
    return {
        **document,
        "Statement": [
            {k: v for k, v in s.items() if k not in ("Resource", "NotResource")} | {"Resource": "*"}
            for s in listed
            if isinstance(s, dict)
        ],
    }


def _install_sts_fixes() -> None:
    request_base = access_control.IAMRequestBase
    original_check = request_base.check_action_permitted

    def check_action_permitted(self: Any, resource: str) -> None:
        """Fixes ``sts_trust_policy_evaluation``, ``sts_mfa_verification``, ``sts_session_token``.

        AWS decides AssumeRole on a role's trust policy evaluated against the request context:
        ``aws:MultiFactorAuthPresent`` is true (and ``aws:MultiFactorAuthAge`` counts seconds)
        only when MFA was verified, for this request or for the session making it; a condition
        on a missing key does not match; a non-matching Allow is just no Allow; within one
        account a trust policy naming the caller suffices, across accounts the caller's
        identity policy must allow too. moto 5.2.5 treats Bool/Numeric conditions and missing
        keys as matching, never sets the MFA keys, turns a non-matching Allow into a Deny,
        never checks TOTP codes, and always also requires an identity policy.
        https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthpresent
        https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
        GetSessionToken: "No permissions are required for users to perform this operation";
        it cannot be called with session credentials.
        https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html
        """
        _request.mfa_authenticated_at = None
        if self._action == "sts:AssumeRole" and enabled("sts_trust_policy_evaluation"):
            _check_assume_role(self, resource)
            return
        key = self._access_key
        if (
            self._action == "sts:GetSessionToken"
            and enabled("sts_session_token_long_term_only")
            and is_temporary_key(key._access_key_id)
        ):
            raise _AccessDenied(SESSION_TOKEN_WITH_SESSION_CREDENTIALS)
        if (
            self._action == "sts:GetSessionToken"
            and enabled("sts_session_token")
            and isinstance(key, access_control.IAMUserAccessKey)
        ):
            user = self.backend.get_user(key._owner_user_name)
            if enabled("sts_mfa_verification") and _verify_mfa(
                user,
                self.account_id,
                _param(self._data, "SerialNumber"),
                _param(self._data, "TokenCode"),
            ):
                _request.mfa_authenticated_at = clock.now()
            _request.user_name = user.name
            return
        if enabled("iam_identity_evaluation"):
            _check_identity_policies(self, resource)
            return
        original_check(self, resource)

    request_base.check_action_permitted = check_action_permitted  # type: ignore[method-assign]

    original_create_access_key = access_control.create_access_key

    def create_access_key(
        account_id: str, partition: str, access_key_id: str, headers: dict[str, str]
    ) -> Any:
        if access_key_id in _user_sessions and enabled("sts_session_token"):
            return _UserSessionAccessKey(account_id, partition, access_key_id, headers)
        return original_create_access_key(account_id, partition, access_key_id, headers)

    access_control.create_access_key = create_access_key

    original_caller_identity = sts_models.STSBackend.get_caller_identity

    def get_caller_identity(self: Any, access_key_id: str, region: str) -> tuple[str, str, str]:
        session = _user_sessions.get(access_key_id)
        if session is not None and session.user_name is not None:
            user = iam_models.iam_backends[session.account_id]["aws"].get_user(session.user_name)
            return str(user.id), str(user.arn), session.account_id
        result: tuple[str, str, str] = original_caller_identity(self, access_key_id, region)
        return result

    sts_models.STSBackend.get_caller_identity = get_caller_identity  # type: ignore[method-assign]

    response_cls = sts_responses.TokenResponse
    original_get_session_token = response_cls.get_session_token
    original_assume_role = response_cls.assume_role

    def get_session_token(self: Any) -> Any:
        user_name = getattr(_request, "user_name", None)
        if not enabled("sts_session_token") or user_name is None:
            return original_get_session_token(self)
        _request.user_name = None
        duration = self._get_int_param("DurationSeconds", 43200)
        if not 900 <= duration <= 129600:
            raise STSValidationError(
                f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed "
                "to satisfy constraint: Member must have value between 900 and 129600"
            )
        backend = iam_models.iam_backends[self.current_account][self.partition]
        key = backend.create_temp_access_key()
        session = _Session(
            account_id=self.current_account,
            user_name=user_name,
            secret_access_key=key.secret_access_key,
            session_token=random_session_token(),
            mfa_authenticated_at=_request.mfa_authenticated_at,
        )
        _user_sessions[key.access_key_id] = session
        token = self.backend.get_session_token(duration=duration)
        return ActionResult(
            {
                "Credentials": {
                    "AccessKeyId": key.access_key_id,
                    "SecretAccessKey": session.secret_access_key,
                    "SessionToken": session.session_token,
                    "Expiration": _on_server_clock(token.expiration),
                }
            }
        )

    def assume_role(self: Any) -> Any:
        duration = self._get_int_param("DurationSeconds", 3600)
        if (
            enabled("sts_role_chaining_limit")
            and duration > ROLE_CHAINING_MAX_SECONDS
            and is_temporary_key(self.get_access_key())
        ):
            raise STSValidationError(ROLE_CHAINING_LIMIT)
        if not enabled("sts_trust_policy_evaluation"):
            return original_assume_role(self)
        role_arn = self._get_param("RoleArn")
        role = _find_role(role_arn)
        if role is not None and duration > int(role.max_session_duration or 3600):
            raise STSValidationError(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
            )
        mfa_at = getattr(_request, "mfa_authenticated_at", None)
        result = original_assume_role(self)
        body = cast(dict[str, Any], result.result)
        credentials = body["Credentials"]
        credentials.expiration = _on_server_clock(credentials.expiration)
        _role_session_mfa[credentials.access_key_id] = mfa_at
        source_identity = self._get_param("SourceIdentity")
        if source_identity:
            body["SourceIdentity"] = source_identity
        return result

    response_cls.get_session_token = get_session_token  # type: ignore[method-assign]
    response_cls.assume_role = assume_role  # type: ignore[method-assign]
