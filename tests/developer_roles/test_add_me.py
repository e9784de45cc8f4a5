"""Adding the caller's own principal to the configuration, as `aws sts get-caller-identity`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from developer_roles.add_me import CallerError, main, principal_from_caller

ALICE = "arn:aws:iam::123456789012:user/alice"


def no_path(_name: str) -> str | None:
    return None


@pytest.mark.parametrize(
    ("caller", "path", "principal"),
    [
        pytest.param(ALICE, None, ALICE, id="iam-user"),
        pytest.param(
            "arn:aws:sts::123456789012:assumed-role/Platform/alice@example.com",
            "/teams/",
            "arn:aws:iam::123456789012:role/teams/Platform",
            id="assumed-role-with-path",
        ),
        pytest.param(
            "arn:aws-cn:sts::123456789012:assumed-role/Platform/s",
            None,
            "arn:aws-cn:iam::123456789012:role/Platform",
            id="assumed-role-path-unknown",
        ),
    ],
)
def test_caller_arn_becomes_a_principal(caller: str, path: str | None, principal: str) -> None:
    assert principal_from_caller(caller, lambda _name: path) == principal


@pytest.mark.parametrize(
    "caller",
    ["arn:aws:iam::123456789012:root", "arn:aws:sts::123456789012:federated-user/bob"],
)
def test_root_and_federated_callers_are_refused(caller: str) -> None:
    with pytest.raises(CallerError, match="is not an IAM user or an assumed role"):
        principal_from_caller(caller, no_path)


def test_caller_is_added_to_a_yaml_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "devs.yaml"
    config.write_text("principals:\n  - arn:aws:iam::123456789012:user/bob\n")
    assert main(["--config", str(config)], who=lambda _profile: ALICE) == 0
    assert yaml.safe_load(config.read_text())["principals"][-1] == ALICE
    assert f"added {ALICE}" in capsys.readouterr().out


def test_caller_is_added_to_the_cdk_json_context(tmp_path: Path) -> None:
    config = tmp_path / "cdk.json"
    config.write_text(json.dumps({"app": "x", "context": {"developerRoles": {"principals": []}}}))
    assert main(["--config", str(config)], who=lambda _profile: ALICE) == 0
    assert json.loads(config.read_text())["context"]["developerRoles"]["principals"] == [ALICE]


def test_caller_already_present_is_not_added_twice(tmp_path: Path) -> None:
    config = tmp_path / "devs.json"
    config.write_text(json.dumps({"principals": [{"arn": ALICE.replace("alice", "Alice")}]}))
    before = config.read_text()
    assert main(["--config", str(config)], who=lambda _profile: ALICE) == 0
    assert config.read_text() == before


def test_invalid_result_is_not_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "devs.json"
    config.write_text(json.dumps({"principals": [], "defaults": {"maxSessionDuration": "20h"}}))
    before = config.read_text()
    assert main(["--config", str(config)], who=lambda _profile: ALICE) == 1
    assert config.read_text() == before
    error = capsys.readouterr().err
    assert "1 problem; nothing was written" in error
    assert "defaults.maxSessionDuration: 72000 seconds is out of range" in error


COMMENTED = """\
# Developer roles of the platform team.
account: "123456789012"   # sandbox
defaults:
  maxSessionDuration: 2h  # long builds
principals:
    # people
    - arn:aws:iam::123456789012:user/bob      # bob
    - arn: arn:aws:iam::123456789012:user/carol
      extraManagedPolicies:
        - {policy: ReadOnlyAccess, reason: "reads billing"}

