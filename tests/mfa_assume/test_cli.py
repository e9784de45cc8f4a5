from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from mfa_assume import cache, cli, files, options, output
from mfa_assume.errors import ExitCode, HelperError
from mfa_assume.request import Options, build_request

from .conftest import (
    PROFILE,
    SERIAL,
    TEMP_SECRET,
    TEMP_TOKEN,
    CodeTyped,
    assume_params,
    make_creds,
)


class Run:
    """One ``cli.main`` call with its exit code and captured output."""

    def __init__(self, argv, deps, runner=cli.run_command) -> None:
        out = io.StringIO()
        self.deps = deps
        self.code = cli.main(argv, deps, stdout=out.write, runner=runner)
        self.stdout = out.getvalue()
        self.stderr = deps.stderr.getvalue()


def seed_cache(env: dict[str, str]) -> dict[str, str]:
    request = build_request(Options(profile=PROFILE), env)
    key = cache.key_for(request.cache_key_parts(env))
    cache.store(cache.entry_path(cache.cache_dir(env), key), make_creds())
    return env


@pytest.fixture
def cached_env(aws_home):
    """A HOME with the stack's profile and a valid cache entry for it."""
    return seed_cache(aws_home())


PRE_CALL_CASES = [
    (["--token-code", "12345"], "MFA code has 5 digits; expected the six digits"),
    (["--token-code", "12e456"], "MFA code contains characters other than digits"),
    (
        ["--serial-number", "arn:aws:iam::123456789012:user/alice"],
        "is an IAM user ARN, not an MFA device; expected a device ARN such as "
        "arn:aws:iam::123456789012:mfa/alice",
    ),
    (["--duration-seconds", "14m"], "out of range; expected 900 to 43200 seconds (15m to 12h)"),
    (["--duration-seconds", "43201"], "out of range; expected 900 to 43200 seconds"),
    (
        ["--role-arn", "arn:aws:iam::123456789012:PowerUser"],
        "role ARN 'arn:aws:iam::123456789012:PowerUser' is malformed",
    ),
    (["--role-session-name", "a b"], "role session name 'a b' is not valid"),
    (["--source-identity", "x"], "source identity 'x' is not valid"),
    (["--profile", "nope"], "profile 'nope' not found"),
    (["--write-profile", "a b"], "profile name 'a b' is not valid"),
    (
        [
            "--",
        ],
        "nothing to run after --",
    ),
]


@pytest.mark.parametrize(
    ("argv", "message"),
    PRE_CALL_CASES,
    ids=[
        "short-token",
        "letter-token",
        "user-arn-serial",
        "duration-too-short",
        "duration-too-long",
        "malformed-role",
        "bad-session-name",
        "bad-source-identity",
        "unknown-profile",
        "bad-write-profile",
        "empty-command",
    ],
)
def test_pre_call_check_exits_2_with_one_line_and_no_aws_client(aws_home, make_deps, argv, message):
    deps = make_deps(aws_home())
    run = Run(["--refresh", "--profile", PROFILE, *argv], deps)
    assert run.code == ExitCode.INVALID_INPUT
    assert run.stderr == f"mfa-assume: {run.stderr.removeprefix('mfa-assume: ').strip()}\n"
    assert message in run.stderr
    assert run.stdout == ""
    assert deps.make_clients.calls == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--bogus"], "unrecognized arguments: --bogus; see mfa-assume --help"),
        (["--format", "xml"], "argument --format: invalid choice: 'xml'"),
        (["--profile"], "argument --profile: expected one argument"),
    ],
    ids=["unknown-flag", "bad-choice", "missing-value"],
)
def test_usage_error_is_one_line_with_exit_2(aws_home, make_deps, argv, message):
    deps = make_deps(aws_home())
    run = Run(argv, deps)
    assert run.code == ExitCode.INVALID_INPUT
    assert run.stderr.startswith(f"mfa-assume: {message}")
    assert run.stderr.count("\n") == 1
    assert "usage:" not in run.stderr
    assert deps.make_clients.calls == []


@pytest.mark.parametrize("value", ["-5m", "-900", ""], ids=["minus-5m", "minus-900", "empty"])
def test_duration_value_starting_with_a_dash_or_empty_gets_the_helpers_message(
    aws_home, make_deps, value
):
    deps = make_deps(aws_home())
    run = Run(["--profile", PROFILE, "--duration-seconds", value], deps)
    assert run.code == ExitCode.INVALID_INPUT
    assert run.stderr.startswith(f"mfa-assume: duration {value!r} ")
    assert run.stderr.count("\n") == 1
    assert deps.make_clients.calls == []


