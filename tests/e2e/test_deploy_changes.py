"""``developer-roles deploy`` without a terminal, on the local AWS in account 3xxxxxxxxxxx and
region eu-west-2: every broadening kind of change stops it (exit 3) and is named; narrowing
changes deploy without a question (exit 0); changes made by hand are named as drift, undone by
the next deploy, and ``audit`` then has no finding.

One account, bootstrapped and deployed once for the module. The tests run in file order: the
broadening ones only summarize (``--summary-only``), the drift test deploys the same
configuration again, and the narrowing test, last, deploys its narrower configuration.

Every broadening kind has a role of its own in the deployed configuration (a copy of
``broad``'s entry for a principal named after the kind; principals added goes to the team
role), so one changed configuration and one summary show every kind on its own role's line;
one change alone, on ``broad``, shows that a single broadening change stops the deploy.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from localaws import recipe
from localaws.testing import LocalAwsEnv
from tests.e2e.account_checks_env import deploy_command, run_checks

pytestmark = pytest.mark.e2e

REGION = "eu-west-2"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
BOUNDARY_DOCUMENT = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


@dataclass
class World:
    aws: LocalAwsEnv
    work: Path

    def arn(self, name: str) -> str:
        return f"arn:aws:iam::{self.aws.account_id}:user/{name}"

    def policy(self, name: str) -> str:
        return f"arn:aws:iam::{self.aws.account_id}:policy/{name}"

    def guarded(self, name: str) -> dict[str, Any]:
        """``name``'s deployed entry when it is ``broad`` or a broadening kind's principal."""
        return {
            "arn": self.arn(name),
            "permissionsBoundary": self.policy("DeveloperBoundary"),
            "requireSourceIdentity": True,
            "tags": {"team": "platform"},
        }

    def config(self, **changes: Any) -> dict[str, Any]:
        """The deployed configuration; ``changes`` replace a principal's entry by its name
        (None drops it) or, as ``team``, the team role's members."""
        entries: dict[str, Any] = {
            "broad": self.guarded("broad"),
            "narrow": {
                "arn": self.arn("narrow"),
                "maxSessionDuration": "4h",
                "maxMfaAge": "12h",
                "allowSessionTags": True,
                "extraManagedPolicies": [{"policy": "ReadOnlyAccess", "reason": "reads reports"}],
            },
            "leaver": self.arn("leaver"),
            **{kind: self.guarded(kind) for kind in KINDS_WITH_OWN_ROLE},
        }
        team = changes.pop("team", ["m1", "m2"])
        for name, entry in changes.items():
            entries[name] = entry
        return {
            "account": self.aws.account_id,
            "region": REGION,
            "principals": [e for e in entries.values() if e is not None],
            "groups": [{"name": "team", "principals": [self.arn(m) for m in team]}],
        }

    def deploy(self, config: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
        """The real command with no terminal (no stdin, no controlling terminal)."""
        path = self.work / "devs.json"
        path.write_text(json.dumps(config, indent=2), encoding="utf-8")
        return subprocess.run(
            deploy_command(self.work / "cdk.out", path, *args),
            cwd=recipe.REPO,
            env=recipe._tool_path(self.aws.env()),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=600,
            start_new_session=True,
        )


@pytest.fixture(scope="module")
def world(local_aws: LocalAwsEnv, tmp_path_factory: pytest.TempPathFactory) -> World:
    if local_aws.is_live:
        pytest.skip("deploys into a fresh local account")
    account = "3" + str(int(hashlib.sha256(b"deploy-changes").hexdigest(), 16))[:11]
    aws = LocalAwsEnv(
        endpoint_url=local_aws.endpoint_url,
        region=REGION,
        account_id=account,
        admin=local_aws.other_account_admin(account),
        server=local_aws.server,
    )
    iam = aws.client("iam")
    for name in ("broad", "narrow", "leaver", "m1", "m2", "m3", *KINDS_WITH_OWN_ROLE):
        iam.create_user(UserName=name)
    for name in ("DeveloperBoundary", "WiderBoundary"):
        iam.create_policy(PolicyName=name, PolicyDocument=BOUNDARY_DOCUMENT)
    work = tmp_path_factory.mktemp("deploy-changes")
    boot = recipe.bootstrap(aws, work / "boot.out")
    assert boot.returncode == 0, boot.output
    made = World(aws, work)
    first = made.deploy(made.config(), "--require-approval", "never")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    return made


def role_line(output: str, role: str) -> str:
    return next((line for line in output.splitlines() if f" {role}: " in line), "")


Change = Callable[[World, str], dict[str, Any]]


def _entry(**keys: Any) -> Change:
    """The change of principal ``who``'s deployed entry by ``keys``."""
    return lambda w, who: {who: {**w.guarded(who), **keys}}


BROADENING: list[tuple[str, Change, str, str]] = [
    # (id, change of the configuration for principal `who`, role, words in its line)
    (
        "policy-added",
        _entry(extraManagedPolicies=[{"policy": "ReadOnlyAccess", "reason": "r"}]),
        "PowerUser-{who}",
        "managed policies + ReadOnlyAccess (broadens)",
    ),
    (
        "principal-added",
        lambda w, who: {"team": ["m1", "m2", "m3"]},
        "PowerUser-team",
        "trust principals + {m3} (broadens)",
    ),
    (
        "session-longer",
        _entry(maxSessionDuration="4h"),
        "PowerUser-{who}",
        "session duration 1h -> 4h (broadens)",
    ),
    (
        "mfa-age-older",
        _entry(maxMfaAge="12h"),
        "PowerUser-{who}",
        "MFA age 1h -> 12h (broadens)",
    ),
    (
        "boundary-removed",
        _entry(permissionsBoundary=None),
        "PowerUser-{who}",
        "permissions boundary policy/DeveloperBoundary -> none (broadens)",
    ),
    (
        "boundary-replaced",
        lambda w, who: {who: {**w.guarded(who), "permissionsBoundary": w.policy("WiderBoundary")}},
        "PowerUser-{who}",
        "permissions boundary policy/DeveloperBoundary -> policy/WiderBoundary (broadens)",
    ),
    (
        "source-identity-dropped",
        _entry(requireSourceIdentity=False),
        "PowerUser-{who}",
        "source identity no longer required (broadens)",
    ),
    (
        "session-tags-allowed",
        _entry(allowSessionTags=True),
        "PowerUser-{who}",
        "session tags allowed (broadens)",
    ),
]
# The kinds that change a developer's own role: each has a principal (named after the kind)
# whose role is deployed like broad's, so that one configuration changes every kind at once.
KINDS_WITH_OWN_ROLE = tuple(i for i, _, role, _ in BROADENING if "{who}" in role)


def assert_stops_with(done: subprocess.CompletedProcess[str], changed: int) -> None:
    """Exit 3, and the totals (first, after the heading) count ``changed`` roles, each
    broadened, and say the deploy needs approval."""
    assert done.returncode == 3, done.stdout[-3000:] + done.stderr[-3000:]
    totals = done.stdout.splitlines()[1]
    assert f"0 removed, {changed} changed ({changed} broadened, 0 narrowed)" in totals, done.stdout
    assert "broadening: yes" in totals, done.stdout
    assert "Traceback" not in done.stderr


def test_every_broadening_kind_is_named_on_its_role_and_stops_the_deploy(world):
    changes: dict[str, Any] = {}
    for kind, change, _, _ in BROADENING:
        changes.update(change(world, kind))
    done = world.deploy(world.config(**changes), "--summary-only")
    assert_stops_with(done, changed=len(BROADENING))
    for kind, _, role, words in BROADENING:
        line = role_line(done.stdout, role.format(who=kind))
        assert words.format(m3=world.arn("m3")) in line, f"{kind}:\n{done.stdout}"


def test_a_single_broadening_change_stops_the_deploy_by_itself(world):
    [(_, change, role, words)] = [k for k in BROADENING if k[0] == "source-identity-dropped"]
    done = world.deploy(world.config(**change(world, "broad")), "--summary-only")
    assert_stops_with(done, changed=1)
    assert words in role_line(done.stdout, role.format(who="broad")), done.stdout


NEWCOMERS = [f"new{n:02d}" for n in range(12)]


def newcomers(world: World) -> dict[str, Any]:
    return {name: world.arn(name) for name in NEWCOMERS}


def test_many_new_roles_are_one_line_with_the_total(world):
    done = world.deploy(world.config(**newcomers(world)), "--summary-only")
    assert done.returncode == 3, done.stdout[-3000:] + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[1].startswith("Total (1 stack(s)): 12 role(s) added, 0 removed, 0 changed")
    assert (
        "  + 12 role(s): PowerUser-new00, PowerUser-new01, PowerUser-new02, PowerUser-new03, "
        "PowerUser-new04 and 7 more"
    ) in lines
    assert lines[-1] == "(grouped: --diff lists every role, --json gives them all)"


def test_the_pipelines_summary_is_json_and_exits_3_when_broadening(world):
    done = world.deploy(world.config(**newcomers(world)), "--summary-only", "--json")
    assert done.returncode == 3, done.stderr[-3000:]
    summary = json.loads(done.stdout)  # standard output is the JSON alone
    assert summary["broadening"] is True
    assert summary["totals"]["added"] == 12
    [stack] = [s for s in summary["stacks"] if s["added"]]
    assert stack["added"] == [f"PowerUser-{name}" for name in NEWCOMERS]


def test_hand_made_changes_are_named_undone_by_the_next_deploy_and_audit_is_clean(world, tmp_path):
    iam = world.aws.client("iam")
    iam.attach_role_policy(RoleName="PowerUser-leaver", PolicyArn=ADMIN)
    iam.put_role_policy(
        RoleName="PowerUser-leaver", PolicyName="by-hand", PolicyDocument=BOUNDARY_DOCUMENT
    )
    without_mfa = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": world.arn("m1")}, "Action": "sts:AssumeRole"}
        ],
    }
    iam.update_assume_role_policy(RoleName="PowerUser-team", PolicyDocument=json.dumps(without_mfa))
    iam.update_role(RoleName="PowerUser-narrow", MaxSessionDuration=43200)
    iam.delete_role_permissions_boundary(RoleName="PowerUser-broad")
    iam.tag_role(
        RoleName="PowerUser-broad",
        Tags=[{"Key": "owner", "Value": "me"}, {"Key": "team", "Value": "ops"}],
    )

    done = world.deploy(world.config())

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "managed policies + AdministratorAccess (broadens)" in role_line(out, "PowerUser-leaver")
    assert "inline policies + by-hand (broadens)" in role_line(out, "PowerUser-leaver")
    team = role_line(out, "PowerUser-team")
    assert "trust principals - " in team
    assert "MFA condition removed (broadens)" in team
    assert "session duration 4h -> 12h (broadens)" in role_line(out, "PowerUser-narrow")
    broad = role_line(out, "PowerUser-broad")
    assert "permissions boundary policy/DeveloperBoundary -> none (broadens)" in broad
    assert "tags +owner=me, team=platform -> ops" in broad
    assert "(y/n)" not in out  # restoring narrows: no question

    leaver = iam.list_attached_role_policies(RoleName="PowerUser-leaver")["AttachedPolicies"]
    assert [p["PolicyName"] for p in leaver] == ["PowerUserAccess"]
    assert iam.list_role_policies(RoleName="PowerUser-leaver")["PolicyNames"] == []
    trust = iam.get_role(RoleName="PowerUser-team")["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Condition"]["Bool"] == {"aws:MultiFactorAuthPresent": "true"}
    assert iam.get_role(RoleName="PowerUser-narrow")["Role"]["MaxSessionDuration"] == 14400
    broad_role = iam.get_role(RoleName="PowerUser-broad")["Role"]
    assert broad_role["PermissionsBoundary"]["PermissionsBoundaryArn"] == world.policy(
        "DeveloperBoundary"
    )
    tags = {t["Key"]: t["Value"] for t in broad_role["Tags"]}
    assert tags == {"team": "platform", "developer-role:principal": world.arn("broad")}

    acknowledged = tmp_path / "acknowledged.yaml"
    acknowledged.write_text(
        "- {check: standing-privilege, subject: 'arn:aws:iam::*:user/localaws-admin',\n"
        "   reason: the local AWS's administrator}\n"
        "- {check: mfa-trust, subject: 'arn:aws:iam::*:role/cdk-*',\n"
        "   reason: the CDK's bootstrap roles}\n",
        encoding="utf-8",
    )
    audit = run_checks(
        world.aws,
        "audit",
        "--json",
        "--config",
        str(world.work / "devs.json"),
        "--acknowledgements",
        str(acknowledged),
    )
    assert audit.returncode == 0, audit.stdout[-3000:] + audit.stderr
    assert [r for r in audit.json["results"] if r["status"] == "fail"] == []
    assert audit.rows("drift", "ok")


