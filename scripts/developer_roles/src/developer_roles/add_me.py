"""Add the caller's own IAM principal to the developer-roles configuration.

The manual recipe starts with ``aws sts get-caller-identity``; this does the same and writes
the resulting user or role ARN into the configuration (``cdk.json`` by default, or a JSON or
YAML file given with ``--config``). The file keeps every byte as written, comments, key order
and layout included: one line (or one list entry) is inserted. Nothing is written unless the
result, read as synthesis reads it, still validates.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml

from developer_roles.aws import caller_identity, open_session
from developer_roles.cli import AWS_ERRORS, CommandParser, config_error_line, error_line
from developer_roles.config import CONTEXT_KEY, ConfigError, validate
from developer_roles.config.files import parse_text, read_config_file
from developer_roles.config.model import RolesConfig
from developer_roles.configuration import (
    EXAMPLE_ACCOUNT,
    HOW_TO_START,
    example_notice,
    is_example,
    target_accounts,
)
from developer_roles.report import BadInput

_ASSUMED_ROLE = re.compile(
    r"arn:(?P<partition>[a-z-]+):sts::(?P<account>\d{12}):assumed-role/(?P<role>[\w+=,.@-]+)/.+"
)


class CallerError(Exception):
    """The caller cannot be added; the message says why."""


def principal_from_caller(arn: str, role_path: Callable[[str], str | None]) -> str:
    """The IAM user or role ARN behind ``sts:GetCallerIdentity``'s ``Arn``.

    An assumed-role session names its role without the role's path; ``role_path`` looks the
    path up (``iam:GetRole``), or returns ``None`` when that is not permitted.
    """
    if ":iam::" in arn and (":user/" in arn or ":role/" in arn):
        return arn
    match = _ASSUMED_ROLE.fullmatch(arn)
    if match is None:
        raise CallerError(
            f"{arn} is not an IAM user or an assumed role; sign in as the IAM user or role "
            "that should get a developer role"
        )
    path = role_path(match["role"]) or "/"
    return f"arn:{match['partition']}:iam::{match['account']}:role{path}{match['role']}"


def add_principal(text: str, principal: str, path: tuple[str, ...]) -> str | None:
    """``text`` (JSON or YAML) with ``principal`` appended to the ``principals`` list at ``path``.

    The list is found by the positions PyYAML reports for each node (JSON is YAML too), and
    one entry is inserted as text, so every other byte of the file, comments and layout
    included, stays as written. ``None`` if the principal is already listed.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise CallerError(f"cannot parse the file: {' '.join(str(error).split())}") from error
    node = root
    for key in path:
        if node is None or not isinstance(node, yaml.MappingNode):
            raise CallerError(
                f"expected an object at {'.'.join(path[: path.index(key)]) or 'the top'}"
            )
        node = next((v for k, v in node.value if k.value == key), None)
        if node is None:
            raise CallerError(f"no {'.'.join(path[: path.index(key) + 1])!r} in the file")
    if not isinstance(node, yaml.MappingNode):
        raise CallerError("expected an object with a 'principals' list")
    pair = next(((k, v) for k, v in node.value if k.value == "principals"), None)
    quoted = json.dumps(principal)
    if pair is None:
        if node.flow_style or node is not root:
            raise CallerError("the configuration has no 'principals' list; add one first")
        return f"{text}{'' if text.endswith(chr(10)) else chr(10)}principals:\n  - {quoted}\n"
    key_node, seq = pair
    if isinstance(seq, yaml.ScalarNode) and seq.tag.endswith(":null") and not seq.value:
        at = key_node.end_mark.index + 1  # after the colon
        return f"{text[:at]} [{quoted}]{text[at:]}"
    if not isinstance(seq, yaml.SequenceNode):
        raise CallerError("'principals' is not a list")
    present = {_arn_of(item).lower() for item in seq.value}
    if principal.lower() in present:
        return None
    items = seq.value
    if seq.flow_style:
        if not items:
            at = seq.end_mark.index - 1  # before "]"
            return f"{text[:at]}{quoted}{text[at:]}"
        if len(items) > 1:
            separator = text[items[-2].end_mark.index : items[-1].start_mark.index]
        else:
            separator = "," + (text[seq.start_mark.index + 1 : items[0].start_mark.index] or " ")
        at = items[-1].end_mark.index
        return f"{text[:at]}{separator}{quoted}{text[at:]}"
    # A block list: a new "- ARN" line after the last item's last line of content.
    dash = " " * seq.start_mark.column
    if re.fullmatch(r"arn:[A-Za-z0-9:/_+=,.@-]+", principal):
        quoted = principal  # plain, like the ARNs around it
    lines = text[: items[-1].end_mark.index].splitlines(keepends=True)
    if items[-1].end_mark.column == 0 or (lines and not lines[-1].strip()):
        while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
            lines.pop()
        at = sum(len(line) for line in lines)
    else:
        line_end = text.find("\n", items[-1].end_mark.index)
        at = len(text) if line_end < 0 else line_end + 1
    before = text[:at] if text[:at].endswith("\n") or not at else text[:at] + "\n"
    return f"{before}{dash}- {quoted}\n{text[at:]}"


