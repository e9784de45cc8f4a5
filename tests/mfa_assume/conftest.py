"""Fixtures for the assume-role helper tests: isolated AWS files, a fixed clock, stubs."""

from __future__ import annotations

import datetime as dt
import http.server
import io
import json
import sys
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from mfa_assume import flow
from mfa_assume.credentials import Credentials
from tests.loopback import serving

NOW = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/developers/PowerUser-alice"
SERIAL = f"arn:aws:iam::{ACCOUNT}:mfa/alice"
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/developers/alice"
BASE_KEY_ID = "TESTKEYIDBASE0000001"
BASE_SECRET = "test-secret-not-a-real-key-0000000000000"
TEMP_KEY_ID = "ASIATEMPORARYKEY0001"
TEMP_SECRET = "temporary/secret+key=="
TEMP_TOKEN = "FwoGZXIvYXdzEXAMPLETOKEN/+=="
MFA_KEY_ID = "ASIAMFASESSIONKEY001"
PROFILE = "alice-power-user-mfa"

STACK_CONFIG = f"""\
[profile {PROFILE}]
role_arn = {ROLE}
source_profile = default
duration_seconds = 3600
mfa_serial = {SERIAL}
[profile alice-power-user]
credential_process = {sys.executable} -m mfa_assume --profile {PROFILE} --format json
"""
DEFAULT_CREDENTIALS = f"""\
[default]
aws_access_key_id = {BASE_KEY_ID}
aws_secret_access_key = {BASE_SECRET}
"""


@pytest.fixture(autouse=True)
def _no_real_aws_settings(monkeypatch, tmp_path):
    """No test sees the developer's AWS settings or credentials."""
    for name in list(__import__("os").environ):
        if name.startswith("AWS_") or name == "XDG_CACHE_HOME":
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-such-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-such-credentials"))


@pytest.fixture
def aws_home(tmp_path):
    """Factory: a HOME with ~/.aws/config and credentials; returns the environment."""

    def make(config: str = STACK_CONFIG, credentials: str = DEFAULT_CREDENTIALS, **env: str):
        home = tmp_path / "home"
        (home / ".aws").mkdir(parents=True, exist_ok=True)
        (home / ".aws" / "config").write_text(config)
        (home / ".aws" / "credentials").write_text(credentials)
        return {"HOME": str(home), **env}

    return make


def make_creds(expires: dt.datetime = NOW + dt.timedelta(hours=1)) -> Credentials:
    return Credentials(TEMP_KEY_ID, TEMP_SECRET, TEMP_TOKEN, expires)


class CodeTyped:
    """A code source for unit tests of the flow: the codes to hand out, and who asked.

    The terminal itself is tested in a real pseudo-terminal (test_terminal.py).
    """

    def __init__(self, *codes: str) -> None:
        self.codes = list(codes)
        self.asked: list[str] = []

    def __call__(self, serial: str) -> str:
        self.asked.append(serial)
        if not self.codes:
            raise AssertionError("an MFA code was asked for")
        return self.codes.pop(0)


def no_tty(serial: str) -> str:
    from mfa_assume.prompt.terminal import no_terminal

    raise no_terminal(serial)


class RecordingFactory:
    """Stands in for ``aws.make_clients``; records each client creation."""

    def __init__(self, clients=None) -> None:
        self.clients = clients
        self.calls: list[tuple[str | None, str | None]] = []

    def __call__(self, profile, region):
        self.calls.append((profile, region))
        if self.clients is None:
            raise AssertionError("an AWS client was created")
        return self.clients