def test_help_still_prints_usage_and_exits_0(capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main(["--help"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.startswith("usage: mfa-assume")


@pytest.mark.parametrize("fmt", output.FORMATS)
def test_each_format_is_printed_from_the_cache(cached_env, make_deps, fmt):
    deps = make_deps(cached_env)
    run = Run(["--profile", PROFILE, "--format", fmt], deps)
    assert (run.code, run.stderr) == (0, "")
    assert run.stdout == output.render(make_creds(), fmt)
    assert deps.make_clients.calls == []


def test_default_format_is_shell_exports_and_aws_profile_is_enough(cached_env, make_deps):
    run = Run([], make_deps({**cached_env, "AWS_PROFILE": PROFILE}))
    assert run.stdout == output.render(make_creds(), "env")


def test_write_profile_saves_and_prints_no_secret(cached_env, make_deps):
    run = Run(["--profile", PROFILE, "--write-profile", "alice-temp"], make_deps(cached_env))
    assert (run.code, run.stdout) == (0, "")
    assert "wrote profile [alice-temp] to" in run.stderr
    assert TEMP_SECRET not in run.stderr
    written = Path(cached_env["HOME"], ".aws", "credentials").read_text()
    assert "[alice-temp]\naws_access_key_id = ASIATEMPORARYKEY0001\n" in written
    assert f"aws_secret_access_key = {TEMP_SECRET}\n" in written
    assert written.startswith("[default]\n")


def test_write_profile_honours_shared_credentials_file_and_explicit_format(
    aws_home, make_deps, tmp_path
):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text(
        "[default]\naws_access_key_id = TESTKEYIDELSEWHERE01\naws_secret_access_key = s\n"
    )
    env = seed_cache(aws_home(AWS_SHARED_CREDENTIALS_FILE=str(elsewhere)))
    run = Run(["--profile", PROFILE, "--write-profile", "t", "--format", "json"], make_deps(env))
    assert json.loads(run.stdout)["SessionToken"] == TEMP_TOKEN
    assert "[t]\naws_access_key_id = ASIATEMPORARYKEY0001\n" in elsewhere.read_text()


def test_command_runs_with_the_credentials_and_its_exit_code_passes_through(cached_env, make_deps):
    check = (
        "import os, sys; e = os.environ; "
        f"ok = e['AWS_SESSION_TOKEN'] == {TEMP_TOKEN!r} and 'AWS_PROFILE' not in e; "
        "sys.exit(42 if ok else 1)"
    )
    env = {**cached_env, "AWS_PROFILE": PROFILE, "PATH": "/usr/bin:/bin"}
    run = Run(["--", sys.executable, "-c", check], make_deps(env))
    assert (run.code, run.stdout, run.stderr) == (42, "", "")


def test_command_killed_by_a_signal_gives_128_plus_the_signal(cached_env, make_deps):
    kill = "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"
    run = Run(["--profile", PROFILE, "--", sys.executable, "-c", kill], make_deps(cached_env))
    assert run.code == 128 + 15


def test_missing_command_exits_127(cached_env, make_deps):
    run = Run(["--profile", PROFILE, "--", "/nonexistent/tool"], make_deps(cached_env))
    assert run.code == ExitCode.COMMAND_NOT_FOUND
    assert run.stderr == "mfa-assume: command not found: /nonexistent/tool\n"


def test_non_executable_command_exits_126(cached_env, make_deps, tmp_path):
    script = tmp_path / "tool"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o644)
    run = Run(["--profile", PROFILE, "--", str(script)], make_deps(cached_env))
    assert run.code == ExitCode.COMMAND_NOT_EXECUTABLE


def test_interrupt_exits_130(cached_env, make_deps):
    def interrupted(command, env):
        raise KeyboardInterrupt

    run = Run(["--profile", PROFILE, "--", "x"], make_deps(cached_env), runner=interrupted)
    assert (run.code, run.stderr) == (130, "mfa-assume: interrupted\n")


def test_unwritable_credentials_file_exits_11(cached_env, make_deps, monkeypatch):
    def full_disk(path, text):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, "write_private_file", full_disk)
    run = Run(["--profile", PROFILE, "--write-profile", "t"], make_deps(cached_env))
    assert run.code == ExitCode.LOCAL_WRITE
    assert run.stderr.endswith("/.aws/credentials: No space left on device\n")


def test_prompted_session_then_json_for_credential_process(aws_home, stubs, make_deps):
    stubs.identity()
    stubs.assume(assume_params(TokenCode="246810"))
    tty = CodeTyped("246810")
    deps = make_deps(aws_home(), stubs.factory, tty=tty)
    run = Run(["--profile", PROFILE, "--format", "json"], deps)
    assert run.code == 0
    assert json.loads(run.stdout)["Version"] == 1
    assert tty.asked == [SERIAL]
    assert "MFA code" not in run.stdout + run.stderr


def test_aws_error_exits_with_its_code_and_no_secret(aws_home, stubs, make_deps):
    stubs.identity()
    stubs.sts.add_client_error(
        "assume_role",
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
        403,
    )
    run = Run(
        ["--profile", PROFILE, "--token-code", "975310"], make_deps(aws_home(), stubs.factory)
    )
    assert run.code == ExitCode.MFA_REJECTED
    assert run.stderr.count("\n") == 1
    assert "975310" not in run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout == ""


def argparse_options(argv: list[str]) -> dict[str, object]:
    p = options.parser()
    return vars(p.parse_args(options.attach_dash_values(argv, p)))


def one_of_each(kind: str) -> list[list[str]]:
    """One argv per option of ``kind`` in options.OPTIONS: a new option is covered at once."""
    cases = []
    for flag, settings in options.OPTIONS:
        if kind == "switch" and settings.get("action") == "store_true":
            cases.append([flag])
        elif kind == "value" and "action" not in settings:
            cases.append([flag, settings.get("choices", ["some-value"])[-1]])
        elif kind == "append" and settings.get("action") == "append":
            cases.append([flag, "a=1", flag, "b=2"])
    return cases


FAST_CASES = {
    "nothing": [],
    "credential_process": ["--profile", "alice-power-user-mfa", "--format", "json"],
    "format first": ["--format", "json", "--profile", "p"],
    "last one wins": ["--profile", "a", "--profile", "b", "--format", "env", "--format", "json"],
    "code on stdin": ["--token-code", "-", "--profile", "p"],
    "empty value": ["--profile", ""],
    "value with spaces": ["--role-session-name", "alice smith"],
    "switches twice": ["--refresh", "--no-mfa", "--refresh", "--no-mfa-session"],
    "everything": [
        *("--role-arn", "arn:aws:iam::123456789012:role/R", "--role-session-name", "s"),
        *("--serial-number", "GAHT12345678", "--token-code", "123456"),
        *("--duration-seconds", "1h", "--source-identity", "alice", "--region", "eu-west-1"),
        *("--format", "dotenv", "--write-profile", "tmp", "--refresh", "--no-mfa"),
    ],
}
FAST_CASES.update(
    {
        " ".join(argv): argv
        for argv in one_of_each("value") + one_of_each("switch") + one_of_each("append")
    }
)
FAST_CASES["tag with the profile"] = ["--profile", "p", "--tag", "team=blue", "--format", "json"]
FAST_CASES.update({f"--format {fmt}": ["--format", fmt] for fmt in output.FORMATS})


@pytest.mark.parametrize("argv", FAST_CASES.values(), ids=FAST_CASES.keys())
def test_fast_options_read_what_argparse_reads(argv):
    fast = options.fast_options(argv)
    assert fast is not None
    assert vars(fast) == argparse_options(argv)


LEFT_TO_ARGPARSE = {
    "abbreviation": ["--prof", "p"],
    "equals sign": ["--profile=p", "--format", "json"],
    "dash value": ["--duration-seconds", "-5m"],
    "option as value": ["--profile", "--refresh"],
    "tag without value": ["--tag"],
    "positional": ["p"],
    "short flag": ["-h"],
}


@pytest.mark.parametrize("argv", LEFT_TO_ARGPARSE.values(), ids=LEFT_TO_ARGPARSE.keys())
def test_other_argv_is_left_to_argparse_and_parsed_by_it(argv):
    assert options.fast_options(argv) is None
    try:
        expected = argparse_options(argv)
    except (SystemExit, HelperError) as exc:
        with pytest.raises(type(exc)):
            options.parse_options(argv)
    else:
        assert vars(options.parse_options(argv)) == expected


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format", "yaml"], "argument --format: invalid choice: 'yaml'"),
        (["--profile"], "argument --profile: expected one argument"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
    ids=["bad choice", "missing value", "unknown flag"],
)
def test_usage_errors_come_from_argparse(argv, message):
    assert options.fast_options(argv) is None
    with pytest.raises(HelperError, match=message) as caught:
        options.parse_options(argv)
    assert caught.value.code == ExitCode.INVALID_INPUT


def test_fast_options_give_way_to_argparse_for_an_option_they_cannot_read(monkeypatch):
    counted = (*options.OPTIONS, ("--verbose", {"action": "count"}))
    monkeypatch.setattr(
        options, "_FAST", {f: (f[2:], options._fast_kind(s), s) for f, s in counted}
    )
    assert options.fast_options(["--profile", "p"]) is None


def test_the_helpers_modules_import_no_circle():
    """No module reaches itself through the imports of the helper's modules, those inside
    functions included (cli.py and console_cli.py once imported each other)."""
    import ast
    from pathlib import Path

    import mfa_assume

    root = Path(mfa_assume.__file__).parent
    graph: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        parts = ("mfa_assume", *path.relative_to(root).with_suffix("").parts)
        name = ".".join(parts).removesuffix(".__init__")
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "mfa_assume":
                found |= {f"mfa_assume.{alias.name}" for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mfa_assume."):
                found.add(str(node.module))
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("mfa_assume.")}
        graph[name] = found
    assert "mfa_assume.options" in graph["mfa_assume.console_cli"]

    def reaches(start: str, goal: str) -> bool:
        seen: set[str] = set()
        todo = list(graph.get(start, set()))
        while todo:
            name = todo.pop()
            if name == goal:
                return True
            if name not in seen:
                seen.add(name)
                todo.extend(graph.get(name, set()))
        return False

    circles = sorted(name for name in graph if reaches(name, name))
    assert circles == []
