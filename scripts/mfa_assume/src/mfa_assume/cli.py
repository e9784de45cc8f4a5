"""Command line: parse arguments, call :mod:`mfa_assume.flow`, print or run.

Usage: ``mfa-assume [options] [-- command [args...]]``; exit codes in
:mod:`mfa_assume.errors`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from types import SimpleNamespace

from mfa_assume import PROG, flow, output, profiles
from mfa_assume.credentials import Credentials
from mfa_assume.errors import ExitCode, HelperError, InputError, reported
from mfa_assume.options import parse_options
from mfa_assume.request import Request, build_request, options_from

CommandRunner = Callable[[list[str], dict[str, str]], int]


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
    ns: SimpleNamespace,
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
            credfile.write_profile(path, ns.write_profile, creds, deps.env)
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
        stdout(output.render(creds, ns.format or "env", region))
    return ExitCode.OK


def remember(
    args: list[str], request: Request, creds: Credentials, fmt: str | None, env: Mapping[str, str]
) -> None:
    """Let the next run with the same inputs take the shortcut (:mod:`mfa_assume.shortcut`)."""
    from mfa_assume import cache, shortcut

    entry = cache.entry_path(cache.cache_dir(env), cache.key_for(request.cache_key_parts(env)))
    text = output.render(creds, fmt or "env", request.region)
    shortcut.remember(args, env, entry, creds, text)


def _obtain(
    options_argv: list[str],
    command: list[str] | None,
    deps: flow.Deps,
    write: Callable[[str], object],
    runner: CommandRunner,
) -> int:
    if command == []:
        raise InputError("nothing to run after --; expected -- command [args ...]")
    ns = parse_options(options_argv)
    if ns.write_profile:
        from mfa_assume.credfile import check_profile_name, check_target, check_writable

        check_target(check_profile_name(ns.write_profile), deps.env)
        check_writable(profiles.credentials_path(deps.env))  # before the code is asked
    options = options_from(ns, tags=ns.tag or ())
    request = build_request(options, deps.env)
    result = flow.obtain(request, deps)
    code = deliver(result.credentials, ns, command, request.region, deps, write, runner)
    if command is None and not ns.write_profile and not ns.refresh:
        remember(options_argv, request, result.credentials, ns.format, deps.env)
    return code


def main(
    argv: Sequence[str] | None = None,
    deps: flow.Deps | None = None,
    stdout: Callable[[str], object] | None = None,
    runner: CommandRunner = run_command,
) -> int:
    deps = deps or flow.Deps(env=os.environ)
    write = stdout or sys.stdout.write
    argv = sys.argv[1:] if argv is None else argv
    if list(argv[:1]) == ["console"]:  # mfa-assume console: sign in to the AWS console
        from mfa_assume import console_cli

        return console_cli.main(argv[1:], deps, write)
    if list(argv[:1]) == ["setup"]:  # mfa-assume setup: write my profiles
        from mfa_assume import setup_cli

        return setup_cli.main(argv[1:], deps, write)
    options_argv, command = split_command(argv)
    return reported(lambda: _obtain(options_argv, command, deps, write, runner), deps.stderr)
