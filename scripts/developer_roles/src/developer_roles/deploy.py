"""``developer-roles deploy``: every stack, several at a time, after one approval of changes.

``make deploy`` runs it.

The CDK CLI cannot ask for approval while it deploys stacks concurrently: with
``--require-approval broadening`` and ``--concurrency`` above 1 it stops with "concurrency is
greater than 1 so we are unable to get a confirmation from the user", which is every first
deploy of developer roles. So this script

1. synthesizes once (``cdk synth``), so that what is approved is exactly what is deployed;
2. prints a summary: per stack, the roles added and removed, and for each changed role what
   changes (trust policy, managed or inline policies, session duration ...), one line per
   role, from the deployed and the synthesized templates (``--diff`` also prints the full
   ``cdk diff --security-only``);
3. if any change broadens security (``cdk diff --security-only --fail-on broadening --method
   template``, read-only), asks once on the controlling terminal (``/dev/tty``), whatever
   standard input and output are: ``make deploy | tee deploy.log`` still asks;
4. deploys that assembly with ``cdk deploy --all --concurrency N --require-approval never``;
   if that fails, ends with one line per stack and its CloudFormation state, or, when AWS
   cannot be reached, what ``cdk deploy`` reported about the stack.

Before step 1, without any AWS change: a configuration file that does not exist, a profile
that does not exist (``--profile`` after ``--``, or ``AWS_PROFILE``), and cdk.json's example
configuration (account 123456789012) with credentials of another account are refused in one
line. Without a terminal it refuses broadening changes, as the CDK CLI does;
``--require-approval never`` (``REQUIRE_APPROVAL=never``, for pipelines) skips the question.
Arguments after ``--`` go to every ``cdk`` command (``-c developerRolesFile=...``,
``--profile ...``).

Exit codes: 0 deployed (or nothing to deploy); 1 a ``cdk`` command failed (its output above);
2 bad input (arguments, configuration, profile, credentials); 3 broadening changes not
approved (declined, or no terminal to ask).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from developer_roles.aws import caller_identity, open_session
from developer_roles.config import CONTEXT_FILE_KEY
from developer_roles.config.model import ConfigError
from developer_roles.configuration import EXAMPLE_ACCOUNT, HOW_TO_START, is_example, load_for_cdk
from developer_roles.report import BadInput
from developer_roles.summary import StackSummary, render, summarize

EXIT_CDK_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_NOT_APPROVED = 3
# `cdk diff` ends with this line whenever it compared the stacks (and not when it failed).
_DIFF_SUMMARY = re.compile(r"Number of stacks with differences: (\d+)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="developer-roles deploy",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--concurrency", type=int, default=4, help="stacks at once (1..50)")
    parser.add_argument(
        "--require-approval",
        choices=["broadening", "never"],
        default="broadening",
        help="ask before security-broadening changes (default) or never",
    )
    parser.add_argument("--output", default="cdk.out", help="the cloud assembly folder")
    parser.add_argument(
        "--diff",
        action="store_true",
        help="print the full cdk diff --security-only after the summary",
    )
    parser.add_argument("--cdk", default="cdk", help=argparse.SUPPRESS)
    parser.add_argument("cdk_args", nargs="*", help="arguments for every cdk command (after --)")
    return parser


def _cdk(cdk: str, *args: str) -> int:
    return subprocess.run([cdk, *args], check=False).returncode


def _broadening_changes(cdk: str, assembly: str, extra: Sequence[str], *, show: bool) -> int | None:
    """Stacks with differences if any change broadens security; 0 if none; None if diff failed.

    With ``show`` the diff's output goes to the terminal as it is produced, else only when the
    diff fails; a copy is kept to tell "found broadening changes" (exit 1 with the summary
    line) from "could not diff" (exit 1 without).
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
    lines = []
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        env=_terminal_width_env(),
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if show:
                sys.stdout.write(line)
            lines.append(line)
    code = process.returncode
    summary = next((m for m in map(_DIFF_SUMMARY.search, lines) if m), None)
    if summary is None and not show:
        sys.stdout.write("".join(lines))
    if code == 0 and summary is not None:
        return 0
    if code == 1 and summary is not None:
        return max(1, int(summary.group(1)))
    return None


