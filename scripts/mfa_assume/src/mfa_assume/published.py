"""The profiles the deployment publishes: SSM parameters in the identity account.

The identity stack (``stacks/identity_stack.py``) stores the profiles file that synthesis
writes, gzip-compressed and base64-encoded, in standard-tier String parameters of at most
4,096 characters each, named ``/developer-roles/profiles/000``, ``001``, ... (why:
scripts/mfa_assume/README.md,
"Where setup finds the profiles"). The developers' group may call ``ssm:GetParametersByPath``
on the path, which is authorized against the path alone
(https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-retrieval-authorization.html).
The app's copy of the path and encoding is ``stacks.profiles.published_values``;
tests/stacks/test_profiles.py decodes its output with :func:`decode`.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Sequence
from typing import Any

from mfa_assume.errors import ExitCode, HelperError
from mfa_assume.setup import MAX_FILE_BYTES

PATH = "/developer-roles/profiles"
MAX_PARAMETERS = 400  # the app refuses to publish more (CloudFormation's 500 resources)


def decode(values: Sequence[str], where: str) -> str:
    """The profiles text from the parameters' values, in name order; at most
    :data:`~mfa_assume.setup.MAX_FILE_BYTES` once decompressed."""
    try:
        packed = base64.b64decode("".join(values), validate=True)
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip
        data = inflate.decompress(packed, MAX_FILE_BYTES)
        if inflate.unconsumed_tail:
            raise HelperError(
                ExitCode.AWS_OTHER,
                f"the profiles published at {where} are larger than "
                f"{MAX_FILE_BYTES // 2**20} MiB; use --from FILE",
            )
        return data.decode("utf-8")
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError):
        raise HelperError(
            ExitCode.AWS_OTHER,
            f"the profiles published at {where} cannot be read (not what this helper's "
            "deployment writes); deploy again, or use --from FILE",
        ) from None


def fetch(ssm: Any) -> str:
    """Read the published parameters with ``ssm`` (a boto3 SSM client)."""
    region = str(ssm.meta.region_name)
    found: dict[str, str] = {}
    pages = ssm.get_paginator("get_parameters_by_path").paginate(Path=PATH, Recursive=False)
    for page in pages:
        for parameter in page.get("Parameters", []):
            found[str(parameter["Name"])] = str(parameter["Value"])
        if len(found) > MAX_PARAMETERS:
            break
    where = f"SSM {PATH} ({region})"
    if not found:
        raise HelperError(
            ExitCode.NO_PROFILES,
            f"no profiles are published at {where}: the identity stack is not deployed in "
            "this account and region; pass --region (the identity account's), or --from FILE",
        )
    return decode([found[name] for name in sorted(found)], where)
