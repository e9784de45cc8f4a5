"""The CDK's rule for the logical ID of an element, as a plain function.

The CDK derives a CloudFormation element's logical ID from its construct path below its stack
(``aws-cdk-lib/core/lib/private/uniqueid.ts``, described at
https://docs.aws.amazon.com/cdk/v2/guide/identifiers.html#identifiers_logical_ids): the
construct IDs, ``Default`` left out, the human part without ``Resource``, repeated components
or non-alphanumerics, then the first 8 hex digits of the MD5 of the path. Elements declared
from a template fragment (``cloudformation_include``) keep the logical IDs the fragment gives
them, so computing them here keeps every role and output where it was.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

_HIDDEN_ID = "Default"
_HIDDEN_FROM_HUMAN_ID = "Resource"
_MAX_HUMAN_LEN = 240
_MAX_ID_LEN = 255
_NON_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")


def logical_id(path: Sequence[str]) -> str:
    """The logical ID the CDK gives an element at ``path`` (construct IDs below its stack)."""
    # Construct IDs hold no "/": the constructs library turns one into "--".
    components = [c.replace("/", "--") for c in path if c != _HIDDEN_ID]
    if not components:
        raise ValueError("a logical ID needs at least one path component")
    if len(components) == 1:
        candidate = _NON_ALPHANUMERIC.sub("", components[0])
        if len(candidate) <= _MAX_ID_LEN:
            return candidate
    digest = hashlib.md5("/".join(components).encode(), usedforsecurity=False).hexdigest()
    human: list[str] = []
    for component in components:
        if not human or not human[-1].endswith(component):
            human.append(component)
    readable = "".join(_NON_ALPHANUMERIC.sub("", c) for c in human if c != _HIDDEN_FROM_HUMAN_ID)
    return readable[:_MAX_HUMAN_LEN] + digest[:8].upper()
