"""Reading policy documents as IAM receives them (machinery, not a fix)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote


def parse(document_text: str) -> Mapping[str, Any] | None:
    """A policy document's JSON object (URL-encoded or not), or None when it is not one."""
    try:
        document = json.loads(
            unquote(document_text) if document_text.startswith("%7B") else document_text
        )
    except ValueError:
        return None  # moto's own validator reports malformed documents
    return document if isinstance(document, Mapping) else None


def statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    listed = document.get("Statement", [])
    return [s for s in (listed if isinstance(listed, list) else [listed]) if isinstance(s, Mapping)]


def aws_principals(document: Mapping[str, Any]) -> list[str]:
    """Every ``Principal: {"AWS": ...}`` value of a policy document, in order."""
    found: list[str] = []
    for statement in statements(document):
        for key in ("Principal", "NotPrincipal"):
            principal = statement.get(key)
            if not isinstance(principal, Mapping):
                continue
            values = principal.get("AWS", [])
            found += [str(v) for v in (values if isinstance(values, list) else [values])]
    return found


def text_of(value: Any) -> str:
    """A template's policy document (object or text) as the JSON text IAM stores."""
    return value if isinstance(value, str) else json.dumps(value)
