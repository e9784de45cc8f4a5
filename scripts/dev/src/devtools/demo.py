"""``make demo``: the whole MFA recipe on the built-in local AWS, as a readable transcript.

Starts the local AWS, creates a developer with an access key and a virtual MFA device, deploys
the DeveloperRoles stack for that developer with the real CDK CLI, assumes the role with the
helper (without MFA, with a wrong code, with a valid code), uses the session as a power user,
changes the session duration and redeploys in place, then stops everything. Exits 1 as soon as
a step does not behave as described. Secret keys and session tokens are never printed.

Run: ``.venv/bin/python -m devtools.demo`` (from anywhere; it finds the repository itself).
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from botocore.exceptions import ClientError

from localaws import recipe
from localaws.server import LocalAws, LocalAwsError
from localaws.testing import LocalAwsEnv

EXIT_ROLE_REQUIRES_MFA = 5
EXIT_MFA_REJECTED = 6


class StepFailed(Exception):
    """A step did not behave as the recipe says."""


def say(text: str = "") -> None:
    print(text, flush=True)


def show(label: str, value: object) -> None:
    say(f"    {label:<22} {value}")


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise StepFailed(what)
    say(f"    ok: {what}")


def expect_run(result: recipe.Run, what: str, started: float) -> None:
    """A command step: on failure, its whole output is shown before the step fails."""
    took = f"{time.monotonic() - started:.0f} s"
    if result.returncode != 0:
        say(f"    {what} failed (exit {result.returncode}, {took}); its output:")
        for line in result.output.rstrip().splitlines() or ["(no output)"]:
            say(f"      | {line}")
        raise StepFailed(f"{what} failed with exit code {result.returncode} (output above)")
    say(f"    ok: {what} succeeded ({took})")


def step(number: int, title: str) -> None:
    say()
    say(f"[{number}] {title}")


def helper_message(result: recipe.Run) -> str:
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no message)"


def masked(key_id: str) -> str:
    return key_id[:4] + "…" + key_id[-2:]


def run_recipe(aws: LocalAwsEnv, work: Path) -> None:
    step(2, "Create a developer: IAM user, access key, virtual MFA device")
    dev = aws.create_developer("alice")
    show("user", dev.arn)
    show("access key", masked(dev.access_key_id) + " (secret not shown)")
    show("MFA device", dev.mfa_serial + " (codes computed from its seed)")

    step(3, "Deploy the developer role for that ARN with the real CDK CLI")
    config = recipe.write_roles_config(work / "roles.json", aws.account_id, [dev.arn])
    show("configuration", f"-c developerRolesFile={config.name}")
    for line in config.read_text(encoding="utf-8").splitlines():
        say(f"      {line}")
    out_dir = work / "cdk.out"
    started = time.monotonic()
    expect_run(recipe.bootstrap(aws, out_dir), "cdk bootstrap", started)
    started = time.monotonic()
    expect_run(recipe.deploy(aws, config, out_dir), "cdk deploy", started)
    role_arn = recipe.role_arn_for(dev, aws.account_id)
    stack = aws.client("cloudformation").describe_stacks(StackName=recipe.STACK_NAME)["Stacks"][0]
    outputs = [o["OutputValue"] for o in stack.get("Outputs", [])]
    expect(role_arn in outputs, f"stack output names the role {role_arn}")
    iam = aws.client("iam")
    role_name = role_arn.rsplit("/", 1)[1]
    role = iam.get_role(RoleName=role_name)["Role"]
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]
    show("trust conditions", json.dumps(trust.get("Condition")))
    attached = iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
    show("permissions", ", ".join(p["PolicyName"] for p in attached))
    show("max session", f"{role['MaxSessionDuration']} s")

    home = work / "home"
    home.mkdir()

    def assume(code: str | None, duration: str | None = None) -> recipe.Run:
        return recipe.assume_with_helper(
            aws, dev, role_arn, home, token_code=code, duration=duration
        )

    step(4, "Assume the role without MFA (mfa-assume --no-mfa)")
    no_mfa = assume(None)
    show("helper says", helper_message(no_mfa))
    expect(no_mfa.returncode == EXIT_ROLE_REQUIRES_MFA, "refused: the role requires MFA (exit 5)")

    step(5, "Assume the role with a wrong MFA code")
    good = aws.totp(dev)
    wrong = f"{(int(good) + 500_000) % 1_000_000:06d}"
    bad = assume(wrong)
    show("code sent", wrong)
    show("helper says", helper_message(bad))
    expect(bad.returncode == EXIT_MFA_REJECTED, "refused: the MFA code was rejected (exit 6)")

    step(6, "Assume the role with a valid MFA code")
    code = aws.fresh_totp(dev)
    show("code sent", f"{code} (TOTP from the device seed)")
    started = time.monotonic()
    ok = assume(code)
    expect_run(ok, "the helper (assume with a valid code)", started)
    creds = recipe.credentials_from_helper(ok)
    identity = aws.client("sts", creds).get_caller_identity()
    show("new identity", identity["Arn"])
    show("access key", masked(creds.access_key_id) + " (secret and token not shown)")
    expect(f":assumed-role/{role_name}/" in identity["Arn"], "now acting as the developer role")

    step(7, "Use the session as a power user")
    s3 = aws.client("s3", creds)
    s3.create_bucket(Bucket="alice-scratch")
    buckets = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    show("s3 buckets", ", ".join(buckets))
    expect("alice-scratch" in buckets, "S3 works (CreateBucket, ListBuckets)")
    try:
        aws.client("iam", creds).list_users()
        denied = ""
    except ClientError as error:
        denied = f"{error.response['Error']['Code']}: {error.response['Error']['Message']}"
    show("iam:ListUsers", denied or "allowed")
    expect(denied.startswith("AccessDenied"), "IAM is denied (PowerUserAccess excludes iam:*)")

    step(8, "Change the session duration to 2h and redeploy")
    too_long = assume(aws.fresh_totp(dev), duration="2h")
    show("2h before redeploy", helper_message(too_long))
    expect(too_long.returncode != 0, "a 2-hour session is refused while the maximum is 1h")
    recipe.write_roles_config(config, aws.account_id, [dev.arn], max_session_duration="2h")
    started = time.monotonic()
    expect_run(recipe.deploy(aws, config, out_dir), "cdk deploy (redeploy)", started)
    after = iam.get_role(RoleName=role_name)["Role"]
    status = aws.client("cloudformation").describe_stacks(StackName=recipe.STACK_NAME)
    show("stack status", status["Stacks"][0]["StackStatus"])
    show("role id", f"{role['RoleId']} -> {after['RoleId']}")
    show("max session", f"{role['MaxSessionDuration']} s -> {after['MaxSessionDuration']} s")
    expect(after["RoleId"] == role["RoleId"], "same role: updated in place, not replaced")
    expect(after["MaxSessionDuration"] == 7200, "the new maximum is in effect")
    longer = assume(aws.fresh_totp(dev), duration="2h")
    expect(longer.returncode == 0, "a 2-hour session is now granted")


def main() -> int:
    say("MFA-gated developer roles: the recipe on a local AWS (moto + localaws fixes)")
    with tempfile.TemporaryDirectory(prefix="mfa-demo-") as tmp:
        work = Path(tmp)
        step(1, "Start the local AWS")
        try:
            server = LocalAws.start(work / "localaws")
        except LocalAwsError as error:
            say(f"\nFAILED: the local AWS did not start: {error}")
            return 1
        show("endpoint", server.endpoint_url)
        show("process", server.pid)
        try:
            run_recipe(LocalAwsEnv.local(server), work)
        except (StepFailed, ClientError, ValueError) as error:
            say(f"\nFAILED: {error}")
            return 1
        finally:
            step(9, "Stop everything")
            server.stop()
            show("local AWS", f"stopped (pid {server.pid})")
    say("\nAll steps behaved as described.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
