"""The two renderings and the exit codes of the account checks."""

from __future__ import annotations

import json

import pytest

from developer_roles.report import EXIT_FAILED, EXIT_READY, Result, exit_code, to_json, to_table

OK = Result("bootstrap", "123456789012", "us-east-1", "ok", "bootstrap version 30 (needs 6)")
FAIL = Result("principal", "123456789012", "arn:aws:iam::123456789012:user/gone", "fail", "no user")
WARN = Result("mfa-device", "123456789012", "arn:aws:iam::123456789012:user/x", "warning", "none")
SKIP = Result(
    "principal", "555555555555", "arn:x", "not checked", "not checked: iam:GetUser denied"
)


@pytest.mark.parametrize(
    ("results", "code"),
    [([OK], EXIT_READY), ([OK, WARN, SKIP], EXIT_READY), ([OK, FAIL], EXIT_FAILED), ([], 0)],
    ids=["ok", "warnings-and-unchecked-pass", "a-fail-fails", "nothing"],
)
def test_exit_code(results, code):
    assert exit_code(results) == code


def test_table_puts_failures_first_and_ends_with_the_verdict():
    lines = to_table("preflight", [OK, WARN, FAIL, SKIP]).splitlines()
    assert lines[0].split() == ["STATUS", "ACCOUNT", "CHECK", "SUBJECT", "DETAIL"]
    assert lines[1].startswith("FAIL ")
    assert lines[-1] == (
        "NOT READY: 1 check(s) would make the deploy fail; 1 warning(s), 1 not checked"
    )


def test_table_verdict_when_ready_and_for_the_audit():
    assert to_table("preflight", [OK]).endswith(
        "READY: nothing found that would make the deploy fail; 0 warning(s), 0 not checked"
    )
    assert to_table("audit", [FAIL]).splitlines()[-1].startswith("1 finding(s)")


def test_json_carries_every_row_and_the_verdict():
    data = json.loads(to_json("preflight", [OK, FAIL]))
    assert data["passed"] is False
    assert data["counts"]["fail"] == 1
    assert data["results"][1] == {
        "check": "principal",
        "account": "123456789012",
        "subject": "arn:aws:iam::123456789012:user/gone",
        "status": "fail",
        "message": "no user",
        "reason": "",
    }


def no_mfa(name: str) -> Result:
    return Result(
        "mfa-device",
        "222222222222",
        f"arn:aws:iam::222222222222:user/{name}",
        "warning",
        "no MFA device",
    )


def test_findings_of_one_kind_are_one_row_with_a_count_and_the_first_names():
    rows = [no_mfa(f"u{i}") for i in range(2000)] + [OK]
    table = to_table("preflight", rows).splitlines()
    [warning] = [line for line in table if line.startswith("WARNING")]
    assert "2000: user/u0, user/u1, user/u2 and 1997 more" in warning
    assert "(rows of one kind grouped: preflight --verbose lists each)" in table
    assert table[-1].endswith("2000 warning(s), 0 not checked")


def test_verbose_lists_every_row_and_a_few_are_never_grouped():
    rows = [no_mfa(f"u{i}") for i in range(4)]
    verbose = to_table("preflight", rows, verbose=True).splitlines()
    assert sum(line.startswith("WARNING") for line in verbose) == 4
    few = to_table("preflight", rows[:3]).splitlines()
    assert sum(line.startswith("WARNING") for line in few) == 3
    assert not any("grouped" in line for line in few)
