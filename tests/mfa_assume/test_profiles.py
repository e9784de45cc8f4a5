from __future__ import annotations

import pytest

from mfa_assume import profiles
from mfa_assume.errors import ExitCode, HelperError, InputError

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
    env = aws_home(AWS_ACCESS_KEY_ID="TESTKEYIDENVIRON0001", AWS_SECRET_ACCESS_KEY="s")
    assert profiles.base_fingerprint(None, env) == "env:TESTKEYIDENVIRON0001"


def test_without_profile_or_environment_key_the_default_profile_is_used(aws_home):
    assert profiles.base_fingerprint(None, aws_home()) == f"profile:default:{BASE_KEY_ID}"


def test_profile_without_static_keys_is_identified_by_its_settings(aws_home):
    sso = "[profile sso]\nsso_account_id = 111111111111\n"
    first = profiles.base_fingerprint("sso", aws_home(config=sso))
    second = profiles.base_fingerprint("sso", aws_home(config=sso.replace("1111", "2222")))
    assert first.startswith("profile:sso:")
    assert first != second


KEYS = "aws_access_key_id = {key}\naws_secret_access_key = secret\n"


@pytest.mark.parametrize(
    ("config", "where"),
    [
        (
            "[profile x]\nregion = eu-west-1\n[profile y]\n[profile x]\n",
            "line 4: section [profile x]",
        ),
        ("[profile x]\nregion = eu-west-1\nregion = us-east-1\n", "line 3: region is set twice"),
    ],
    ids=["section", "key"],
)
def test_duplicate_in_the_config_file_names_the_file_and_line(aws_home, config, where):
    env = aws_home(config=config)
    with pytest.raises(InputError) as caught:
        profiles.load_profile("x", env)
    assert caught.value.message.startswith(f"{profiles.config_path(env)} {where}")


def test_duplicate_in_the_credentials_file_names_that_file(aws_home):
    env = aws_home(credentials="[default]\n" + KEYS.format(key="A") + "[default]\n")
    with pytest.raises(InputError, match=r"credentials line 4: section \[default\] appears twice"):
        profiles.base_fingerprint(None, env)


@pytest.mark.parametrize(
    ("config", "start", "loop"),
    [
        (
            f"[profile a]\nrole_arn = {ROLE}\nsource_profile = b\n"
            f"[profile b]\nrole_arn = {ROLE}\nsource_profile = a\n",
            "a",
            "a -> b -> a",
        ),
        (
            f"[profile a]\nrole_arn = {ROLE}\nsource_profile = b\n"
            f"[profile b]\nrole_arn = {ROLE}\nsource_profile = c\n"
            f"[profile c]\nrole_arn = {ROLE}\nsource_profile = b\n",
            "a",
            "a -> b -> c -> b",
        ),
        (f"[profile a]\nrole_arn = {ROLE}\nsource_profile = a\n", "a", "a -> a"),
    ],
    ids=["two", "three", "self-without-keys"],
)
def test_source_profile_loop_is_named(aws_home, config, start, loop):
    with pytest.raises(InputError) as caught:
        profiles.base_fingerprint(start, aws_home(config=config))
    assert caught.value.message.startswith(f"source_profile loop: {loop};")


def test_source_profile_with_its_own_keys_ends_the_chain_as_in_botocore(aws_home):
    config = f"[profile a]\nrole_arn = {ROLE}\nsource_profile = b\n"
    config += f"[profile b]\nrole_arn = {ROLE}\nsource_profile = b\n" + KEYS.format(key="KB")
    assert profiles.base_fingerprint("a", aws_home(config=config)) == f"role:a:{ROLE}<-profile:b:KB"


def test_missing_source_profile_is_named_with_the_profile_that_names_it(aws_home):
    config = f"[profile a]\nrole_arn = {ROLE}\nsource_profile = gone\n"
    with pytest.raises(InputError, match="source profile 'gone' of profile 'a' is not in"):
        profiles.base_fingerprint("a", aws_home(config=config))


