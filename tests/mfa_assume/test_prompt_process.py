"""The ``mfa_process`` code source, run against small real scripts."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

from mfa_assume import flow
from mfa_assume.errors import ExitCode, HelperError, InputError
from mfa_assume.prompt import process, terminal
from mfa_assume.request import Options, build_request

from .conftest import PROFILE, ROLE, SERIAL, STACK_CONFIG, CodeTyped
from .test_assume_role import ENTRY, run

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell scripts")

CODE = "123456"
LABEL = f"mfa_process of profile {PROFILE!r}"
WAIT = 10.0  # bound on the test's own waits for a script; never reached when all is well


@pytest.fixture
def script(tmp_path):
    """Factory: an executable ``/bin/sh`` script in tmp_path; returns its path as a string."""

    def make(body: str, name: str = "mfa-code", executable: bool = True) -> str:
        path = tmp_path / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755 if executable else 0o644)
        return str(path)

    return make


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, **extra}


def code_from(command: str, **extra: str) -> str:
    return process.source(command, env(**extra), profile=PROFILE)(SERIAL)


def failure(command: str, **extra: str) -> HelperError:
    with pytest.raises(HelperError) as caught:
        code_from(command, **extra)
    return caught.value


def test_code_printed_by_the_command_is_returned(script):
    assert code_from(script(f"printf '  {CODE}\\n\\n'")) == CODE


def test_command_runs_through_the_shell_with_the_environment():
    command = "printf '%s\\n' \"$OTP_PREFIX\"'456' | tr -d ' '"
    assert code_from(command, OTP_PREFIX="1 2 3") == CODE


def test_standard_input_is_not_inherited(script):
    assert code_from(script(f"cat; echo {CODE}")) == CODE  # cat sees end of input at once


def test_standard_error_is_passed_through(script, capfd):
    assert code_from(script(f"echo 'Touch your YubiKey...' >&2; echo {CODE}")) == CODE
    assert "Touch your YubiKey..." in capfd.readouterr().err


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "no-such-command-for-mfa-assume", "command not found (exit status 127)", id="not-found"
        ),
        pytest.param(f"echo {CODE}; exit 4", "failed with exit status 4", id="non-zero-exit"),
        pytest.param("echo '  '", "printed nothing", id="empty-output"),
        pytest.param("echo 12345a", "printed something that is not six digits", id="malformed"),
        pytest.param(f"echo {CODE}0", "printed something that is not six digits", id="7-digits"),
        pytest.param(f"echo {CODE}; kill -9 $$", "failed with exit status 137", id="killed"),
    ],
)
def test_failures_are_no_code_with_a_message_that_never_shows_the_output(script, body, expected):
    error = failure(script(body))
    assert error.code == ExitCode.NO_TOKEN
    assert error.message.startswith(f"{LABEL}")
    assert expected in error.message
    assert CODE not in error.message
    assert "12345a" not in error.message


def test_command_not_executable(script):
    error = failure(script(f"echo {CODE}", executable=False))
    assert error.code == ExitCode.NO_TOKEN
    assert error.message == f"{LABEL}: command not executable (exit status 126)"


def test_the_command_line_is_never_in_a_message():
    error = failure("SEED=JBSWY3DPEHPK3PXP; exit 1")  # oathtool -b SEED is a real pattern
    assert "JBSWY3DPEHPK3PXP" not in error.message
    assert error.message == f"{LABEL} failed with exit status 1; no MFA code was read"


def test_a_shell_killed_by_a_signal():
    error = failure(f"echo {CODE}; kill -9 $$")  # $$: the shell itself, not a script under it
    assert error.message == f"{LABEL} was killed by signal 9; no MFA code was read"


def test_label_without_a_profile():
    with pytest.raises(HelperError, match=r"^mfa_process printed nothing"):
        process.source("true", env())(SERIAL)


class Started:
    """A hanging script that reports on a FIFO, and whether all its processes are gone.

    The script and the ``sleep`` it starts in the background both hold the FIFO open for
    writing: the reader sees end of file only when the whole process group is dead.
    """

    def __init__(self, tmp_path: Path) -> None:
        self.fifo = tmp_path / "started"
        os.mkfifo(self.fifo)
        self.fd = os.open(self.fifo, os.O_RDONLY | os.O_NONBLOCK)  # writers may open now
        self.body = f'exec 3>"{self.fifo}"; echo started >&3; sleep 1000 & wait'

    def wait_started(self) -> None:
        assert select.select([self.fd], [], [], WAIT)[0], "the script did not start"
        assert os.read(self.fd, 100) == b"started\n"

    def all_gone(self) -> bool:
        """True once every writer has closed the FIFO (end of file), within WAIT seconds."""
        os.set_blocking(self.fd, True)
        ready = select.select([self.fd], [], [], WAIT)[0]
        gone = bool(ready) and os.read(self.fd, 100) == b""
        os.close(self.fd)
        return gone


@pytest.fixture
def started(tmp_path, monkeypatch):
    """Popen.communicate waits until the script has started before it runs for real."""
    started = Started(tmp_path)
    real = subprocess.Popen.communicate

    def communicate(self, *args, **kwargs):
        started.wait_started()
        return real(self, *args, **kwargs)

    monkeypatch.setattr(subprocess.Popen, "communicate", communicate)
    return started


def test_a_hanging_command_is_stopped_with_its_process_group(script, started):
    error = failure(script(started.body), MFA_ASSUME_MFA_PROCESS_TIMEOUT="0.2")
    assert error.code == ExitCode.NO_TOKEN
    assert error.message == (
        f"{LABEL} did not finish within 0.2 seconds and was stopped; "
        "set MFA_ASSUME_MFA_PROCESS_TIMEOUT to wait longer"
    )
    assert started.all_gone()


def test_ctrl_c_stops_the_command_with_its_process_group(script, tmp_path, monkeypatch):
    started = Started(tmp_path)

    def interrupted(self, *args, **kwargs):
        started.wait_started()
        raise KeyboardInterrupt

    monkeypatch.setattr(subprocess.Popen, "communicate", interrupted)
    with pytest.raises(KeyboardInterrupt):
        code_from(script(started.body))
    assert started.all_gone()


def test_a_missing_shell_is_no_code(monkeypatch):
    def no_shell(*args, **kwargs):
        raise FileNotFoundError(2, "No such file or directory")

    monkeypatch.setattr(subprocess, "Popen", no_shell)
    error = failure("true")
    assert error.code == ExitCode.NO_TOKEN
    assert error.message == f"cannot run {LABEL}: No such file or directory"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        pytest.param(None, 60.0, id="unset"),
        pytest.param("", 60.0, id="empty"),
        pytest.param("0.5", 0.5, id="fraction"),
        pytest.param(" 120 ", 120.0, id="spaces"),
        pytest.param("3600", 3600.0, id="maximum"),
    ],
)
def test_timeout_from_the_environment(value, seconds):
    given = {} if value is None else {process.TIMEOUT_VARIABLE: value}
    assert process.timeout_from(given) == seconds


@pytest.mark.parametrize("value", ["0", "-1", "abc", "inf", "nan", "3601", "1m"])
def test_invalid_timeout_is_an_input_error(value):
    with pytest.raises(InputError) as caught:
        process.timeout_from({process.TIMEOUT_VARIABLE: value})
    assert caught.value.message == (
        f"MFA_ASSUME_MFA_PROCESS_TIMEOUT={value!r} is not valid; "
        "expected seconds above 0 and at most 3600 (default 60)"
    )


def test_invalid_timeout_is_found_before_the_command_runs(tmp_path):
    marker = tmp_path / "ran"
    with pytest.raises(InputError, match="MFA_ASSUME_MFA_PROCESS_TIMEOUT"):
        process.source(f"touch {marker}", env(MFA_ASSUME_MFA_PROCESS_TIMEOUT="0"))
    assert not marker.exists()


# ---------------------------------------------------------------- choosing the source


def request_with(aws_home, mfa_process: str | None):
    setting = f"mfa_process = {mfa_process}\n" if mfa_process else ""
    config = STACK_CONFIG.replace(f"mfa_serial = {SERIAL}\n", f"mfa_serial = {SERIAL}\n{setting}")
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environment = {**base, **aws_home(config=config)}
    return build_request(Options(profile=PROFILE), environment), environment


def test_profile_mfa_process_is_the_code_source(aws_home, script):
    request, environment = request_with(aws_home, script(f"echo {CODE}"))
    assert request.role_arn == ROLE
    source = flow.code_source(request, flow.Deps(environment, ask_code=None))
    assert source(SERIAL) == CODE


def test_an_injected_source_wins_over_mfa_process(aws_home, script):
    request, environment = request_with(aws_home, script("exit 1"))
    typed = CodeTyped("654321")
    assert flow.code_source(request, flow.Deps(environment, ask_code=typed)) is typed


def test_without_mfa_process_the_terminal_is_asked(aws_home):
    request, environment = request_with(aws_home, None)
    assert flow.code_source(request, flow.Deps(environment)) is terminal.ask


# ---------------------------------------------------------------- through the entry point


@pytest.fixture
def helper_env(aws_home, moto_endpoint):
    """Factory: the entry point's environment, the stack's profile with ``mfa_process``."""

    def make(mfa_process: str) -> dict[str, str]:
        config = STACK_CONFIG.replace(
            f"mfa_serial = {SERIAL}\n", f"mfa_serial = {SERIAL}\nmfa_process = {mfa_process}\n"
        )
        base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        base.pop("PYTHONPATH", None)
        return {**base, **aws_home(config=config, AWS_ENDPOINT_URL=moto_endpoint)}

    return make


def run_helper(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run(
        [*ENTRY, "--profile", PROFILE, *args],
        environment,
        start_new_session=True,  # no terminal: a prompt would fail with its own message
        stdin=subprocess.DEVNULL,
    )


def test_helper_gets_the_code_from_mfa_process(helper_env, script, tmp_path):
    asked = tmp_path / "asked"
    command = script(f'echo "$*" > {asked}; echo {CODE}')
    done = run_helper(helper_env(f"{command} --single alice"), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["AccessKeyId"].startswith("ASIA")
    assert asked.read_text() == "--single alice\n"


def test_helper_reports_a_failing_mfa_process_instead_of_prompting(helper_env, script):
    command = script(f"echo 'Touch your YubiKey...' >&2; echo {CODE}; exit 2")
    done = run_helper(helper_env(command))
    assert done.returncode == 3
    assert done.stderr == (
        "Touch your YubiKey...\n"
        f"mfa-assume: {LABEL} failed with exit status 2; no MFA code was read\n"
    )
    assert done.stdout == ""
