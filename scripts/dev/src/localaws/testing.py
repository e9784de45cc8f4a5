"""Drive an AWS endpoint for tests and the demo: the local AWS, or (opt-in) a real sandbox account.

``LocalAwsEnv`` is what the e2e fixture ``local_aws`` yields and what ``scripts/demo.py`` uses:

* ``endpoint_url`` (``None`` in live mode), ``region``, ``account_id``, admin credentials
  (``access_key_id``, ``secret_access_key``; ``session_token`` in live mode), ``live``;
* ``session(...)``/``client(...)``: boto3 for the admin or any other credentials;
* ``env(...)``: environment variables for a subprocess (``cdk``, ``mfa-assume``),
  with AWS_ENDPOINT_URL set for the local AWS and no profile, ambient credentials or
  ``AWS_ENDPOINT_URL_<SERVICE>`` of the caller's shell leaking in (``session()`` likewise
  ignores ``AWS_PROFILE``, ``~/.aws/config`` and configured endpoints);
* ``create_developer(name)``: an IAM user with an access key and an enabled virtual MFA
  device (``Developer`` with ``arn``, keys, ``mfa_serial``, ``mfa_seed``);
* ``totp(dev)``: the device's code now on the server's clock; ``fresh_totp(dev)``: a code
  never handed out before (moves the server clock one step on, or waits for it in live mode);
* ``server_time()``, ``advance_clock(seconds)``: the local AWS clock seam (not in live mode);
* ``fix_disabled(name)``: a context manager switching one ``localaws.compat`` fix off;
* ``set_quota(name, value)``: adjusts an IAM quota the fixes enforce (a quota increase);
* ``deploy_failure(template)``: deploys a template as the CDK does (a change set, executed) and
  returns AWS's error (``DeployFailure``: code and message) or None when it deployed;
* ``other_account_admin(account_id)``: admin credentials in a second local account;
* ``control_token``: the instance token the control API (``/_localaws/``) and moto's API
  (``/moto-api/``) require (``localaws.control.TOKEN_HEADER``); every call above sends it,
  ``moto_api(route, body)`` calls moto's own API with it.

Secrets are kept out of ``repr`` so that assertion messages and logs never show them.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import secrets
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pyotp
from botocore.config import Config
from botocore.configprovider import ConstantProvider

from localaws.environment import without_leaks
from localaws.server import (
    DEFAULT_ACCOUNT,
    TOKEN_HEADER,
    AdminCredentials,
    LocalAws,
    control_request,
)

TOTP_STEP = 30


@functools.cache
def _shared_loader() -> botocore.loaders.Loader:
    return botocore.loaders.create_loader()


def isolated_botocore_session() -> botocore.session.Session:
    """A botocore session that reads no profile, config file or configured endpoint.

    boto3 sessions made with explicit keys still read ``AWS_PROFILE`` (a missing profile is
    ``ProfileNotFound``), ``~/.aws/config`` and ``AWS_ENDPOINT_URL_<SERVICE>``; the tests' and
    the demo's own clients must depend on none of them.
    """
    session = botocore.session.Session()
    # One loader for every such session of the process: it keeps each service model it has
    # read, which a new session would read and parse again (most of a new client's cost).
    session.register_component("data_loader", _shared_loader())
    store = session.get_component("config_store")
    for name, value in [
        ("profile", None),
        ("config_file", os.devnull),
        ("credentials_file", os.devnull),
        ("ignore_configured_endpoint_urls", True),
    ]:
        store.set_config_provider(name, ConstantProvider(value))
    return session


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class DeployFailure:
    """Why a deploy failed: AWS's error code (empty for a stack status) and message."""

    code: str
    message: str


@dataclass
class Developer:
    """An IAM user with an access key and an enabled virtual MFA device."""

    user_name: str
    arn: str
    account_id: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    mfa_serial: str = ""
    mfa_seed: str = field(default="", repr=False)
    last_step: int = -1

    @property
    def credentials(self) -> Credentials:
        return Credentials(self.access_key_id, self.secret_access_key)


