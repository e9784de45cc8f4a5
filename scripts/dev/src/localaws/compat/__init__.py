"""The compatibility layer: every fix to moto 5.2.5 that the local AWS needs, one module each.

A fix restores one documented AWS behaviour that moto gets wrong: a refusal AWS makes and moto
does not (each with AWS's error code and message), or an answer moto gets wrong. Each module
``localaws.compat.<fix name>`` has the documentation link and AWS's wording in its docstring,
registers one ``Fix`` (``localaws.compat.registry``) and has an ``install()``; ``MODULES`` below
lists them in install order (a later wrapper of the same moto method runs first). Every fix can
be switched off at run time (``set_enabled(name, False)``, ``POST /_localaws/fixes``) so that
its test shows moto's own behaviour. ``apply()`` installs them all; the server calls it once.

Requires the server's IAM authorization switch (moto's ``INITIAL_NO_AUTH_ACTION_COUNT = 0``):
without it moto checks no request at all. docs/local-aws.md has the table of every rule.
"""

from __future__ import annotations

import threading
from types import ModuleType

from localaws.compat import (
    cfn_change_set_not_found,
    cfn_change_set_outputs,
    cfn_change_set_per_stack,
    cfn_delete_missing_change_set,
    cfn_iam_groups,
    cfn_readd_resource,
    cfn_resources_per_template,
    cfn_role_delete_detaches_policies,
    cfn_role_inline_policies,
    cfn_role_managed_policies,
    cfn_role_update,
    cfn_role_update_tags,
    cfn_stack_name,
    cfn_template_body_size,
    cfn_use_previous_parameter,
    iam_account_summary_quotas,
    iam_identity_evaluation,
    iam_list_mfa_devices_caller,
    iam_managed_policies_per_role,
    iam_managed_policies_per_user,
    iam_permissions_boundary,
    iam_permissions_boundary_exists,
    iam_policy_document_json,
    iam_policy_not_attachable,
    iam_policy_variables,
    iam_request_resources,
    iam_role_description,
    iam_role_inline_policy_size,
    iam_role_max_session_duration,
    iam_role_name,
    iam_role_name_case,
    iam_role_path,
    iam_roles_per_account,
    iam_tag_reserved_prefix,
    iam_tag_value_characters,
    iam_trust_policy_size,
    iam_trust_principal_exists,
    iam_trust_principal_valid,
    quotas,
    sigv4_request_time,
    sts_assume_role_parameters,
    sts_mfa_verification,
    sts_role_chaining_limit,
    sts_session_token,
    sts_session_token_long_term_only,
    sts_trust_policy_evaluation,
)
from localaws.compat.registry import FIXES, Fix, enabled, fixes_state, set_enabled
from localaws.compat.server_settings import serialize_cloudformation, tune_for_speed

MODULES: list[ModuleType] = [
    # IAM: the API's rules, which CloudFormation's AWS::IAM::Role meets through the same
    # backend calls (role_checks, trust_checks, attach_checks)
    iam_role_name,
    iam_role_name_case,
    iam_role_path,
    iam_role_description,
    iam_role_max_session_duration,
    iam_roles_per_account,
    iam_policy_document_json,  # before the rules that read the document
    iam_trust_policy_size,
    iam_trust_principal_valid,
    iam_trust_principal_exists,
    iam_managed_policies_per_role,
    iam_managed_policies_per_user,
    iam_permissions_boundary_exists,
    iam_policy_not_attachable,
    iam_role_inline_policy_size,
    iam_tag_reserved_prefix,
    iam_tag_value_characters,
    iam_list_mfa_devices_caller,
    iam_account_summary_quotas,
    # CloudFormation: AWS::IAM::Role (create: inline policies first; update before managed
    # policies, which sync after every create and update)
    cfn_role_inline_policies,
    cfn_role_update,
    cfn_role_update_tags,  # after cfn_role_update: sets the tags of the role it returns
    cfn_role_managed_policies,
    cfn_role_delete_detaches_policies,
    cfn_iam_groups,
    # CloudFormation: stacks and change sets
    cfn_change_set_outputs,
    cfn_change_set_not_found,
    cfn_change_set_per_stack,
    cfn_delete_missing_change_set,
    cfn_readd_resource,
    cfn_use_previous_parameter,
    cfn_stack_name,
    cfn_template_body_size,
    cfn_resources_per_template,
    # STS and authorization; deciders run in this order
    sigv4_request_time,  # a request out of time is refused before anything is decided
    sts_mfa_verification,
    sts_session_token_long_term_only,
    sts_trust_policy_evaluation,
    sts_session_token,
    iam_policy_variables,  # evaluation of identity policies: variables, boundaries, resources
    iam_permissions_boundary,
    iam_request_resources,
    iam_identity_evaluation,
    sts_role_chaining_limit,  # before the role's MaxSessionDuration check
    sts_assume_role_parameters,  # model constraints first
]

__all__ = [
    "FIXES",
    "MODULES",
    "Fix",
    "apply",
    "enabled",
    "fixes_state",
    "quotas",
    "serialize_cloudformation",
    "set_enabled",
    "tune_for_speed",
]

_applied = False
_lock = threading.Lock()


def apply() -> None:
    """Install every fix (idempotent). Each one checks its switch on every call."""
    global _applied
    with _lock:
        if _applied:
            return
        for module in MODULES:
            module.install()
        _applied = True