def _arn_of(item: yaml.Node) -> str:
    if isinstance(item, yaml.ScalarNode):
        return str(item.value)
    if isinstance(item, yaml.MappingNode):
        for key, value in item.value:
            if key.value == "arn" and isinstance(value, yaml.ScalarNode):
                return str(value.value)
    return ""


def write_atomically(path: Path, text: str) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        if path.exists():
            os.chmod(temp, path.stat().st_mode & 0o777)
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


def caller_principal(profile: str | None) -> str:  # pragma: no cover - needs AWS
    import botocore.exceptions

    session = open_session(profile)
    _, arn = caller_identity(session)

    def role_path(name: str) -> str | None:
        try:
            return str(session.client("iam").get_role(RoleName=name)["Role"]["Path"])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
            print(
                f"note: iam:GetRole on {name} is not permitted; assuming the path '/'",
                file=sys.stderr,
            )
            return None

    return principal_from_caller(arn, role_path)


EXIT_ADDED = 0
EXIT_NOT_ADDED = 1
EXIT_BAD_INPUT = 2
COMMAND = "add-me"
_EPILOG = """\
exit codes: 0 added (or already there); 1 not added: the result would not validate, or the
configuration targets another account than your credentials' (or, with identityAccount, its
principals are in another account; the message says which and how to point it at yours);
2 bad input: no such --config file (--new starts one), a --new file that exists, a profile
that does not exist, no credentials, an AWS endpoint that cannot be reached or answers
nonsense, bad options; 130 interrupted.

Every error is one line on stderr starting "developer-roles add-me: ". Nothing is written
before every check has passed."""


def _parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="developer-roles add-me",
        description=__doc__.split("\n\n")[0],
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=Path("cdk.json"),
        help="configuration file to edit (default: cdk.json); it must exist unless --new",
    )
    parser.add_argument(
        "--new",
        action="store_true",
        help="start --config FILE (which must not exist) for your credentials' account, "
        "with you as its first principal",
    )
    parser.add_argument("--profile", help="AWS profile to identify the caller with")
    return parser


def new_config_text(account: str, principal: str, yaml_syntax: bool) -> str:
    """A new configuration: the caller's account as the target, the caller as its principal."""
    if yaml_syntax:
        return (
            "# yaml-language-server: $schema=./schema/developer-roles.schema.json\n"
            f'account: "{account}"\n'
            "principals:\n"
            f"  - {principal}\n"
        )
    return json.dumps({"account": account, "principals": [principal]}, indent=2) + "\n"


def other_account(config: RolesConfig, caller_account: str, path: Path) -> str | None:
    """Why the caller's principal does not belong in ``config``, or None when it does.

    Your principal belongs where your account is the principals' account: the identity account
    when the configuration has one (its roles in the targets trust that account), else every
    target (a configuration that also targets another account would give you a role there).
    """
    if config.identity_account:
        if config.identity_account == caller_account:
            return None
        if is_example(config):
            return _example_refusal(caller_account, path)
        return (
            f"{path} takes its principals from the identity account {config.identity_account} "
            f"but your credentials are for {caller_account}: sign in to "
            f"{config.identity_account}, or start a configuration of your own with --new"
        )
    accounts = target_accounts(config, caller_account)
    if accounts == [caller_account]:
        return None
    if is_example(config):
        return _example_refusal(caller_account, path)
    others = [a for a in accounts if a != caller_account]
    if caller_account in accounts:
        return (
            f"{path} targets account(s) {', '.join(others)} beside yours ({caller_account}): "
            "add-me adds you only to a configuration of your account alone; add yourself by "
            "hand if you should have a role in each, or start a configuration of your own "
            "with --new"
        )
    return (
        f"{path} targets account(s) {', '.join(accounts)} but your credentials are for "
        f"{caller_account}: set 'account: \"{caller_account}\"' in {path} to deploy there, use "
        "the credentials of a target account, or start a configuration of your own with --new"
    )


