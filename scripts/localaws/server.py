"""Start and stop the local AWS: moto 5.2.5 in server mode, IAM enforcement on, fixes applied.

Two layers:

* ``serve()`` runs the server in the current process until SIGTERM/SIGINT. It binds a free
  loopback port, creates one administrator user per account directly in moto's backend (IAM
  authorization is enforced from the first request, so nobody could create it over the API),
  writes ``state.json`` (mode 0600) into the state directory and serves until stopped.
* ``LocalAws.start()`` / ``LocalAws.stop()`` run ``serve()`` in a child process (``python -m
  localaws serve``), wait for its readiness with a deadline, and stop it by its process id. The
  child keeps moto's monkeypatches out of the caller's process (other tests use moto in-process).

The endpoint is ``http://localhost:PORT``, never ``http://127.0.0.1:PORT``: moto reads the host
of an S3 template URL as a bucket name, so the CDK's asset URLs only resolve with ``localhost``.

Besides the AWS APIs the server answers a small test-only control API under ``/_localaws/``
(health, clock offset, fix switches, admin credentials for another account); see
``localaws.control``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
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

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
STATE_FILE = "state.json"
LOG_FILE = "server.log"
BIND_HOST = "127.0.0.1"
START_DEADLINE_SECONDS = 60.0
STOP_DEADLINE_SECONDS = 15.0


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

    def to_json(self) -> str:
        return json.dumps(
            {
                "pid": self.pid,
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
            endpoint_url=str(data["endpoint_url"]),
            region=str(data["region"]),
            admins={
                account: AdminCredentials(**fields) for account, fields in data["admins"].items()
            },
        )


def _write_private(path: Path, text: str) -> None:
    """Write atomically with mode 0600 (the file holds the admin's secret key)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- in-process server


def _prepare_moto_environment() -> None:
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


def serve(
    state_dir: Path,
    *,
    port: int = 0,
    accounts: Sequence[str] = (DEFAULT_ACCOUNT,),
    region: str = DEFAULT_REGION,
) -> None:
    """Run the local AWS in this process until SIGTERM or SIGINT."""
    _prepare_moto_environment()
    from moto import settings
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    from localaws import control, moto_compat

    moto_compat.apply()
    admins = {account: create_admin(account) for account in accounts}
    # IAM authorization from the first request on: signatures are checked and every action is
    # evaluated against the caller's policies (moto's own switch, the moto-api `reset-auth`).
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0

    moto_app = DomainDispatcherApplication(create_backend_app)
    app = control.ControlMiddleware(moto_app, create_admin=create_admin)
    server = make_server(BIND_HOST, port, app, threaded=True, request_handler=MotoRequestHandler)
    bound_port = int(server.server_address[1])

    def _stop(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        # shutdown() blocks until serve_forever() returns, so it cannot run in this thread.
        import threading

        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)

    state_dir.mkdir(parents=True, exist_ok=True)
    state = ServerState(
        pid=os.getpid(),
        endpoint_url=f"http://localhost:{bound_port}",
        region=region,
        admins=admins,
    )
    _write_private(state_dir / STATE_FILE, state.to_json())
    try:
        server.serve_forever()
    finally:
        server.server_close()
        with contextlib.suppress(FileNotFoundError):
            (state_dir / STATE_FILE).unlink()


# --------------------------------------------------------------------------- child process


class LocalAwsError(RuntimeError):
    """The local AWS could not be started or stopped."""


def _healthy(endpoint_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint_url}/_localaws/health", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class LocalAws:
    """A local AWS server running in a child process, described by its state directory."""

    state_dir: Path
    state: ServerState
    process: subprocess.Popen[bytes] | None = None

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
        """Start ``python -m localaws serve`` and wait until it answers on its port."""
        state_dir = state_dir.resolve()
        state_dir.mkdir(parents=True, exist_ok=True)
        existing = cls.attach(state_dir)
        if existing is not None:
            raise LocalAwsError(
                f"a local AWS already runs from {state_dir} (pid {existing.pid}, "
                f"{existing.endpoint_url}); stop it first"
            )
        with contextlib.suppress(FileNotFoundError):
            (state_dir / STATE_FILE).unlink()
        scripts_dir = Path(__file__).resolve().parent.parent
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(scripts_dir), *filter(None, [env.get("PYTHONPATH")])]
        )
        command = [
            sys.executable,
            "-m",
            "localaws",
            "serve",
            "--state-dir",
            str(state_dir),
            "--region",
            region,
            *[arg for account in accounts for arg in ("--account", account)],
        ]
        log = (state_dir / LOG_FILE).open("ab")
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
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
            state_path = state_dir / STATE_FILE
            if state_path.exists():
                state = ServerState.from_json(state_path.read_text(encoding="utf-8"))
                if _healthy(state.endpoint_url):
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
        """The server already running from ``state_dir``, if any (for ``stop``/``status``)."""
        state_path = state_dir / STATE_FILE
        if not state_path.exists():
            return None
        state = ServerState.from_json(state_path.read_text(encoding="utf-8"))
        if not _alive(state.pid):
            return None
        return cls(state_dir=state_dir, state=state)

    def stop(self, deadline_seconds: float = STOP_DEADLINE_SECONDS) -> None:
        """Stop the server by its process id and wait for it to exit."""
        if _alive(self.pid):
            os.kill(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + deadline_seconds
        while time.monotonic() < deadline:
            if self.process is not None:
                if self.process.poll() is not None:
                    return
            elif not _alive(self.pid):
                return
            time.sleep(0.05)  # waiting for the exit, bounded by the deadline
        os.kill(self.pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait()


@contextlib.contextmanager
def running(state_dir: Path, *, accounts: Sequence[str] = (DEFAULT_ACCOUNT,)) -> Iterator[LocalAws]:
    """Start a local AWS for the duration of a ``with`` block."""
    local = LocalAws.start(state_dir, accounts=accounts)
    try:
        yield local
    finally:
        local.stop()