# teams come later
groups: []
"""


def test_adding_to_a_commented_yaml_file_keeps_every_byte_and_adds_one_line(
    tmp_path: Path,
) -> None:
    config = tmp_path / "devs.yaml"
    config.write_text(COMMENTED)
    assert main(["--config", str(config)], who=lambda _profile: ALICE) == 0
    expected = COMMENTED.replace(
        '        - {policy: ReadOnlyAccess, reason: "reads billing"}\n',
        f'        - {{policy: ReadOnlyAccess, reason: "reads billing"}}\n    - {ALICE}\n',
    )
    assert config.read_text() == expected


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            "principals: [arn:aws:iam::123456789012:user/bob]  # one\n",
            f'principals: [arn:aws:iam::123456789012:user/bob, "{ALICE}"]  # one\n',
            id="flow-list",
        ),
        pytest.param("principals: []\n", f'principals: ["{ALICE}"]\n', id="empty-flow-list"),
        pytest.param(
            "principals:\n- arn:aws:iam::123456789012:user/bob\n",
            f"principals:\n- arn:aws:iam::123456789012:user/bob\n- {ALICE}\n",
            id="unindented-block-list",
        ),
        pytest.param(
            "groups: [{name: t, principals: ['arn:aws:iam::123456789012:user/bob']}]",
            "groups: [{name: t, principals: ['arn:aws:iam::123456789012:user/bob']}]\n"
            f'principals:\n  - "{ALICE}"\n',
            id="no-principals-yet",
        ),
    ],
)
def test_yaml_layouts_are_kept(tmp_path: Path, before: str, after: str) -> None:
    config = tmp_path / "devs.yaml"
    config.write_text(before)
    assert main(["--config", str(config)], who=lambda _profile: ALICE) == 0
    assert config.read_text() == after


def test_cdk_json_keeps_its_formatting(tmp_path: Path) -> None:
    config = tmp_path / "cdk.json"
    before = (
        '{\n  "app": "python app.py",\n  "watch": {"include": ["app.py", "stacks/**"]},\n'
        '  "context": {\n    "developerRoles": {\n      "principals": [\n'
        '        "arn:aws:iam::123456789012:user/bob"\n      ]\n    },\n'
        '    "@aws-cdk/core:target-partitions": ["aws", "aws-cn"]\n  }\n}\n'
    )
    config.write_text(before)
    assert main(["--config", str(config)], who=lambda _profile: ALICE) == 0
    assert config.read_text() == before.replace(
        '"arn:aws:iam::123456789012:user/bob"\n',
        f'"arn:aws:iam::123456789012:user/bob",\n        "{ALICE}"\n',
    )


def test_a_file_synthesis_could_not_read_is_not_touched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "devs.yaml"
    config.write_bytes(b"\xef\xbb\xbfprincipals: []\n")
    assert main(["--config", str(config)], who=lambda _profile: ALICE) == 1
    assert config.read_bytes() == b"\xef\xbb\xbfprincipals: []\n"
    assert "byte order mark" in capsys.readouterr().err


def test_the_result_is_checked_as_synthesis_reads_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "devs.yaml"
    config.write_text("account: 123456789012\nprincipals: []\n")
    assert main(["--config", str(config)], who=lambda _profile: ALICE) == 1
    assert config.read_text() == "account: 123456789012\nprincipals: []\n"
    assert "quote it: '123456789012'" in capsys.readouterr().err


OTHER = "arn:aws:iam::222222222222:user/you"


def test_a_missing_configuration_file_is_an_error_not_a_new_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = tmp_path / "typo.yaml"
    assert main(["--config", str(typo)], who=lambda _profile: OTHER) == 2
    assert not typo.exists()
    [line] = capsys.readouterr().err.splitlines()
    assert "typo.yaml: no such configuration file" in line
    assert "--new" in line


def test_new_starts_a_configuration_for_your_account(tmp_path: Path) -> None:
    new = tmp_path / "devs.yaml"
    assert main(["--config", str(new), "--new"], who=lambda _profile: OTHER) == 0
    data = yaml.safe_load(new.read_text())
    assert data == {"account": "222222222222", "principals": [OTHER]}
    assert main(["--config", str(new), "--new"], who=lambda _profile: OTHER) == 2  # exists


def test_another_account_than_the_configuration_targets_is_refused_before_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "devs.yaml"
    config.write_text(
        'account: "333333333333"\nprincipals:\n  - arn:aws:iam::333333333333:user/a\n'
    )
    before = config.read_text()
    assert main(["--config", str(config)], who=lambda _profile: OTHER) == 1
    assert config.read_text() == before
    [line] = capsys.readouterr().err.splitlines()
    assert "targets account(s) 333333333333 but your credentials are for 222222222222" in line
    assert "set 'account: \"222222222222\"'" in line


def test_cdk_json_example_is_refused_in_another_account_with_how_to_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cdk_json = tmp_path / "cdk.json"
    repo_cdk_json = Path(__file__).parents[2] / "cdk.json"
    cdk_json.write_text(repo_cdk_json.read_text())
    assert main(["--config", str(cdk_json)], who=lambda _profile: OTHER) == 1
    assert cdk_json.read_text() == repo_cdk_json.read_text()
    [line] = capsys.readouterr().err.splitlines()
    assert "example account 123456789012" in line
    assert "ADD_ME_ARGS=--new" in line
