"""The developer-roles configuration: which principals get a developer role, where, and how.

Importing this package loads no CDK code: the operators' commands (``developer-roles``) read
and check configurations without the CDK's runtime, and the app's stacks receive the result.

* :mod:`developer_roles.config.model`: the data the stacks receive; each configuration key is
  declared once there, next to the attribute it sets (key, kind, description, default);
* :mod:`developer_roles.config.format`: the file's objects built from those declarations, which
  give the checks, the JSON Schema and the README's reference;
* :mod:`developer_roles.config.loader`: read, check against the format, apply the rules that
  span fields;
* :mod:`developer_roles.config.fields` and :mod:`developer_roles.config.values`: single values
  (their kinds, patterns and parsers) and what they parse into;
* :mod:`developer_roles.config.schema`: the small schema engine (why not pydantic: see its
  docstring);
* :mod:`developer_roles.config.files`: reading JSON and YAML files, with their traps;
* :mod:`developer_roles.config.layout`: which roles go to which stack.
"""

from __future__ import annotations

from developer_roles.config.loader import (
    APP_TAG_KEY,
    CONTEXT_FILE_KEY,
    CONTEXT_KEY,
    OVERRIDE_KEYS,
    POWER_USER_ACCESS,
    load_config,
    parse_duration,
    parse_principal_arn,
    read_config_file,
    validate,
)
from developer_roles.config.model import (
    ConfigError,
    ManagedPolicyRef,
    PipelineSpec,
    PrincipalArn,
    RolesConfig,
    RoleSpec,
    StackSetSpec,
    Target,
    TrustSpec,
)

__all__ = [
    "APP_TAG_KEY",
    "CONTEXT_FILE_KEY",
    "CONTEXT_KEY",
    "OVERRIDE_KEYS",
    "POWER_USER_ACCESS",
    "ConfigError",
    "ManagedPolicyRef",
    "PipelineSpec",
    "PrincipalArn",
    "RoleSpec",
    "RolesConfig",
    "StackSetSpec",
    "Target",
    "TrustSpec",
    "load_config",
    "parse_duration",
    "parse_principal_arn",
    "read_config_file",
    "validate",
]