def _terminal_width_env() -> dict[str, str]:
    """The environment for ``cdk diff``, with ``COLUMNS`` set to the terminal's width.

    ``cdk diff`` writes into a pipe here (its output is read for the summary line), so it
    cannot see the terminal and sizes its tables from ``COLUMNS``, or not at all; the
    operator's terminal (``/dev/tty``, whatever stdout is) decides instead, so the tables fit.
    """
    env = dict(os.environ)
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except OSError:
        return env
    try:
        env["COLUMNS"] = str(os.get_terminal_size(fd).columns)
    except OSError:
        pass
    finally:
        os.close(fd)
    return env


def _ask(question: str) -> str | None:
    """The answer typed on the controlling terminal, or None when there is none.

    ``/dev/tty`` is opened by the command itself, as the helper's MFA prompt does
    (mfa_assume.prompt.terminal): standard output may be a pipe (``| tee deploy.log``) and
    standard input anything, and the question still reaches the person at the terminal.
    """
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return None
    try:
        if not os.isatty(fd):
            return None
        os.write(fd, question.encode())
        data = b""
        while not data.endswith(b"\n"):
            chunk = os.read(fd, 1024)
            if not chunk:
                break
            data += chunk
        return data.decode("utf-8", "replace")
    finally:
        os.close(fd)


def _approved(stacks: int) -> bool:
    sys.stdout.flush()
    try:
        answer = _ask(f"Deploy these security-broadening changes to {stacks} stack(s) (y/n)? ")
    except KeyboardInterrupt:
        answer = ""
    if answer is None:
        print(
            f"deploy: {stacks} stack(s) have security-broadening changes (summary above; the "
            "full diff with --diff) and there "
            "is no terminal to ask; review them, then run with REQUIRE_APPROVAL=never",
            file=sys.stderr,
        )
        return False
    print(f"deploy: answered {answer.strip()!r}")  # into the log as well (| tee deploy.log)
    if answer.strip().lower() not in ("y", "yes"):
        print("deploy: not approved; nothing was deployed", file=sys.stderr)
        return False
    return True


def _option(args: Sequence[str], name: str) -> str | None:
    """The value of ``--name VALUE`` or ``--name=VALUE`` among cdk arguments."""
    for index, arg in enumerate(args):
        if arg == name and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def _config_file(args: Sequence[str]) -> str | None:
    """The ``-c developerRolesFile=FILE`` among cdk arguments."""
    for index, arg in enumerate(args):
        if arg in ("-c", "--context") and index + 1 < len(args):
            key, _, value = args[index + 1].partition("=")
            if key == CONTEXT_FILE_KEY:
                return value
    return None


def check_inputs(extra: Sequence[str]) -> Any:
    """Refuse, before anything is synthesized, what would fail or deploy the wrong thing;
    the boto3 session of the credentials in use."""
    session = open_session(_option(extra, "--profile"))
    config = load_for_cdk(extra)  # -c developerRolesFile=, else -c developerRoles=, else cdk.json
    caller, _ = caller_identity(session)
    if is_example(config):
        if caller != EXAMPLE_ACCOUNT:
            raise BadInput(
                f"the configuration is cdk.json's example, which targets the example account "
                f"{EXAMPLE_ACCOUNT}, and your credentials are for {caller}; {HOW_TO_START}"
            )
        print(
            f"note: the configuration targets {EXAMPLE_ACCOUNT}, the example account; "
            + HOW_TO_START,
            file=sys.stderr,
        )
    return session


_QUICK = Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=5, read_timeout=20)


def _stacks(assembly: str) -> list[tuple[str, str, str | None, Path]]:
    """(stack name, account, region, template) of each stack in the cloud assembly."""
    root = Path(assembly)
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    found = []
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        properties = artifact.get("properties", {})
        _, _, where = str(artifact.get("environment", "aws://unknown/unknown")).partition("//")
        account, _, region = where.partition("/")
        found.append(
            (
                str(properties.get("stackName", artifact_id)),
                account,
                None if region.startswith("unknown") else region,
                root / str(properties["templateFile"]),
            )
        )
    return found


def _cfn(session: Any, region: str | None) -> Any:
    return session.client(
        "cloudformation", region_name=region or session.region_name or "us-east-1", config=_QUICK
    )


def summaries(session: Any, assembly: str) -> list[str]:
    caller, _ = caller_identity(session)
    found: list[StackSummary] = []
    lines: list[str] = []
    for name, account, region, template in _stacks(assembly):
        if account not in (caller, "unknown-account"):
            lines.append(f"{name}: not summarized (account {account}; your credentials: {caller})")
            continue
        try:
            body = _cfn(session, region).get_template(StackName=name, TemplateStage="Original")
            deployed = body["TemplateBody"]
            if isinstance(deployed, str):
                deployed = json.loads(deployed)
        except ClientError as error:
            if "does not exist" not in str(error):
                lines.append(f"{name}: not summarized (cloudformation:GetTemplate: {error})")
                continue
            deployed = None
        synthesized = json.loads(template.read_text(encoding="utf-8"))
        found.append(summarize(name, deployed, synthesized))
    return render(found) + lines


