"""Synthesis time of 500 roles with the MFA trust rule on (issue 27's before/after figure).

Usage: ``.venv/bin/python bench/mfa_rule_synth.py [--roles 500] [--repeat 3]``; put an older
copy of the construct library first on ``PYTHONPATH`` to measure it the same way. Prints the
median wall-clock time of ``app.synth()`` and of the rule's ``validate`` (wall and CPU).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from aws_cdk import App, Stack, Validations
from aws_cdk import aws_iam as iam

import developer_role
from developer_role import DeveloperRole, MfaTrustChecks
from developer_role.mfa_checks import MfaTrustChecks as Checks


def one_run(roles: int) -> tuple[float, float, float]:
    spent = {"wall": 0.0, "cpu": 0.0}
    validate = Checks.validate

    def timed(self: Checks, context: object) -> object:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return validate(self, context)  # type: ignore[arg-type]
        finally:
            spent["wall"] += time.perf_counter() - wall
            spent["cpu"] += time.process_time() - cpu

    Checks.validate = timed  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory() as outdir:
            app = App(outdir=outdir)
            stacks = [Stack(app, f"Roles{n}") for n in range((roles + 99) // 100)]
            for number in range(roles):
                stack = stacks[number // 100]
                account = 210987654321 + number % 7
                if number % 5:
                    DeveloperRole(
                        stack, f"Dev{number}", principals=[f"arn:aws:iam::{account}:user/u{number}"]
                    )
                else:
                    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
                    principal = iam.ArnPrincipal(f"arn:aws:iam::{account}:user/u{number}")
                    iam.Role(
                        stack,
                        f"Plain{number}",
                        assumed_by=iam.PrincipalWithConditions(principal, mfa),
                    )
            Validations.of(app).add_plugins(MfaTrustChecks())
            started = time.perf_counter()
            app.synth()
            total = time.perf_counter() - started
    finally:
        Checks.validate = validate  # type: ignore[method-assign]
    return total, spent["wall"], spent["cpu"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--roles", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs = [one_run(args.roles) for _ in range(args.repeat)]
    total, wall, cpu = (statistics.median(r[i] for r in runs) for i in range(3))
    print(
        f"{developer_role.__file__}: {args.roles} roles, median of {args.repeat}: synth "
        f"{total:.2f} s, of which the MFA rule {wall:.2f} s wall, {cpu:.2f} s CPU"
    )


if __name__ == "__main__":
    main()
