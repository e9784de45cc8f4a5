"""The helper's options, declared once, and how a command line is read into them.

:data:`OPTIONS` holds every option of ``mfa-assume``; :func:`parser` gives each to argparse,
:func:`fast_options` reads the usual ``credential_process`` call from the same entries without
argparse, and ``mfa-assume console`` (:mod:`mfa_assume.console_cli`) takes its role options
from here too. Nothing here imports :mod:`mfa_assume.cli`.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

from mfa_assume import PROG, __version__, output
from mfa_assume.errors import InputError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads it the same)
if TYPE_CHECKING:
    import argparse
    from typing import Any

EPILOG = """\
exit codes: 0 ok (or the command's own), 1 other AWS error, 2 invalid input,
3 no MFA code could be read, 4 base credentials missing/expired, 5 role requires MFA,
6 MFA code rejected, 7 MFA serial not found, 8 access denied, 9 duration above role
maximum (or above 1h for role chaining), 10 endpoint unreachable, 11 file not written,
12 timed out waiting for another run getting the same session, 13 cannot sign in to the
console, 14 no browser (both: mfa-assume console), 15 no profiles for you, 16 a
profile's credential_process does not run (both: mfa-assume setup), 126/127 command
not runnable, 130 interrupted
"""


# Every option, declared once: parser() gives each to argparse.add_argument, and
# fast_options() reads the usual credential_process call from the same entries.
OPTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("--version", {"action": "version", "version": f"%(prog)s {__version__}"}),
    (
        "--profile",
        {
            "help": "profile in ~/.aws/config with role_arn "
            "(default: $AWS_DEFAULT_PROFILE, $AWS_PROFILE, as botocore reads them)"
        },
    ),
    ("--role-arn", {"help": "role to assume (default: the profile's role_arn)"}),
    ("--role-session-name", {"help": "default: your IAM user name"}),
    (
        "--serial-number",
        {"help": "MFA device ARN or hardware serial (default: mfa_serial, or found)"},
    ),
    (
        "--token-code",
        {"help": "six-digit MFA code, or - to read it from stdin (default: ask)"},
    ),
    (
        "--duration-seconds",
        {"help": "900-43200, or 15m..12h (default: duration_seconds or 1h)"},
    ),
    ("--source-identity", {"help": "default: your IAM user name"}),
    (
        "--region",
        {
            "help": "AWS region for STS (default: the profile's region, $AWS_DEFAULT_REGION, "
            "the source profile's region, us-east-1)"
        },
    ),
    (
        "--format",
        {"choices": output.FORMATS, "default": None, "help": "output format (default: env)"},
    ),
    (
        "--write-profile",
        {"metavar": "NAME", "help": "save as profile NAME in ~/.aws/credentials"},
    ),
    (
        "--refresh",
        {"action": "store_true", "help": "ignore cached credentials, start a new session"},
    ),
    (
        "--tag",
        {
            "action": "append",
            "metavar": "KEY=VALUE",
            "help": "session tag sent with AssumeRole; repeat for more "
            "(added to the profile's session_tags)",
        },
    ),
    ("--no-mfa", {"action": "store_true", "help": "do not send an MFA code"}),
    (
        "--no-mfa-session",
        {
            "action": "store_true",
            "help": "send the code with AssumeRole instead of reusing an MFA session (mfa_max_age)",
        },
    ),
)


def parser() -> argparse.ArgumentParser:
    import argparse  # not on the usual path: fast_options() reads that without it
    from typing import NoReturn

    class Parser(argparse.ArgumentParser):
        """argparse, with its errors as the helper's one-line message and exit code 2."""

        def error(self, message: str) -> NoReturn:
            raise InputError(f"{message}; see {PROG} --help")

    p = Parser(
        prog=PROG,
        description="Assume an IAM role with an MFA code; print, save or use the credentials.",
        usage="%(prog)s [options] [-- command [args ...]]\n       %(prog)s console [options] "
        "(sign in to the AWS console; see %(prog)s console --help)\n       %(prog)s setup "
        "[options] (write your profiles into ~/.aws/config; see %(prog)s setup --help)",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for flag, settings in OPTIONS:
        p.add_argument(flag, **settings)
    return p


def _fast_kind(settings: dict[str, Any]) -> str | None:
    """How fast_options() reads an option: "value", "switch" (store_true), "append" (each
    use adds a value) or None (it cannot)."""
    if settings.get("action") == "store_true" and settings.keys() <= {"action", "help"}:
        return "switch"
    if settings.get("action") == "append" and settings.keys() <= {"action", "help", "metavar"}:
        return "append"
    plain = settings.keys() <= {"help", "metavar", "choices", "default"}
    return "value" if plain and settings.get("default") is None else None


_FAST = {flag: (flag[2:].replace("-", "_"), _fast_kind(s), s) for flag, s in OPTIONS}


def fast_options(args: Sequence[str]) -> SimpleNamespace | None:
    """What argparse would make of ``args``, read from :data:`OPTIONS` without argparse, when
    ``args`` holds only exact flags, each followed by its value (``--profile NAME --format
    json``, as in a ``credential_process`` line); None for anything else (``--help``,
    ``--version``, abbreviations, ``--flag=value``, values starting with ``-``, errors),
    which :func:`parse_options` leaves to argparse. The two agree (tests/mfa_assume/test_cli.py).
    """
    values: dict[str, Any] = {}
    for dest, kind, settings in _FAST.values():
        if kind is not None:
            values[dest] = False if kind == "switch" else None
        elif settings.get("action") != "version":
            return None  # an option this reader does not know how to default
    words = iter(args)
    for word in words:
        dest, kind, settings = _FAST.get(word, ("", None, {}))
        if kind == "switch":
            values[dest] = True
            continue
        value = next(words, None) if kind in ("value", "append") else None
        if value is None or (value.startswith("-") and value != "-"):
            return None
        if "choices" in settings and value not in settings["choices"]:
            return None
        values[dest] = [*(values[dest] or []), value] if kind == "append" else value
    return SimpleNamespace(**values)


def parse_options(args: list[str]) -> SimpleNamespace:
    """The options in ``args``: :func:`fast_options`, else argparse (usage errors: exit 2)."""
    fast = fast_options(args)
    if fast is not None:
        return fast
    p = parser()
    return SimpleNamespace(**vars(p.parse_args(attach_dash_values(args, p))))


def attach_dash_values(args: list[str], p: argparse.ArgumentParser) -> list[str]:
    """``--flag -5m`` as ``--flag=-5m``, so that a value starting with ``-`` reaches our own
    check (argparse takes it for an option and says only "expected one argument")."""
    takes_value = {
        flag
        for action in p._actions
        if action.nargs is None and action.option_strings and action.const is None
        for flag in action.option_strings
    }
    out: list[str] = []
    at = 0
    while at < len(args):
        word = args[at]
        following = args[at + 1] if at + 1 < len(args) else None
        if (
            word in takes_value
            and following is not None
            and following.startswith("-")
            and following not in ("-", "--")
            and not following.startswith("--")
        ):
            out.append(f"{word}={following}")
            at += 2
            continue
        out.append(word)
        at += 1
    return out
