"""Command line of the local AWS: ``start`` (in the background), ``stop``, ``status``, ``env``,
``serve``.

``env`` prints shell commands that point this shell at the running server as its admin user
(``eval "$(python -m localaws env)"``): the endpoint, the keys and the region exported, every
other AWS credential, profile and endpoint variable of the shell unset.

The state directory (default ``.localaws/`` in the current directory; mode 0700, an older one
is tightened) holds ``state.json`` (process id, instance token, endpoint, admin credentials),
``server.log`` (paths without query strings) and ``lock`` (held by the running server: one
server per state directory), each mode 0600. The control API (``/_localaws/``) and moto's API
(``/moto-api/``) answer 403 without the instance token (header ``X-Localaws-Token``).

Exit codes: 0 done (``status``/``env``: running); 1 refused or failed (``start``: a server
already runs from that folder; ``stop``: the state file's process did not prove to be the
server, so it was not signalled; ``status``/``env``: not running; ``env``: no admin in that
account).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import NoReturn

from localaws.server import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    LocalAws,
    LocalAwsError,
    StaleState,
    serve,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m localaws", description=__doc__)
    parser.add_argument("command", choices=["start", "stop", "status", "env", "serve"])
    parser.add_argument("--state-dir", type=Path, default=Path(".localaws"))
    parser.add_argument(
        "--account",
        action="append",
        dest="accounts",
        help=f"start: account to create an admin user in (repeatable; default {DEFAULT_ACCOUNT}); "
        "env: the account to act in (default: the only account started, else "
        f"{DEFAULT_ACCOUNT})",
    )
    parser.add_argument("--region", default=DEFAULT_REGION)
    # Internal: the state directory's lock, taken by `start` and handed to its `serve` child.
    parser.add_argument("--lock-fd", type=int, default=None, help=argparse.SUPPRESS)
    return parser


def _print_env(local: LocalAws, account: str) -> int:
    from localaws.environment import shell_exports

    if account not in local.state.admins:
        known = ", ".join(sorted(local.state.admins))
        print(f"localaws: no admin in account {account} (started with: {known})", file=sys.stderr)
        return 1
    admin = local.admin(account)
    print(
        shell_exports(
            os.environ,
            AWS_ENDPOINT_URL=local.endpoint_url,
            AWS_ACCESS_KEY_ID=admin.access_key_id,
            AWS_SECRET_ACCESS_KEY=admin.secret_access_key,
            AWS_REGION=local.region,
            AWS_DEFAULT_REGION=local.region,
            AWS_EC2_METADATA_DISABLED="true",
        )
    )
    return 0


def _end_without_teardown() -> NoReturn:
    """End the server's process once ``serve`` has let go of all it held (its socket, state
    file and lock), without the interpreter's teardown of moto's objects: that took 0.4 s, and
    ``localaws stop`` waits for the process to end."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    state_dir: Path = args.state_dir
    accounts: list[str] = args.accounts or [DEFAULT_ACCOUNT]
    try:
        if args.command == "serve":
            serve(state_dir, accounts=accounts, region=args.region, lock_fd=args.lock_fd)
            _end_without_teardown()
        if args.command == "start":
            local = LocalAws.start(state_dir, accounts=accounts, region=args.region)
            print(f"local AWS running: {local.endpoint_url} (pid {local.pid})")
            print(f"admin credentials: {state_dir / 'state.json'} (mode 0600)")
            return 0
        found = LocalAws.find(state_dir)
        out = sys.stderr if args.command == "env" else sys.stdout  # env's stdout is for eval
        if isinstance(found, StaleState):
            found.remove()
            print(
                f"local AWS: not running (removed a stale state file naming pid "
                f"{found.state.pid}, which was not signalled)",
                file=out,
            )
            return 1 if args.command in ("status", "env") else 0
        if found is None:
            print("local AWS: not running", file=out)
            return 1 if args.command in ("status", "env") else 0
        if args.command == "status":
            print(f"local AWS running: {found.endpoint_url} (pid {found.pid})")
            return 0
        if args.command == "env":
            # without --account: the account the server was started for, when it has one
            started = sorted(found.state.admins)
            default = started[0] if not args.accounts and len(started) == 1 else accounts[0]
            return _print_env(found, default)
        found.stop()
        print(f"local AWS stopped (pid {found.pid})")
        return 0
    except LocalAwsError as error:
        print(f"localaws: {error}")
        return 1
