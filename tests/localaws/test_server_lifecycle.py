"""``localaws start``/``stop``/``status`` as a new user meets them: one server per state folder,
and a state file that outlived its server never gets another process signalled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from localaws import server as server_module
from localaws.server import LocalAws, LocalAwsError, ServerState


def cli(*args: str, state_dir: Path, **variables: str) -> subprocess.Popen[str]:
    env = {**os.environ, **variables}
    return subprocess.Popen(
        [sys.executable, "-m", "localaws", *args, "--state-dir", str(state_dir)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_cli(*args: str, state_dir: Path, **variables: str) -> tuple[int, str]:
    process = cli(*args, state_dir=state_dir, **variables)
    out, _ = process.communicate(timeout=90)
    return process.returncode, out


def write_state(state_dir: Path, pid: int, endpoint: str = "http://localhost:9") -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    state = ServerState(pid=pid, endpoint_url=endpoint, region="us-east-1", admins={})
    (state_dir / "state.json").write_text(
        json.dumps({**json.loads(state.to_json()), "instance": "from-an-old-run"}),
        encoding="utf-8",
    )


@pytest.fixture
def bystander():
    """An unrelated process of ours, whose pid a stale state file will name."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    yield process
    process.kill()
    process.wait()


def test_second_start_on_the_same_state_folder_is_refused(tmp_path):
    first = LocalAws.start(tmp_path / "state")
    try:
        with pytest.raises(LocalAwsError, match=r"already runs from .* stop it first"):
            LocalAws.start(tmp_path / "state")
        assert LocalAws.attach(tmp_path / "state") is not None  # the first one still serves
    finally:
        first.stop()
    assert LocalAws.attach(tmp_path / "state") is None


def test_two_cli_starts_at_once_start_exactly_one_server(tmp_path):
    state_dir = tmp_path / "state"
    starts = [cli("start", state_dir=state_dir) for _ in range(2)]
    outputs = [p.communicate(timeout=90)[0] for p in starts]
    results = [(p.returncode, out) for p, out in zip(starts, outputs, strict=True)]
    try:
        codes = sorted(code for code, _ in results)
        assert codes == [0, 1], results
        refused = next(out for code, out in results if code == 1)
        assert "already runs from" in refused
        assert "Traceback" not in refused
        code, out = run_cli("status", state_dir=state_dir)
        assert code == 0, out
    finally:
        code, out = run_cli("stop", state_dir=state_dir)
    assert code == 0
    assert "local AWS stopped" in out
    assert run_cli("status", state_dir=state_dir)[0] == 1


def test_stop_with_a_stale_state_file_leaves_the_named_process_alone(tmp_path, bystander):
    state_dir = tmp_path / "state"
    write_state(state_dir, bystander.pid)

    code, out = run_cli("stop", state_dir=state_dir)

    assert code == 0
    assert f"stale state file naming pid {bystander.pid}, which was not signalled" in out
    assert bystander.poll() is None  # still running
    assert not (state_dir / "state.json").exists()


def test_status_with_a_stale_state_file_says_not_running(tmp_path, bystander):
    state_dir = tmp_path / "state"
    write_state(state_dir, bystander.pid)

    code, out = run_cli("status", state_dir=state_dir)

    assert code == 1
    assert "not running" in out
    assert bystander.poll() is None


def test_stop_refuses_a_lock_holder_that_does_not_answer_as_the_server(tmp_path):
    """The lock is held (say, by a hung server) but the endpoint does not prove the pid."""
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time\n"
            f"f = open({str(state_dir / 'lock')!r}, 'w')\n"
            "fcntl.flock(f, fcntl.LOCK_EX)\n"
            "print('locked', flush=True)\n"
            "time.sleep(300)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        write_state(state_dir, holder.pid)

        code, out = run_cli("stop", state_dir=state_dir)

        assert code == 1
        assert "does not answer as pid" in out
        assert "nothing was signalled" in out
        assert holder.poll() is None
    finally:
        holder.kill()
        holder.communicate()


