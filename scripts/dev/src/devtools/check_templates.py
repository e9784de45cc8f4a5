"""Run cfn-lint and checkov, offline, on the synthesized templates; fail on unacknowledged findings.

    python -m devtools.check_templates [--assembly cdk.out ...] [--acknowledgments FILE]

Without ``--assembly`` the app is synthesized (``cdk synth``) into a temporary directory once
per deployment mode of :data:`MODES` (cdk.json's example; several targets; an identity account;
StackSets with and without one; pipelines deploying to the same and to other accounts and
regions), and every template of every mode is checked, nested stage assemblies included. A
finding
passes only when ``template-checks.yaml`` acknowledges it with a reason, scoped to one rule of
one tool and, optionally, to a resource type and a CDK construct path (``aws:cdk:path``
metadata, glob patterns allowed). An acknowledgment that matches no finding is stale and fails
the run too, so the file never outlives the findings it explains.

Offline: checkov runs with ``--skip-download`` (no policy metadata from the vendor's API),
``CKV_SKIP_PACKAGE_UPDATE_CHECK=true`` (no PyPI version check when its banner module loads),
``BC_SKIP_MAPPING=TRUE``, and without ``BC_API_KEY`` or any ``PRISMA_*`` variable, so it never
uploads results. cfn-lint reads its bundled resource specifications and needs no network.

checkov lives in its own venv (``.venv/tools/checkov``, pinned in
``scripts/dev/checkov-requirements.txt``) because it pins boto3 and packaging versions that conflict
with the project's.

Exit status: 0 when every finding is acknowledged, 1 when a finding is not (or an
acknowledgment is stale), 2 when a tool or the configuration could not be used.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from trustcheck.synth import SynthError, synthesize

REPO = Path(__file__).resolve().parents[4]
ACKNOWLEDGMENTS = REPO / "template-checks.yaml"
CHECKOV_VENV = REPO / ".venv" / "tools" / "checkov"
TOOLS = ("cfn-lint", "checkov")
MIN_REASON_LENGTH = 20
# The configuration the app was given: a file (relative to the app) or cdk.json's context.
CONFIG_FILE_CONTEXT = "developerRolesFile"
TIMEOUT_SECONDS = 600
ACK_KEYS = frozenset({"tool", "rule", "resource_type", "path", "reason"})


class CheckError(RuntimeError):
    """A tool or the configuration could not be used; the message says which and why."""


@dataclass(frozen=True)
class Resource:
    logical_id: str
    type: str
    cdk_path: str


@dataclass(frozen=True)
class Finding:
    tool: str
    rule: str
    template: str
    resource: Resource | None
    message: str

    def describe(self) -> str:
        where = (
            f"{self.resource.logical_id} ({self.resource.type}, {self.resource.cdk_path})"
            if self.resource
            else "template"
        )
        return f"{self.tool} {self.rule} {self.template}: {where}: {self.message}"


@dataclass(frozen=True)
class Acknowledgment:
    tool: str
    rule: str
    reason: str
    resource_type: str | None = None
    path: str | None = None

    def covers(self, finding: Finding) -> bool:
        if (finding.tool, finding.rule) != (self.tool, self.rule):
            return False
        resource = finding.resource
        if self.resource_type and (resource is None or resource.type != self.resource_type):
            return False
        return not self.path or (
            resource is not None and fnmatch.fnmatchcase(resource.cdk_path, self.path)
        )

    def describe(self) -> str:
        scope = ", ".join(x for x in (self.resource_type, self.path) if x) or "any resource"
        return f"{self.tool} {self.rule} ({scope})"


# --- Configuration.


def parse_acknowledgments(raw: object, source: str) -> list[Acknowledgment]:
    """Validated acknowledgments; every problem of the file is reported at once."""
    if raw is None:
        return []
    entries = raw.get("acknowledgments", []) if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise CheckError(f"{source}: expected a mapping with an 'acknowledgments' list")
    problems: list[str] = []
    found: list[Acknowledgment] = []
    for number, entry in enumerate(entries, start=1):
        where = f"{source}: acknowledgment {number}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a mapping")
            continue
        unknown = sorted(set(entry) - ACK_KEYS)
        if unknown:
            problems.append(f"{where}: unknown keys {unknown}; allowed: {sorted(ACK_KEYS)}")
        tool, rule, reason = entry.get("tool"), entry.get("rule"), entry.get("reason")
        if tool not in TOOLS:
            problems.append(f"{where}: tool must be one of {list(TOOLS)}, not {tool!r}")
        if not isinstance(rule, str) or not rule:
            problems.append(f"{where}: rule must name one rule ID, such as CKV_AWS_111 or W3005")
        if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON_LENGTH:
            problems.append(
                f"{where}: reason must say why the finding is acceptable "
                f"(at least {MIN_REASON_LENGTH} characters)"
            )
        for key in ("resource_type", "path"):
            if key in entry and not isinstance(entry[key], str):
                problems.append(f"{where}: {key} must be text")
        if not problems:
            found.append(
                Acknowledgment(
                    tool=str(tool),
                    rule=str(rule),
                    reason=str(reason).strip(),
                    resource_type=entry.get("resource_type"),
                    path=entry.get("path"),
                )
            )
    if problems:
        raise CheckError("\n".join(problems))
    return found


def load_acknowledgments(path: Path) -> list[Acknowledgment]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CheckError(f"{path}: cannot read: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise CheckError(f"{path}: not valid YAML: {error}") from error
    return parse_acknowledgments(raw, str(path))


# --- The deployment modes: every way the app deploys, off the example path.

PIPELINE_ACCOUNT = "999999999999"
PRINCIPALS = [
    f"arn:aws:iam::{PIPELINE_ACCOUNT}:user/alice",
    {"arn": f"arn:aws:iam::{PIPELINE_ACCOUNT}:user/bob", "maxSessionDuration": "4h"},
    "arn:aws:iam::111111111111:role/ci/platform-engineer",
]
PIPELINE = {
    "connectionArn": f"arn:aws:codeconnections:eu-west-1:{PIPELINE_ACCOUNT}:connection/abc",
    "repository": "acme/developer-roles",
    "branch": "main",
    "account": PIPELINE_ACCOUNT,
    "region": "eu-west-1",
}
STACK_SET = {"organizationalUnitIds": ["ou-ab12-cdef3456"], "regions": ["us-east-1"]}
SAME_AS_PIPELINE = {"account": PIPELINE_ACCOUNT, "region": "eu-west-1"}
OTHER_ACCOUNT_SAME_REGION = {"account": "111111111111", "region": "eu-west-1"}
OTHER_ACCOUNT_OTHER_REGION = {"account": "222222222222", "region": "us-east-1"}
# A third account: IAM roles are global to an account, so one account is one target.
THIRD_REGION = {"account": "333333333333", "region": "ap-southeast-2"}

# name -> configuration; None is cdk.json's own example.
MODES: dict[str, dict[str, Any] | None] = {
    "cdk.json example": None,
    "stacks, several accounts and regions": {
        "targets": [OTHER_ACCOUNT_SAME_REGION, OTHER_ACCOUNT_OTHER_REGION],
        "principals": PRINCIPALS,
    },
    "stacks, identity account": {
        "targets": [OTHER_ACCOUNT_SAME_REGION, OTHER_ACCOUNT_OTHER_REGION],
        "identityAccount": PIPELINE_ACCOUNT,
        "principals": PRINCIPALS,
        "groups": [{"name": "payments", "principals": [PRINCIPALS[0]]}],
    },
    "StackSet": {"principals": PRINCIPALS, "deployment": {"stackSet": STACK_SET}},
    "StackSet, identity account": {
        "identityAccount": PIPELINE_ACCOUNT,
        "principals": PRINCIPALS,
        "deployment": {"stackSet": STACK_SET},
    },
    "pipeline, its own account and region": {
        "targets": [SAME_AS_PIPELINE],
        "principals": PRINCIPALS,
        "deployment": {"pipeline": PIPELINE},
    },
    "pipeline, other accounts and regions": {
        "targets": [OTHER_ACCOUNT_SAME_REGION, OTHER_ACCOUNT_OTHER_REGION, THIRD_REGION],
        "principals": PRINCIPALS,
        "deployment": {"pipeline": PIPELINE},
    },
    "pipeline, identity account, other region": {
        "targets": [SAME_AS_PIPELINE, OTHER_ACCOUNT_OTHER_REGION],
        "identityAccount": PIPELINE_ACCOUNT,
        "principals": PRINCIPALS,
        "groups": [{"name": "payments", "principals": [PRINCIPALS[0]]}],
        "deployment": {"pipeline": PIPELINE},
    },
}


def slug(mode: str) -> str:
    """A file and directory name for a mode."""
    return "".join(ch if ch.isalnum() else "-" for ch in mode.lower()).strip("-")


def synthesize_modes(workdir: Path, modes: Mapping[str, dict[str, Any] | None]) -> list[Path]:
    """``cdk synth`` of the app once per mode, each into ``workdir/<mode>``.

    A pipeline carries its configuration file into its steps, so the file must be inside the
    app: the modes' files are written to a scratch folder in the repository, removed after.
    """
    assemblies = []
    with tempfile.TemporaryDirectory(prefix=".check-templates-", dir=REPO) as scratch:
        for mode, raw in modes.items():
            context = None
            if raw is not None:
                config = Path(scratch) / f"{slug(mode)}.json"
                config.write_text(json.dumps(raw), encoding="utf-8")
                context = {CONFIG_FILE_CONTEXT: str(config.relative_to(REPO))}
            try:
                assemblies.append(synthesize(workdir / slug(mode), context))
            except SynthError as error:
                raise SynthError(f"mode {mode!r}: {error}") from error
    return assemblies


# --- Templates.


def templates_in(assembly: Path) -> list[Path]:
    """Every template of a cloud assembly, those of nested assemblies (pipeline stages) too."""
    templates = sorted(assembly.rglob("*.template.json"))
    if not templates:
        raise CheckError(f"{assembly}: no *.template.json; synthesize first")
    return templates


def template_name(template: Path, roots: Sequence[Path]) -> str:
    """A template's name for reports: its path below the assembly that holds it."""
    for root in roots:
        if template.is_relative_to(root):
            return str(template.relative_to(root.parent))
    return template.name


