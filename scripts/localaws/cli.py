"""Command line of the local AWS: ``start`` (in the background), ``stop``, ``status``, ``serve``.

The state directory (default ``.localaws/`` in the current directory) holds ``state.json``
(process id, instance token, endpoint, admin credentials; mode 0600), ``server.log`` and
``lock`` (held by the running server: one server per state directory).

Exit codes: 0 done (``status``: running); 1 refused or failed (``start``: a server already runs
from that folder; ``stop``: the state file's process did not prove to be the server, so it was
not signalled; ``status``: not running).
"""

from __future__ import annotations

import argparse
from pathlib import Path

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
    parser.add_argument("command", choices=["start", "stop", "status", "serve"])
    parser.add_argument("--state-dir", type=Path, default=Path(".localaws"))
    parser.add_argument(
        "--account",
        action="append",
        dest="accounts",
        help=f"account to create an admin user in (repeatable; default {DEFAULT_ACCOUNT})",
    )
    parser.add_argument("--region", default=DEFAULT_REGION)
    # Internal: the state directory's lock, taken by `start` and handed to its `serve` child.
    parser.add_argument("--lock-fd", type=int, default=None, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    state_dir: Path = args.state_dir
    accounts: list[str] = args.accounts or [DEFAULT_ACCOUNT]
    try:
        if args.command == "serve":
            serve(state_dir, accounts=accounts, region=args.region, lock_fd=args.lock_fd)
            return 0
        if args.command == "start":
            local = LocalAws.start(state_dir, accounts=accounts, region=args.region)
            print(f"local AWS running: {local.endpoint_url} (pid {local.pid})")
            print(f"admin credentials: {state_dir / 'state.json'} (mode 0600)")
            return 0
        found = LocalAws.find(state_dir)
        if isinstance(found, StaleState):
            found.remove()
            print(
                f"local AWS: not running (removed a stale state file naming pid "
                f"{found.state.pid}, which was not signalled)"
            )
            return 1 if args.command == "status" else 0
        if found is None:
            print("local AWS: not running")
            return 1 if args.command == "status" else 0
        if args.command == "status":
            print(f"local AWS running: {found.endpoint_url} (pid {found.pid})")
            return 0
        found.stop()
        print(f"local AWS stopped (pid {found.pid})")
        return 0
    except LocalAwsError as error:
        print(f"localaws: {error}")
        return 1
