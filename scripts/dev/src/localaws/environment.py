"""Which environment variables steer an AWS SDK elsewhere, for every process the local AWS
starts or hands an environment to (the server itself, ``LocalAwsEnv.env``, ``localaws env``).

No third-party import: the server's parent process and the CLI use it before boto3 is loaded.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping

# Environment variables the AWS SDKs and CLIs (botocore, the JS SDK v3 under the CDK CLI, the
# AWS CLI) read for credentials, profiles and endpoints. None of them may reach a process we
# start: an `AWS_ENDPOINT_URL_STS` or `AWS_PROFILE` in the user's shell would otherwise send
# the demo's requests elsewhere or to other credentials. Every `AWS_ENDPOINT_URL_<SERVICE>`
# goes too (see `leaks`). Region variables are overwritten instead.
_CREDENTIAL_VARIABLES = frozenset(
    {
        # credentials and where they come from
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_ACCESS_KEY",  # older SDKs' names
        "AWS_SECRET_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_SDK_LOAD_CONFIG",
        "AWS_ROLE_ARN",
        "AWS_ROLE_SESSION_NAME",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
        "AWS_EC2_METADATA_DISABLED",
        # endpoints
        "AWS_ENDPOINT_URL",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "AWS_USE_FIPS_ENDPOINT",
        "AWS_USE_DUALSTACK_ENDPOINT",
        "AWS_STS_REGIONAL_ENDPOINTS",
        "AWS_S3_US_EAST_1_REGIONAL_ENDPOINT",
        "AWS_S3_USE_ARN_REGION",
        "AWS_S3_DISABLE_MULTIREGION_ACCESS_POINTS",
    }
)
_ENDPOINT_PREFIX = "AWS_ENDPOINT_URL_"


def leaks(name: str) -> bool:
    """Whether an environment variable would steer an SDK to other credentials or endpoints."""
    return name in _CREDENTIAL_VARIABLES or name.startswith(_ENDPOINT_PREFIX)


def shell_exports(current: Mapping[str, str], **exports: str) -> str:
    """POSIX shell lines: unset each variable of ``current`` that would leak, export ``exports``."""
    lines = [f"unset {name}" for name in sorted(current) if leaks(name) and name not in exports]
    lines += [f"export {name}={shlex.quote(value)}" for name, value in exports.items()]
    return "\n".join(lines)


def without_leaks(environment: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in environment.items() if not leaks(name)}