def resources_of(template: Path) -> dict[str, Resource]:
    body = json.loads(template.read_text(encoding="utf-8"))
    return {
        logical_id: Resource(
            logical_id=logical_id,
            type=str(resource.get("Type", "")),
            cdk_path=str(resource.get("Metadata", {}).get("aws:cdk:path", "")),
        )
        for logical_id, resource in body.get("Resources", {}).items()
    }


# --- The tools.


def _run(command: Sequence[str], env: Mapping[str, str], cwd: Path) -> str:
    try:
        completed = subprocess.run(
            list(command),
            capture_output=True,
            text=True,
            env=dict(env),
            cwd=cwd,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise CheckError(f"{Path(command[0]).name} could not run: {error}") from error
    if not completed.stdout.strip():
        raise CheckError(
            f"{Path(command[0]).name} exited {completed.returncode} without a report: "
            f"{completed.stderr.strip()[-2000:]}"
        )
    return completed.stdout


def offline_environment() -> dict[str, str]:
    """The environment for both tools: no vendor credentials, no update or metadata calls."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BC_", "PRISMA_", "CKV_", "CHECKOV_"))
    }
    env.update(
        {
            "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
            "BC_SKIP_MAPPING": "TRUE",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def find_tool(name: str, override: str | None) -> str:
    if override:
        return override
    candidates = [REPO / ".venv" / "bin" / name]
    if name == "checkov":
        candidates.insert(0, CHECKOV_VENV / "bin" / name)
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    hint = (
        f"create its venv: python3 -m venv {CHECKOV_VENV.relative_to(REPO)} && "
        f"{CHECKOV_VENV.relative_to(REPO)}/bin/pip install -r scripts/dev/checkov-requirements.txt"
        if name == "checkov"
        else "run `make setup`"
    )
    raise CheckError(f"{name} is not installed; {hint}")


def cfn_lint_findings(
    exe: str, templates: Sequence[Path], workdir: Path, names: Mapping[Path, str] | None = None
) -> list[Finding]:
    output = _run(
        [exe, "--format", "json", "--", *map(str, templates)], offline_environment(), workdir
    )
    try:
        report: list[dict[str, Any]] = json.loads(output)
    except json.JSONDecodeError as error:
        raise CheckError(f"cfn-lint printed no JSON report: {output[:500]}") from error
    indexes = {str(t): resources_of(t) for t in templates}
    findings = []
    for item in report:
        filename = str(item.get("Filename", ""))
        path = item.get("Location", {}).get("Path") or []
        logical_id = path[1] if len(path) > 1 and path[0] == "Resources" else None
        resources = indexes.get(filename) or indexes.get(str(Path(filename).resolve()), {})
        findings.append(
            Finding(
                tool="cfn-lint",
                rule=str(item["Rule"]["Id"]),
                template=(names or {}).get(Path(filename).resolve(), Path(filename).name),
                resource=resources.get(str(logical_id)) if logical_id else None,
                message=str(item.get("Message", "")),
            )
        )
    return findings


def checkov_findings(
    exe: str, templates: Sequence[Path], workdir: Path, names: Mapping[Path, str] | None = None
) -> list[Finding]:
    command = [exe, "--framework", "cloudformation", "--skip-download", "--soft-fail"]
    command += ["--quiet", "--compact", "--output", "json"]
    for template in templates:
        command += ["--file", str(template)]
    output = _run(command, offline_environment(), workdir)
    try:
        parsed = json.loads(output)
    except json.JSONDecodeError as error:
        raise CheckError(f"checkov printed no JSON report: {output[:500]}") from error
    reports = parsed if isinstance(parsed, list) else [parsed]
    by_path = {t.resolve(): resources_of(t) for t in templates}
    findings = []
    for report in reports:
        for item in report.get("results", {}).get("failed_checks", []):
            where = Path(str(item.get("file_abs_path") or item.get("file_path", ""))).resolve()
            logical_id = str(item.get("resource", "")).rpartition(".")[2]
            findings.append(
                Finding(
                    tool="checkov",
                    rule=str(item["check_id"]),
                    template=(names or {}).get(where, where.name),
                    resource=by_path.get(where, {}).get(logical_id),
                    message=str(item.get("check_name", "")),
                )
            )
    return findings


# --- The verdict.


@dataclass(frozen=True)
class Verdict:
    unacknowledged: list[Finding]
    acknowledged: list[tuple[Finding, Acknowledgment]]
    stale: list[Acknowledgment]

    @property
    def passed(self) -> bool:
        return not self.unacknowledged and not self.stale


def triage(findings: Sequence[Finding], acknowledgments: Sequence[Acknowledgment]) -> Verdict:
    unacknowledged: list[Finding] = []
    acknowledged: list[tuple[Finding, Acknowledgment]] = []
    used: set[Acknowledgment] = set()
    for finding in findings:
        match = next((a for a in acknowledgments if a.covers(finding)), None)
        if match is None:
            unacknowledged.append(finding)
        else:
            acknowledged.append((finding, match))
            used.add(match)
    stale = [a for a in acknowledgments if a not in used]
    return Verdict(unacknowledged, acknowledged, stale)


def report(verdict: Verdict, templates: Sequence[str]) -> str:
    lines = [f"cfn-lint and checkov on {len(templates)} templates:"]
    lines += [f"  {name}" for name in templates]
    for finding, ack in verdict.acknowledged:
        lines.append(f"  acknowledged: {finding.describe()}\n    reason: {ack.reason}")
    for finding in verdict.unacknowledged:
        lines.append(f"  FINDING: {finding.describe()}")
    for ack in verdict.stale:
        lines.append(f"  STALE acknowledgment, matches no finding: {ack.describe()}")
    total = len(verdict.acknowledged) + len(verdict.unacknowledged)
    lines.append(
        f"{total} findings: {len(verdict.acknowledged)} acknowledged, "
        f"{len(verdict.unacknowledged)} not; {len(verdict.stale)} stale acknowledgments"
    )
    return "\n".join(lines)


def check(
    assemblies: Sequence[Path],
    acknowledgments: Sequence[Acknowledgment],
    *,
    cfn_lint: str | None = None,
    checkov: str | None = None,
) -> tuple[Verdict, list[str]]:
    """Both tools on every template of the assemblies, in one run each; an acknowledgment is
    stale only when it matches no finding in any of them."""
    roots = [a.resolve() for a in assemblies]
    templates = [t.resolve() for root in roots for t in templates_in(root)]
    names = {t: template_name(t, roots) for t in templates}
    lint_exe, checkov_exe = find_tool("cfn-lint", cfn_lint), find_tool("checkov", checkov)
    with tempfile.TemporaryDirectory(prefix="check-templates-") as workdir:
        # An empty working directory: neither tool picks up a stray .cfnlintrc or .checkov.yaml.
        findings = cfn_lint_findings(lint_exe, templates, Path(workdir), names)
        findings += checkov_findings(checkov_exe, templates, Path(workdir), names)
    return triage(findings, acknowledgments), list(names.values())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.check_templates",
        description="cfn-lint and checkov (offline) on the synthesized templates.",
    )
    parser.add_argument(
        "--assembly",
        type=Path,
        action="append",
        help="a synthesized cloud assembly (repeatable); default: synthesize every mode afresh",
    )
    parser.add_argument(
        "--acknowledgments",
        type=Path,
        default=ACKNOWLEDGMENTS,
        help=f"acknowledged findings with reasons (default: {ACKNOWLEDGMENTS.name})",
    )
    parser.add_argument("--cfn-lint", help="the cfn-lint executable (default: the venv's)")
    parser.add_argument("--checkov", help=f"the checkov executable (default: {CHECKOV_VENV}/bin)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        acknowledgments = load_acknowledgments(args.acknowledgments)
        with tempfile.TemporaryDirectory(prefix="check-templates-synth-") as tmp:
            assemblies = args.assembly or synthesize_modes(Path(tmp), MODES)
            verdict, templates = check(
                assemblies, acknowledgments, cfn_lint=args.cfn_lint, checkov=args.checkov
            )
    except (CheckError, SynthError) as error:
        print(f"check_templates: {error}", file=sys.stderr)
        return 2
    print(report(verdict, templates))
    return 0 if verdict.passed else 1


if __name__ == "__main__":
    sys.exit(main())
