"""The configuration as the operators' commands see it: where it comes from, whom it targets.

Every command reads the configuration the same way (``--config FILE``, else ``cdk.json``'s
``developerRoles`` context, as synthesis does; ``deploy`` reads it from the cdk arguments as
the CDK CLI does: ``-c developerRolesFile=FILE``, else ``-c developerRoles='{...}'``, else
``cdk.json``), and says the same things about it before it writes or deploys anything:

* a ``--config`` file that does not exist is an error (never a new, empty configuration);
* a configuration that still targets the example account 123456789012 (cdk.json's example,
  AWS's documentation placeholder) is named as such, with how to point it at your account.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from developer_roles.config import CONTEXT_FILE_KEY, CONTEXT_KEY, load_config
from developer_roles.config.model import RolesConfig
from developer_roles.report import BadInput

# cdk.json's example account, the placeholder of AWS's documentation.
EXAMPLE_ACCOUNT = "123456789012"
HOW_TO_START = (
    "start your own configuration with `make add-me CONFIG=devs.yaml ADD_ME_ARGS=--new` "
    "(your account, you as the first principal), then pass CONFIG=devs.yaml to every make target"
)


def load(config_path: Path | None, base: Path | None = None) -> RolesConfig:
    """``--config FILE`` (which must exist), else cdk.json's context."""
    base = base or Path.cwd()
    if config_path is not None:
        if not (base / config_path).exists():
            raise BadInput(
                f"{config_path}: no such configuration file (check the name; to start a new "
                "one, run `developer-roles add-me --config FILE --new`)"
            )
        return load_config(None, str(config_path), base)
    if not (base / "cdk.json").is_file():
        raise BadInput(
            f"no cdk.json in {base}: run the command in the app's folder (the one with "
            "cdk.json), or pass --config FILE"
        )
    try:
        context = json.loads((base / "cdk.json").read_text(encoding="utf-8"))["context"]
    except (OSError, ValueError, KeyError) as error:
        raise BadInput(f"cannot read the configuration from cdk.json: {error}") from error
    return load_config(context.get(CONTEXT_KEY), None, base)


def context_values(cdk_args: Sequence[str]) -> dict[str, str]:
    """The ``-c KEY=VALUE`` / ``--context KEY=VALUE`` (or ``--context=KEY=VALUE``) pairs among
    cdk arguments, as the CDK CLI reads them (the last of a key wins)."""
    found: dict[str, str] = {}
    for index, arg in enumerate(cdk_args):
        if arg in ("-c", "--context") and index + 1 < len(cdk_args):
            pair = cdk_args[index + 1]
        elif arg.startswith("--context="):
            pair = arg.removeprefix("--context=")
        else:
            continue
        key, sep, value = pair.partition("=")
        if sep:
            found[key] = value
    return found


def load_for_cdk(cdk_args: Sequence[str], base: Path | None = None) -> RolesConfig:
    """The configuration ``cdk synth`` with these arguments would read: ``-c
    developerRolesFile=FILE`` (which must exist), else ``-c developerRoles='{...}'`` (the
    README's inline JSON, which replaces cdk.json's), else cdk.json's context."""
    context = context_values(cdk_args)
    if context.get(CONTEXT_FILE_KEY):
        return load(Path(context[CONTEXT_FILE_KEY]), base)
    if CONTEXT_KEY in context:
        return load_config(context[CONTEXT_KEY], None, base or Path.cwd())
    return load(None, base)


def target_accounts(config: RolesConfig, caller_account: str) -> list[str]:
    """Every account the deploy changes (targets, then the identity account), in order."""
    accounts = [t.account or caller_account for t in config.targets]
    if config.identity_account:
        accounts.append(config.identity_account)
    return list(dict.fromkeys(accounts))


def is_example(config: RolesConfig) -> bool:
    """The configuration targets the example account (cdk.json's example, or a copy of it)."""
    return EXAMPLE_ACCOUNT in [t.account for t in config.targets] + [config.identity_account]


def example_notice(config: RolesConfig, caller_account: str | None) -> str | None:
    """The one line that says the configuration targets the example account, or None."""
    if not is_example(config):
        return None
    yours = f" (your credentials are for {caller_account})" if caller_account else ""
    return (
        f"the configuration targets {EXAMPLE_ACCOUNT}, the example account of cdk.json{yours}; "
        + HOW_TO_START
    )


@dataclass(frozen=True)
class Environment:
    account: str
    region: str

    def __str__(self) -> str:
        return f"aws://{self.account}/{self.region}"


def environments(
    config: RolesConfig | None, caller_account: str, default_region: str | None
) -> list[Environment]:
    """What ``cdk bootstrap`` must prepare: each target's account and region (and the identity
    account's, in the first target's region), or the credentials' account and region without
    a configuration. :class:`BadInput` when a region is known nowhere."""
    wanted: list[tuple[str, str | None]] = []
    if config is None:
        wanted.append((caller_account, None))
    else:
        wanted += [(t.account or caller_account, t.region) for t in config.targets]
        if config.identity_account:
            wanted.append((config.identity_account, config.targets[0].region))
    found: list[Environment] = []
    for account, region in wanted:
        region = region or default_region
        if not region:
            raise BadInput(
                f"no region for account {account}: set 'region' in the configuration, or "
                "AWS_REGION / the profile's region"
            )
        found.append(Environment(account, region))
    return list(dict.fromkeys(found))
