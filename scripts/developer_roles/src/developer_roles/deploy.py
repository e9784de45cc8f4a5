"""``developer-roles deploy``: every stack, several at a time, after one approval of changes.

``make deploy`` runs it.

The CDK CLI cannot ask for approval while it deploys stacks concurrently: with
``--require-approval broadening`` and ``--concurrency`` above 1 it stops with "concurrency is
greater than 1 so we are unable to get a confirmation from the user", which is every first
deploy of developer roles. So this script

1. synthesizes once (``cdk synth``), so that what is approved is exactly what is deployed;
2. shows the security-broadening changes of every stack at once (``cdk diff --security-only
   --fail-on broadening --method template``, read-only) and, if there are any, asks once on
   the terminal;
3. deploys that assembly with ``cdk deploy --all --concurrency N --require-approval never``.

Without a terminal it refuses broadening changes, as the CDK CLI does; ``--require-approval
never`` (``REQUIRE_APPROVAL=never``, for pipelines) skips step 2's question. Arguments after
``--`` go to every ``cdk`` command (``-c developerRolesFile=...``, ``--profile ...``).

Exit codes: 0 deployed (or nothing to deploy); 1 a ``cdk`` command failed (its output above);
2 bad arguments; 3 broadening changes not approved (declined, or no terminal to ask).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Sequence

EXIT_CDK_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_NOT_APPROVED = 3
# `cdk diff` ends with this line whenever it compared the stacks (and not when it failed).
_DIFF_SUMMARY = re.compile(r"Number of stacks with differences: (\d+)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="developer-roles deploy", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--concurrency", type=int, default=4, help="stacks at once (1..50)")
    parser.add_argument(
        "--require-approval",
        choices=["broadening", "never"],
        default="broadening",
        help="ask before security-broadening changes (default) or never",
    )
    parser.add_argument("--output", default="cdk.out", help="the cloud assembly folder")
    parser.add_argument("--cdk", default="cdk", help=argparse.SUPPRESS)
    parser.add_argument("cdk_args", nargs="*", help="arguments for every cdk command (after --)")
    return parser


def _cdk(cdk: str, *args: str) -> int:
    return subprocess.run([cdk, *args], check=False).returncode


def _broadening_changes(cdk: str, assembly: str, extra: Sequence[str]) -> int | None:
    """Stacks with differences if any change broadens security; 0 if none; None if diff failed.

    The diff's output goes to the terminal as it is produced; a copy is kept to tell "found
    broadening changes" (exit 1 with the summary line) from "could not diff" (exit 1 without).
    """
    command = [
        cdk,
        "diff",
        "--app",
        assembly,
        "--security-only",
        "--fail-on",
        "broadening",
        "--method",
        "template",
        *extra,
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        sys.stdout.write(line)
        lines.append(line)
    code = process.wait()
    summary = next((m for m in map(_DIFF_SUMMARY.search, lines) if m), None)
    if code == 0 and summary is not None:
        return 0
    if code == 1 and summary is not None:
        return max(1, int(summary.group(1)))
    return None


def _approved(stacks: int) -> bool:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print(
            f"deploy: {stacks} stack(s) have security-broadening changes (shown above) and there "
            "is no terminal to ask; review them, then run with REQUIRE_APPROVAL=never",
            file=sys.stderr,
        )
        return False
    try:
        answer = input(f"Deploy these security-broadening changes to {stacks} stack(s) (y/n)? ")
    except (EOFError, KeyboardInterrupt):
        print()
        answer = ""
    if answer.strip().lower() not in ("y", "yes"):
        print("deploy: not approved; nothing was deployed", file=sys.stderr)
        return False
    return True


def main(argv: Sequence[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        return EXIT_BAD_INPUT if exit_.code else 0
    if not 1 <= args.concurrency <= 50:
        print(f"deploy: --concurrency must be 1..50, not {args.concurrency}", file=sys.stderr)
        return EXIT_BAD_INPUT
    extra: list[str] = list(args.cdk_args)
    if _cdk(args.cdk, "synth", "--quiet", "--output", args.output, *extra):
        return EXIT_CDK_FAILED
    if args.require_approval == "broadening":
        stacks = _broadening_changes(args.cdk, args.output, extra)
        if stacks is None:
            print("deploy: cdk diff failed (output above); nothing was deployed", file=sys.stderr)
            return EXIT_CDK_FAILED
        if stacks and not _approved(stacks):
            return EXIT_NOT_APPROVED
    deployed = _cdk(
        args.cdk,
        "deploy",
        "--app",
        args.output,
        "--all",
        "--concurrency",
        str(args.concurrency),
        "--require-approval",
        "never",
        "--progress",
        "events",
        *extra,
    )
    return EXIT_CDK_FAILED if deployed else 0
