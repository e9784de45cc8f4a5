"""``python -m trustcheck``: decide the request matrix against every synthesized trust policy.

Exit status: 0 when every decision is the expected one, 1 when any is not, 2 when the check
could not run (synthesis, template or simulator error).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from trustcheck.check import check, unexpected
from trustcheck.engine import EngineError
from trustcheck.matrix import RoleUnderTest
from trustcheck.report import as_json, summary, table
from trustcheck.synth import SynthError, synthesize
from trustcheck.templates import TemplateError, roles_from_policies, roles_in_assembly


def _account(text: str) -> str:
    if not (text.isdigit() and len(text) == 12):
        raise argparse.ArgumentTypeError(f"{text!r} is not a 12-digit AWS account ID")
    return text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m trustcheck",
        description=(
            "Evaluate every developer role's trust policy with an independent IAM policy "
            "evaluator (iam-simulate) against the request matrix; fail on any unexpected "
            "decision."
        ),
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--assembly",
        type=Path,
        help="a synthesized cloud assembly (for example cdk.out); default: synthesize afresh",
    )
    source.add_argument(
        "--policy",
        type=Path,
        action="append",
        help="a trust-policy JSON file to check instead of the app's templates (repeatable)",
    )
    parser.add_argument(
        "--account",
        type=_account,
        help="the account the roles live in (default: the stack's environment)",
    )
    parser.add_argument(
        "--owner",
        help="with --policy: the principal ARN the role is for (default: every user or role "
        "ARN the policy names)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    return parser


def _roles(args: argparse.Namespace, workdir: Path) -> list[RoleUnderTest]:
    if args.policy:
        policies = []
        for path in args.policy:
            try:
                policies.append((path.stem, json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError) as error:
                raise TemplateError(f"{path}: {error}") from error
        return roles_from_policies(policies, owner=args.owner, account=args.account)
    assembly = args.assembly if args.assembly else synthesize(workdir / "cdk.out")
    return roles_in_assembly(assembly, args.account)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="trustcheck-") as workdir:
            outcomes = check(_roles(args, Path(workdir)))
    except (SynthError, TemplateError, EngineError) as error:
        print(f"trustcheck: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(as_json(outcomes), indent=2))
    else:
        print(table(outcomes))
        print()
        print(summary(outcomes))
    return 1 if unexpected(outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
