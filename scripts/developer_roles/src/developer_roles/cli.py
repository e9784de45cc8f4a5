"""``developer-roles``: the operators' commands for the developer-roles CDK app.

Run them in the app's directory (the one with ``cdk.json``); each reads the configuration
from ``cdk.json`` or ``--config FILE``. Exit codes are each command's own (see ``--help``):

==========  ==================================================================
preflight   0 ready, 1 a deploy would fail, 2 bad input or no usable credentials
audit       0 no finding, 1 a finding, 2 bad input or no usable credentials
deploy      0 deployed, 1 a cdk command failed, 2 bad input, 3 not approved
add-me      0 added (or already there), 1 not added (the message says why), 2 bad input
bootstrap   0 bootstrapped, 1 cdk bootstrap failed, 2 bad input (cdk CLI missing included)
==========  ==================================================================

Every command: 130 interrupted (Ctrl-C). Every error is one line on stderr that starts with
``developer-roles COMMAND: `` (:func:`error_line`), never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

PROG = "developer-roles"
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
# What an AWS endpoint's failure raises: an error answer (ClientError), no answer or a bad
# connection (BotoCoreError: EndpointConnectionError for a region that does not exist), or an
# answer that is not the service's XML/JSON (ResponseParserError, which is not a BotoCoreError).
AWS_ERRORS = (ClientError, BotoCoreError, ResponseParserError)
COMMANDS = {
    "preflight": "read-only check that a deploy would succeed",
    "audit": "read-only report of standing privilege, roles without MFA, drift",
    "deploy": "deploy every stack after one approval of security-broadening changes",
    "add-me": "add your own IAM principal to the configuration (--new: start one)",
    "bootstrap": "cdk bootstrap the accounts and regions the configuration targets",
}


# An error line quotes what others sent (an endpoint's answer, a file's text): at most this
# many characters of it.
MAX_MESSAGE = 1_000


def error_line(command: str, message: object) -> str:
    """The one line a command prints on stderr for an error: ``developer-roles COMMAND: ...``,
    with any line breaks of the message (an SDK's, a configuration's problems) joined."""
    text = "; ".join(line.strip() for line in str(message).splitlines() if line.strip())
    if len(text) > MAX_MESSAGE:
        text = text[: MAX_MESSAGE - 3] + "..."
    return f"{PROG} {command}: {text}"


def config_error_line(command: str, problems: Sequence[str], source: str, consequence: str) -> str:
    """A configuration's problems (``ConfigError``) as the command's one error line."""
    noun = "problem" if len(problems) == 1 else "problems"
    return error_line(
        command, f"{source}: {len(problems)} {noun}; {consequence}: " + "; ".join(problems)
    )


class CommandParser(argparse.ArgumentParser):
    """argparse with the commands' error line: a bad option is one line
    (``developer-roles COMMAND: ...``) and exit 2, not argparse's usage block. ``command``
    names the command when ``prog`` does not (a parser of several subcommands)."""

    def __init__(self, *args: Any, command: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.command = command

    def error(self, message: str) -> NoReturn:
        command = self.command or self.prog.removeprefix(PROG).strip() or "error"
        print(error_line(command, f"{message} (--help lists the options)"), file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


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
        print(error_line(args[0], "interrupted"), file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