@pytest.mark.parametrize(
    ("where", "section", "have", "missing"),
    [
        ("credentials", "aws_access_key_id = K\n", "aws_access_key_id", "aws_secret_access_key"),
        (
            "credentials",
            "aws_secret_access_key = S\n",
            "aws_secret_access_key",
            "aws_access_key_id",
        ),
        ("config", "aws_access_key_id = K\n", "aws_access_key_id", "aws_secret_access_key"),
        ("config", "aws_secret_access_key = S\n", "aws_secret_access_key", "aws_access_key_id"),
    ],
    ids=["key-in-credentials", "secret-in-credentials", "key-in-config", "secret-in-config"],
)
def test_access_key_without_its_secret_is_a_base_credentials_error(
    aws_home, where, section, have, missing
):
    if where == "credentials":
        env = aws_home(config="", credentials="[half]\n" + section)
    else:
        env = aws_home(config="[profile half]\n" + section, credentials="")
    with pytest.raises(HelperError) as caught:
        profiles.base_fingerprint("half", env)
    assert caught.value.code == ExitCode.BASE_CREDENTIALS
    path = profiles.credentials_path(env) if where == "credentials" else profiles.config_path(env)
    assert caught.value.message.startswith(f"profile 'half' in {path} has {have} but no {missing};")


def test_environment_access_key_without_secret_is_a_base_credentials_error(aws_home):
    with pytest.raises(HelperError) as caught:
        profiles.base_fingerprint(None, aws_home(AWS_ACCESS_KEY_ID="K"))
    assert caught.value.code == ExitCode.BASE_CREDENTIALS
    assert "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not" in caught.value.message


def test_secret_alone_is_ignored_when_credential_process_supplies_the_keys(aws_home):
    env = aws_home(
        config="[profile p]\ncredential_process = /bin/get-keys\n",
        credentials="[p]\naws_secret_access_key = leftover\n",
    )
    assert profiles.base_fingerprint("p", env).startswith("profile:p:")


@pytest.mark.parametrize(
    ("command", "helper"),
    [
        ("mfa-assume --profile x --format json", True),
        ("/home/a/.local/bin/mfa-assume --profile x", True),
        ("python3 /repo/scripts/assume_role.py --profile x", True),
        ("'/path with space/python' '/path with space/assume_role.py'", True),
        ("python -m mfa_assume.cli --profile x", True),
        ("aws-vault export --format=json x", False),
        ("/usr/bin/get-keys", False),
        ("unbalanced 'quote", False),
    ],
    ids=["command", "full-path", "script", "quoted", "module", "aws-vault", "other", "bad-quote"],
)
def test_credential_process_running_the_helper_is_recognised(command, helper):
    assert profiles.runs_helper(command) is helper


def test_source_profile_whose_credential_process_is_the_helper_is_refused(aws_home):
    config = f"[profile a]\nrole_arn = {ROLE}\nsource_profile = b\n"
    config += "[profile b]\ncredential_process = mfa-assume --profile x --format json\n"
    with pytest.raises(InputError) as caught:
        profiles.base_identity("b", aws_home(config=config), via="a")
    assert caught.value.message == (
        "profile 'b' gets its credentials from this helper (credential_process loop); "
        "use a source profile with its own access keys"
    )


def test_role_source_profile_is_identified_by_its_role_and_its_own_source(aws_home):
    config = f"[profile mid]\nrole_arn = {ROLE}\nsource_profile = default\n"
    fingerprint = profiles.base_fingerprint("mid", aws_home(config=config))
    assert fingerprint == f"role:mid:{ROLE}<-profile:default:{BASE_KEY_ID}"


def test_environment_keys_ignored_for_a_profile_are_named_with_the_two_ways_to_use_them(aws_home):
    import io

    from mfa_assume import cli, flow

    from .conftest import RecordingFactory

    env = aws_home(
        credentials="",
        AWS_ACCESS_KEY_ID="TESTKEYIDENVIRONMENT",
        AWS_SECRET_ACCESS_KEY="environment-secret",
    )
    stderr, factory = io.StringIO(), RecordingFactory()
    code = cli.main(
        ["--profile", "alice-power-user-mfa"],
        flow.Deps(env=env, stderr=stderr, make_clients=factory),
        stdout=io.StringIO().write,
    )
    (line,) = stderr.getvalue().splitlines()
    assert code == 4
    assert factory.calls == []
    assert "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are set but ignored for a profile" in line
    assert "profile 'alice-power-user-mfa''s source profile 'default' has no credentials" in line
    assert "--role-arn ARN without --profile" in line
    assert "environment-secret" not in line