class LocalAwsEnv:
    """The endpoint the e2e tests and the demo talk to (see the module docstring)."""

    def __init__(
        self,
        *,
        endpoint_url: str | None,
        region: str,
        account_id: str,
        admin: Credentials,
        server: LocalAws | None = None,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.control_token = server.state.instance if server is not None else ""
        self.region = region
        self.account_id = account_id
        self.admin = admin
        self.server = server
        self._created: list[Developer] = []
        self._clients: dict[tuple[str, Credentials], Any] = {}

    @classmethod
    def local(cls, server: LocalAws) -> LocalAwsEnv:
        admin: AdminCredentials = server.admin(DEFAULT_ACCOUNT)
        return cls(
            endpoint_url=server.endpoint_url,
            region=server.region,
            account_id=DEFAULT_ACCOUNT,
            admin=Credentials(admin.access_key_id, admin.secret_access_key),
            server=server,
        )

    @classmethod
    def live(cls, profile: str, region: str) -> LocalAwsEnv:
        """A real sandbox account through a named profile (admin rights to create test users)."""
        session = boto3.Session(profile_name=profile, region_name=region)
        found = session.get_credentials()
        if found is None:
            raise RuntimeError(f"profile {profile!r} has no credentials")
        frozen = found.get_frozen_credentials()
        identity = session.client("sts").get_caller_identity()
        return cls(
            endpoint_url=None,
            region=region,
            account_id=str(identity["Account"]),
            admin=Credentials(str(frozen.access_key), str(frozen.secret_key), frozen.token),
        )

    # ------------------------------------------------------------------ properties

    @property
    def is_live(self) -> bool:
        return self.server is None

    @property
    def access_key_id(self) -> str:
        return self.admin.access_key_id

    @property
    def secret_access_key(self) -> str:
        return self.admin.secret_access_key

    # ------------------------------------------------------------------ clients

    def session(self, credentials: Credentials | None = None) -> boto3.Session:
        creds = credentials or self.admin
        return boto3.Session(
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            aws_session_token=creds.session_token,
            region_name=self.region,
            botocore_session=isolated_botocore_session(),
        )

    def client(self, service: str, credentials: Credentials | None = None) -> Any:
        """A client for ``service`` acting with ``credentials`` (default: admin); one per
        service and credentials, made on first use (a client costs a tenth of a second or more
        to make, clients hold no state between calls, and tests ask for hundreds)."""
        key = (service, credentials or self.admin)
        if key not in self._clients:
            # Locally an error is final: no retries with back-off (they only slow a failing test).
            config = None if self.is_live else Config(retries={"total_max_attempts": 1})
            self._clients[key] = self.session(credentials).client(
                service,  # type: ignore[call-overload]
                endpoint_url=self.endpoint_url,
                config=config,
            )
        return self._clients[key]

    def env(
        self,
        credentials: Credentials | None = None,
        base: Mapping[str, str] | None = None,
        **extra: str,
    ) -> dict[str, str]:
        """Environment for a subprocess that should act with ``credentials`` (default: admin)."""
        creds = credentials or self.admin
        env = without_leaks(base or os.environ)
        env.update(
            AWS_EC2_METADATA_DISABLED="true",  # never fall back to an instance's credentials
            AWS_ACCESS_KEY_ID=creds.access_key_id,
            AWS_SECRET_ACCESS_KEY=creds.secret_access_key,
            AWS_REGION=self.region,
            AWS_DEFAULT_REGION=self.region,
            CDK_DEFAULT_ACCOUNT=self.account_id,
            CDK_DEFAULT_REGION=self.region,
            CDK_DISABLE_VERSION_CHECK="1",
            CDK_DISABLE_CLI_TELEMETRY="true",
        )
        if creds.session_token:
            env["AWS_SESSION_TOKEN"] = creds.session_token
        if self.endpoint_url:
            env["AWS_ENDPOINT_URL"] = self.endpoint_url
        env.update(extra)
        return env

    # ------------------------------------------------------------------ developers

    def create_developer(self, name: str, *, account_id: str | None = None) -> Developer:
        """Create an IAM user with an access key and an enabled virtual MFA device."""
        creds = self.admin if account_id in (None, self.account_id) else self._admin_of(account_id)
        iam = self.client("iam", creds)
        user = iam.create_user(UserName=name)["User"]
        key = iam.create_access_key(UserName=name)["AccessKey"]
        device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
        seed_raw = device["Base32StringSeed"]
        seed = seed_raw.decode() if isinstance(seed_raw, bytes) else str(seed_raw)
        developer = Developer(
            user_name=name,
            arn=str(user["Arn"]),
            account_id=str(user["Arn"]).split(":")[4],
            access_key_id=str(key["AccessKeyId"]),
            secret_access_key=str(key["SecretAccessKey"]),
            mfa_serial=str(device["SerialNumber"]),
            mfa_seed=seed,
        )
        # AWS wants two consecutive codes to enable a device; they count as used afterwards.
        code_1, code_2 = self._consecutive_codes(developer)
        iam.enable_mfa_device(
            UserName=name,
            SerialNumber=developer.mfa_serial,
            AuthenticationCode1=code_1,
            AuthenticationCode2=code_2,
        )
        self._created.append(developer)
        return developer

    def _consecutive_codes(self, developer: Developer) -> tuple[str, str]:
        step = int(self.server_time() // TOTP_STEP)
        totp = pyotp.TOTP(developer.mfa_seed)
        developer.last_step = step
        return totp.at((step - 1) * TOTP_STEP), totp.at(step * TOTP_STEP)

    def totp(self, developer: Developer) -> str:
        """The device's code for the current time step of the server's clock."""
        return str(pyotp.TOTP(developer.mfa_seed).at(self.server_time()))

    def fresh_totp(self, developer: Developer) -> str:
        """A code of a time step not handed out before, so AWS cannot refuse it as reused."""
        step = int(self.server_time() // TOTP_STEP)
        if step <= developer.last_step:
            wait = (developer.last_step + 1) * TOTP_STEP - self.server_time() + 0.5
            if self.is_live:
                deadline = time.monotonic() + wait + 5
                while int(self.server_time() // TOTP_STEP) <= developer.last_step:
                    if time.monotonic() > deadline:  # pragma: no cover - live mode only
                        raise TimeoutError("the TOTP time step did not advance")
                    time.sleep(0.5)  # live mode: the real clock has to reach the next step
            else:
                self.advance_clock(wait)
            step = int(self.server_time() // TOTP_STEP)
        developer.last_step = step
        return str(pyotp.TOTP(developer.mfa_seed).at(step * TOTP_STEP))

    def delete_created(self) -> None:
        """Remove the developers this object created (live mode cleans up after itself)."""
        for developer in reversed(self._created):
            creds = (
                self.admin
                if developer.account_id == self.account_id
                else self._admin_of(developer.account_id)
            )
            iam = self.client("iam", creds)
            with contextlib.suppress(Exception):
                iam.deactivate_mfa_device(
                    UserName=developer.user_name, SerialNumber=developer.mfa_serial
                )
            with contextlib.suppress(Exception):
                iam.delete_virtual_mfa_device(SerialNumber=developer.mfa_serial)
            with contextlib.suppress(Exception):
                iam.delete_access_key(
                    UserName=developer.user_name, AccessKeyId=developer.access_key_id
                )
            with contextlib.suppress(Exception):
                iam.delete_user(UserName=developer.user_name)
        self._created.clear()

    # ------------------------------------------------------------------ control API

    def _control(self, route: str, body: dict[str, Any] | None = None) -> Any:
        if self.endpoint_url is None:
            raise RuntimeError(f"/_localaws/{route} exists only on the local AWS, not in live mode")
        request = control_request(self.endpoint_url, self.control_token, route, body)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def moto_api(self, route: str, body: bytes) -> bytes:
        """POST ``body`` to moto's own API (``/moto-api/<route>``) with the instance token."""
        if self.endpoint_url is None:
            raise RuntimeError("/moto-api exists only on the local AWS, not in live mode")
        request = urllib.request.Request(
            f"{self.endpoint_url}/moto-api/{route}",
            data=body,
            method="POST",
            headers={"Content-Type": "text/plain", TOKEN_HEADER: self.control_token},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            answer: bytes = response.read()
            return answer

    def server_time(self) -> float:
        """Seconds since the epoch on the server's clock (real time in live mode)."""
        if self.is_live:
            return time.time()
        return float(self._control("clock")["now"])

    def advance_clock(self, seconds: float) -> float:
        """Move the local AWS clock forward (MFA age, TOTP steps); return the new offset."""
        return float(self._control("clock", {"advance": seconds})["offset"])

    @contextlib.contextmanager
    def fix_disabled(self, name: str) -> Iterator[None]:
        """Run a block with one ``localaws.compat`` fix switched off (moto's own behaviour)."""
        self._control("fixes", {name: False})
        try:
            yield
        finally:
            self._control("fixes", {name: True})

    def set_quota(self, name: str, value: int) -> dict[str, int]:
        """Adjust an IAM quota of the local AWS (``RolesPerAccount``, ...); returns them all."""
        return dict(self._control("quotas", {name: value})["quotas"])

    def deploy_failure(
        self, template: Mapping[str, Any] | str, *, stack_name: str | None = None
    ) -> DeployFailure | None:
        """Deploy ``template`` as the CDK CLI does; AWS's error, or None.

        The stack (new, or ``stack_name``: updated when it exists) is deployed through a change
        set (CreateChangeSet with the IAM capabilities, ExecuteChangeSet). The failure is the
        error of either call (moto answers a resource's failure from the call itself) or, when
        the stack ends failed or rolled back, its status reason. A stack that deployed is left
        in place.
        """
        from botocore.exceptions import ClientError

        body = template if isinstance(template, str) else json.dumps(template)
        name = stack_name or f"deploy-check-{secrets.token_hex(6)}"
        cfn = self.client("cloudformation")
        change_set = f"deploy-{secrets.token_hex(4)}"
        try:
            cfn.create_change_set(
                StackName=name,
                ChangeSetName=change_set,
                ChangeSetType="UPDATE" if self._stack_exists(name) else "CREATE",
                TemplateBody=body,
                Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
            )
            cfn.execute_change_set(StackName=name, ChangeSetName=change_set)
            stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
        except ClientError as error:
            details = error.response.get("Error", {})
            return DeployFailure(str(details.get("Code", "")), str(details.get("Message", "")))
        status = str(stack.get("StackStatus", ""))
        if status.endswith("FAILED") or "ROLLBACK" in status:
            return DeployFailure("", str(stack.get("StackStatusReason", status)))
        return None

    def _stack_exists(self, name: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            stacks = self.client("cloudformation").describe_stacks(StackName=name)["Stacks"]
        except ClientError:
            return False
        return bool(stacks) and stacks[0].get("StackStatus") != "REVIEW_IN_PROGRESS"

    def _admin_of(self, account_id: str) -> Credentials:
        data = self._control("admin", {"account_id": account_id})
        return Credentials(str(data["access_key_id"]), str(data["secret_access_key"]))

    def other_account_admin(self, account_id: str) -> Credentials:
        """Admin credentials of another account of the local AWS (cross-account cases)."""
        return self._admin_of(account_id)


LIVE_PROFILE_VARIABLE = "E2E_LIVE_PROFILE"
LIVE_REGION_VARIABLE = "E2E_LIVE_REGION"


@contextlib.contextmanager
def local_env(state_dir: Any) -> Iterator[LocalAwsEnv]:
    """Start a local AWS in ``state_dir`` and yield its ``LocalAwsEnv``; stop it afterwards."""
    from pathlib import Path

    server = LocalAws.start(Path(state_dir))
    try:
        yield LocalAwsEnv.local(server)
    finally:
        server.stop()


@contextlib.contextmanager
def env_from_environment(state_dir: Any) -> Iterator[LocalAwsEnv]:
    """Live mode when ``E2E_LIVE_PROFILE`` names a profile, otherwise a local AWS."""
    profile = os.environ.get(LIVE_PROFILE_VARIABLE)
    if profile:
        live = LocalAwsEnv.live(profile, os.environ.get(LIVE_REGION_VARIABLE, "us-east-1"))
        try:
            yield live
        finally:
            live.delete_created()
        return
    with local_env(state_dir) as local:
        yield local