def test_stop_of_a_server_that_died_does_not_signal_its_reused_pid(tmp_path, bystander):
    """The server is gone (killed, its state file left behind) and its pid is someone else's."""
    state_dir = tmp_path / "state"
    server = LocalAws.start(state_dir)
    os.kill(server.pid, 9)
    assert server.process is not None
    server.process.wait()
    assert (state_dir / "state.json").exists()  # SIGKILL left the state file behind
    write_state(state_dir, bystander.pid, server.endpoint_url)  # as if the pid were reused

    code, out = run_cli("stop", state_dir=state_dir)

    assert code == 0
    assert "stale state file" in out
    assert bystander.poll() is None
    # and the folder is free again: a new server starts there
    again = LocalAws.start(state_dir)
    again.stop()


def test_a_server_that_ended_but_was_not_yet_collected_counts_as_stopped():
    """A server that ``localaws start`` left behind is collected by init when it ends, which in
    some containers takes a second or more; until then it is a zombie, whose descriptors (the
    lock, the socket) are closed. ``stop`` and ``status`` treat it as ended."""
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        os.waitid(os.P_PID, ended.pid, os.WEXITED | os.WNOWAIT)  # ended, left uncollected
        assert not server_module._alive(ended.pid)
    finally:
        ended.wait()
    assert server_module._alive(os.getpid())


# A developer's shell, set up for real AWS: a profile this machine does not have, a session, and
# service endpoints of their own.
POLLUTED = {
    "AWS_PROFILE": "no-such-profile",
    "AWS_SESSION_TOKEN": "a-token-of-another-session",
    "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9",
    "AWS_ENDPOINT_URL_IAM": "http://127.0.0.1:9",
}


def test_a_polluted_shell_starts_the_server_and_env_points_it_at_the_admin(tmp_path):
    state_dir = tmp_path / "state"
    code, out = run_cli("start", state_dir=state_dir, **POLLUTED)  # the server ignores them
    assert code == 0, out
    try:
        admin = LocalAws.attach(state_dir)
        assert admin is not None
        who = (
            "import boto3; print(boto3.client('sts').get_caller_identity()['Arn']); "
            "print(boto3.client('iam').list_users()['Users'][0]['Arn'])"
        )
        script = (
            f'eval "$({sys.executable} -m localaws env --state-dir {state_dir})" && '
            f'{sys.executable} -c "{who}"'
        )
        polluted = {**os.environ, **POLLUTED}
        done = subprocess.run(
            ["bash", "-c", script], env=polluted, capture_output=True, text=True, timeout=90
        )
        assert done.returncode == 0, done.stderr
        user_arn = admin.admin().user_arn
        assert done.stdout.split() == [user_arn, user_arn]
    finally:
        run_cli("stop", state_dir=state_dir)


def test_env_without_a_server_prints_nothing_to_eval_and_fails(tmp_path):
    process = subprocess.run(
        [sys.executable, "-m", "localaws", "env", "--state-dir", str(tmp_path / "none")],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert (process.returncode, process.stdout) == (1, "")
    assert process.stderr.strip() == "local AWS: not running"


def test_env_acts_in_the_one_account_the_server_was_started_for(tmp_path):
    state_dir = tmp_path / "state"
    code, out = run_cli("start", "--account", "222222222222", state_dir=state_dir)
    assert code == 0, out
    try:
        script = (
            f'eval "$({sys.executable} -m localaws env --state-dir {state_dir})" && '
            f"{sys.executable} -c \"import boto3; print(boto3.client('sts')"
            ".get_caller_identity()['Account'])\""
        )
        done = subprocess.run(
            ["bash", "-c", script], env=dict(os.environ), capture_output=True, text=True, timeout=90
        )
        assert (done.returncode, done.stdout.strip()) == (0, "222222222222"), done.stderr
    finally:
        run_cli("stop", state_dir=state_dir)
