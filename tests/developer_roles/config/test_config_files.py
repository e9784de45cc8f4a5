"""Reading configuration files: what cannot be a configuration gets one line, never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from developer_roles.config import ConfigError, load_config
from developer_roles.config import files as config_files

ALICE = "arn:aws:iam::123456789012:user/alice"


def problem_of(tmp_path: Path, name: str) -> str:
    with pytest.raises(ConfigError) as raised:
        load_config(None, name, tmp_path)
    (problem,) = raised.value.problems
    assert "\n" not in problem
    return problem


def test_a_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "devs.yaml").mkdir()
    assert "is a directory; give the path of a JSON or YAML file" in problem_of(
        tmp_path, "devs.yaml"
    )


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    assert "cannot read the file: No such file or directory" in problem_of(tmp_path, "devs.yaml")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO")
def test_a_fifo_is_refused_without_reading_it(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "devs.yaml")
    assert "is not a regular file" in problem_of(tmp_path, "devs.yaml")


def test_a_far_too_large_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    with (tmp_path / "devs.json").open("wb") as handle:
        handle.truncate(config_files.MAX_FILE_BYTES + 1)
    assert "over the 16 MiB a configuration may have" in problem_of(tmp_path, "devs.json")


def test_a_file_of_blanks_is_empty(tmp_path: Path) -> None:
    (tmp_path / "devs.yaml").write_text("\n  \n")
    assert "the file is empty" in problem_of(tmp_path, "devs.yaml")


def test_a_utf16_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "devs.json").write_text('{"principals": []}', encoding="utf-16")
    assert "starts with a UTF-16 byte order mark" in problem_of(tmp_path, "devs.json")


def test_json_nested_too_deeply_is_refused(tmp_path: Path) -> None:
    (tmp_path / "devs.json").write_text("[" * 100_000 + "]" * 100_000)
    assert "nested too deeply" in problem_of(tmp_path, "devs.json")


def test_yaml_aliases_that_expand_beyond_reason_are_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    (tmp_path / "devs.yaml").write_text("\n".join(lines) + "\nprincipals: *a6\n")
    assert "more than 250,000 values once YAML aliases are expanded" in problem_of(
        tmp_path, "devs.yaml"
    )


def test_yaml_dates_stay_text(tmp_path: Path) -> None:
    (tmp_path / "devs.yaml").write_text(
        f"defaults:\n  tags: {{since: 2024-01-01}}\nprincipals: [{ALICE}]\n"
    )
    assert load_config(None, "devs.yaml", tmp_path).roles[0].tags == {"since": "2024-01-01"}


def test_yaml_1_1_booleans_still_work_where_a_boolean_is_expected(tmp_path: Path) -> None:
    (tmp_path / "devs.yaml").write_text(
        f"defaults: {{requireSourceIdentity: yes}}\nprincipals: [{ALICE}]\n"
    )
    assert load_config(None, "devs.yaml", tmp_path).roles[0].require_source_identity is True


MERGED = """\
principals:
  - &alice
    arn: arn:aws:iam::123456789012:user/alice
    maxSessionDuration: 4h
    tags: {team: payments}
  - <<: *alice
    arn: arn:aws:iam::123456789012:user/bob
    tags: {team: search}
"""


def test_yaml_merge_keys_are_accepted_and_the_own_keys_override_merged_ones(
    tmp_path: Path,
) -> None:
    (tmp_path / "devs.yaml").write_text(MERGED)
    alice, bob = load_config(None, "devs.yaml", tmp_path).roles
    assert bob.key == "arn:aws:iam::123456789012:user/bob"
    assert bob.max_session_seconds == alice.max_session_seconds == 4 * 3600
    assert (alice.tags, bob.tags) == ({"team": "payments"}, {"team": "search"})


def test_of_several_merged_mappings_the_first_gives_a_key(tmp_path: Path) -> None:
    (tmp_path / "devs.yaml").write_text(
        "defaults:\n"
        "  tags:\n"
        "    <<: [{team: payments, site: paris}, {team: search, tier: gold}]\n"
        "    site: lyon\n"
        f"principals: [{ALICE}]\n"
    )
    (role,) = load_config(None, "devs.yaml", tmp_path).roles
    assert role.tags == {"team": "payments", "site": "lyon", "tier": "gold"}


def test_a_key_written_twice_beside_a_merge_key_is_still_refused(tmp_path: Path) -> None:
    (tmp_path / "devs.yaml").write_text(MERGED + "    tags: {team: ads}\n")
    assert "line 9, column 5: the key 'tags' is given twice" in problem_of(tmp_path, "devs.yaml")


def test_quoted_account_and_written_out_numbers_are_accepted(tmp_path: Path) -> None:
    (tmp_path / "devs.yaml").write_text(
        f"account: '012345678901'\nmaxRolesPerAccount: 2000\ndefaults: {{maxMfaAge: 900}}\n"
        f"principals: [{ALICE}]\n"
    )
    config = load_config(None, "devs.yaml", tmp_path)
    assert config.account == "012345678901"
    assert config.max_roles_per_account == 2000
    assert config.roles[0].max_mfa_age_seconds == 900


def test_context_text_that_is_not_json_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config("{principals: [", None, tmp_path)
    assert raised.value.problems[0].startswith("cannot parse the JSON text: line 1, column 2:")
