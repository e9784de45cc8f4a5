"""Command line: parse arguments, call :mod:`mfa_assume.flow`, print or run.

Usage: ``mfa-assume [options] [-- command [args...]]``; exit codes in
:mod:`mfa_assume.errors`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from mfa_assume import PROG, __version__, flow, output, profiles
from mfa_assume.credentials import Credentials
from mfa_assume.errors import ExitCode, HelperError, InputError
from mfa_assume.request import Options, build_request

CommandRunner = Callable[[list[str], dict[str, str]], int]
EPILOG = """\
exit codes: 0 ok (or the command's own), 1 other AWS error, 2 invalid input,
3 no MFA code could be read, 4 base credentials missing/expired, 5 role requires MFA,
6 MFA code rejected, 7 MFA serial not found, 8 access denied, 9 duration above role
maximum, 10 endpoint unreachable, 11 file not written, 126/127 command not runnable,
130 interrupted
"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Assume an IAM role with an MFA code; print, save or use the credentials.",
        usage="%(prog)s [options] [-- command [args ...]]",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = p.add_argument
    add("--version", action="version", version=f"%(prog)s {__version__}")
    add("--profile", help="profile in ~/.aws/config with role_arn (default: $AWS_PROFILE)")
    add("--role-arn", help="role to assume (default: the profile's role_arn)")
    add("--role-session-name", help="default: your IAM user name")
    add("--serial-number", help="MFA device ARN or hardware serial (default: mfa_serial, or found)")
    add("--token-code", help="six-digit MFA code, or - to read it from stdin (default: ask)")
    add("--duration-seconds", help="900-43200, or 15m..12h (default: duration_seconds or 1h)")
    add("--source-identity", help="default: your IAM user name")
    add("--region", help="AWS region for STS (default: profile, $AWS_REGION)")
    add("--format", choices=output.FORMATS, default=None, help="output format (default: env)")
    add("--write-profile", metavar="NAME", help="save as profile NAME in ~/.aws/credentials")
    add("--refresh", action="store_true", help="ignore cached credentials, start a new session")
    add("--no-mfa", action="store_true", help="do not send an MFA code")
    add(
        "--no-mfa-session",
        action="store_true",
        help="send the code with AssumeRole instead of reusing an MFA session (mfa_max_age)",
    )
    return p


def split_command(argv: Sequence[str]) -> tuple[list[str], list[str] | None]:
    args = list(argv)
    if "--" not in args:
        return args, None
    at = args.index("--")
    return args[:at], args[at + 1 :]


def run_command(command: list[str], env: dict[str, str]) -> int:
    """Run ``command`` with ``env``; its exit code (128+N when killed by signal N)."""
    import subprocess

    try:
        code = subprocess.call(command, env=env)
    except FileNotFoundError:
        raise HelperError(ExitCode.COMMAND_NOT_FOUND, f"command not found: {command[0]}") from None
    except PermissionError:
        raise HelperError(
            ExitCode.COMMAND_NOT_EXECUTABLE, f"command not executable: {command[0]}"
        ) from None
    return 128 - code if code < 0 else code


def deliver(
    creds: Credentials,
    ns: argparse.Namespace,
    command: list[str] | None,
    region: str | None,
    deps: flow.Deps,
    stdout: Callable[[str], object],
    runner: CommandRunner,
) -> int:
    if ns.write_profile:
        from mfa_assume import credfile

        path = profiles.credentials_path(deps.env)
        try:
            credfile.write_profile(path, ns.write_profile, creds)
        except OSError as exc:
            raise HelperError(
                ExitCode.LOCAL_WRITE, f"cannot write {path}: {exc.strerror}"
            ) from None
        deps.stderr.write(
            f"{PROG}: wrote profile [{ns.write_profile}] to {path}, "
            f"expires {creds.expiration_iso()}\n"
        )
    if command is not None:
        return runner(command, output.child_environment(deps.env, creds, region))
    if ns.format or not ns.write_profile:
        stdout(output.render(creds, ns.format or "env"))
    return ExitCode.OK


def main(
    argv: Sequence[str] | None = None,
    deps: flow.Deps | None = None,
    stdout: Callable[[str], object] | None = None,
    runner: CommandRunner = run_command,
) -> int:
    deps = deps or flow.Deps(env=os.environ)
    write = stdout or sys.stdout.write
    options_argv, command = split_command(sys.argv[1:] if argv is None else argv)
    try:
        if command == []:
            raise InputError("nothing to run after --; expected -- command [args ...]")
        ns = parser().parse_args(options_argv)
        if ns.write_profile:
            from mfa_assume.credfile import check_profile_name

            check_profile_name(ns.write_profile)
        options = Options(
            role_arn=ns.role_arn,
            role_session_name=ns.role_session_name,
            serial_number=ns.serial_number,
            token_code=ns.token_code,
            duration_seconds=ns.duration_seconds,
            source_identity=ns.source_identity,
            profile=ns.profile,
            region=ns.region,
            no_mfa=ns.no_mfa,
            refresh=ns.refresh,
            no_mfa_session=ns.no_mfa_session,
        )
        request = build_request(options, deps.env)
        result = flow.obtain(request, deps)
        return deliver(result.credentials, ns, command, request.region, deps, write, runner)
    except HelperError as exc:
        deps.stderr.write(f"{PROG}: {exc.message}\n")
        return int(exc.code)
    except KeyboardInterrupt:
        deps.stderr.write(f"{PROG}: interrupted\n")
        return ExitCode.INTERRUPTED
