"""``mfa-assume console`` end to end: a real pseudo-terminal, the local AWS's federation endpoint.

The developer's ``~/.aws/config`` is the one synthesis writes (real CDK CLI), the role is
created from the synthesized trust policy, the code is typed on a real pseudo-terminal
(pexpect), and the printed login URL is followed with urllib against the local AWS, which
answers ``Action=login`` with a redirect to the console page only for a token it issued.
Standard output and standard error are kept apart (the shell redirects them to files) so
that the URL is seen only where it belongs; every file the run could write is searched for
the token.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from localaws.testing import Credentials, Developer, LocalAwsEnv
from tests.e2e.developer import synthesized_role, write_aws_files
from tests.e2e.terminal import Terminal, program_environment

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX pseudo-terminals"),
]

DEVELOPER = "console-erin"
EXIT_CANNOT_SIGN_IN = 13
SESSION_HEADER = "X-Localaws-Console-Session-Seconds"


@dataclass(frozen=True)
class Setup:
    developer: Developer
    role_arn: str
    profiles: str
    mfa_profile: str  # [profile X-mfa]: role_arn, source_profile, mfa_serial, region
    process_profile: str  # [profile X]: credential_process = mfa-assume --profile X-mfa ...


@pytest.fixture(scope="module")
def setup(local_aws: LocalAwsEnv, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    work = tmp_path_factory.mktemp("console")
    developer = local_aws.create_developer(DEVELOPER)
    with synthesized_role(local_aws, developer, work) as (role_arn, profiles):
        (mfa_profile,) = re.findall(r"^\[profile (\S+-mfa)\]$", profiles, re.MULTILINE)
        process_profile = mfa_profile.removesuffix("-mfa")
        assert f"[profile {process_profile}]\ncredential_process" in profiles, profiles
        yield Setup(developer, role_arn, profiles, mfa_profile, process_profile)


@pytest.fixture
def home(setup: Setup, tmp_path: Path) -> Path:
    return write_aws_files(tmp_path / "home", setup.profiles, setup.developer)


@pytest.fixture
def env(local_aws: LocalAwsEnv, home: Path) -> dict[str, str]:
    return program_environment(home, local_aws.endpoint_url)


@dataclass
class Run:
    status: int
    terminal: str  # everything the pseudo-terminal showed
    stdout: str
    stderr: str


@pytest.fixture
def console(
    env: dict[str, str], home: Path, tmp_path: Path, local_aws: LocalAwsEnv, setup: Setup
) -> Iterator[Callable[..., Run]]:
    """Run a command line in bash on a pseudo-terminal, stdout and stderr to separate files;
    type a fresh code at each prompt (``codes``: how many prompts are expected)."""
    started: list[Terminal] = []

    def start(command: str, codes: int, extra_env: dict[str, str] | None = None) -> Run:
        out, err = tmp_path / "stdout", tmp_path / "stderr"
        line = f"{command} >{shlex.quote(str(out))} 2>{shlex.quote(str(err))}"
        term = Terminal(["/bin/bash", "--norc", "-c", line], {**env, **(extra_env or {})}, home)
        started.append(term)
        for _ in range(codes):
            term.wait_for(re.escape(f"MFA code for {setup.developer.mfa_serial}: "))
            term.type(local_aws.fresh_totp(setup.developer))
        status, _ = term.finish()
        return Run(status, term.output, out.read_text(), err.read_text())

    yield start
    for term in started:
        term.end()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the console itself is not on loopback: look at the redirect only


def follow(url: str) -> tuple[int, dict[str, str]]:
    """GET the login URL at the local AWS; its status and headers (redirects not followed)."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=10) as response:
            return int(response.status), dict(response.headers)
    except urllib.error.HTTPError as answer:
        with answer:
            return int(answer.code), dict(answer.headers)


