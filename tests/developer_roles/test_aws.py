"""``developer_roles.aws.Accounts``: one session of the default credentials and one client per
account, service and region for the whole command (each new session read botocore's endpoint
data again, and each new client its service model: 0.64 to 0.50-0.57 CPU-s for a preflight of
one principal on the local AWS)."""

from __future__ import annotations

import pytest

from developer_roles.aws import Accounts

ACCOUNT = "246813579024"


@pytest.fixture
def accounts(monkeypatch: pytest.MonkeyPatch) -> Accounts:
    # Static keys (no request is made): clients are built, never called.
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key-id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-secret")
    accounts = Accounts(region="eu-north-1")
    accounts._caller = (ACCOUNT, f"arn:aws:iam::{ACCOUNT}:user/operator")  # as if asked once
    return accounts


def test_the_same_account_service_and_region_get_the_same_client(accounts: Accounts) -> None:
    iam = accounts.client(ACCOUNT, "iam")
    assert iam is not None
    assert accounts.client(ACCOUNT, "iam") is iam
    assert accounts.reach(ACCOUNT, "iam") is iam
    assert accounts.session(ACCOUNT) is accounts.session(ACCOUNT)


def test_another_region_or_service_gets_its_own_client(accounts: Accounts) -> None:
    here = accounts.client(ACCOUNT, "cloudformation")
    there = accounts.client(ACCOUNT, "cloudformation", "ap-southeast-2")
    assert here is not None
    assert there is not None
    assert here is not accounts.client(ACCOUNT, "iam")
    assert (here.meta.region_name, there.meta.region_name) == ("eu-north-1", "ap-southeast-2")


def test_an_account_without_credentials_still_gets_no_client(accounts: Accounts) -> None:
    assert accounts.client("135792468013", "iam") is None