def test_narrowing_changes_deploy_without_a_question(world):
    narrower = world.config(
        narrow={
            "arn": world.arn("narrow"),
            "permissionsBoundary": world.policy("DeveloperBoundary"),
            "requireSourceIdentity": True,
        },
        broad={**world.config()["principals"][0], "tags": {"team": "platform", "site": "b"}},
        leaver=None,
        team=["m1"],
    )

    done = world.deploy(narrower)

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    narrow = role_line(done.stdout, "PowerUser-narrow")
    for words in (
        "managed policies - ReadOnlyAccess (narrows)",
        "MFA age 12h -> 1h (narrows)",
        "session tags no longer allowed (narrows)",
        "source identity required (narrows)",
        "session duration 4h -> 1h (narrows)",
        "permissions boundary none -> policy/DeveloperBoundary (narrows)",
    ):
        assert words in narrow, done.stdout
    assert f"trust principals - {world.arn('m2')} (narrows)" in role_line(
        done.stdout, "PowerUser-team"
    )
    assert "  - PowerUser-leaver" in done.stdout
    assert "tags +site=b" in role_line(done.stdout, "PowerUser-broad")
    assert "broadening: none" in done.stdout
    iam = world.aws.client("iam")
    assert iam.get_role(RoleName="PowerUser-narrow")["Role"]["MaxSessionDuration"] == 3600
    assert "PowerUser-leaver" not in [r["RoleName"] for r in iam.list_roles()["Roles"]]
