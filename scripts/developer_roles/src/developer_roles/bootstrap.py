"""``developer-roles bootstrap``: ``cdk bootstrap`` for exactly the environments a deploy needs.

``make bootstrap`` runs it. The environments are the configuration's targets (each account and
region, and the identity account with ``identityAccount``); a target without an account is
your credentials' account, one without a region your credentials' region. Without
``--config``, when cdk.json holds only its example (account 123456789012), it is your
credentials' account and region, and a note says how to point a configuration at it.

Each environment in another account than your credentials' needs credentials of its own
(``--account-profile ACCOUNT=PROFILE``); without them nothing is bootstrapped. Arguments after
``--`` go to every ``cdk bootstrap`` (``--trust``, ``--qualifier`` ...).

Exit codes: 0 bootstrapped; 1 a ``cdk bootstrap`` failed (its output above); 2 bad input (no
such configuration file, an invalid one, a profile that does not exist, no credentials, an
account without credentials, no region, an AWS endpoint that cannot be reached or answers
nonsense, the ``cdk`` CLI not on PATH), one line, before anything is bootstrapped; 130
interrupted. Every error line starts with ``developer-roles bootstrap: ``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from developer_roles.aws import caller_identity, open_session
from developer_roles.cli import AWS_ERRORS, CommandParser, config_error_line, error_line
from developer_roles.config.model import ConfigError, RolesConfig
from developer_roles.configuration import (
    EXAMPLE_ACCOUNT,
    HOW_TO_START,
    Environment,
    environments,
    is_example,
    load,
)
from developer_roles.report import BadInput

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
COMMAND = "bootstrap"
NOT_BOOTSTRAPPED = "nothing was bootstrapped"


def _account_profile(value: str) -> tuple[str, str]:
    account, sep, profile = value.partition("=")
    if not sep or not (account.isdigit() and len(account) == 12) or not profile:
        raise argparse.ArgumentTypeError(
            f"{value!r}: expected ACCOUNT=PROFILE with a 12-digit account ID"
        )
    return account, profile


def _parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="developer-roles bootstrap",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", type=Path, help="JSON or YAML configuration (else cdk.json)")
    parser.add_argument("--profile", help="AWS profile of your credentials")
    parser.add_argument(
        "--account-profile",
        type=_account_profile,
        action="append",
        default=[],
        metavar="ACCOUNT=PROFILE",
        help="credentials for another account of the configuration (repeatable)",
    )
    parser.add_argument("--cdk", default="cdk", help=argparse.SUPPRESS)
    parser.add_argument("cdk_args", nargs="*", help="arguments for cdk bootstrap (after --)")
    return parser


def plan(
    config: RolesConfig | None,
    caller_account: str,
    region: str | None,
    profiles: dict[str, str],
) -> list[tuple[Environment, str | None]]:
    """Each environment with the profile to bootstrap it with (None: your credentials), or
    :class:`BadInput` naming every account no credentials reach."""
    found = environments(config, caller_account, region)
    unreachable = [e for e in found if e.account != caller_account and e.account not in profiles]
    if unreachable:
        names = ", ".join(str(e) for e in unreachable)
        raise BadInput(
            f"your credentials are for {caller_account}, not for {names}: pass "
            f"--account-profile ACCOUNT=PROFILE for each (make bootstrap "
            f"BOOTSTRAP_ARGS='--account-profile {unreachable[0].account}=PROFILE'); "
            "nothing was bootstrapped"
        )
    return [(e, None if e.account == caller_account else profiles[e.account]) for e in found]


def find_cdk(cdk: str) -> str:
    """The ``cdk`` CLI's path, or :class:`BadInput` before any AWS call."""
    found = shutil.which(cdk)
    if found is None:
        raise BadInput(
            f"{cdk} CLI not found on PATH: run `make bootstrap` (it puts the pinned CLI of "
            f"node_modules/.bin on PATH, after `make setup`), or install the CDK CLI; "
            f"{NOT_BOOTSTRAPPED}"
        )
    return found


def run(args: argparse.Namespace) -> list[tuple[Environment, str | None]]:
    config: RolesConfig | None = load(args.config)
    session = open_session(args.profile)
    for _account, profile in args.account_profile:
        open_session(profile)  # a profile that does not exist: one line, before anything
    caller, _ = caller_identity(session)
    copied_example = args.config is not None and config is not None and is_example(config)
    if copied_example and caller != EXAMPLE_ACCOUNT:
        raise BadInput(
            f"{args.config} targets the example account {EXAMPLE_ACCOUNT} and your "
            f"credentials are for {caller}; {HOW_TO_START}; nothing was bootstrapped"
        )
    example = args.config is None and config is not None and is_example(config)
    if example and caller != EXAMPLE_ACCOUNT:
        print(
            f"note: cdk.json holds the example configuration (account {EXAMPLE_ACCOUNT}); "
            f"bootstrapping your credentials' account {caller} instead. {HOW_TO_START}",
            file=sys.stderr,
        )
        config = None
    return plan(config, caller, session.region_name, dict(args.account_profile))


def main(argv: Sequence[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        return EXIT_BAD_INPUT if exit_.code else 0
    try:
        cdk = find_cdk(args.cdk)
        steps = run(args)
    except ConfigError as error:
        print(
            config_error_line(COMMAND, error.problems, error.source, NOT_BOOTSTRAPPED),
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    except BadInput as error:
        print(error_line(COMMAND, error), file=sys.stderr)
        return EXIT_BAD_INPUT
    except AWS_ERRORS as error:
        print(error_line(COMMAND, f"AWS call failed: {error}; {NOT_BOOTSTRAPPED}"), file=sys.stderr)
        return EXIT_BAD_INPUT
    for environment, profile in steps:
        command = bootstrap_command(cdk, str(environment), args.cdk_args, profile or args.profile)
        print(f"bootstrap: {environment}", file=sys.stderr)
        if subprocess.run(command, check=False).returncode:
            print(
                error_line(COMMAND, f"cdk bootstrap {environment} failed (output above)"),
                file=sys.stderr,
            )
            return EXIT_FAILED
    return 0


def bootstrap_command(
    cdk: str, environment: str, cdk_args: Sequence[str], profile: str | None
) -> list[str]:
    """``cdk bootstrap ENVIRONMENT`` without running the app.

    In a folder whose cdk.json names an app, ``cdk bootstrap`` synthesizes the whole app to
    look for environments even when they are given on the command line (aws-cdk's
    ``CdkToolkit.defineEnvironments``), once per call: seconds to minutes each, for nothing,
    since the environments here come from the configuration. ``--app ''`` leaves the app out
    and keeps cdk.json's context (a qualifier set there still applies). An ``--app`` of the
    caller's, after ``--``, is kept as given.
    """
    given = any(arg in ("--app", "-a") or arg.startswith("--app=") for arg in cdk_args)
    command = [cdk, "bootstrap", environment, *([] if given else ["--app", ""]), *cdk_args]
    if profile:
        command += ["--profile", profile]
    return command
