"""``mfa-assume console``: sign in to the AWS console as the role, in a browser or as a URL.

Parse and validate everything (options, region, destination, endpoint, browser) before any
AWS call; get the role session's credentials as the helper always does (cache, MFA session,
code); ask the partition's federation endpoint for a sign-in token; open the login URL in a
browser or, with ``--print-url``, print it to standard output. The URL goes nowhere else.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from mfa_assume import PROG, console, flow, signin
from mfa_assume.checks import check_endpoint_url, check_region
from mfa_assume.console import Partition, SessionKeys
from mfa_assume.errors import ExitCode, HelperError, InputError, reported
from mfa_assume.options import OPTIONS, attach_dash_values
from mfa_assume.request import (
    ENDPOINT_VARIABLES,
    Options,
    build_request,
    options_from,
    selected_profile,
)

COMMAND = f"{PROG} console"
# The helper's options that choose and assume the role (options.OPTIONS declares them).
ROLE_OPTIONS = (
    "--profile",
    "--role-arn",
    "--role-session-name",
    "--serial-number",
    "--token-code",
    "--duration-seconds",
    "--source-identity",
    "--refresh",
    "--no-mfa",
    "--no-mfa-session",
)
EPILOG = """\
Without --profile/--role-arn (and no AWS_PROFILE naming a role profile), the credentials the
AWS SDK finds are used; they must be a role session or a federation token.

exit codes: as mfa-assume --help, and 13 these credentials cannot sign in to the console
(long-term keys, an MFA session's GetSessionToken credentials, or refused by the federation
endpoint), 14 no browser to open the URL (use --print-url)
"""


def parser() -> argparse.ArgumentParser:
    class Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:
            raise InputError(f"{message}; see {COMMAND} --help")

    p = Parser(
        prog=COMMAND,
        description="Sign in to the AWS console as the role: open a browser, or print the URL.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    settings = dict(OPTIONS)
    for flag in ROLE_OPTIONS:
        p.add_argument(flag, **settings[flag])
    p.add_argument(
        "--region",
        help="console region, also used for STS (default: the profile's region, "
        "$AWS_REGION/$AWS_DEFAULT_REGION, the partition's first region)",
    )
    p.add_argument(
        "--destination",
        help="console page: a service (s3, ec2), a path (/s3/buckets) or a console URL "
        "(default: the console home)",
    )
    p.add_argument(
        "--session-duration",
        help="console session length, 15m..12h (AWS's SessionDuration; asks for an MFA code, "
        "see docs). Default: as long as the role credentials last",
    )
    p.add_argument(
        "--print-url",
        action="store_true",
        help="print the sign-in URL on standard output instead of opening a browser "
        "(it signs in as the role for 15 minutes: keep it secret)",
    )
    return p


class Plan:
    """The validated command: what to sign in as, where, and how to deliver the URL."""

    def __init__(self, ns: argparse.Namespace, env: dict[str, str]) -> None:
        self.ns = ns
        self.env = env
        self.session_duration = (
            console.parse_session_duration(ns.session_duration)
            if ns.session_duration is not None
            else None
        )
        if ns.region is not None:
            check_region(ns.region, "from --region")
        for variable in ENDPOINT_VARIABLES:  # the SDK's, checked as for the helper itself
            if env.get(variable):
                check_endpoint_url(env[variable], variable)
        profile = selected_profile(Options(profile=ns.profile), env)
        self.role_mode = bool(ns.role_arn) or _profile_has_role(profile, env)
        self.request = build_request(self._options(), env) if self.role_mode else None
        if (
            self.request is not None
            and self.session_duration is not None
            and self.request.mfa_max_age  # the profile would share the MFA session's code
            and not ns.no_mfa_session
        ):
            from mfa_assume.mfa_session import console_own_code_note

            self.request = self.request._replace(
                own_code_note=console_own_code_note(self.request.role_arn, self.session_duration)
            )
        self.profile = profile
        region = ns.region or (self.request.region if self.request else None)
        self.wanted_region = region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
        if self.request is not None:
            self.partition = console.partition_of_arn(self.request.role_arn)
        else:
            self.partition = console.PARTITIONS[console.region_partition(self.wanted_region or "")]
        self.region = self._region(self.wanted_region)
        self.endpoint = console.federation_endpoint(self.partition, env)
        self.destination = console.destination_url(ns.destination, self.region, self.partition)

    def _options(self) -> Options:
        # AWS takes SessionDuration only for a role session assumed with long-term keys:
        # not one from the cache or the MFA session (role chaining)
        return options_from(self.ns, fresh=self.session_duration is not None)

    def _region(self, region: str | None) -> str:
        if not region:
            return self.partition.default_region
        where = "from --region" if self.ns.region else "the profile's or environment's region"
        return console.check_console_region(check_region(region, where), self.partition, where)

    def rebase(self, partition: Partition) -> None:
        """The caller's partition, learnt from AWS (no role named): hosts and region follow."""
        if partition == self.partition:
            return
        self.partition = partition
        self.region = self._region(self.wanted_region)
        self.endpoint = console.federation_endpoint(partition, self.env)
        self.destination = console.destination_url(self.ns.destination, self.region, partition)


