"""``make demo`` says which step failed and shows that step's output."""

from __future__ import annotations

import pytest

from devtools import demo
from localaws import recipe
from localaws.testing import LocalAwsEnv


def test_a_failed_cdk_bootstrap_is_reported_as_failed_with_its_output(
    local_aws: LocalAwsEnv, tmp_path, monkeypatch: pytest.MonkeyPatch, capsys
):
    aws, unique = local_aws, "failed-bootstrap"
    failing = recipe.Run(
        "cdk bootstrap ...", 1, "", "Error: this account is not bootstrapped: AccessDenied\n"
    )
    monkeypatch.setattr(recipe, "bootstrap", lambda aws, out_dir: failing)
    # the demo's developer is "alice": give this test's copy a name of its own
    create = aws.create_developer
    monkeypatch.setattr(aws, "create_developer", lambda name: create(f"{name}-{unique}"))

    with pytest.raises(demo.StepFailed) as caught:
        demo.run_recipe(aws, tmp_path)

    assert str(caught.value) == "cdk bootstrap failed with exit code 1 (output above)"
    shown = capsys.readouterr().out
    assert "cdk bootstrap failed (exit 1" in shown
    assert "| Error: this account is not bootstrapped: AccessDenied" in shown
    assert "succeeded" not in shown
