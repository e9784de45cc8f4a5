"""The local AWS for the compatibility-layer tests: the session's one (tests/conftest.py)."""

from __future__ import annotations

import hashlib

import pytest

from localaws.testing import LocalAwsEnv


@pytest.fixture(scope="session")
def aws(local_aws: LocalAwsEnv) -> LocalAwsEnv:
    """The session's local AWS; these tests switch its fixes off, so never a live account."""
    if local_aws.is_live:
        pytest.skip("tests of the local AWS itself")
    return local_aws


@pytest.fixture
def unique(request: pytest.FixtureRequest) -> str:
    """A name unique to the test, for users, roles and stacks in the shared server."""
    return "t" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:12]
