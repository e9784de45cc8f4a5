"""Run a batch of requests through ``simulate.mjs`` (iam-simulate) in one Node.js process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trustcheck.matrix import Decision, Request

SCRIPT = Path(__file__).with_name("simulate.mjs")
REPO = Path(__file__).resolve().parents[4]
ALLOWED = "Allowed"
TIMEOUT_SECONDS = 120


class EngineError(RuntimeError):
    """The simulator could not run, or could not evaluate a request."""


@dataclass(frozen=True)
class Outcome:
    """The simulator's answer for one request: one raw result per action of its call."""

    request: Request
    results: Mapping[str, str]  # action -> Allowed / ImplicitlyDenied / ExplicitlyDenied
    ignored_context_keys: Mapping[str, tuple[str, ...]]

    @property
    def decision(self) -> Decision:
        allowed = all(self.results[action] == ALLOWED for action in self.request.actions)
        return Decision.ALLOW if allowed else Decision.DENY

    @property
    def as_expected(self) -> bool:
        return self.decision is self.request.expected


def node_binary() -> str:
    """The venv's Node.js (never the machine's), else ``TRUSTCHECK_NODE``, else PATH."""
    override = os.environ.get("TRUSTCHECK_NODE")
    if override:
        return override
    venv_node = REPO / ".venv" / "bin" / "node"
    if venv_node.is_file():
        return str(venv_node)
    found = shutil.which("node")
    if not found:
        raise EngineError("node not found: run `make setup` (the venv provides Node.js)")
    return found


def batch_for(requests: Sequence[Request]) -> dict[str, Any]:
    """The JSON batch ``simulate.mjs`` reads; each distinct trust policy is sent once."""
    policies: dict[str, Any] = {}
    names: dict[str, str] = {}
    items = []
    for number, request in enumerate(requests):
        text = json.dumps(request.role.trust_policy, sort_keys=True)
        name = names.setdefault(text, f"policy{len(names)}")
        policies[name] = request.role.trust_policy
        items.append(
            {
                "id": str(number),
                "policy": name,
                "roleArn": request.role.role_arn,
                "roleAccount": request.role.account,
                "principal": request.principal,
                "actions": list(request.actions),
                "context": dict(request.context),
                "identityPolicies": list(request.identity_policies),
            }
        )
    return {"policies": policies, "requests": items}


def simulate(requests: Sequence[Request]) -> list[Outcome]:
    """Evaluate every request with iam-simulate; raise :class:`EngineError` on any error."""
    if not requests:
        return []
    try:
        completed = subprocess.run(
            [node_binary(), str(SCRIPT)],
            input=json.dumps(batch_for(requests)),
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise EngineError(f"cannot run {SCRIPT.name}: {error}") from error
    if completed.returncode != 0:
        raise EngineError(f"{SCRIPT.name} failed: {completed.stderr.strip()}")
    answer = json.loads(completed.stdout)
    outcomes = []
    for item in answer["results"]:
        request = requests[int(item["id"])]
        decisions: dict[str, Any] = item["decisions"]
        errors = {a: d.get("error") for a, d in decisions.items() if d["result"] == "Error"}
        if errors:
            raise EngineError(f"{request.key}: iam-simulate refused the request: {errors}")
        outcomes.append(
            Outcome(
                request=request,
                results={a: str(d["result"]) for a, d in decisions.items()},
                ignored_context_keys={
                    a: tuple(d.get("ignoredContextKeys", [])) for a, d in decisions.items()
                },
            )
        )
    if len(outcomes) != len(requests):
        raise EngineError(f"{SCRIPT.name} answered {len(outcomes)} of {len(requests)} requests")
    return outcomes
