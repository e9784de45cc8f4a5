"""What another local user can do to the local AWS: reach its port, read its files.

The control API (``/_localaws/admin`` hands out admin keys) and moto's own API
(``/moto-api/data.json`` dumps every secret key) answer only with the instance token of the
0600 ``state.json``; the state folder is 0700, its files 0600; the log holds no query string
(a console sign-in request carries a session's secret key and token in it).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from localaws.control import TOKEN_HEADER
from localaws.requestlog import without_query
from localaws.server import LOG_FILE, STATE_FILE, LocalAws
from localaws.testing import Credentials, LocalAwsEnv

OTHER_USER = "localaws-other"


def status_of(url: str, *, token: str | None = None, data: bytes | None = None) -> int:
    headers = {} if token is None else {TOKEN_HEADER: token}
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


ROUTES = [
    pytest.param("/_localaws/health", None, id="health"),
    pytest.param("/_localaws/admin", b'{"account_id": "345678901234"}', id="admin-keys"),
    pytest.param("/_localaws/fixes", b'{"sts_mfa_verification": false}', id="switch-a-fix-off"),
    pytest.param("/moto-api/data.json", None, id="moto-state-dump"),
    pytest.param("/moto-api/reset-auth", b"inf", id="moto-auth-off"),
    pytest.param("/moto-api/reset", b"", id="moto-reset"),
]


@pytest.mark.parametrize(("path", "data"), ROUTES)
@pytest.mark.parametrize("token", [None, "0" * 32], ids=["no-token", "wrong-token"])
def test_control_and_moto_api_answer_403_without_the_instance_token(aws, path, data, token):
    assert status_of(f"{aws.endpoint_url}{path}", token=token, data=data) == 403


def test_with_the_token_the_control_and_moto_api_work(aws: LocalAwsEnv):
    assert status_of(f"{aws.endpoint_url}/_localaws/health", token=aws.control_token) == 200
    config = status_of(f"{aws.endpoint_url}/moto-api/config", token=aws.control_token)
    assert config == 201  # moto's own answer to GET config
    assert aws.server_time() > 0  # LocalAwsEnv's own control calls carry it


def test_a_refused_request_changed_nothing(aws: LocalAwsEnv):
    """A refused "switch the MFA fix off" or "authorization off" leaves both on."""
    url = f"{aws.endpoint_url}/_localaws/fixes"
    assert status_of(url, data=b'{"sts_mfa_verification": false}') == 403
    assert status_of(f"{aws.endpoint_url}/moto-api/reset-auth", data=b"inf") == 403
    request = urllib.request.Request(url, headers={TOKEN_HEADER: aws.control_token})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.loads(response.read())["fixes"]["sts_mfa_verification"] is True
    unsigned = aws.client("iam", Credentials("TESTKEYIDNOTKNOWN000", "not-a-secret"))
    with pytest.raises(ClientError):
        unsigned.list_users()  # authorization is still on


def test_the_log_records_paths_without_query_strings(aws: LocalAwsEnv):
    assert aws.server is not None
    secret = "wJalrXUtnFEMI-session-secret-in-a-query"
    url = f"{aws.endpoint_url}/federation?Action=getSigninToken&Session={secret}"
    assert status_of(url) == 400  # not a session of this server: refused, and logged
    log = (aws.server.state_dir / LOG_FILE).read_text(encoding="utf-8", errors="replace")
    assert '"GET /federation" 400' in log
    assert secret not in log


@pytest.mark.parametrize(
    ("line", "logged"),
    [
        (
            '"GET /federation?Session=s3cr3t HTTP/1.1" 200',
            '"GET /federation?<query not logged> HTTP/1.1" 200',
        ),
        (
            "Bad request syntax ('GET /x?a=b c')",
            "Bad request syntax ('GET /x?<query not logged> c')",
        ),
        ('"POST / HTTP/1.1" 200 -', '"POST / HTTP/1.1" 200 -'),
    ],
    ids=["request-line", "error-quoting-a-request", "no-query"],
)
def test_any_logged_line_loses_its_query_strings(line, logged):
    assert without_query(line) == logged


# --------------------------------------------------------------------------- a second user


def other_user() -> str:
    """A second local account (created when the tests run as root, as in CI)."""
    if os.geteuid() != 0:
        pytest.skip("creating a second local user needs root (CI runs as root)")
    try:
        pwd.getpwnam(OTHER_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", OTHER_USER],
            check=True,
            capture_output=True,
        )
    return OTHER_USER


def as_other_user(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(argv), user=other_user(), capture_output=True, text=True, timeout=30, cwd="/"
    )


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A project folder every local user may enter and list (mode 0755), as a home often is."""
    folder = Path(tempfile.mkdtemp(prefix="localaws-shared-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_a_second_user_cannot_read_the_token_keys_or_log(shared_folder):
    other_user()
    state_dir = shared_folder / ".localaws"
    state_dir.mkdir(mode=0o755)  # an older run's folder, readable by all: tightened on start
    # the same attack on a file written the way the log used to be: it works, so the test can
    # tell a readable file from an unreadable one
    (shared_folder / "old-server.log").write_text("GET /federation?Session=x\n")
    (shared_folder / "old-server.log").chmod(0o644)
    assert as_other_user("cat", str(shared_folder / "old-server.log")).returncode == 0

    server = LocalAws.start(state_dir)
    try:
        assert stat.S_IMODE(state_dir.stat().st_mode) == 0o700
        for name in (STATE_FILE, LOG_FILE, "lock"):
            assert stat.S_IMODE((state_dir / name).stat().st_mode) == 0o600, name
            read = as_other_user("cat", str(state_dir / name))
            assert read.returncode != 0, name
            assert "Permission denied" in read.stderr
        assert as_other_user("ls", str(state_dir)).returncode != 0
        # the port is reachable to them, the control API is not
        admin = as_other_user(
            "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
            "-d", '{"account_id": "210987654321"}', f"{server.endpoint_url}/_localaws/admin",
        )  # fmt: skip
        assert admin.stdout == "403"
    finally:
        server.stop()
