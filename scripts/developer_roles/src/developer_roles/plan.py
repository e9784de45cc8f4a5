"""What a deploy would change, read before it deploys: per stack the summary of the synthesized
against the deployed template, and the drift of each deployed developer role.

AWS reads: ``cloudformation:GetTemplate`` per stack, and per account the live state of every
role at once (:func:`developer_roles.drift.live_roles`: two paginated IAM calls, whatever the
number of roles). Nothing is changed here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from developer_roles.aws import caller_identity, not_checked
from developer_roles.drift import Drifted, find_drift, live_roles
from developer_roles.summary import Environment, StackSummary, role_properties, summarize

_QUICK = Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=5, read_timeout=20)
# The account's roles are read in pages of up to 1,000: allow for large accounts.
_READS = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=60)


@dataclass
class Plan:
    summaries: list[StackSummary] = field(default_factory=list)
    drifted: list[Drifted] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what could not be read

    @property
    def broadens(self) -> bool:
        """Whether any change broadens, or a stack could not be summarized (then it asks)."""
        return any(s.broadens or s.note for s in self.summaries)

    @property
    def broadening_stacks(self) -> int:
        return sum(bool(s.broadens or s.note) for s in self.summaries)


def stacks(assembly: str) -> list[tuple[str, str, str | None, Path]]:
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


def cloudformation(session: Any, region: str | None) -> Any:
    return session.client(
        "cloudformation", region_name=region or session.region_name or "us-east-1", config=_QUICK
    )


def _deployed_template(session: Any, name: str, region: str | None) -> dict[str, Any] | None:
    """The stack's deployed template, None when the stack does not exist."""
    try:
        body = cloudformation(session, region).get_template(
            StackName=name, TemplateStage="Original"
        )
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    deployed = body["TemplateBody"]
    parsed: dict[str, Any] = json.loads(deployed) if isinstance(deployed, str) else deployed
    return parsed


def collect(session: Any, assembly: str) -> Plan:
    """The summary of every stack of the assembly in the credentials' account, with drift."""
    caller, _ = caller_identity(session)
    plan = Plan()
    expected: dict[str, dict[str, dict[str, Any]]] = {}  # stack -> role name -> properties
    for name, account, region, template in stacks(assembly):
        if account not in (caller, "unknown-account"):
            plan.summaries.append(
                StackSummary(name, note=f"account {account}; your credentials: {caller}")
            )
            continue
        try:
            deployed = _deployed_template(session, name, region)
        except ClientError as error:
            note = not_checked(error, "cloudformation:GetTemplate").removeprefix("not checked: ")
            plan.summaries.append(StackSummary(name, note=note))
            continue
        env = Environment(caller, region or session.region_name or "us-east-1")
        synthesized = json.loads(template.read_text(encoding="utf-8"))
        plan.summaries.append(summarize(name, deployed, synthesized, env))
        expected[name] = {str(p["RoleName"]): p for p in role_properties(deployed, env).values()}
    names = [role for roles in expected.values() for role in roles]
    if not names:
        return plan
    try:
        live = live_roles(session.client("iam", config=_READS), names)
    except ClientError as error:
        why = not_checked(error, "iam:GetAccountAuthorizationDetails")
        plan.notes.append(f"drift not read ({why.removeprefix('not checked: ')})")
        return plan
    except BotoCoreError as error:
        plan.notes.append(f"drift not read ({error})")
        return plan
    for summary in plan.summaries:
        drifted = find_drift(expected.get(summary.stack, {}), live)
        summary.drift = [d.change for d in drifted]
        plan.drifted += drifted
    return plan
