"""A local AWS per test session (per xdist worker) for the moto_compat tests."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from localaws.testing import LocalAwsEnv, local_env


@pytest.fixture(scope="session")
def aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAwsEnv]:
    with local_env(tmp_path_factory.mktemp("localaws")) as env:
        yield env


@pytest.fixture
def unique(request: pytest.FixtureRequest) -> str:
    """A name unique to the test, for users, roles and stacks in the shared server."""
    return "t" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:12]
