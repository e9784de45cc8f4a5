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
from dataclasses import asdict, dataclass, replace
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


# Rows of one kind (status, account, check and message alike) become one row when there are
# more than this many; the row names the first few subjects.
GROUP_OVER = 3
SHOWN_NAMES = 3


def short_name(subject: str) -> str:
    """``user/alice`` for ``arn:aws:iam::123456789012:user/alice``; other subjects as they are."""
    return (
        subject.split(":", 5)[5]
        if subject.startswith("arn:") and subject.count(":") >= 5
        else subject
    )


def grouped(results: Sequence[Result]) -> list[tuple[Result, int]]:
    """Rows of one kind together, as (first row with the names in its subject, count)."""
    kinds: dict[tuple[str, str, str, str, str], list[Result]] = {}
    for r in results:
        kinds.setdefault((r.status, r.account, r.check, r.message, r.reason), []).append(r)
    rows: list[tuple[Result, int]] = []
    for members in kinds.values():
        if len(members) <= GROUP_OVER:
            rows += [(r, 1) for r in members]
            continue
        names = ", ".join(short_name(r.subject) for r in members[:SHOWN_NAMES])
        subject = f"{len(members)}: {names} and {len(members) - SHOWN_NAMES} more"
        rows.append((replace(members[0], subject=subject), len(members)))
    return rows


def to_table(command: str, results: Sequence[Result], *, verbose: bool = False) -> str:
    """A plain-text table, worst rows first, then a one-line verdict. Findings of one kind are
    one row with their count and first names, unless ``verbose``."""
    shown = [(r, 1) for r in results] if verbose else grouped(results)
    rows = sorted(shown, key=lambda g: (_ORDER[g[0].status], g[0].account, g[0].check, -g[1]))
    header = ("STATUS", "ACCOUNT", "CHECK", "SUBJECT", "DETAIL")
    cells = [header] + [
        (
            r.status.upper(),
            r.account,
            r.check,
            r.subject,
            r.message + (f" (acknowledged: {r.reason})" if r.reason else ""),
        )
        for r, _ in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(4)]
    lines = ["  ".join(row[i].ljust(widths[i]) for i in range(4)) + "  " + row[4] for row in cells]
    if not verbose and len(rows) < len(results):
        lines.append(f"(rows of one kind grouped: {command} --verbose lists each)")
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
