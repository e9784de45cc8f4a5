"""Synthesized cloud assemblies, made once per test session with the real CDK CLI (the
default one, ``assembly``, is in tests/conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trustcheck.synth import synthesize

ALICE = "arn:aws:iam::123456789012:user/alice"
CAROL = "arn:aws:iam::444455556666:user/carol"

# A configuration that exercises what the app's default one does not: a source identity
# requirement, a longer MFA age, and a principal from another account than the role's.
VARIANT_CONFIG = {
    "account": "123456789012",
    "region": "eu-west-1",
    "principals": [
        {"arn": ALICE, "requireSourceIdentity": True, "maxMfaAge": "2h"},
        CAROL,
    ],
}


@pytest.fixture(scope="session")
def variant_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("variant")
    config = workdir / "roles.json"
    config.write_text(json.dumps(VARIANT_CONFIG), encoding="utf-8")
    return synthesize(workdir / "cdk.out", {"developerRolesFile": str(config)})
