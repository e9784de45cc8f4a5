"""Upgrading never replaces a deployed role: the app's logical IDs stay those recorded here.

``logical_ids.json`` holds, for the example configuration in ``cdk.json`` and for a
configuration of several targets, shards, team roles and an identity account
(``multi.json``), every stack's resources (logical ID, type, role name) and outputs, as the
app synthesized them before ``DeveloperRole.role`` became an ``IRole`` (commit 4939e83).
A change that moves a logical ID fails here; CloudFormation would replace that role, and the
replacement fails on the fixed role name.

Regenerate only for a deliberate, documented migration:
``python tests/upgrade/test_logical_ids.py CDK_OUT_DEFAULT CDK_OUT_MULTI``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cdk_cli import cdk_synth

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "logical_ids.json"
CONFIGURATIONS = {"default": (), "multi": ("-c", f"developerRolesFile={HERE / 'multi.json'}")}


def logical_ids(outdir: Path) -> dict[str, Any]:
    """Per stack: resources as ``{logical ID: "Type" or "Type RoleName"}``, and output IDs."""
    stacks: dict[str, Any] = {}
    for path in sorted(outdir.glob("*.template.json")):
        template = json.loads(path.read_text(encoding="utf-8"))
        resources = {}
        for logical_id, resource in sorted(template.get("Resources", {}).items()):
            name = resource.get("Properties", {}).get("RoleName")
            kind = resource["Type"]
            resources[logical_id] = f"{kind} {name}" if isinstance(name, str) else kind
        stacks[path.name.removesuffix(".template.json")] = {
            "Resources": resources,
            "Outputs": sorted(template.get("Outputs", {})),
        }
    return stacks


@pytest.mark.parametrize("configuration", list(CONFIGURATIONS))
def test_logical_ids_are_unchanged(
    request: pytest.FixtureRequest, tmp_path: Path, configuration: str
) -> None:
    if CONFIGURATIONS[configuration]:
        result = cdk_synth(tmp_path, *CONFIGURATIONS[configuration])
        assert result.returncode == 0, result.stderr
        outdir = tmp_path
    else:  # cdk.json's: the session's synthesis (tests/conftest.py), by the same cdk_synth
        outdir = request.getfixturevalue("assembly")
    recorded = json.loads(FIXTURE.read_text(encoding="utf-8"))[configuration]
    assert logical_ids(outdir) == recorded


if __name__ == "__main__":
    default, multi = (Path(argument) for argument in sys.argv[1:3])
    data = {"default": logical_ids(default), "multi": logical_ids(multi)}
    FIXTURE.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
