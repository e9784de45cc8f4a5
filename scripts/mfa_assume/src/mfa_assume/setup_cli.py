"""``mfa-assume setup``: write the caller's profiles into their AWS config file.

Everything that can be refused without AWS is refused first (options, the profiles file, a
config file that cannot be written); then the caller is found (``--principal``, else
GetCallerIdentity with the source profile's keys), the published profiles are read when no
``--from`` is given, and the caller's profiles are merged into the config file's one managed
block (:mod:`mfa_assume.setup`). A run that changes nothing writes nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

from mfa_assume import PROG, credfile, flow, profiles, setup
from mfa_assume.errors import ExitCode, HelperError, InputError, reported

COMMAND = f"{PROG} setup"
EPILOG = """\
Without --from, the profiles come from where the deployment publishes them: SSM parameters
/developer-roles/profiles/* in the identity account, read with the source profile's keys.

exit codes: 0 written, or nothing to change; 2 invalid input; 4 base credentials missing or
rejected; 10 endpoint unreachable; 11 the config file cannot be written; 15 no profiles for
you (nothing published, or no role trusts you); 16 (--check) a profile's credential_process
command does not run; 1 other AWS error; 130 interrupted
"""


def parser() -> argparse.ArgumentParser:
    class Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:
            raise InputError(f"{message}; see {COMMAND} --help")

    p = Parser(
        prog=COMMAND,
        description="Write your developer-role profiles into ~/.aws/config (or "
        "$AWS_CONFIG_FILE), in one block that the next run replaces.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--from",
        dest="source",
        metavar="FILE",
        help="the profiles file synthesis wrote (cdk.out/aws-config-profiles.ini); "
        "default: the published profiles",
    )
    p.add_argument(
        "--principal",
        metavar="ARN",
        help="your IAM user ARN, instead of asking AWS (GetCallerIdentity)",
    )
    p.add_argument(
        "--source-profile",
        default="default",
        metavar="NAME",
        help="the profile with your IAM user's access keys (default: default)",
    )
    p.add_argument("--region", help="region of the identity account (published profiles)")
    p.add_argument(
        "--serial-number",
        metavar="ARN",
        help="your MFA device, written as mfa_serial; default: the configuration's, else "
        "your one device (iam:ListMFADevices)",
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument(
        "--print", action="store_true", help="print your profiles instead of writing them"
    )
    what.add_argument(
        "--dry-run", action="store_true", help="show the change as a diff; write nothing"
    )
    what.add_argument(
        "--check",
        action="store_true",
        help="check that every profile's credential_process command runs; write nothing",
    )
    return p


def helper_words(argv0: str, executable: str) -> list[str]:
    """How a ``credential_process`` line starts this helper: the absolute path of the command
    that runs now (cron and IDEs have a short PATH), or ``python -m mfa_assume``."""
    import shutil

    if os.path.basename(argv0) in ("mfa-assume", "mfa-assume.exe"):
        found = argv0 if os.sep in argv0 else shutil.which(argv0)
        if found:
            return [os.path.abspath(found)]
    return [os.path.abspath(executable), "-m", "mfa_assume"]


def _read_from(path: str) -> str:
    try:
        return credfile.read_text(os.path.realpath(path)) or _empty(path)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None


def _empty(path: str) -> NoReturn:
    raise InputError(f"{path} does not exist or is empty")


def _caller_and_published(
    ns: argparse.Namespace, deps: flow.Deps
) -> tuple[str | None, str | None, Any]:
    """The caller's ARN (None with ``--principal``), the published text (None with
    ``--from``) and the AWS clients (None without any AWS call), from one AWS session."""
    if ns.principal and ns.source:
        return None, None, None
    from mfa_assume import aws
    from mfa_assume.aws_errors import Context

    base = f"profile {ns.source_profile!r}"
    # checked before any AWS call: a missing profile, keys only in the environment, a loop
    profiles.base_identity(ns.source_profile, deps.env)
    factory = deps.make_clients or aws.make_clients
    clients = factory(ns.source_profile, ns.region)
    ctx = Context(operation="GetCallerIdentity", role_arn="", base=base)
    caller = None
    if not ns.principal:
        caller = str(flow._call(ctx, clients.sts.get_caller_identity)["Arn"])
    text = None
    if not ns.source:
        if clients.session_client is None:
            raise RuntimeError("these clients cannot make an SSM client")
        from mfa_assume import published

        ssm = clients.session_client("ssm")
        ctx = ctx._replace(operation="GetParametersByPath")
        try:
            text = str(flow._call(ctx, lambda: {"text": published.fetch(ssm)})["text"])
        except HelperError as exc:
            raise PublishedError(exc) from None
    return caller, text, clients


def _found_serial(ns: argparse.Namespace, clients: Any, caller: str, deps: flow.Deps) -> str | None:
    """The caller's one MFA device as IAM lists it (the helper's own lookup), when
    GetCallerIdentity found the caller: the devices listed are the signer's. Else, or when
    it cannot be found, one warning line saying how to set it; the profiles are written."""
    from mfa_assume.aws_errors import Context

    hint = f"set mfaSerial for {caller} in the deployment's configuration"
    ctx = Context("ListMFADevices", "", f"profile {ns.source_profile!r}", config_hint=hint)
    if clients is None or ns.principal:
        reason = "with --principal, setup does not ask IAM for your MFA device"
    else:
        try:
            found = flow._discover_serial(clients.iam, ctx)
        except HelperError as exc:
            reason = exc.message
        else:
            if found is not None:
                return found
            reason = "IAM lists no MFA device for you"
    if "--serial-number" not in reason:
        reason += f"; pass --serial-number arn:aws:iam::ACCOUNT:mfa/NAME or {hint}"
    deps.stderr.write(
        f"{COMMAND}: warning: your role profiles are written without mfa_serial (no MFA "
        f"device known): {reason}\n"
    )
    return None


class PublishedError(HelperError):
    """The published profiles could not be read: said on one ``mfa-assume setup:`` line
    with the way around it (``--from FILE``)."""

    def __init__(self, exc: HelperError) -> None:
        message = exc.message
        if "--from" not in message:
            message = (
                "cannot read the profiles published in SSM /developer-roles/profiles: "
                f"{message}; use --from FILE (the profiles file synthesis writes: "
                "cdk.out/aws-config-profiles.ini), or --region with the identity account's region"
            )
        super().__init__(exc.code, message)


def run(
    argv: Sequence[str],
    deps: flow.Deps,
    stdout: Callable[[str], object],
    argv0: str = sys.argv[0],
) -> int:
    ns = parser().parse_args(list(argv))
    env = deps.env
    if ns.check:
        from mfa_assume.setup_check import check

        return check(env, deps.stderr)
    if ns.principal:
        setup.check_principal(ns.principal)
    if ns.serial_number:
        from mfa_assume.checks import check_serial_number

        ns.serial_number = check_serial_number(ns.serial_number)
    from mfa_assume.credfile import check_profile_name

    check_profile_name(ns.source_profile)
    path = profiles.config_path(env)
    real = credfile.check_writable(path) if not (ns.print or ns.dry_run) else path
    from_file = _read_from(ns.source) if ns.source else None
    if from_file is not None:
        setup.parse(from_file, ns.source)  # a bad file is refused before any AWS call
    try:
        caller, published_text, clients = _caller_and_published(ns, deps)
    except PublishedError as exc:
        deps.stderr.write(f"{COMMAND}: {exc.message}\n")
        return int(exc.code)
    caller = ns.principal or caller or ""
    text = from_file if from_file is not None else published_text or ""
    where = ns.source or "the published profiles"
    mine = setup.for_caller(setup.parse(text, where), caller)
    if not mine:
        raise HelperError(
            ExitCode.NO_PROFILES,
            f"no role in {where} trusts {caller}; ask your platform team to add you",
        )
    helper = setup.helper_command(helper_words(argv0, sys.executable))
    serial = ns.serial_number or setup.own_serial(mine, caller)
    if serial is None and setup.needs_serial(mine):
        serial = _found_serial(ns, clients, caller, deps)

    def block(entries: Sequence[setup.Entry]) -> list[str]:
        return setup.render_block(entries, serial, ns.source_profile, helper)

    if ns.print:
        stdout("\n".join(block(mine)) + "\n")
        return ExitCode.OK
    before = credfile.read_text(os.path.realpath(real))
    merged = setup.merge(before, mine, block, path)
    for name in merged.skipped:
        deps.stderr.write(
            f"{COMMAND}: profile {name!r} is already in {path} outside the block; "
            "left as it is (its pair not written either)\n"
        )
    if ns.dry_run:
        stdout(_diff(before, merged.text, path))
        return ExitCode.OK
    written = merged.written
    if merged.text == before:
        deps.stderr.write(f"{COMMAND}: {path} is up to date ({written} profiles)\n")
        return ExitCode.OK
    from mfa_assume import files

    try:
        files.write_private_file(real, merged.text)
    except OSError as exc:
        raise HelperError(ExitCode.LOCAL_WRITE, f"cannot write {path}: {exc.strerror}") from None
    deps.stderr.write(f"{COMMAND}: wrote {written} profiles for {caller} to {path}\n")
    return ExitCode.OK


def _diff(before: str, after: str, path: str) -> str:
    import difflib

    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), path, path
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def main(
    argv: Sequence[str],
    deps: flow.Deps | None = None,
    stdout: Callable[[str], object] | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    deps = deps or flow.Deps(env=env or os.environ)
    return reported(lambda: run(argv, deps, stdout or sys.stdout.write), deps.stderr)
