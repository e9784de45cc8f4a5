from __future__ import annotations

import pytest

from mfa_assume.errors import InputError
from mfa_assume.request import Options, build_request

from .conftest import PROFILE, ROLE, SERIAL

OTHER_ROLE = "arn:aws:iam::123456789012:role/Other"


def test_stack_profile_alone_is_enough(aws_home):
    request = build_request(Options(profile=PROFILE), aws_home())
    assert request.role_arn == ROLE
    assert request.serial_number == SERIAL
    assert request.duration_seconds == 3600
    assert request.base_profile == "default"
    assert request.session_name is None
    assert request.source_identity is None


def test_aws_profile_variable_names_the_profile(aws_home):
    request = build_request(Options(), aws_home(AWS_PROFILE=PROFILE))
    assert request.role_arn == ROLE
    assert request.profile == PROFILE


def test_flags_override_the_profile(aws_home):
    options = Options(
        profile=PROFILE,
        role_arn=OTHER_ROLE,
        serial_number="GAHT12345678",
        duration_seconds="2h",
        role_session_name="alice-laptop",
        source_identity="alice",
        region="eu-west-1",
        token_code="123456",
    )
    request = build_request(options, aws_home())
    assert request.role_arn == OTHER_ROLE
    assert request.serial_number == "GAHT12345678"
    assert request.duration_seconds == 7200
    assert (request.session_name, request.source_identity) == ("alice-laptop", "alice")
    assert request.region == "eu-west-1"
    assert request.token_code == "123456"


def test_profile_settings_role_session_name_and_region_are_used(aws_home):
    config = f"[profile r]\nrole_arn = {ROLE}\nsource_profile = default\n"
    config += "role_session_name = from-config\nregion = ap-south-1\n"
    request = build_request(Options(profile="r"), aws_home(config=config))
    assert (request.session_name, request.region) == ("from-config", "ap-south-1")


def test_profile_without_role_is_the_base_for_role_arn(aws_home):
    request = build_request(Options(profile="default", role_arn=ROLE), aws_home())
    assert request.base_profile == "default"
    assert request.serial_number is None


def test_role_arn_without_profile_uses_the_default_chain(aws_home):
    request = build_request(Options(role_arn=ROLE), aws_home())
    assert request.base_profile is None


def test_token_dash_means_standard_input_later(aws_home):
    assert build_request(Options(profile=PROFILE, token_code="-"), aws_home()).token_code == "-"


def test_no_mfa_drops_the_profile_serial(aws_home):
    assert build_request(Options(profile=PROFILE, no_mfa=True), aws_home()).serial_number is None


def test_repr_hides_the_token_code(aws_home):
    request = build_request(Options(profile=PROFILE, token_code="987654"), aws_home())
    assert "987654" not in repr(request)
    assert "987654" not in repr(Options(token_code="987654"))


@pytest.mark.parametrize(
    ("options", "config", "message"),
    [
        (Options(profile="nope"), None, r"profile 'nope' not found in .*config or .*credentials"),
        (Options(), None, r"no role to assume; pass --role-arn ARN or --profile NAME"),
        (
            Options(profile="r"),
            f"[profile r]\nrole_arn = {ROLE}\n",
            r"profile 'r' has role_arn but no source_profile",
        ),
        (
            Options(profile="r"),
            f"[profile r]\nrole_arn = {ROLE}\nsource_profile = r\n",
            r"profile 'r' names itself as source_profile",
        ),
        (
            Options(profile=PROFILE, no_mfa=True, serial_number=SERIAL),
            None,
            r"--no-mfa cannot be combined",
        ),
        (
            Options(profile="r"),
            f"[profile r]\nrole_arn = {ROLE}\nsource_profile = default\nduration_seconds = 60\n",
            r"duration 60 \(60 seconds\) is out of range",
        ),
        (
            Options(profile="r"),
            f"[profile r]\nrole_arn = {ROLE}\nsource_profile = default\nmfa_serial = "
            "arn:aws:iam::123456789012:user/alice\n",
            r"IAM user ARN, not an MFA device",
        ),
    ],
    ids=[
        "unknown-profile",
        "no-role",
        "no-source-profile",
        "self-source",
        "no-mfa-with-serial",
        "profile-duration",
        "profile-user-arn-serial",
    ],
)
def test_invalid_setup_is_an_input_error(aws_home, options, config, message):
    env = aws_home() if config is None else aws_home(config=config)
    with pytest.raises(InputError, match=message):
        build_request(options, env)


@pytest.mark.parametrize(
    ("change", "env_extra"),
    [
        ({"role_arn": OTHER_ROLE}, {}),
        ({"role_session_name": "other"}, {}),
        ({"source_identity": "other"}, {}),
        ({}, {"AWS_ENDPOINT_URL": "http://127.0.0.1:1"}),
    ],
    ids=["role", "session", "source-identity", "endpoint"],
)
def test_cache_key_differs_by_role_session_caller_and_endpoint(aws_home, change, env_extra):
    env = aws_home()
    base = build_request(Options(profile=PROFILE), env).cache_key_parts(env)
    changed_env = {**env, **env_extra}
    options = Options(**{"profile": PROFILE, **change})
    assert build_request(options, changed_env).cache_key_parts(changed_env) != base


def test_cache_key_ignores_duration_and_token(aws_home):
    env = aws_home()
    one = build_request(Options(profile=PROFILE), env).cache_key_parts(env)
    two = build_request(Options(profile=PROFILE, duration_seconds="2h", token_code="123456"), env)
    assert two.cache_key_parts(env) == one


def test_cache_key_follows_the_base_access_key(aws_home):
    env = aws_home()
    before = build_request(Options(profile=PROFILE), env).cache_key_parts(env)
    rotated = aws_home(credentials="[default]\naws_access_key_id = TESTKEYIDROTATED0001\n")
    after = build_request(Options(profile=PROFILE), rotated).cache_key_parts(rotated)
    assert after["caller"] == "profile:default:TESTKEYIDROTATED0001"
    assert after != before


def test_same_base_credentials_share_the_key_however_named(aws_home):
    env = aws_home()
    via_role_profile = build_request(Options(profile=PROFILE), env).cache_key_parts(env)
    via_flags = build_request(Options(profile="default", role_arn=ROLE), env).cache_key_parts(env)
    assert via_flags == via_role_profile
