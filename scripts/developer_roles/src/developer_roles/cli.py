"""``developer-roles``: the operators' commands for the developer-roles CDK app.

Run them in the app's directory (the one with ``cdk.json``); each reads the configuration
from ``cdk.json`` or ``--config FILE``. Exit codes are each command's own (see ``--help``):

==========  ==================================================================
preflight   0 ready, 1 a deploy would fail, 2 bad input or no usable credentials
audit       0 no finding, 1 a finding, 2 bad input or no usable credentials
deploy      0 deployed, 1 a cdk command failed, 2 bad input, 3 not approved
add-me      0 added (or already there), 1 not added (the message says why), 2 bad input
bootstrap   0 bootstrapped, 1 cdk bootstrap failed, 2 bad input
==========  ==================================================================
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

PROG = "developer-roles"
EXIT_USAGE = 2
COMMANDS = {
    "preflight": "read-only check that a deploy would succeed",
    "audit": "read-only report of standing privilege, roles without MFA, drift",
    "deploy": "deploy every stack after one approval of security-broadening changes",
    "add-me": "add your own IAM principal to the configuration (--new: start one)",
    "bootstrap": "cdk bootstrap the accounts and regions the configuration targets",
}


def _usage() -> str:
    lines = [
        f"usage: {PROG} {{{','.join(COMMANDS)}}} [options]",
        "",
        (__doc__ or "").split("\n")[0],
    ]
    lines += ["", "commands:"] + [f"  {name:<10} {text}" for name, text in COMMANDS.items()]
    lines += ["", f"'{PROG} COMMAND --help' shows a command's options and exit codes."]
    return "\n".join(lines)


def _command(name: str) -> Callable[[list[str]], int]:
    if name in ("preflight", "audit"):
        from developer_roles import checks_cli

        return lambda rest: checks_cli.main([name, *rest])
    if name == "deploy":
        from developer_roles import deploy

        return deploy.main
    if name == "bootstrap":
        from developer_roles import bootstrap

        return bootstrap.main
    from developer_roles import add_me

    return add_me.main


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(_usage())
        return 0 if args else EXIT_USAGE
    if args[0] == "--version":
        from developer_roles import __version__

        print(f"{PROG} {__version__}")
        return 0
    if args[0] not in COMMANDS:
        print(
            f"{PROG}: unknown command {args[0]!r}; expected one of {', '.join(COMMANDS)}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        return _command(args[0])(args[1:])
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
