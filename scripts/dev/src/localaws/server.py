"""Start and stop the local AWS: moto 5.2.5 in server mode, IAM enforcement on, fixes applied.

Two layers:

* ``serve()`` runs the server in the current process until SIGTERM/SIGINT. It binds a free
  loopback port, creates one administrator user per account directly in moto's backend (IAM
  authorization is enforced from the first request, so nobody could create it over the API),
  writes ``state.json`` (mode 0600) into the state directory and serves until stopped.
* ``LocalAws.start()`` / ``LocalAws.stop()`` run ``serve()`` in a child process (``python -m
  localaws serve``), wait for its readiness with a deadline, and stop it by its process id. The
  child keeps moto's monkeypatches out of the caller's process (other tests use moto in-process).

One server per state directory: ``start`` takes an exclusive ``flock`` on ``state_dir/lock``
before it spawns the child and hands the locked descriptor to it, so the lock is held exactly as
long as the server lives (the kernel drops it when the process ends, however it ends). A second
``start`` on the same folder, even at the same moment, finds the lock taken and refuses.

A state file can outlive its server (a crash, a reboot) and its process id can then belong to
an unrelated process. ``stop`` and ``status`` therefore trust a state file only when the lock is
held *and* the server at the recorded endpoint answers ``/_localaws/health`` with the recorded
process id and the random instance token written at start; a process that has not proved that
is never signalled.

The endpoint is ``http://localhost:PORT``, never ``http://127.0.0.1:PORT``: moto reads the host
of an S3 template URL as a bucket name, so the CDK's asset URLs only resolve with ``localhost``.

Besides the AWS APIs the server answers a small test-only control API under ``/_localaws/``
(health, clock offset, fix switches, admin credentials for another account); it and moto's own
``/moto-api/`` require the instance token (``TOKEN_HEADER``); see ``localaws.control``. The
state directory is 0700 and its files 0600; the request log holds no query string
(``localaws.requestlog``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import signal
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from localaws.environment import leaks

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
STATE_FILE = "state.json"
LOG_FILE = "server.log"
LOCK_FILE = "lock"
BIND_HOST = "127.0.0.1"
START_DEADLINE_SECONDS = 60.0
STOP_DEADLINE_SECONDS = 15.0
# The header carrying the instance token, which the control API and moto's API require
# (``localaws.control``); here so that the command line need not import moto to send it.
TOKEN_HEADER = "X-Localaws-Token"


@dataclass(frozen=True)
class AdminCredentials:
    """An IAM user with AdministratorAccess in one account of the local AWS."""

    account_id: str
    user_arn: str
    access_key_id: str
    secret_access_key: str = field(repr=False)


@dataclass(frozen=True)
class ServerState:
    """What ``serve()`` writes to ``state.json`` once it accepts requests."""

    pid: int
    endpoint_url: str
    region: str
    admins: dict[str, AdminCredentials]
    instance: str = ""  # random token, also answered by /_localaws/health

    def to_json(self) -> str:
        return json.dumps(
            {
                "pid": self.pid,
                "instance": self.instance,
                "endpoint_url": self.endpoint_url,
                "region": self.region,
                "admins": {
                    account: {
                        "account_id": admin.account_id,
                        "user_arn": admin.user_arn,
                        "access_key_id": admin.access_key_id,
                        "secret_access_key": admin.secret_access_key,
                    }
                    for account, admin in self.admins.items()
                },
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> ServerState:
        data: dict[str, Any] = json.loads(text)
        return cls(
            pid=int(data["pid"]),
            instance=str(data.get("instance", "")),
            endpoint_url=str(data["endpoint_url"]),
            region=str(data["region"]),
            admins={
                account: AdminCredentials(**fields) for account, fields in data["admins"].items()
            },
        )


def _write_private(path: Path, text: str) -> None:
    """Write atomically with mode 0600 (the file holds the admin's secret key and the token).

    The temporary file is created anew (``O_EXCL``, no link followed), so a leftover file of
    another mode, or a link planted in its place, is never written through.
    """
    tmp = path.with_name(path.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def _open_private(path: Path, flags: int) -> int:
    """Open (creating) a file of the state folder with mode 0600, also when it existed."""
    fd = os.open(path, flags | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    os.fchmod(fd, 0o600)
    return fd


def private_state_dir(state_dir: Path) -> Path:
    """Create the state folder with mode 0700 (tighten an older one); refuse a foreign one.

    The folder holds the admin's keys and the control API's token: only its owner may list or
    read it. A link, a file, or a folder owned by another user is refused, not used.
    """
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.lstat(state_dir)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise LocalAwsError(f"{state_dir} is not a folder of yours; choose another --state-dir")
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(state_dir, 0o700)
    return state_dir


# --------------------------------------------------------------------------- in-process server


def _prepare_moto_environment() -> None:
    # moto builds botocore sessions inside the server: the shell's AWS_PROFILE (a profile this
    # machine may not have: ProfileNotFound on start) or AWS_ENDPOINT_URL_<SERVICE> must not
    # reach them.
    for name in [name for name in os.environ if leaks(name)]:
        del os.environ[name]
    # Must be set before moto builds its IAM backends: PowerUserAccess, AdministratorAccess and
    # the other AWS managed policies exist only with it.
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "false")


def create_admin(account_id: str) -> AdminCredentials:
    """Create (or return) the ``localaws-admin`` user of an account, with AdministratorAccess."""
    from moto.iam.models import iam_backends

    backend = iam_backends[account_id]["aws"]
    name = "localaws-admin"
    if name not in backend.users:
        backend.create_user(region_name=DEFAULT_REGION, user_name=name)
        backend.attach_user_policy("arn:aws:iam::aws:policy/AdministratorAccess", name)
        backend.create_access_key(name)
    user = backend.get_user(name)
    key = user.access_keys[0]
    return AdminCredentials(
        account_id=account_id,
        user_arn=str(user.arn),
        access_key_id=str(key.access_key_id),
        secret_access_key=str(key.secret_access_key),
    )


def mounted_endpoints() -> dict[str, Any]:
    """AWS endpoints the local AWS serves beside moto's APIs: path -> WSGI app.

    Requests are routed by path before they reach moto (``control.ControlMiddleware``); an
    endpoint that is not an AWS API moto knows (the console sign-in federation endpoint, for
    example) adds its path and app here.
    """
    from localaws import federation

    return {federation.PATH: federation.endpoint}


def serve(
    state_dir: Path,
    *,
    port: int = 0,
    accounts: Sequence[str] = (DEFAULT_ACCOUNT,),
    region: str = DEFAULT_REGION,
    lock_fd: int | None = None,
) -> None:
    """Run the local AWS in this process until SIGTERM or SIGINT.

    ``lock_fd`` is the state directory's lock, already taken by ``LocalAws.start``; without it
    the lock is taken here (and a server already running from ``state_dir`` is an error).
    """
    private_state_dir(state_dir)
    if lock_fd is None:
        lock_fd = _take_lock(state_dir)
        if lock_fd is None:
            raise LocalAwsError(_already_running(state_dir))
    _prepare_moto_environment()
    from moto import settings
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    from localaws import compat, control, federation, requestlog

    compat.apply()
    compat.serialize_cloudformation()  # moto's stacks are not safe under concurrent calls
    compat.tune_for_speed()
    admins = {account: create_admin(account) for account in accounts}
    # IAM authorization from the first request on: signatures are checked and every action is
    # evaluated against the caller's policies (moto's own switch, the moto-api `reset-auth`).
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0

    instance = secrets.token_hex(16)
    moto_app = DomainDispatcherApplication(create_backend_app)
    federation.install()  # after compat.apply(): it wraps the AssumeRole installed then
    app = control.ControlMiddleware(
        moto_app,
        create_admin=create_admin,
        token=instance,
        identity={"pid": os.getpid(), "instance": instance},
        mounts=mounted_endpoints(),
    )
    server = make_server(
        BIND_HOST, port, app, threaded=True, request_handler=requestlog.request_handler()
    )
    bound_port = int(server.server_address[1])

    def _stop(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        # shutdown() blocks until serve_forever() returns, so it cannot run in this thread.
        import threading

        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)

    state = ServerState(
        pid=os.getpid(),
        instance=instance,
        endpoint_url=f"http://localhost:{bound_port}",
        region=region,
        admins=admins,
    )
    _write_private(state_dir / STATE_FILE, state.to_json())
    try:
        # A stop (SIGTERM) is noticed at the loop's next poll: every 50 ms, not the default 0.5 s
        # that each `localaws stop` (and each test's server) waited for.
        server.serve_forever(poll_interval=0.05)
    finally:
        server.server_close()
        with contextlib.suppress(FileNotFoundError):
            (state_dir / STATE_FILE).unlink()
        os.close(lock_fd)  # the lock goes with it; only now may another server start here


# --------------------------------------------------------------------------- child process


class LocalAwsError(RuntimeError):
    """The local AWS could not be started or stopped."""


def _take_lock(state_dir: Path) -> int | None:
    """The state directory's exclusive lock as an open descriptor, or None when it is taken."""
    fd = _open_private(state_dir / LOCK_FILE, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _lock_held(state_dir: Path) -> bool:
    """Whether a server holds the state directory's lock (probing takes and drops it)."""
    if not state_dir.is_dir():
        return False
    fd = _take_lock(state_dir)
    if fd is None:
        return True
    os.close(fd)
    return False


def _read_state(state_dir: Path) -> ServerState | None:
    try:
        return ServerState.from_json((state_dir / STATE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError) as error:
        raise LocalAwsError(
            f"{state_dir / STATE_FILE} is not a local AWS state file: {error}"
        ) from error


def _already_running(state_dir: Path) -> str:
    state = _read_state(state_dir)
    where = f" (pid {state.pid}, {state.endpoint_url})" if state is not None else ""
    return f"a local AWS already runs from {state_dir}{where}; stop it first"


def control_request(
    endpoint_url: str, token: str, route: str, body: dict[str, Any] | None = None
) -> urllib.request.Request:
    """A request to the control API (``/_localaws/<route>``) carrying the instance token."""
    return urllib.request.Request(
        f"{endpoint_url}/_localaws/{route}",
        data=None if body is None else json.dumps(body).encode(),
        method="GET" if body is None else "POST",
        headers={"Content-Type": "application/json", TOKEN_HEADER: token},
    )


def _health(endpoint_url: str, token: str) -> dict[str, Any] | None:
    try:
        request = control_request(endpoint_url, token, "health")
        with urllib.request.urlopen(request, timeout=2) as response:
            if response.status != 200:
                return None
            answer: dict[str, Any] = json.loads(response.read())
            return answer
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _proves_identity(state: ServerState) -> bool:
    """The server at the recorded endpoint is the recorded process of the recorded instance."""
    if not state.instance:
        return False
    answer = _health(state.endpoint_url, state.instance)
    return (
        answer is not None
        and answer.get("pid") == state.pid
        and answer.get("instance") == state.instance
    )


def _proc_stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (Linux), from the state on."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks (Linux ``/proc``), which a reused pid changes."""
    fields = _proc_stat(pid)
    return None if fields is None else fields[19]


def _alive(pid: int) -> bool:
    """Whether the process still runs. A zombie has ended (its descriptors, the lock among
    them, are closed) and only waits for its parent to collect it: a server that ``localaws
    start`` left behind is collected by the system's init, which in some containers takes a
    second or more, and ``stop`` need not wait for that."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    fields = _proc_stat(pid)
    return fields is None or fields[0] not in ("Z", "X")


@dataclass
class StaleState:
    """A state file that no running server stands behind (its process is gone or unrelated)."""

    state_dir: Path
    state: ServerState

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.state_dir / STATE_FILE).unlink()


@dataclass
class LocalAws:
    """A local AWS server running in a child process, described by its state directory."""

    state_dir: Path
    state: ServerState
    process: subprocess.Popen[bytes] | None = None
    start_ticks: str | None = None

    @property
    def endpoint_url(self) -> str:
        return self.state.endpoint_url

    @property
    def region(self) -> str:
        return self.state.region

    @property
    def pid(self) -> int:
        return self.state.pid

    def admin(self, account_id: str = DEFAULT_ACCOUNT) -> AdminCredentials:
        return self.state.admins[account_id]

    @classmethod
    def start(
        cls,
        state_dir: Path,
        *,
        accounts: Sequence[str] = (DEFAULT_ACCOUNT,),
        region: str = DEFAULT_REGION,
        deadline_seconds: float = START_DEADLINE_SECONDS,
    ) -> LocalAws:
        """Start ``python -m localaws serve`` and wait until it answers on its port.

        The state directory's lock is taken here, before the child exists, and handed to the
        child: two starts on one folder can never both spawn a server.
        """
        state_dir = private_state_dir(state_dir.resolve())
        lock_fd = _take_lock(state_dir)
        if lock_fd is None:
            raise LocalAwsError(_already_running(state_dir))
        try:
            return cls._spawn(state_dir, lock_fd, accounts, region, deadline_seconds)
        finally:
            os.close(lock_fd)  # the child holds its own copy for as long as it runs

    @classmethod
    def _spawn(
        cls,
        state_dir: Path,
        lock_fd: int,
        accounts: Sequence[str],
        region: str,
        deadline_seconds: float,
    ) -> LocalAws:
        with contextlib.suppress(FileNotFoundError):
            (state_dir / STATE_FILE).unlink()  # stale: nobody held the lock
        env = dict(os.environ)
        command = [
            sys.executable,
            "-m",
            "localaws",
            "serve",
            "--state-dir",
            str(state_dir),
            "--region",
            region,
            "--lock-fd",
            str(lock_fd),
            *[arg for account in accounts for arg in ("--account", account)],
        ]
        log = os.fdopen(_open_private(state_dir / LOG_FILE, os.O_WRONLY | os.O_APPEND), "ab")
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
                pass_fds=(lock_fd,),
            )
        finally:
            log.close()
        deadline = time.monotonic() + deadline_seconds
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise LocalAwsError(
                    f"the local AWS exited with code {process.returncode} while starting; "
                    f"see {state_dir / LOG_FILE}"
                )
            state = _read_state(state_dir)
            if state is not None and state.pid == process.pid and _proves_identity(state):
                return cls(state_dir=state_dir, state=state, process=process)
            time.sleep(0.05)  # polling a readiness condition, bounded by the deadline
        process.kill()
        process.wait()
        raise LocalAwsError(
            f"the local AWS did not become ready within {deadline_seconds:.0f} s; "
            f"see {state_dir / LOG_FILE}"
        )

    @classmethod
    def attach(cls, state_dir: Path) -> LocalAws | None:
        """The server already running from ``state_dir``, if one proves to be it."""
        found = cls.find(state_dir)
        return found if isinstance(found, LocalAws) else None

    @classmethod
    def find(cls, state_dir: Path) -> LocalAws | StaleState | None:
        """The verified server of ``state_dir``, a stale state file, or None (no state file).

        Raises ``LocalAwsError`` when the lock is held but the server does not answer as the
        one recorded (for example while it is still starting, or hung): then nobody can tell
        whether the recorded process id is the server, and nothing may be signalled.
        """
        state_dir = state_dir.resolve()
        state = _read_state(state_dir)
        if state is None:
            return None
        ticks = _start_ticks(state.pid)
        if not _lock_held(state_dir):
            return StaleState(state_dir, state)
        if _proves_identity(state):
            return cls(state_dir=state_dir, state=state, start_ticks=ticks)
        raise LocalAwsError(
            f"a process holds {state_dir / LOCK_FILE} but the server at {state.endpoint_url} "
            f"does not answer as pid {state.pid}; nothing was signalled (see "
            f"{state_dir / LOG_FILE})"
        )

    def _still_the_server(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None  # our own child: its pid cannot be reused
        ticks = _start_ticks(self.pid)
        return _alive(self.pid) and (ticks is None or ticks == self.start_ticks)

    def stop(self, deadline_seconds: float = STOP_DEADLINE_SECONDS) -> None:
        """Stop the server (a child of ours, or one that has proved its identity) and wait."""
        if self.process is None and not _proves_identity(self.state):
            raise LocalAwsError(
                f"pid {self.pid} no longer answers as the local AWS of {self.state_dir}; "
                "nothing was signalled"
            )
        if self._still_the_server():
            os.kill(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + deadline_seconds
        while time.monotonic() < deadline:
            if not self._still_the_server():
                return
            time.sleep(0.05)  # waiting for the exit, bounded by the deadline
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            return
        if self.start_ticks is not None and _start_ticks(self.pid) == self.start_ticks:
            os.kill(self.pid, signal.SIGKILL)
            return
        raise LocalAwsError(
            f"the local AWS (pid {self.pid}) did not stop within {deadline_seconds:.0f} s"
        )


@contextlib.contextmanager
def running(state_dir: Path, *, accounts: Sequence[str] = (DEFAULT_ACCOUNT,)) -> Iterator[LocalAws]:
    """Start a local AWS for the duration of a ``with`` block."""
    local = LocalAws.start(state_dir, accounts=accounts)
    try:
        yield local
    finally:
        local.stop()