# What `cdk deploy` prints about a stack: "✅  NAME", "✅  NAME (no changes)", "❌  NAME failed:
# ...", and progress or errors as "NAME: creating CloudFormation changeset...", "NAME: connect
# ECONNREFUSED 127.0.0.1:4566".
_DONE = re.compile(r"(✅|❌)\s+(\S+)")
_SAID = re.compile(r"^\s*(\S+): (.+?)\s*$")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _deploy(cdk: str, *args: str, stacks: Sequence[str] = ()) -> tuple[int, dict[str, str]]:
    """Run ``cdk deploy``, its output passed on as it comes; its exit code and, per stack,
    the last thing it reported ("deployed", "failed", or its last line about the stack)."""
    reported: dict[str, str] = {}
    with subprocess.Popen(
        [cdk, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            plain = _ANSI.sub("", line)
            done, said = _DONE.search(plain), _SAID.match(plain)
            if done:
                reported[done.group(2)] = "deployed" if done.group(1) == "✅" else "failed"
            elif said and said.group(1) in stacks:
                reported[said.group(1)] = said.group(2)[:120]
    return process.returncode, reported


_REPORTED = {
    "deployed": "; cdk deploy reported it deployed",
    "failed": "; cdk deploy reported it failed",
    "": "; cdk deploy reported nothing about it",
}


def stack_states(session: Any, assembly: str, reported: dict[str, str] | None = None) -> list[str]:
    """One line per stack of the assembly: its CloudFormation state now, or why not known (with
    what ``cdk deploy`` reported about it, when it did)."""
    reported = reported or {}
    lines = []
    for name, _account, region, _template in _stacks(assembly):
        last = reported.get(name, "")
        said = _REPORTED.get(last, f"; cdk deploy's last line about it: {last}")
        try:
            stack = _cfn(session, region).describe_stacks(StackName=name)["Stacks"][0]
            state = str(stack["StackStatus"])
            reason = stack.get("StackStatusReason")
            lines.append(f"{name}: {state}" + (f" ({reason})" if reason else ""))
        except ClientError as error:
            if "does not exist" in str(error):
                lines.append(f"{name}: not deployed")
            else:
                code = error.response.get("Error", {}).get("Code")
                lines.append(f"{name}: state unknown ({code}{said})")
        except BotoCoreError as error:
            lines.append(f"{name}: state unknown ({' '.join(str(error).split())}{said})")
    return lines


def main(argv: Sequence[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        return EXIT_BAD_INPUT if exit_.code else 0
    if not 1 <= args.concurrency <= 50:
        print(f"deploy: --concurrency must be 1..50, not {args.concurrency}", file=sys.stderr)
        return EXIT_BAD_INPUT
    extra: list[str] = list(args.cdk_args)
    try:
        session = check_inputs(extra)
    except ConfigError as error:
        print(error.report("nothing was deployed"), file=sys.stderr)
        return EXIT_BAD_INPUT
    except BadInput as error:
        print(f"deploy: {error}; nothing was deployed", file=sys.stderr)
        return EXIT_BAD_INPUT
    if _cdk(args.cdk, "synth", "--quiet", "--output", args.output, *extra):
        return EXIT_CDK_FAILED
    try:
        summary = summaries(session, args.output)
    except (BadInput, BotoCoreError) as error:
        summary = [f"(no summary: {error})"]
    print("Changes (per stack; the full diff: DEPLOY_ARGS=--diff):")
    print("\n".join(summary))
    if args.require_approval == "broadening":
        stacks = _broadening_changes(args.cdk, args.output, extra, show=args.diff)
        if stacks is None:
            print("deploy: cdk diff failed (output above); nothing was deployed", file=sys.stderr)
            return EXIT_CDK_FAILED
        if stacks and not _approved(stacks):
            return EXIT_NOT_APPROVED
    deployed, reported = _deploy(
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
        stacks=[name for name, *_ in _stacks(args.output)],
    )
    if deployed:
        print("deploy: cdk deploy failed; the stacks now:", file=sys.stderr)
        for line in stack_states(session, args.output, reported):
            print(f"  {line}", file=sys.stderr)
        return EXIT_CDK_FAILED
    return 0
