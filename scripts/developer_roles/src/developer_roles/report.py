"""Result rows of the account checks, their two renderings, and the exit codes.

Exit codes, the same for ``preflight`` and ``audit``:

* 0: ready (preflight) or no unacknowledged finding (audit); warnings and "not checked" rows
  do not change it;
* 1: at least one ``fail`` row: a deploy would fail (preflight), or the account holds a finding
  (audit);
* 2: bad input (options, configuration) or no usable AWS credentials; one line on stderr.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

Status = Literal["ok", "fail", "warning", "not checked", "acknowledged"]

EXIT_READY = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2

_ORDER: dict[str, int] = {"fail": 0, "warning": 1, "not checked": 2, "acknowledged": 3, "ok": 4}


@dataclass(frozen=True)
class Result:
    """One row: which check, in which account, about what, and what was found."""

    check: str
    account: str
    subject: str
    status: Status
    message: str
    reason: str = ""  # why an acknowledged finding is accepted (audit)


class BadInput(Exception):
    """Input the checks cannot run with (exit 2): the message is the whole one-line answer."""


def exit_code(results: Sequence[Result]) -> int:
    return EXIT_FAILED if any(r.status == "fail" for r in results) else EXIT_READY


def to_json(command: str, results: Sequence[Result]) -> str:
    counts = {status: 0 for status in _ORDER}
    for result in results:
        counts[result.status] += 1
    return json.dumps(
        {
            "command": command,
            "passed": exit_code(results) == EXIT_READY,
            "counts": counts,
            "results": [asdict(r) for r in results],
        },
        indent=2,
    )


def to_table(command: str, results: Sequence[Result]) -> str:
    """A plain-text table, worst rows first, then a one-line verdict."""
    rows = sorted(results, key=lambda r: (_ORDER[r.status], r.account, r.check, r.subject))
    header = ("STATUS", "ACCOUNT", "CHECK", "SUBJECT", "DETAIL")
    cells = [header] + [
        (
            r.status.upper(),
            r.account,
            r.check,
            r.subject,
            r.message + (f" (acknowledged: {r.reason})" if r.reason else ""),
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(4)]
    lines = ["  ".join(row[i].ljust(widths[i]) for i in range(4)) + "  " + row[4] for row in cells]
    failed = sum(r.status == "fail" for r in results)
    warned = sum(r.status == "warning" for r in results)
    unchecked = sum(r.status == "not checked" for r in results)
    if command == "preflight":
        verdict = (
            f"NOT READY: {failed} check(s) would make the deploy fail"
            if failed
            else "READY: nothing found that would make the deploy fail"
        )
    else:
        verdict = f"{failed} finding(s)" if failed else "no finding"
    lines += ["", f"{verdict}; {warned} warning(s), {unchecked} not checked"]
    return "\n".join(line.rstrip() for line in lines)
