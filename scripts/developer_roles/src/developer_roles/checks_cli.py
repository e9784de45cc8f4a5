"""``developer-roles preflight|audit``: parse, call the checks, print; nothing else.

Exit codes (see ``developer_roles.report``): 0 ready / no finding, 1 a deploy would fail / a
finding, 2 bad input or no usable credentials (one line on stderr, never a traceback): a
``--config`` file that does not exist, a profile that does not exist (``--profile``,
``AWS_PROFILE``), bad options, an AWS endpoint that cannot be reached (a region that does not
exist) or answers something that is not AWS's; 130 interrupted. Every error line starts with
``developer-roles preflight: `` (or ``audit: ``).

The table groups rows of one kind (status, account, check, message) into one row with their
count and the first names; ``--verbose`` lists each, ``--json`` always holds every row. With
cdk.json's example configuration (account 123456789012) a note on stderr says how to point a
configuration at your account; ``audit`` without a configuration says drift was not checked.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from developer_roles.aws import Accounts
from developer_roles.cli import AWS_ERRORS, CommandParser, config_error_line, error_line
from developer_roles.config.model import ConfigError, RolesConfig
from developer_roles.configuration import (
    EXAMPLE_ACCOUNT,
    HOW_TO_START,
    example_notice,
    is_example,
    load,
)
from developer_roles.report import EXIT_BAD_INPUT, BadInput, Result, exit_code, to_json, to_table


def _account_profile(value: str) -> tuple[str, str]:
    account, sep, profile = value.partition("=")
    if not sep or not (account.isdigit() and len(account) == 12) or not profile:
        raise argparse.ArgumentTypeError(
            f"{value!r}: expected ACCOUNT=PROFILE with a 12-digit account ID"
        )
    return account, profile


def _role_template(value: str) -> str:
    if "{account}" not in value or not value.startswith("arn:"):
        raise argparse.ArgumentTypeError(
            f"{value!r}: expected a role ARN with an {{account}} placeholder, such as "
            "arn:aws:iam::{account}:role/cdk-hnb659fds-lookup-role-{account}-{region}"
        )
    return value


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    parser = CommandParser(
        command=command,
        prog="developer-roles",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    common = CommandParser(add_help=False)
    common.add_argument("--json", action="store_true", help="JSON instead of the table")
    common.add_argument(
        "--verbose",
        action="store_true",
        help="one row per finding (default: findings of a kind grouped, with the first names)",
    )
    common.add_argument("--profile", help="AWS profile of your usual credentials")
    common.add_argument("--region", help="region of the CDK bootstrap stack (default: targets')")
    common.add_argument(
        "--account-profile",
        type=_account_profile,
        action="append",
        default=[],
        metavar="ACCOUNT=PROFILE",
        help="credentials for another account (repeatable)",
    )
    common.add_argument(
        "--assume-role",
        type=_role_template,
        metavar="ARN_TEMPLATE",
        help="assume this role in each account ({account}, {region} are filled in)",
    )
    common.add_argument("--config", type=Path, help="JSON or YAML configuration (else cdk.json)")
    raw = argparse.RawDescriptionHelpFormatter
    sub.add_parser(
        "preflight",
        parents=[common],
        help="would `make deploy` succeed?",
        description=__doc__,
        formatter_class=raw,
    )
    audit = sub.add_parser(
        "audit",
        parents=[common],
        help="who holds high privilege, and how",
        description=__doc__,
        formatter_class=raw,
    )
    audit.add_argument("--account", help="the account to audit (default: your credentials')")
    audit.add_argument(
        "--acknowledgements",
        type=Path,
        help="YAML or JSON list of accepted findings, each with check, subject and reason",
    )
    return parser


def run(argv: Sequence[str]) -> tuple[str, list[Result]]:
    args = _parser(argv[0] if argv else None).parse_args(argv)
    accounts = Accounts(
        region=args.region,
        profile=args.profile,
        account_profiles=dict(args.account_profile),
        assume_role=args.assume_role,
    )
    if args.command == "preflight":
        from developer_roles.preflight import run_preflight

        planned = load(args.config)
        notice = example_notice(planned, accounts.caller_account)
        if notice:
            print(f"note: {notice}", file=sys.stderr)
        return "preflight", run_preflight(planned, accounts)
    from developer_roles.audit import load_acknowledgements, run_audit

    acknowledged = load_acknowledgements(args.acknowledgements)
    account = args.account or accounts.caller_account
    no_config = "no configuration was given (--config FILE, CONFIG=FILE for make)"
    config: RolesConfig | None = None
    if args.config is not None:
        config = load(args.config)
    elif (Path.cwd() / "cdk.json").exists():
        config = load(None)
        if is_example(config) and account != EXAMPLE_ACCOUNT:
            config = None
            no_config = (
                f"the configuration is cdk.json's example (account {EXAMPLE_ACCOUNT}); "
                + HOW_TO_START
            )
    return "audit", run_audit(
        accounts, account, config=config, acknowledged=acknowledged, no_config=no_config
    )


def main(argv: Sequence[str]) -> int:
    json_output = "--json" in argv
    verbose = "--verbose" in argv
    command = argv[0] if argv and argv[0] in ("preflight", "audit") else "preflight"
    try:
        command, results = run(argv)
    except SystemExit as exit_:  # --help (0), or a bad option, already reported in one line
        return EXIT_BAD_INPUT if exit_.code else 0
    except ConfigError as error:
        line = config_error_line(command, error.problems, error.source, "nothing was checked")
        print(line, file=sys.stderr)
        return EXIT_BAD_INPUT
    except BadInput as error:
        print(error_line(command, error), file=sys.stderr)
        return EXIT_BAD_INPUT
    except AWS_ERRORS as error:
        print(error_line(command, f"AWS call failed: {error}"), file=sys.stderr)
        return EXIT_BAD_INPUT
    print(to_json(command, results) if json_output else to_table(command, results, verbose=verbose))
    return exit_code(results)
