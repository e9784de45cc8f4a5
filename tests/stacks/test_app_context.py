"""The settings every CDK app of ours starts from (stacks/app_context.py)."""

from __future__ import annotations

import pytest

from stacks.app_context import builtin_validation


@pytest.mark.parametrize(
    ("value", "on"),
    [(None, False), ("", False), ("false", False), ("1", False), ("true", True), ("TRUE", True)],
)
def test_the_cdk_builtin_validation_runs_only_when_cdk_validation_is_true(
    monkeypatch: pytest.MonkeyPatch, value: str | None, on: bool
) -> None:
    if value is None:
        monkeypatch.delenv("CDK_VALIDATION", raising=False)
    else:
        monkeypatch.setenv("CDK_VALIDATION", value)
    assert builtin_validation() is on
