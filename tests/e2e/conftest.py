"""The ``local_aws`` fixture: one AWS endpoint per test session for the end-to-end tests.

Helper 4b (the trust-policy decision matrix and the differential test) builds on this fixture;
keep its interface stable. It yields a ``localaws.testing.LocalAwsEnv``:

``endpoint_url``
    ``http://localhost:PORT`` of the local AWS (``None`` in live mode). Always ``localhost``:
    moto reads the host of an S3 template URL as a bucket name.
``region``, ``account_id``
    ``us-east-1`` and ``123456789012`` locally.
``access_key_id``, ``secret_access_key`` (and ``admin``: a ``Credentials``)
    An IAM user with AdministratorAccess in ``account_id``.
``session(creds=None)``, ``client(service, creds=None)``
    boto3 for the admin or any ``Credentials``; no retries locally.
``env(creds=None, **extra)``
    Environment for a subprocess (``cdk``, ``mfa-assume``): the credentials,
    AWS_REGION, CDK_DEFAULT_ACCOUNT/REGION, AWS_ENDPOINT_URL locally; no ambient profile.
``create_developer(name, account_id=None)``
    IAM user + access key + enabled virtual MFA device; returns a ``Developer`` (``arn``,
    ``credentials``, ``mfa_serial``, ``mfa_seed``). ``account_id`` other than the default
    creates the user in a second local account (cross-account cases).
``totp(dev)``, ``fresh_totp(dev)``
    The device's code now (server clock), and a code of a time step never handed out before
    (AWS refuses a reused code): locally the server clock moves on one step instead of sleeping.
``server_time()``, ``advance_clock(seconds)``
    The local AWS clock seam: e.g. ``advance_clock(3600)`` makes an MFA session older than a
    trust policy's one-hour maximum age. Not available in live mode.
``other_account_admin(account_id)``
    Admin ``Credentials`` of another local account.
``fix_disabled(name)``
    Context manager switching one ``localaws.moto_compat`` fix off.

Live mode: set ``E2E_LIVE_PROFILE`` to a profile with IAM and CloudFormation admin rights in a
sandbox account (optionally ``E2E_LIVE_REGION``, default us-east-1). The same tests then run
against that account: developers are created with real virtual MFA devices (the seed comes back
from CreateVirtualMFADevice) and deleted at the end; tests that need the clock seam are
skipped. The deployed DeveloperRoles stack is left for ``cdk destroy``. Never run in CI.
"""

from __future__ import annotations

import pytest

from localaws.testing import LIVE_PROFILE_VARIABLE, LocalAwsEnv

# ``local_aws`` itself is defined in tests/conftest.py: one server per test session, shared
# with tests/localaws and tests/devtools.


@pytest.fixture
def needs_clock(local_aws: LocalAwsEnv) -> None:
    """Skip in live mode: a real account's clock cannot be moved."""
    if local_aws.is_live:
        pytest.skip(f"needs the local AWS clock seam; {LIVE_PROFILE_VARIABLE} selects live mode")
