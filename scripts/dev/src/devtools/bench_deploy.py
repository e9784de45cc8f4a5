#!/usr/bin/env python3
"""Benchmark: ``cdk deploy --all`` of a large configuration, concurrently against one at a time.

On the built-in local AWS (loopback only), in one run: for each of ``--repeat`` rounds, two
fresh accounts, each with the same number of IAM users (default 1,000, so 7 stacks), each
bootstrapped and synthesized once (not timed). Then the deploy itself is timed, ``cdk deploy
--all --app <assembly>`` with ``--concurrency 1`` in one account and ``--concurrency N``
(default: the Makefile's ``DEPLOY_CONCURRENCY``) in the other; the rounds alternate which one
goes first, so a machine that slows down or speeds up during the run favours neither. The
script prints every deploy, the medians and their ratio. Every deploy must succeed and leave
every role in place, or the script exits 1.

Usage: ``python scripts/bench_deploy.py [--principals 1000] [--concurrency 4] [--repeat 3]``
(``make bench-deploy``).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from localaws import recipe
from localaws.server import LocalAws, LocalAwsError
from localaws.testing import LocalAwsEnv

DEFAULT_CONCURRENCY = 4  # keep equal to the Makefile's DEPLOY_CONCURRENCY
MODES = ("sequential", "concurrent")
DEPLOY_TIMEOUT_SECONDS = 1800


def account_env(local: LocalAwsEnv, account_id: str) -> LocalAwsEnv:
    return LocalAwsEnv(
        endpoint_url=local.endpoint_url,
        region=local.region,
        account_id=account_id,
        admin=local.other_account_admin(account_id),
        server=local.server,
    )


def create_users(aws: LocalAwsEnv, count: int) -> list[str]:
    iam = aws.client("iam")

    def create(index: int) -> str:
        return str(iam.create_user(UserName=f"dev{index:05d}")["User"]["Arn"])

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(create, range(count)))


def prepare(aws: LocalAwsEnv, count: int, work: Path) -> tuple[Path, int]:
    """Users, bootstrap and one synthesis: the assembly to deploy and its number of stacks."""
    principals = create_users(aws, count)
    config = work / "roles.json"
    config.write_text(json.dumps({"account": aws.account_id, "principals": principals}))
    boot = recipe.bootstrap(aws, work / "boot.out")
    if boot.returncode:
        raise SystemExit(f"cdk bootstrap failed:\n{boot.output}")
    assembly = work / "cdk.out"
    synth = recipe.cdk(aws, ["synth", "--quiet", "-c", f"developerRolesFile={config}"], assembly)
    if synth.returncode:
        raise SystemExit(f"cdk synth failed:\n{synth.output}")
    stacks = sorted(p.name for p in assembly.glob("DeveloperRoles*.template.json"))
    return assembly, len(stacks)


def deploy(aws: LocalAwsEnv, assembly: Path, concurrency: int) -> float:
    env = recipe._tool_path(aws.env())
    command = [
        str(recipe.CDK),
        "deploy",
        "--all",
        "--app",
        str(assembly),
        "--require-approval",
        "never",
        "--concurrency",
        str(concurrency),
        "--progress",
        "events",
    ]
    started = time.monotonic()
    done = recipe.run(command, env, timeout=DEPLOY_TIMEOUT_SECONDS)
    elapsed = time.monotonic() - started
    if done.returncode:
        raise SystemExit(f"cdk deploy --concurrency {concurrency} failed:\n{done.output[-4000:]}")
    return elapsed


def roles_in(aws: LocalAwsEnv) -> int:
    paginator = aws.client("iam").get_paginator("list_roles")
    return sum(1 for page in paginator.paginate(PathPrefix="/developers/") for _ in page["Roles"])


def account_id(round_index: int, mode: str) -> str:
    """A fresh 12-digit account per round and mode (not the server's default account)."""
    return f"{2 * round_index + MODES.index(mode) + 1:012d}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--principals", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if not 1 <= args.principals <= 5000 or not 2 <= args.concurrency <= 50:
        print("bench_deploy: --principals must be 1..5000 and --concurrency 2..50")
        return 2
    if not 1 <= args.repeat <= 9:
        print("bench_deploy: --repeat must be 1..9")
        return 2
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory(prefix="bench-deploy-") as tmp:
        work = Path(tmp)
        try:
            server = LocalAws.start(work / "localaws")
        except LocalAwsError as error:
            print(f"bench_deploy: {error}")
            return 1
        try:
            local = LocalAwsEnv.local(server)
            # IAM's default quota is 1,000 roles per account; an account with this many
            # developers (plus the CDK's bootstrap roles) needs the increase its operator
            # would request (up to 5,000).
            local.set_quota("RolesPerAccount", 5000)
            for round_index in range(args.repeat):
                order = MODES if round_index % 2 == 0 else MODES[::-1]
                for mode in order:
                    aws = account_env(local, account_id(round_index, mode))
                    folder = work / f"{mode}-{round_index + 1}"
                    folder.mkdir()
                    assembly, stacks = prepare(aws, args.principals, folder)
                    concurrency = 1 if mode == "sequential" else args.concurrency
                    elapsed = deploy(aws, assembly, concurrency)
                    times[mode].append(elapsed)
                    deployed = roles_in(aws)
                    print(
                        f"round {round_index + 1}, {stacks} stacks, cdk deploy --all "
                        f"--concurrency {concurrency}: {elapsed:.1f} s, {deployed} roles",
                        flush=True,
                    )
                    if deployed != args.principals:
                        print(f"bench_deploy: expected {args.principals} roles, found {deployed}")
                        return 1
        finally:
            server.stop()
    sequential = statistics.median(times["sequential"])
    concurrent = statistics.median(times["concurrent"])
    print()
    print(
        f"| principals | stacks | --concurrency 1 s | --concurrency {args.concurrency} s | ratio |"
    )
    print("|---|---|---|---|---|")
    print(
        f"| {args.principals:,} | {stacks} | {sequential:.1f} | {concurrent:.1f} | "
        f"{concurrent / sequential:.2f} |"
    )
    print(f"(medians of {args.repeat} interleaved runs each)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
