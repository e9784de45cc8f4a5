"""Command line of the local AWS: ``start`` (in the background), ``stop``, ``status``, ``serve``.

The state directory (default ``.localaws/`` in the current directory) holds ``state.json``
(process id, endpoint, admin credentials; mode 0600) and ``server.log``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from localaws.server import DEFAULT_ACCOUNT, DEFAULT_REGION, LocalAws, LocalAwsError, serve


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
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    state_dir: Path = args.state_dir
    accounts: list[str] = args.accounts or [DEFAULT_ACCOUNT]
    try:
        if args.command == "serve":
            serve(state_dir, accounts=accounts, region=args.region)
            return 0
        if args.command == "start":
            local = LocalAws.start(state_dir, accounts=accounts, region=args.region)
            print(f"local AWS running: {local.endpoint_url} (pid {local.pid})")
            print(f"admin credentials: {state_dir / 'state.json'} (mode 0600)")
            return 0
        running = LocalAws.attach(state_dir)
        if args.command == "status":
            if running is None:
                print("local AWS: not running")
                return 1
            print(f"local AWS running: {running.endpoint_url} (pid {running.pid})")
            return 0
        if running is None:
            print("local AWS: not running")
            return 0
        running.stop()
        print(f"local AWS stopped (pid {running.pid})")
        return 0
    except LocalAwsError as error:
        print(f"localaws: {error}")
        return 1
