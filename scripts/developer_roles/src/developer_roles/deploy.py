"""``developer-roles deploy``: every stack, several at a time, after one approval of changes.

``make deploy`` runs it.

The CDK CLI cannot ask for approval while it deploys stacks concurrently: with
``--require-approval broadening`` and ``--concurrency`` above 1 it stops with "concurrency is
greater than 1 so we are unable to get a confirmation from the user", which is every first
deploy of developer roles. So this command

1. synthesizes once (``cdk synth``), so that what is approved is exactly what is deployed;
2. reads each stack's deployed template and each deployed developer role's live state, and
   prints the summary: totals first (roles added, removed, broadened, narrowed, drifted, per
   stack and overall), then one line per role naming every privilege change (managed and
   inline policies by name, trust principals, MFA age, session duration, permissions
   boundary, source identity and session-tag settings, tags) and whether it broadens, and the
   changes made by hand (drift). Many lines of one kind are grouped (a count and the first
   names); ``--diff`` lists every role and prints the full ``cdk diff --security-only``,
   ``--json`` prints the summary as JSON (for pipelines);
3. with ``--summary-only`` stops there: exit 3 when something broadens, else 0;
4. restores the drift (a policy attached or an inline policy added by hand is removed; a trust
   policy, session duration, boundary or tags changed by hand are put back as deployed):
   removing privilege narrows, so it never asks, and it is never skipped;
5. if any change broadens (a role added; a policy, principal, longer session, older MFA age
   added; an MFA condition, boundary or source-identity requirement removed or replaced),
   asks once on the controlling terminal (``/dev/tty``), whatever standard input and output
   are: ``make deploy | tee deploy.log`` still asks; without a terminal it refuses;
6. deploys that assembly with ``cdk deploy --all --concurrency N --require-approval never``;
   if that fails or is interrupted (Ctrl-C), ends with one line per stack and its
   CloudFormation state, or, when AWS cannot be reached, what ``cdk deploy`` reported.

Before step 1, without any AWS change: a ``cdk`` CLI that is not on PATH, a configuration file
that does not exist, a profile that does not exist (``--profile`` after ``--``, or
``AWS_PROFILE``), and cdk.json's example configuration (account 123456789012) with credentials
of another account are refused in one line. ``--require-approval never``
(``REQUIRE_APPROVAL=never``, for pipelines) skips the question. Arguments after ``--`` go to
every ``cdk`` command (``-c developerRolesFile=...``, ``--profile ...``).

Every error is one line on standard error starting "developer-roles deploy: ".

Exit codes:
  0    deployed (or nothing to deploy); --summary-only: nothing broadens
  1    a cdk command failed (its output above), or drift could not be restored
  2    bad input (arguments, configuration, profile, credentials, no cdk CLI on PATH)
  3    broadening changes not approved (declined, or no terminal to ask);
       --summary-only: something broadens (approval needed)
  130  interrupted (Ctrl-C); each stack's state is printed
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from developer_roles.aws import caller_identity, open_session
from developer_roles.config.model import ConfigError
from developer_roles.configuration import EXAMPLE_ACCOUNT, HOW_TO_START, is_example, load_for_cdk
from developer_roles.drift import restore
from developer_roles.plan import Plan, cloudformation, collect, stacks
from developer_roles.report import BadInput
from developer_roles.summary import render, to_json

EXIT_CDK_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_NOT_APPROVED = 3
EXIT_INTERRUPTED = 130
PREFIX = "developer-roles deploy: "


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
        help="list every role in the summary (not grouped) and print the full cdk diff "
        "--security-only after it",
    )
    parser.add_argument(
        "--summary-only",
        action="store_true",
        help="print the summary and stop without changing anything: exit 3 when something "
        "broadens, else 0 (a pipeline's approval step)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the summary as JSON on standard output (every role; cdk's output goes to "
        "standard error)",
    )
    parser.add_argument("--cdk", default="cdk", help=argparse.SUPPRESS)
    parser.add_argument("cdk_args", nargs="*", help="arguments for every cdk command (after --)")
    return parser


@contextlib.contextmanager
def _child(argv: Sequence[str], **options: Any) -> Iterator[subprocess.Popen[str]]:
    """A ``cdk`` process in a process group of its own, so that Ctrl-C reaches this command
    alone: the CDK CLI, the app it runs and their Node.js and Python wrappers would each print
    a traceback of their own. On Ctrl-C the group is ended (SIGTERM, then SIGKILL after 10 s)
    and the interrupt goes on to the caller, which says what state the stacks are in."""
    process = subprocess.Popen(list(argv), start_new_session=True, **options)
    try:
        with process:
            yield process
    except KeyboardInterrupt:
        _end_group(process)
        raise


def _end_group(process: subprocess.Popen[str]) -> None:
    for signal_number, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal_number)
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _cdk(cdk: str, *args: str, to_stderr: bool = False, env: dict[str, str] | None = None) -> int:
    """Run a ``cdk`` command; with ``to_stderr`` its standard output goes to standard error
    (``--json`` keeps standard output for the summary alone)."""
    out = sys.stderr if to_stderr else None
    with _child([cdk, *args], stdout=out, env=env) as process:
        return process.wait()


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
            f"{PREFIX}{stacks} stack(s) have security-broadening changes (summary above; "
            "every role with --diff) and there "
            "is no terminal to ask; review them, then run with REQUIRE_APPROVAL=never",
            file=sys.stderr,
        )
        return False
    print(f"{PREFIX}answered {answer.strip()!r}")  # into the log as well (| tee deploy.log)
    if answer.strip().lower() not in ("y", "yes"):
        print(f"{PREFIX}not approved; nothing was deployed", file=sys.stderr)
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
            f"{PREFIX}note: the configuration targets {EXAMPLE_ACCOUNT}, the example account; "
            + HOW_TO_START,
            file=sys.stderr,
        )
    return session


# What `cdk deploy` prints about a stack: "✅  NAME", "✅  NAME (no changes)", "❌  NAME failed:
# ...", and progress or errors as "NAME: creating CloudFormation changeset...", "NAME: connect
# ECONNREFUSED 127.0.0.1:4566".
_DONE = re.compile(r"(✅|❌)\s+(\S+)")
_SAID = re.compile(r"^\s*(\S+): (.+?)\s*$")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _deploy(
    cdk: str, *args: str, stacks: Sequence[str] = (), reported: dict[str, str] | None = None
) -> tuple[int, dict[str, str]]:
    """Run ``cdk deploy``, its output passed on as it comes; its exit code and, per stack,
    the last thing it reported ("deployed", "failed", or its last line about the stack),
    kept in ``reported`` as it comes (what Ctrl-C prints)."""
    reported = {} if reported is None else reported
    with _child(
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
    for name, _account, region, _template in stacks(assembly):
        last = reported.get(name, "")
        said = _REPORTED.get(last, f"; cdk deploy's last line about it: {last}")
        try:
            stack = cloudformation(session, region).describe_stacks(StackName=name)["Stacks"][0]
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


def _error(message: str) -> None:
    print(PREFIX + message, file=sys.stderr)


def _show(plan: Plan, *, as_json: bool, full: bool) -> None:
    if as_json:
        print(to_json(plan.summaries))
        for note in plan.notes:
            _error(note)
        return
    print("Changes (totals, then per stack; every role: --diff, with make DEPLOY_ARGS=--diff):")
    print("\n".join(render(plan.summaries, full=full)))
    for note in plan.notes:
        print(note)


def _restore_drift(session: Any, plan: Plan) -> bool:
    """Put back what was changed by hand; False when some of it could not be."""
    if not plan.drifted:
        return True
    iam = session.client("iam")
    restored = True
    print(f"Restoring {len(plan.drifted)} drifted role(s) as deployed:")
    for drifted in plan.drifted:
        if drifted.live is None:
            print(f"  {drifted.name}: deleted by hand; not recreated")
            continue
        done, failed = restore(iam, drifted)
        if done:
            print(f"  {drifted.name}: {', '.join(done)}")
        for failure in failed:
            restored = False
            _error(f"could not restore {drifted.name}: {failure}")
    return restored


class _Progress:
    """How far a deploy got, for what Ctrl-C prints."""

    def __init__(self) -> None:
        self.synthesized = False
        self.reported: dict[str, str] = {}


def _interrupted(session: Any, output: str, progress: _Progress) -> int:
    if not progress.synthesized:
        _error("interrupted before anything was deployed")
        return EXIT_INTERRUPTED
    _error("interrupted; CloudFormation goes on with what it started; the stacks now:")
    try:
        lines = stack_states(session, output, progress.reported)
    except (OSError, ValueError, KeyError, BadInput, KeyboardInterrupt):
        lines = ["(the stacks' states could not be read)"]
    for line in lines:
        _error(line)
    return EXIT_INTERRUPTED


def _run(args: argparse.Namespace, session: Any, extra: list[str], progress: _Progress) -> int:
    # What cdk synth prints (notices such as "82 feature flags are not configured") goes to
    # standard error: standard output is the summary's alone.
    if _cdk(args.cdk, "synth", "--quiet", "--output", args.output, *extra, to_stderr=True):
        _error("cdk synth failed (its output above); nothing was deployed")
        return EXIT_CDK_FAILED
    progress.synthesized = True
    try:
        plan = collect(session, args.output)
    except (BadInput, BotoCoreError, ClientError) as error:
        _error(
            f"cannot summarize the changes: {' '.join(str(error).split())}; nothing was deployed"
        )
        return EXIT_CDK_FAILED
    _show(plan, as_json=args.json, full=args.diff)
    if args.diff:
        command = [
            args.cdk,
            "diff",
            "--app",
            args.output,
            "--security-only",
            "--method",
            "template",
        ]
        if _cdk(*command, *extra, to_stderr=args.json, env=_terminal_width_env()):
            _error("cdk diff failed (output above); nothing was deployed")
            return EXIT_CDK_FAILED
    if args.summary_only:
        return EXIT_NOT_APPROVED if plan.broadens else 0
    restored = _restore_drift(session, plan)
    asks = args.require_approval == "broadening" and plan.broadens
    if asks and not _approved(plan.broadening_stacks):
        return EXIT_NOT_APPROVED
    deployed, progress.reported = _deploy(
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
        stacks=[name for name, *_ in stacks(args.output)],
        reported=progress.reported,
    )
    if deployed:
        _error("cdk deploy failed; the stacks now:")
        for line in stack_states(session, args.output, progress.reported):
            _error(line)
        return EXIT_CDK_FAILED
    if not restored:
        _error("deployed, but some drift could not be restored (lines above)")
        return EXIT_CDK_FAILED
    return 0


def main(argv: Sequence[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        return EXIT_BAD_INPUT if exit_.code else 0
    if not 1 <= args.concurrency <= 50:
        _error(f"--concurrency must be 1..50, not {args.concurrency}")
        return EXIT_BAD_INPUT
    if shutil.which(args.cdk) is None:
        if os.path.isfile(os.path.join("node_modules", ".bin", "cdk")):
            how = (
                "the CLI pinned in package.json is in node_modules/.bin: run 'make deploy', or "
                'PATH="$PWD/.venv/bin:$PWD/node_modules/.bin:$PATH" (as make does)'
            )
        else:
            how = (
                "run 'make setup' (it installs the CLI pinned in package.json into "
                "node_modules/.bin) or put cdk on PATH"
            )
        _error(f"cdk CLI not found on PATH ({args.cdk!r}); {how}; nothing was deployed")
        return EXIT_BAD_INPUT
    extra: list[str] = list(args.cdk_args)
    try:
        session = check_inputs(extra)
    except ConfigError as error:
        print(PREFIX + error.report("nothing was deployed"), file=sys.stderr)
        return EXIT_BAD_INPUT
    except BadInput as error:
        _error(f"{error}; nothing was deployed")
        return EXIT_BAD_INPUT
    progress = _Progress()
    try:
        return _run(args, session, extra, progress)
    except KeyboardInterrupt:
        return _interrupted(session, args.output, progress)
    except OSError as error:  # the cdk CLI vanished or cannot be run after the check above
        _error(f"cannot run {args.cdk!r}: {error.strerror}; nothing more was deployed")
        return EXIT_BAD_INPUT
