"""The demo's tests use the same local AWS fixtures as the local AWS's own tests."""

from __future__ import annotations

from tests.localaws.conftest import aws, unique

__all__ = ["aws", "unique"]
