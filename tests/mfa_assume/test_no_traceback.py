"""No traceback, ever: each bad setup ends the real entry point with one line and its code.

Every case runs ``python -m mfa_assume`` (what the console script runs) as a separate process
with a temporary HOME.
``AWS_ENDPOINT_URL`` points at a closed port, so a run that got as far as an AWS call would
end with exit 10: the cases that must fail before any call show exit 2 (or 4) instead.
Cases that need a successful session use the local moto server.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from mfa_assume import cache
from mfa_assume.credentials import Credentials
from mfa_assume.request import Options, build_request

from .conftest import DEFAULT_CREDENTIALS, PROFILE, ROLE, STACK_CONFIG

ENTRY = [sys.executable, "-m", "mfa_assume"]
CLOSED_PORT = "http://127.0.0.1:9"
ROLE_PROFILE = f"[profile r]\nrole_arn = {ROLE}\nsource_profile = default\n"
TIMEOUT = 60  # seconds; a run that hangs (a FIFO in the cache) fails instead of blocking


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "home" / ".aws").mkdir(parents=True)
    return tmp_path / "home"


def environment(home: Path, config: str, credentials: str, **extra: str) -> dict[str, str]:
    (home / ".aws" / "config").write_text(config)
    creds = home / ".aws" / "credentials"
    if not creds.is_symlink():
        creds.write_text(credentials)
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    for name in ("PYTHONPATH", "XDG_CACHE_HOME", "MFA_ASSUME_ACTIVE"):
        base.pop(name, None)
    return {**base, "HOME": str(home), "AWS_ENDPOINT_URL": CLOSED_PORT, **extra}


def run(
    args: list[str], env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ENTRY, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
        timeout=TIMEOUT,
    )


def assert_one_line(done: subprocess.CompletedProcess[str], code: int, message: str) -> None:
    assert "Traceback" not in done.stderr
    assert (done.returncode, done.stderr.count("\n")) == (code, 1), done.stderr
    assert done.stderr.startswith(f"mfa-assume: {message}"), done.stderr


HELPER_SOURCE = (
    f"[profile a]\nrole_arn = {ROLE}\nsource_profile = b\n"
    f"[profile b]\ncredential_process = {' '.join(ENTRY)} --profile x --format json\n"
    f"[profile x]\nrole_arn = {ROLE}\nsource_profile = default\n"
)
CASES = [
    # 1. region
    pytest.param(
        ["--profile", "r", "--region", "us east"],
        ROLE_PROFILE,
        DEFAULT_CREDENTIALS,
        {},
        2,
        "region 'us east' (from --region) is not a region name;",
        id="1-region-flag-space",
    ),
    pytest.param(
        ["--profile", "r", "--region", "../x"],
        ROLE_PROFILE,
        DEFAULT_CREDENTIALS,
        {},
        2,
        "region '../x' (from --region) is not a region name;",
        id="1-region-flag-path",
    ),
    pytest.param(
        ["--profile", "r"],
        ROLE_PROFILE + "region = us east\n",
        DEFAULT_CREDENTIALS,
        {},
        2,
        "region 'us east' (region of profile 'r') is not a region name;",
        id="1-region-profile",
    ),
    pytest.param(
        ["--profile", "r"],
        ROLE_PROFILE,
        DEFAULT_CREDENTIALS,
        {"AWS_DEFAULT_REGION": "a/b"},
        2,
        "region 'a/b' (from AWS_DEFAULT_REGION) is not a region name;",
        id="1-region-env",
    ),
    # 2. endpoint URL
    *(
        pytest.param(
            ["--profile", "r"],
            ROLE_PROFILE,
            DEFAULT_CREDENTIALS,
            {variable: url},
            2,
            f"{variable} {url!r} is not an endpoint URL;",
            id=f"2-{variable}-{url}",
        )
        for variable in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS")
        for url in ("not a url", "ftp://x", "http://")
    ),
    # 3. source_profile loops
    pytest.param(
        ["--profile", "a"],
        f"[profile a]\nrole_arn = {ROLE}\nsource_profile = b\n"
        f"[profile b]\nrole_arn = {ROLE}\nsource_profile = a\n",
        DEFAULT_CREDENTIALS,
        {},
        2,
        "source_profile loop: a -> b -> a;",
        id="3-loop-of-two",
    ),
    pytest.param(
        ["--profile", "a"],
        f"[profile a]\nrole_arn = {ROLE}\nsource_profile = b\n"
        f"[profile b]\nrole_arn = {ROLE}\nsource_profile = c\n"
        f"[profile c]\nrole_arn = {ROLE}\nsource_profile = b\n",
        DEFAULT_CREDENTIALS,
        {},
        2,
        "source_profile loop: a -> b -> c -> b;",
        id="3-loop-further-down",
    ),
    # 4. access key without its secret, and the reverse
    pytest.param(
        ["--profile", "r"],
        ROLE_PROFILE,
        "[default]\naws_access_key_id = K\n",
        {},
        4,
        "profile 'default' in ",
        id="4-key-without-secret",
    ),
    pytest.param(
        ["--profile", "r"],
        ROLE_PROFILE,
        "[default]\naws_secret_access_key = S\n",
        {},
        4,
        "profile 'default' in ",
        id="4-secret-without-key",
    ),
    pytest.param(
        ["--role-arn", ROLE],
        "",
        "",
        {"AWS_ACCESS_KEY_ID": "K"},
        4,
        "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not;",
        id="4-env-key-only",
    ),
    # 5. duplicates in the files
    pytest.param(
        ["--profile", "r"],
        ROLE_PROFILE + "[profile r]\nregion = us-east-1\n",
        DEFAULT_CREDENTIALS,
        {},
        2,
        "",
        id="5-duplicate-section",
    ),
    pytest.param(
        ["--profile", "r"],
        ROLE_PROFILE + f"role_arn = {ROLE}\n",
        DEFAULT_CREDENTIALS,
        {},
        2,
        "",
        id="5-duplicate-key",
    ),
    # 8. a role path IAM (and the configuration) accepts
    pytest.param(
        ["--profile", "r", "--token-code", "123456"],
        ROLE_PROFILE.replace("role/developers/", "role/team#1/"),
        DEFAULT_CREDENTIALS,
        {},
        10,
        f"cannot reach {CLOSED_PORT}",
        id="8-role-path-with-hash-passes-the-checks",
    ),
    # 9. duration and usage errors
    pytest.param(
        ["--profile", "r", "--duration-seconds", ""],
        ROLE_PROFILE,
        DEFAULT_CREDENTIALS,
        {},
        2,
        "duration '' is empty;",
        id="9-empty-duration",
    ),
    pytest.param(
        ["--profile", "r", "--duration-seconds", "-5m"],
        ROLE_PROFILE,
        DEFAULT_CREDENTIALS,
        {},
        2,
        "duration '-5m' is not understood;",
        id="9-dash-duration",
    ),
    pytest.param(
        ["--bogus"],
        ROLE_PROFILE,
        DEFAULT_CREDENTIALS,
        {},
        2,
        "unrecognized arguments: --bogus; see mfa-assume --help",
        id="9-unknown-flag",
    ),
    pytest.param(
        ["--format", "xml"],
        ROLE_PROFILE,
        DEFAULT_CREDENTIALS,
        {},
        2,
        "argument --format: invalid choice: 'xml'",
        id="9-bad-choice",
    ),
    # 12. a source profile that runs this helper
    pytest.param(
        ["--profile", "a", "--token-code", "123456"],
        HELPER_SOURCE,
        DEFAULT_CREDENTIALS,
        {},
        2,
        "profile 'b' gets its credentials from this helper (credential_process loop);",
        id="12-source-profile-is-a-helper-profile",
    ),
    pytest.param(
        ["--profile", "a"],
        HELPER_SOURCE.replace(" ".join(ENTRY), "mfa-assume"),
        DEFAULT_CREDENTIALS,
        {},
        2,
        "profile 'b' gets its credentials from this helper (credential_process loop);",
        id="12-source-profile-runs-mfa-assume",
    ),
    # 9. session tags (--tag, session_tags): STS's rules, before any AWS call
    *(
        pytest.param(
            ["--profile", "r", *args],
            ROLE_PROFILE + extra_line,
            DEFAULT_CREDENTIALS,
            {},
            2,
            message,
            id=f"9-tags-{name}",
        )
        for name, args, extra_line, message in (
            ("no-equals", ["--tag", "team"], "", "session tag 'team' from --tag has no '='"),
            ("empty-key", ["--tag", "=x"], "", "session tag key '' from --tag has 0 characters"),
            (
                "long-key",
                ["--tag", "k" * 129 + "=x"],
                "",
                f"session tag key '{'k' * 129}' from --tag has 129 characters",
            ),
            (
                "long-value",
                ["--tag", "k=" + "v" * 257],
                "",
                "session tag 'k' from --tag has a value of 257 characters",
            ),
            ("bad-char", ["--tag", "k=a;b"], "", "session tag value 'a;b' from --tag contains ';'"),
            (
                "case-duplicate",
                ["--tag", "Team=a", "--tag", "team=b"],
                "",
                "session tag key 'team' in all (--tag and session_tags) repeats 'Team'",
            ),
            (
                "fifty-one",
                [arg for i in range(51) for arg in ("--tag", f"k{i}=v")],
                "",
                "51 session tags in all",
            ),
            (
                "profile-empty-entry",
                [],
                "session_tags = a=1,,b=2\n",
                "session_tags in profile 'r' has an empty entry",
            ),
            (
                "profile-bad-char",
                [],
                "session_tags = a=1,b=c!d\n",
                "session tag value 'c!d' in profile 'r' contains '!'",
            ),
        )
    ),
    # 9. mfa-assume setup: refused before any AWS call (the closed port would give exit 10)
    pytest.param(
        ["setup", "--principal", "alice"],
        "",
        DEFAULT_CREDENTIALS,
        {},
        2,
        "--principal 'alice' is not an IAM principal ARN;",
        id="9-setup-principal",
    ),
    pytest.param(
        ["setup", "--from", "/no/such/profiles.ini"],
        "",
        DEFAULT_CREDENTIALS,
        {},
        2,
        "/no/such/profiles.ini does not exist or is empty",
        id="9-setup-missing-file",
    ),
    pytest.param(
        ["setup", "--from", "/etc/passwd", "--principal", "arn:aws:iam::210987654321:user/a"],
        "",
        DEFAULT_CREDENTIALS,
        {},
        2,
        "/etc/passwd has no '# mfa-assume-setup:' lines",
        id="9-setup-not-synthesized",
    ),
    pytest.param(
        ["setup", "--frm", "x"],
        "",
        DEFAULT_CREDENTIALS,
        {},
        2,
        "unrecognized arguments: --frm x; see mfa-assume setup --help",
        id="9-setup-unknown-option",
    ),
    pytest.param(
        ["setup"],
        "",
        "",
        {"AWS_ACCESS_KEY_ID": "TESTKEYIDENVIRONMENT", "AWS_SECRET_ACCESS_KEY": "env-secret"},
        4,
        "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are set but ignored for a profile",
        id="9-setup-environment-keys",
    ),
]


@pytest.mark.parametrize(("args", "config", "credentials", "extra", "code", "message"), CASES)
def test_bad_setup_ends_with_one_line_and_its_exit_code(
    home, args, config, credentials, extra, code, message
):
    done = run(args, environment(home, config, credentials, **extra))
    assert_one_line(done, code, message)
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("config", "where"),
    [
        (
            ROLE_PROFILE + "[profile r]\nregion = us-east-1\n",
            "line 4: section [profile r] appears twice",
        ),
        (ROLE_PROFILE + f"role_arn = {ROLE}\n", "line 4: role_arn is set twice in [profile r]"),
    ],
    ids=["section", "key"],
)
def test_duplicate_in_the_config_names_the_file_and_line(home, config, where):
    done = run(["--profile", "r"], environment(home, config, DEFAULT_CREDENTIALS))
    assert_one_line(done, 2, f"{home}/.aws/config {where};")


# 6. cache entries that are not files of ours


def entry_for(env: dict[str, str]) -> Path:
    request = build_request(Options(profile=PROFILE), env)
    key = cache.key_for(request.cache_key_parts(env))
    return Path(cache.entry_path(cache.cache_dir(env), key))


def make_entry(path: Path, kind: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if kind == "directory":
        path.mkdir(mode=0o700)
    elif kind == "fifo":
        os.mkfifo(path, 0o600)
    else:
        data = {
            "deep-json": "[" * 100_000 + "]" * 100_000,
            "huge": json.dumps({"Version": 1, "x": "a" * 10_000_000}),
        }[kind]
        path.write_text(data)
        path.chmod(0o600)


@pytest.mark.parametrize("kind", ["fifo", "deep-json", "huge"])
def test_unusable_cache_entry_is_a_miss_then_replaced(home, moto_endpoint, kind):
    env = environment(home, STACK_CONFIG, DEFAULT_CREDENTIALS, AWS_ENDPOINT_URL=moto_endpoint)
    path = entry_for(env)
    make_entry(path, kind)
    done = run(["--profile", PROFILE, "--token-code", "123456", "--format", "json"], env)
    assert (done.returncode, done.stderr) == (0, "")
    assert stat.S_ISREG(path.lstat().st_mode)
    assert json.loads(path.read_text())["AccessKeyId"] == json.loads(done.stdout)["AccessKeyId"]


def test_cache_entry_that_is_a_directory_gives_a_warning_and_still_succeeds(home, moto_endpoint):
    env = environment(home, STACK_CONFIG, DEFAULT_CREDENTIALS, AWS_ENDPOINT_URL=moto_endpoint)
    make_entry(entry_for(env), "directory")
    done = run(["--profile", PROFILE, "--token-code", "123456", "--format", "json"], env)
    assert done.returncode == 0
    assert "Traceback" not in done.stderr
    assert done.stderr == "mfa-assume: warning: credentials not cached (Is a directory)\n"
    assert json.loads(done.stdout)["AccessKeyId"].startswith("ASIA")


def test_fifo_cache_entry_does_not_hang_without_aws(home):
    env = environment(home, STACK_CONFIG, DEFAULT_CREDENTIALS)
    make_entry(entry_for(env), "fifo")
    done = run(["--profile", PROFILE, "--token-code", "123456"], env)
    assert_one_line(done, 10, f"cannot reach {CLOSED_PORT}")


# 7. profile selection: botocore's order, and the cached session of the right caller


def seed(env: dict[str, str], profile: str, token: str) -> None:
    request = build_request(Options(profile=profile), env)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    creds = Credentials(f"ASIA{token}", "secret", token, later)
    cache.store(
        cache.entry_path(cache.cache_dir(env), cache.key_for(request.cache_key_parts(env))), creds
    )


TWO_ROLES = (
    f"[profile role-one]\nrole_arn = {ROLE}\nsource_profile = one\n"
    f"[profile role-two]\nrole_arn = {ROLE}\nsource_profile = two\n"
)
TWO_BASES = (
    "[one]\naws_access_key_id = TESTKEYIDPROFILEONE1\naws_secret_access_key = s1\n"
    "[two]\naws_access_key_id = TESTKEYIDPROFILETWO2\naws_secret_access_key = s2\n"
)


@pytest.mark.parametrize(
    ("args", "extra", "token"),
    [
        (["--profile", "role-two"], {"AWS_PROFILE": "role-one"}, "TWO"),
        ([], {"AWS_PROFILE": "role-two"}, "TWO"),
        ([], {"AWS_DEFAULT_PROFILE": "role-one", "AWS_PROFILE": "role-two"}, "ONE"),
        (
            ["--profile", "role-one"],
            {"AWS_ACCESS_KEY_ID": "TESTKEYIDENVIRONMENT", "AWS_SECRET_ACCESS_KEY": "s"},
            "ONE",
        ),
    ],
    ids=["flag-first", "aws-profile", "aws-default-profile-first", "env-keys-ignored"],
)
def test_each_profile_gets_its_own_cached_session(home, args, extra, token):
    env = environment(home, TWO_ROLES, TWO_BASES)
    seed(env, "role-one", "ONE")
    seed(env, "role-two", "TWO")
    done = run([*args, "--format", "json"], {**env, **extra})
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout)["SessionToken"] == token


# 10. XDG_CACHE_HOME


def test_relative_xdg_cache_home_is_ignored(home, tmp_path, moto_endpoint):
    env = environment(
        home,
        STACK_CONFIG,
        DEFAULT_CREDENTIALS,
        AWS_ENDPOINT_URL=moto_endpoint,
        XDG_CACHE_HOME="relative-cache",
    )
    workdir = tmp_path / "work"
    workdir.mkdir()
    done = run(["--profile", PROFILE, "--token-code", "123456", "--format", "json"], env, workdir)
    assert (done.returncode, done.stderr) == (0, "")
    assert list(workdir.iterdir()) == []
    assert len(list((home / ".cache" / "mfa-assume").glob("*.json"))) == 1


# 11. --write-profile through a symbolic link


def test_write_profile_follows_a_symlinked_credentials_file(home, tmp_path, moto_endpoint):
    target = tmp_path / "dotfiles" / "aws-credentials"
    target.parent.mkdir()
    target.write_text(DEFAULT_CREDENTIALS)
    target.chmod(0o644)
    link = home / ".aws" / "credentials"
    link.symlink_to(target)
    env = environment(home, STACK_CONFIG, "", AWS_ENDPOINT_URL=moto_endpoint)
    done = run(["--profile", PROFILE, "--token-code", "123456", "--write-profile", "tmp"], env)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith(f"mfa-assume: wrote profile [tmp] to {link}")
    assert "Traceback" not in done.stderr
    assert link.is_symlink()
    assert link.resolve() == target
    assert target.read_text().startswith(DEFAULT_CREDENTIALS)
    assert "[tmp]\naws_access_key_id = ASIA" in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
