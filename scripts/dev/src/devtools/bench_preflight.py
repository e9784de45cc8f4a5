#!/usr/bin/env python3
"""Benchmark: ``developer-roles preflight`` at 2,000 principals on the local AWS.

On the built-in local AWS (loopback only), in account 222222222222: ``--principals`` IAM users
(default 2,000; every fourth one without an MFA device, so the grouped warning and the
per-user ``iam:ListMFADevices`` fallback are both exercised), the account bootstrapped with the
real CDK CLI. None of that is timed. Then the installed command runs as an operator runs it,
``developer-roles preflight --config roles.json``, ``--repeat`` times; the script prints each
wall-clock time, the median and the table's verdict. The local AWS keeps IAM's default role
quota of 1,000, so the preflight rightly reports that 2,000 roles do not fit (exit 1); any
other outcome than a table (exit 2) stops the script. The budget (issue 20) is 10 s; the
script exits 1 if the median is over ``--budget``.

Usage: ``python -m devtools.bench_preflight [--principals 2000] [--repeat 3] [--budget 10]
[--show]`` (``--show`` prints the last run's table)
(``make bench-preflight``).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyotp

from localaws import recipe
from localaws.server import LocalAws, LocalAwsError
from localaws.testing import LocalAwsEnv

ACCOUNT = "222222222222"
WITHOUT_MFA_EVERY = 4
COMMAND = Path(sys.executable).parent / "developer-roles"


def create_users(aws: LocalAwsEnv, count: int) -> list[str]:
    iam = aws.client("iam")
    now = aws.server_time()

    def create(index: int) -> str:
        name = f"dev{index:05d}"
        arn = str(iam.create_user(UserName=name)["User"]["Arn"])
        if index % WITHOUT_MFA_EVERY:
            device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
            seed = device["Base32StringSeed"]
            totp = pyotp.TOTP(seed.decode() if isinstance(seed, bytes) else str(seed))
            iam.enable_mfa_device(
                UserName=name,
                SerialNumber=device["SerialNumber"],
                AuthenticationCode1=totp.at(now - 30),
                AuthenticationCode2=totp.at(now),
            )
        return arn

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(create, range(count)))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--principals", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--budget", type=float, default=10.0, help="seconds (median)")
    parser.add_argument("--show", action="store_true", help="print the last run's table")
    args = parser.parse_args(argv)
    if not 1 <= args.principals <= 5000 or not 1 <= args.repeat <= 9:
        print("bench_preflight: --principals must be 1..5000 and --repeat 1..9")
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-preflight-") as tmp:
        work = Path(tmp)
        try:
            server = LocalAws.start(work / "localaws")
        except LocalAwsError as error:
            print(f"bench_preflight: {error}")
            return 1
        try:
            local = LocalAwsEnv.local(server)
            aws = LocalAwsEnv(
                endpoint_url=local.endpoint_url,
                region=local.region,
                account_id=ACCOUNT,
                admin=local.other_account_admin(ACCOUNT),
                server=server,
            )
            principals = create_users(aws, args.principals)
            config = work / "roles.json"
            config.write_text(
                json.dumps(
                    {"account": ACCOUNT, "maxRolesPerAccount": 5000, "principals": principals}
                )
            )
            boot = recipe.bootstrap(aws, work / "boot.out")
            if boot.returncode:
                print(f"bench_preflight: cdk bootstrap failed:\n{boot.output}")
                return 1
            times = []
            for run in range(args.repeat):
                started = time.monotonic()
                done = subprocess.run(
                    [str(COMMAND), "preflight", "--config", str(config)],
                    cwd=recipe.REPO,
                    env=aws.env(),
                    capture_output=True,
                    text=True,
                    timeout=600,
                    check=False,
                )
                elapsed = time.monotonic() - started
                times.append(elapsed)
                verdict = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
                rows = len(done.stdout.splitlines())
                print(
                    f"run {run + 1}: {elapsed:.1f} s, exit {done.returncode}, {rows} lines: "
                    f"{verdict}",
                    flush=True,
                )
                if done.returncode not in (0, 1):  # 1: a finding (the local role quota)
                    print(done.stdout[-3000:] + done.stderr[-3000:])
                    return 1
            if args.show:
                print(done.stdout)
        finally:
            server.stop()
    median = statistics.median(times)
    print(
        f"\ndeveloper-roles preflight, {args.principals:,} principals "
        f"({args.principals // WITHOUT_MFA_EVERY:,} without MFA): median {median:.1f} s "
        f"of {args.repeat} (budget {args.budget:g} s)"
    )
    return 0 if median <= args.budget else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