def _profile_has_role(profile: str | None, env: dict[str, str]) -> bool:
    if profile is None:
        return False
    from mfa_assume import profiles

    section = profiles.load_profile(profile, env)
    if section is None:
        raise InputError(
            f"profile {profile!r} not found in {profiles.config_path(env)} "
            f"or {profiles.credentials_path(env)}"
        )
    return "role_arn" in section


def find_browser() -> Any:
    """The browser Python's webbrowser would use ($BROWSER first), or exit 14."""
    import webbrowser

    try:
        return webbrowser.get()
    except webbrowser.Error:
        raise HelperError(
            ExitCode.NO_BROWSER,
            "no browser found to open the sign-in URL; set BROWSER or run with --print-url",
        ) from None


def signer(plan: Plan, deps: flow.Deps) -> tuple[SessionKeys, bool]:
    """The credentials to sign in with, and whether they are a federation token."""
    if plan.request is not None:
        creds = flow.obtain(plan.request, deps).credentials
        return SessionKeys(creds.access_key_id, creds.secret_access_key, creds.session_token), False
    from mfa_assume.console_creds import ambient_signer

    found = ambient_signer(plan.profile, plan.ns.region)
    plan.rebase(found.partition)
    return found.keys, found.federated_user


def run(argv: Sequence[str], deps: flow.Deps, stdout: Callable[[str], object]) -> int:
    p = parser()
    ns = p.parse_args(attach_dash_values(list(argv), p))
    plan = Plan(ns, dict(deps.env))
    browser = None if ns.print_url else find_browser()
    keys, federated_user = signer(plan, deps)
    if federated_user and plan.session_duration is not None:
        raise HelperError(
            ExitCode.CANNOT_SIGN_IN,
            "federation-token credentials (GetFederationToken) cannot take --session-duration "
            "(AWS refuses SessionDuration for them); run without it",
        )
    token = signin.fetch_token(
        console.token_request_url(plan.endpoint, keys, plan.session_duration),
        session_duration=plan.session_duration,
    )
    url = console.login_url(
        plan.endpoint, token, plan.destination, console.issuer_for(plan.partition)
    )
    where = f"the AWS console ({plan.partition.name}, {plan.region})"
    if browser is None:
        stdout(url + "\n")
        deps.stderr.write(
            f"{PROG}: the printed URL signs in to {where} for 15 minutes; keep it secret\n"
        )
        return ExitCode.OK
    return _open_in_browser(browser, url, where, deps, stdout)


def _open_in_browser(
    browser: Any, url: str, where: str, deps: flow.Deps, stdout: Callable[[str], object]
) -> int:
    """The browser gets a private page that leads to ``url``, never ``url`` itself: a
    command line is readable by every local user (see :mod:`mfa_assume.console_page`)."""
    from mfa_assume import console_page

    try:
        page = console_page.write_page(url, deps.env)
    except OSError as exc:
        stdout(url + "\n")
        deps.stderr.write(
            f"{PROG}: cannot write the private sign-in page for the browser ({exc.strerror}), "
            "and the URL is not given to it on a command line, which every local user can "
            f"read; the printed URL signs in to {where} for 15 minutes; keep it secret\n"
        )
        return ExitCode.OK
    # before the browser: webbrowser may wait for it, and the helper may be stopped meanwhile
    console_page.start_remover(page)
    failure = _browser_failure(browser, console_page.page_url(page))
    if failure is not None:
        console_page.remove_page(page)  # the remover sees it gone and ends
        raise HelperError(ExitCode.NO_BROWSER, f"{failure}; run with --print-url")
    deps.stderr.write(f"{PROG}: opened {where} in your browser\n")
    return ExitCode.OK


def _browser_failure(browser: Any, url: str) -> str | None:
    """Why the browser did not open ``url``; None when it did. A command browser ($BROWSER,
    webbrowser.GenericBrowser) is run here as webbrowser would, so that a command that started
    and exited non-zero is told apart from one that could not be started."""
    import subprocess
    import webbrowser

    if type(browser) is not webbrowser.GenericBrowser:
        return None if browser.open(url, new=2) else "the browser could not be started"
    command = [browser.name, *(arg.replace("%s", url) for arg in browser.args)]
    try:
        status = subprocess.run(command, close_fds=True, check=False).returncode
    except OSError as exc:
        return f"the browser command {browser.name!r} could not be started ({exc.strerror})"
    if status < 0:
        return f"the browser command {browser.name!r} was ended by signal {-status}"
    if status != 0:
        return f"the browser command {browser.name!r} exited with status {status}"
    return None


def main(
    argv: Sequence[str],
    deps: flow.Deps | None = None,
    stdout: Callable[[str], object] | None = None,
) -> int:
    deps = deps or flow.Deps(env=os.environ)
    return reported(lambda: run(argv, deps, stdout or sys.stdout.write), deps.stderr)