class Stubs:
    """Real botocore STS and IAM clients under ``botocore.stub.Stubber``."""

    def __init__(self) -> None:
        import botocore.session
        from botocore.stub import Stubber

        from mfa_assume.aws import AwsClients

        session = botocore.session.Session()

        def client(service: str) -> Any:
            return session.create_client(
                service,
                region_name="us-east-1",
                aws_access_key_id=BASE_KEY_ID,
                aws_secret_access_key=BASE_SECRET,
            )

        # The STS client signed by an MFA session: one stubbed client, and who it was for.
        self.session_client = client("sts")
        self.signed_by: list[Credentials] = []

        def for_credentials(creds: Credentials) -> Any:
            self.signed_by.append(creds)
            return self.session_client

        self.clients = AwsClients(
            sts=client("sts"), iam=client("iam"), for_credentials=for_credentials
        )
        self.sts = Stubber(self.clients.sts)
        self.iam = Stubber(self.clients.iam)
        self.session_sts = Stubber(self.session_client)
        self.factory = RecordingFactory(self.clients)

    def identity(self, arn: str = USER_ARN) -> None:
        self.sts.add_response(
            "get_caller_identity", {"UserId": "AIDAEXAMPLE", "Account": ACCOUNT, "Arn": arn}, {}
        )

    def devices(self, *serials: str) -> None:
        devices = [{"UserName": "alice", "SerialNumber": s, "EnableDate": NOW} for s in serials]
        self.iam.add_response("list_mfa_devices", {"MFADevices": devices}, {})

    def assume(
        self, expected: dict[str, object], expires: dt.datetime = NOW + dt.timedelta(hours=1)
    ) -> None:
        response = {
            "Credentials": {
                "AccessKeyId": TEMP_KEY_ID,
                "SecretAccessKey": TEMP_SECRET,
                "SessionToken": TEMP_TOKEN,
                "Expiration": expires,
            },
            "AssumedRoleUser": {
                "AssumedRoleId": "AROAEXAMPLE:alice",
                "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/PowerUser-alice/alice",
            },
        }
        self.sts.add_response("assume_role", response, expected)

    def session_token(
        self, expected: dict[str, object], expires: dt.datetime = NOW + dt.timedelta(hours=1)
    ) -> None:
        credentials = {
            "AccessKeyId": MFA_KEY_ID,
            "SecretAccessKey": "mfa-session-secret",
            "SessionToken": "mfa-session-token",
            "Expiration": expires,
        }
        self.sts.add_response("get_session_token", {"Credentials": credentials}, expected)

    def assume_with_session(self, expected: dict[str, object]) -> None:
        """AssumeRole signed by the MFA session (no SerialNumber, no TokenCode)."""
        response = {
            "Credentials": {
                "AccessKeyId": TEMP_KEY_ID,
                "SecretAccessKey": TEMP_SECRET,
                "SessionToken": TEMP_TOKEN,
                "Expiration": NOW + dt.timedelta(hours=1),
            },
        }
        self.session_sts.add_response("assume_role", response, expected)


def assume_params(**overrides: object) -> dict[str, object]:
    params = {
        "RoleArn": ROLE,
        "RoleSessionName": "alice",
        "DurationSeconds": 3600,
        "SourceIdentity": "alice",
        "SerialNumber": SERIAL,
        "TokenCode": "123456",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


@pytest.fixture
def stubs():
    s = Stubs()
    with s.sts, s.iam, s.session_sts:
        yield s
        s.sts.assert_no_pending_responses()
        s.iam.assert_no_pending_responses()
        s.session_sts.assert_no_pending_responses()


@pytest.fixture
def make_deps():
    """Factory for ``flow.Deps`` with a fixed clock and captured stderr."""

    def make(env, factory=None, tty=None, stdin: str = "", clock=lambda: NOW):
        return flow.Deps(
            env,
            clock=clock,
            stdin=io.StringIO(stdin),
            stderr=io.StringIO(),
            ask_code=tty if tty is not None else no_tty,
            tell=lambda text: False,  # no terminal: notes go to stderr
            make_clients=factory if factory is not None else RecordingFactory(),
        )

    return make


@pytest.fixture(scope="module")
def moto_endpoint():
    """A local moto server on a free loopback port; its URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


SIGNIN_TOKEN = "SIGNIN+TOKEN/secret=="


class Federation:
    """A federation endpoint on loopback: answers ``status``/``body``, records each query."""

    def __init__(self) -> None:
        self.status = 200
        self.body = json.dumps({"SigninToken": SIGNIN_TOKEN}).encode()
        self.queries: list[dict[str, str]] = []
        self.url = ""  # set while it is served

    def handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                outer.queries.append(dict(urllib.parse.parse_qsl(parts.query)))
                self.send_response(outer.status)
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

            def log_message(self, format: str, *args: object) -> None:
                del format, args

        return Handler


@pytest.fixture
def federation() -> Iterator[Federation]:
    endpoint = Federation()
    with serving(endpoint.handler()) as endpoint.url:
        yield endpoint
