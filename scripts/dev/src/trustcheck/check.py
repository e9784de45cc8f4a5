"""The check itself: roles in, outcomes out. No printing, no exit codes."""

from __future__ import annotations

from collections.abc import Sequence

from trustcheck.engine import Outcome, simulate
from trustcheck.matrix import MATRIX, Case, RoleUnderTest, requests_for


def check(roles: Sequence[RoleUnderTest], matrix: Sequence[Case] = MATRIX) -> list[Outcome]:
    """Every case of ``matrix`` against every role, decided in one simulator run."""
    requests = [request for role in roles for request in requests_for(role, matrix)]
    return simulate(requests)


def unexpected(outcomes: Sequence[Outcome]) -> list[Outcome]:
    return [outcome for outcome in outcomes if not outcome.as_expected]
