from __future__ import annotations

import pytest

from mfa_assume import profiles
from mfa_assume.errors import InputError

from .conftest import BASE_KEY_ID, PROFILE, ROLE, SERIAL


def test_stack_profile_is_read_and_commented_lines_ignored(aws_home):
    config = f"[profile {PROFILE}]\nrole_arn = {ROLE}\nsource_profile = default\n# mfa_serial = x\n"
    env = aws_home(config=config)
    assert profiles.load_profile(PROFILE, env) == {"role_arn": ROLE, "source_profile": "default"}


def test_default_section_in_config_is_the_default_profile(aws_home):
    env = aws_home(config="[default]\nregion = eu-west-1\n", credentials="")
    assert profiles.load_profile("default", env) == {"region": "eu-west-1"}


def test_credentials_file_settings_win_over_config(aws_home):
    env = aws_home(
        config="[profile dev]\nregion = eu-west-1\naws_access_key_id = OLD\n",
        credentials="[dev]\naws_access_key_id = NEW\n",
    )
    assert profiles.load_profile("dev", env) == {"region": "eu-west-1", "aws_access_key_id": "NEW"}


def test_non_profile_sections_of_config_are_not_profiles(aws_home):
    env = aws_home(config="[sso-session corp]\nsso_region = us-east-1\n", credentials="")
    assert profiles.load_profile("sso-session corp", env) is None
    assert profiles.load_profile("corp", env) is None


def test_missing_profile_and_missing_files_give_none(tmp_path):
    assert profiles.load_profile("dev", {"HOME": str(tmp_path)}) is None


def test_aws_config_file_and_shared_credentials_file_are_honoured(tmp_path):
    (tmp_path / "cfg").write_text(f"[profile x]\nmfa_serial = {SERIAL}\n")
    (tmp_path / "creds").write_text("[x]\naws_access_key_id = K\n")
    env = {
        "HOME": str(tmp_path / "nowhere"),
        "AWS_CONFIG_FILE": str(tmp_path / "cfg"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "creds"),
    }
    assert profiles.load_profile("x", env) == {"mfa_serial": SERIAL, "aws_access_key_id": "K"}


def test_tilde_in_config_path_means_home(tmp_path):
    env = {"HOME": str(tmp_path), "AWS_CONFIG_FILE": "~/custom"}
    assert profiles.config_path(env) == f"{tmp_path}/custom"


def test_unparseable_config_is_an_input_error(aws_home):
    env = aws_home(config="role_arn = no section header\n")
    with pytest.raises(InputError, match=r"cannot read .*config: MissingSectionHeaderError"):
        profiles.load_profile(PROFILE, env)


def test_named_profile_is_identified_by_its_access_key_id(aws_home):
    env = aws_home(AWS_ACCESS_KEY_ID="TESTKEYIDENVIRON0001")
    assert profiles.base_fingerprint("default", env) == f"profile:default:{BASE_KEY_ID}"


def test_without_profile_the_environment_key_comes_first(aws_home):
    env = aws_home(AWS_ACCESS_KEY_ID="TESTKEYIDENVIRON0001")
    assert profiles.base_fingerprint(None, env) == "env:TESTKEYIDENVIRON0001"


def test_without_profile_or_environment_key_the_default_profile_is_used(aws_home):
    assert profiles.base_fingerprint(None, aws_home()) == f"profile:default:{BASE_KEY_ID}"


def test_profile_without_static_keys_is_identified_by_its_settings(aws_home):
    sso = "[profile sso]\nsso_account_id = 111111111111\n"
    first = profiles.base_fingerprint("sso", aws_home(config=sso))
    second = profiles.base_fingerprint("sso", aws_home(config=sso.replace("1111", "2222")))
    assert first.startswith("profile:sso:")
    assert first != second