def _example_refusal(caller_account: str, path: Path) -> str:
    return (
        f"{path} is cdk.json's example, which targets the example account {EXAMPLE_ACCOUNT}; "
        f"your credentials are for {caller_account}: {HOW_TO_START}"
    )


def main(argv: list[str] | None = None, who: Callable[[str | None], str] = caller_principal) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        return EXIT_BAD_INPUT if exit_.code else EXIT_ADDED
    path: Path = args.config
    in_context = path.name == "cdk.json"
    yaml_syntax = path.suffix.lower() in (".yaml", ".yml")
    try:
        if args.new:
            if path.exists() or in_context:
                raise BadInput(
                    f"{path} exists; --new only starts a new file (drop --new to add yourself)"
                )
            return _new(path, yaml_syntax, who(args.profile))
        if not path.exists():
            raise BadInput(
                f"{path}: no such configuration file; check the name, or start a new one with "
                f"--new (make add-me CONFIG={path} ADD_ME_ARGS=--new)"
            )
        text = read_config_text(path)  # before any AWS call: a file synthesis cannot read
        principal = who(args.profile)
        added = add_principal(text, principal, ("context", CONTEXT_KEY) if in_context else ())
        if added is None:
            print(f"{principal} is already in {path}")
            return EXIT_ADDED
        # What synthesis will read: the new text, through the app's own loader.
        data = parse_text(added, str(path), yaml_syntax=yaml_syntax)
        raw = data
        if in_context and isinstance(data, dict):
            raw = (data.get("context") or {}).get(CONTEXT_KEY)
        entries = raw.get("principals") if isinstance(raw, dict) else None
        if not isinstance(entries, list) or entries[-1:] != [principal]:
            raise CallerError(f"could not add {principal} to the 'principals' list; add it by hand")
        config = validate(raw, str(path))
        account = principal.split(":")[4]
        refusal = other_account(config, account, path)
        if refusal:
            print(error_line(COMMAND, f"{refusal}; nothing was written"), file=sys.stderr)
            return EXIT_NOT_ADDED
        notice = example_notice(config, account)
        if notice:
            print(f"note: {notice}", file=sys.stderr)
    except ConfigError as error:
        line = config_error_line(COMMAND, error.problems, error.source, "nothing was written")
        print(line, file=sys.stderr)
        return EXIT_NOT_ADDED
    except CallerError as error:
        print(error_line(COMMAND, f"{path}: {error}"), file=sys.stderr)
        return EXIT_NOT_ADDED
    except BadInput as error:
        print(error_line(COMMAND, error), file=sys.stderr)
        return EXIT_BAD_INPUT
    except AWS_ERRORS as error:
        line = error_line(COMMAND, f"AWS call failed: {error}; nothing was written")
        print(line, file=sys.stderr)
        return EXIT_BAD_INPUT
    write_atomically(path, added)
    print(f"added {principal} to {path}; run `make synth CONFIG={path}` to see its role")
    return EXIT_ADDED


def _new(path: Path, yaml_syntax: bool, principal: str) -> int:
    account = principal.split(":")[4]
    text = new_config_text(account, principal, yaml_syntax)
    validate(parse_text(text, str(path), yaml_syntax=yaml_syntax), str(path))
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise BadInput(f"cannot create {path}: {error.strerror}") from error
    print(f"created {path} for account {account} with {principal}; pass CONFIG={path} to make")
    return EXIT_ADDED


def read_config_text(path: Path) -> str:
    """The file's text, with the app's checks (size, UTF-8, no BOM) and its parse errors."""
    read_config_file(path)  # raises ConfigError with the same one-line message as synthesis
    return path.read_text(encoding="utf-8")
