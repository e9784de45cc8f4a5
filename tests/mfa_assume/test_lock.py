"""The per-entry lock, between real processes: one holder, bounded waiters, no stale locks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from mfa_assume import lock
from mfa_assume.errors import ExitCode, HelperError, InputError

# A process that takes the lock, says so, and holds it until its standard input closes.
HOLDER = """
import sys
from mfa_assume import lock
with lock.held(sys.argv[1], 5):
    print("held", flush=True)
    sys.stdin.read()
"""


@pytest.fixture
def holder(tmp_path):
    """Factory: start a process holding the lock of ``entry``; it is ended afterwards."""
    started: list[subprocess.Popen[str]] = []

    def start(entry: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, entry],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        assert process.stdout is not None
        assert process.stdout.readline() == "held\n"  # synchronised on its word, not a sleep
        return process

    yield start
    for process in started:
        process.kill()
        process.wait()
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()


def test_a_waiter_gives_up_after_its_timeout_with_exit_12(tmp_path, holder):
    entry = str(tmp_path / "cache" / "entry.json")
    holder(entry)
    with pytest.raises(HelperError) as caught, lock.held(entry, 0.2):
        pytest.fail("got a lock that another process holds")
    assert caught.value.code == ExitCode.LOCK_TIMEOUT
    assert int(caught.value.code) == 12  # documented in --help and scripts/mfa_assume/README.md
    assert "MFA_ASSUME_LOCK_TIMEOUT" in caught.value.message


def test_the_lock_is_free_once_its_holder_has_finished(tmp_path, holder):
    entry = str(tmp_path / "cache" / "entry.json")
    process = holder(entry)
    assert process.stdin is not None
    process.stdin.close()
    assert process.wait() == 0
    with lock.held(entry, 0):
        pass


def test_a_crashed_holder_leaves_no_stale_lock(tmp_path, holder):
    entry = str(tmp_path / "cache" / "entry.json")
    process = holder(entry)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert os.path.exists(entry + ".lock")  # the file stays, the lock does not
    with lock.held(entry, 0):
        pass


def test_the_lock_is_released_when_the_block_raises(tmp_path):
    entry = str(tmp_path / "cache" / "entry.json")
    with pytest.raises(KeyboardInterrupt), lock.held(entry, 0):
        raise KeyboardInterrupt
    with lock.held(entry, 0):
        pass


def test_lock_file_is_private(tmp_path):
    entry = str(tmp_path / "cache" / "entry.json")
    with lock.held(entry, 0):
        pass
    assert os.stat(entry + ".lock").st_mode & 0o777 == 0o600
    assert os.stat(tmp_path / "cache").st_mode & 0o777 == 0o700


def test_unwritable_cache_folder_takes_no_lock_and_no_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with lock.held(str(blocker / "entry.json"), 0):
        pass


@pytest.mark.parametrize(
    ("value", "seconds"),
    [pytest.param(None, 300.0, id="default"), pytest.param("2.5", 2.5, id="given")],
)
def test_timeout_comes_from_the_environment(value, seconds):
    env = {} if value is None else {"MFA_ASSUME_LOCK_TIMEOUT": value}
    assert lock.timeout_from(env) == seconds


@pytest.mark.parametrize("value", ["soon", "-1", "99999"])
def test_bad_timeout_is_an_input_error(value):
    with pytest.raises(InputError, match=r"MFA_ASSUME_LOCK_TIMEOUT=.* expected 0 to 3600"):
        lock.timeout_from({"MFA_ASSUME_LOCK_TIMEOUT": value})


def test_a_waiter_says_once_that_it_waits_then_gets_the_lock(tmp_path, holder):
    entry = str(tmp_path / "cache" / "entry.json")
    process = holder(entry)
    said: list[str] = []
    polls: list[float] = []

    def pause(seconds: float) -> None:  # the holder finishes on the third poll
        polls.append(seconds)
        if len(polls) == 3:
            assert process.stdin is not None
            process.stdin.close()
            process.wait()

    with lock.held(entry, 60, pause=pause, waiting=lambda: said.append("waiting")):
        pass
    assert said == ["waiting"]
    assert len(polls) == 3


def test_a_helper_waiting_for_another_terminals_code_says_so_on_one_line(
    tmp_path, holder, aws_home
):
    import io

    from mfa_assume import cache, flow
    from mfa_assume.request import Options, build_request

    env = aws_home(MFA_ASSUME_LOCK_TIMEOUT="0", XDG_CACHE_HOME=str(tmp_path / "xdg"))
    request = build_request(Options(profile="alice-power-user-mfa", no_mfa_session=True), env)
    entry = cache.entry_path(cache.cache_dir(env), cache.key_for(request.cache_key_parts(env)))
    holder(entry)
    stderr = io.StringIO()
    deps = flow.Deps(env=env, stderr=stderr, tell=lambda line: False)
    with pytest.raises(HelperError) as caught:
        flow.obtain(request, deps)
    assert caught.value.code == ExitCode.LOCK_TIMEOUT
    assert stderr.getvalue() == f"mfa-assume: {flow.WAITING}\n"