def login_params(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def files_holding(root: Path, secret: str) -> list[Path]:
    return [
        path for path in root.rglob("*") if path.is_file() and secret.encode() in path.read_bytes()
    ]


def test_the_typed_code_gives_a_login_url_the_local_aws_accepts(console, setup, home, local_aws):
    first = console(f"mfa-assume console --profile {setup.mfa_profile} --print-url", codes=1)
    assert first.status == 0, first.terminal + first.stderr
    url = first.stdout.strip()
    assert first.stdout.count("\n") == 1
    assert url.startswith(f"{local_aws.endpoint_url}/federation?Action=login&")
    params = login_params(url)
    destination = "https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1"
    assert params["Destination"] == destination
    status, headers = follow(url)
    assert status == 302
    assert headers["Location"] == destination
    assert 0 < int(headers[SESSION_HEADER]) <= 3600  # as long as the role credentials last
    token = params["SigninToken"]
    assert token not in first.stderr
    assert token not in first.terminal
    assert first.stderr == (
        "mfa-assume: the printed URL signs in to the AWS console (aws, us-east-1) for 15 "
        "minutes; keep it secret\n"
    )
    assert files_holding(home, token) == []

    # The same role again: the cached session, no code; another region and service
    again = console(
        f"mfa-assume console --profile {setup.mfa_profile} --print-url "
        "--region eu-west-1 --destination s3",
        codes=0,
    )
    assert again.status == 0, again.terminal + again.stderr
    assert "MFA code" not in again.terminal
    url = again.stdout.strip()
    assert login_params(url)["Destination"] == (
        "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"
    )
    assert follow(url)[0] == 302
    assert files_holding(home, login_params(url)["SigninToken"]) == []


def test_session_duration_asks_a_code_and_sets_the_console_session_length(console, setup, home):
    first = console(f"mfa-assume console --profile {setup.mfa_profile} --print-url", codes=1)
    assert first.status == 0, first.terminal + first.stderr
    # A role session from the cache or the MFA session is chained: AWS refuses
    # SessionDuration for it, so the helper assumes the role with the code directly. The
    # console session may last longer than the one-hour role allows its credentials.
    longer = console(
        f"mfa-assume console --profile {setup.mfa_profile} --print-url --session-duration 4h",
        codes=1,
    )
    assert longer.status == 0, longer.terminal + longer.stderr
    role_name = setup.role_arn.rsplit("/", 1)[1]
    note = (  # why a code, on the terminal before the prompt
        f"{role_name}: a console session of 4h needs role credentials that an MFA session "
        "cannot give (AWS accepts --session-duration only without role chaining), so this "
        "role asks for its own code"
    )
    assert note in longer.terminal, longer.terminal
    assert longer.terminal.index(note) < longer.terminal.index("MFA code for")
    assert "asks for its own code" not in first.terminal
    status, headers = follow(longer.stdout.strip())
    assert status == 302
    assert headers[SESSION_HEADER] == str(4 * 3600)


def test_inside_a_command_the_role_session_from_the_environment_signs_in(console, setup):
    run = console(
        f"mfa-assume --profile {setup.mfa_profile} -- mfa-assume console --print-url", codes=1
    )
    assert run.status == 0, run.terminal + run.stderr
    assert follow(run.stdout.strip())[0] == 302


def test_the_credential_process_profile_signs_in_with_one_code(console, setup):
    """The profile developers use every day: its credential_process (this helper) asks."""
    run = console(f"mfa-assume console --profile {setup.process_profile} --print-url", codes=1)
    assert run.status == 0, run.terminal + run.stderr
    assert follow(run.stdout.strip())[0] == 302


def test_long_term_keys_get_the_clear_message(console):
    run = console("mfa-assume console --profile default --print-url", codes=0)
    assert run.status == EXIT_CANNOT_SIGN_IN
    assert run.stdout == ""
    assert run.stderr == (
        "mfa-assume: profile 'default' holds long-term access keys, which AWS does not let "
        "sign in to the console (only role sessions and federation tokens can); use a role "
        "profile: mfa-assume console --profile ROLE_PROFILE\n"
    )


def mfa_session(local_aws: LocalAwsEnv, developer: Developer) -> Credentials:
    sts = local_aws.client("sts", developer.credentials)
    answer = sts.get_session_token(
        SerialNumber=developer.mfa_serial, TokenCode=local_aws.fresh_totp(developer)
    )["Credentials"]
    return Credentials(answer["AccessKeyId"], answer["SecretAccessKey"], answer["SessionToken"])


def test_an_mfa_sessions_credentials_get_the_clear_message(console, local_aws, setup):
    creds = mfa_session(local_aws, setup.developer)
    session_env = {
        "AWS_ACCESS_KEY_ID": creds.access_key_id,
        "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
        "AWS_SESSION_TOKEN": str(creds.session_token),
    }
    run = console("mfa-assume console --print-url", codes=0, extra_env=session_env)
    assert run.status == EXIT_CANNOT_SIGN_IN, run.stderr
    assert run.stdout == ""
    assert run.stderr.startswith(
        "mfa-assume: the temporary credentials of the environment / default profile are an "
        "MFA session (GetSessionToken, caller arn:aws:iam::"
    )
    assert run.stderr.count("\n") == 1


BROWSER = """\
#!{python}
import html, re, sys, urllib.error, urllib.request
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
# the helper gives a private page (file://) that sends the browser on to the sign-in URL
page = open(sys.argv[1].removeprefix("file://")).read()
url = html.unescape(re.search(r'http-equiv="refresh" content="0;url=([^"]+)"', page)[1])
try:
    urllib.request.build_opener(NoRedirect).open(url, timeout=10)
    status, location = "no redirect", ""
except urllib.error.HTTPError as answer:
    status, location = answer.code, answer.headers["Location"]
with open({result!r}, "w") as result:
    result.write(f"{{status}} {{location}}")
"""


def test_the_browser_opens_the_url_and_lands_on_the_destination(console, setup, tmp_path):
    result = tmp_path / "browser-saw"
    browser = tmp_path / "browser"
    browser.write_text(BROWSER.format(python=sys.executable, result=str(result)))
    browser.chmod(0o700)
    run = console(
        f"mfa-assume console --profile {setup.mfa_profile} --destination cloudformation",
        codes=1,
        extra_env={"BROWSER": str(browser)},
    )
    assert run.status == 0, run.terminal + run.stderr
    assert run.stdout == ""
    assert run.stderr == ("mfa-assume: opened the AWS console (aws, us-east-1) in your browser\n")
    assert result.read_text() == (
        "302 https://us-east-1.console.aws.amazon.com/cloudformation/home?region=us-east-1"
    )


# ----------------------------------------------------------- the local AWS's endpoint itself


def get_token(local_aws: LocalAwsEnv, creds: Credentials, duration: int | None) -> int:
    session = json.dumps(
        {
            "sessionId": creds.access_key_id,
            "sessionKey": creds.secret_access_key,
            "sessionToken": creds.session_token or "",
        }
    )
    params = {"Action": "getSigninToken", "Session": session}
    if duration is not None:
        params["SessionDuration"] = str(duration)
    url = f"{local_aws.endpoint_url}/federation?{urllib.parse.urlencode(params)}"
    return follow(url)[0]


def role_session(local_aws: LocalAwsEnv, setup: Setup, signer: Credentials) -> Credentials:
    sts = local_aws.client("sts", signer)
    extra = (
        {}
        if signer.session_token
        else {
            "SerialNumber": setup.developer.mfa_serial,
            "TokenCode": local_aws.fresh_totp(setup.developer),
        }
    )
    answer = sts.assume_role(
        RoleArn=setup.role_arn, RoleSessionName=DEVELOPER, SourceIdentity=DEVELOPER, **extra
    )["Credentials"]
    return Credentials(answer["AccessKeyId"], answer["SecretAccessKey"], answer["SessionToken"])


def test_the_local_federation_endpoint_follows_awss_rules(local_aws, setup):
    developer = setup.developer
    direct = role_session(local_aws, setup, developer.credentials)
    chained = role_session(local_aws, setup, mfa_session(local_aws, developer))
    assert get_token(local_aws, direct, None) == 200
    assert get_token(local_aws, direct, 900) == 200
    assert get_token(local_aws, direct, 43_200) == 200
    assert get_token(local_aws, direct, 899) == 400  # SessionDuration: 900 to 43200
    assert get_token(local_aws, direct, 43_201) == 400
    assert get_token(local_aws, chained, None) == 200
    assert get_token(local_aws, chained, 3600) == 400  # chained: no SessionDuration
    assert get_token(local_aws, developer.credentials, None) == 400  # long-term keys
    assert get_token(local_aws, mfa_session(local_aws, developer), None) == 400
    wrong = Credentials(direct.access_key_id, "wrong-secret", direct.session_token)
    assert get_token(local_aws, wrong, None) == 400


def test_a_sign_in_token_expires_after_15_minutes(local_aws, setup, needs_clock):
    creds = role_session(local_aws, setup, setup.developer.credentials)
    session = json.dumps(
        {
            "sessionId": creds.access_key_id,
            "sessionKey": creds.secret_access_key,
            "sessionToken": creds.session_token,
        }
    )
    query = urllib.parse.urlencode({"Action": "getSigninToken", "Session": session})
    with urllib.request.urlopen(f"{local_aws.endpoint_url}/federation?{query}", timeout=10) as got:
        token = json.loads(got.read())["SigninToken"]
    login = urllib.parse.urlencode(
        {
            "Action": "login",
            "Destination": "https://console.aws.amazon.com/",
            "SigninToken": token,
        }
    )
    url = f"{local_aws.endpoint_url}/federation?{login}"
    assert follow(url)[0] == 302
    local_aws.advance_clock(15 * 60 + 1)
    assert follow(url)[0] == 400
    unknown = url.replace(urllib.parse.quote_plus(token), "not-a-token")
    assert follow(unknown)[0] == 400
