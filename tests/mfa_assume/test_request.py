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
        ({"duration_seconds": "5h"}, {}),
    ],
    ids=["role", "session", "source-identity", "endpoint", "duration"],
)
def test_cache_key_differs_by_role_session_caller_endpoint_and_duration(
    aws_home, change, env_extra
):
    env = aws_home()
    base = build_request(Options(profile=PROFILE), env).cache_key_parts(env)
    changed_env = {**env, **env_extra}
    options = Options(**{"profile": PROFILE, **change})
    assert build_request(options, changed_env).cache_key_parts(changed_env) != base


def test_cache_key_ignores_the_token_and_how_the_duration_is_written(aws_home):
    env = aws_home()
    one = build_request(Options(profile=PROFILE), env).cache_key_parts(env)  # default: 1 hour
    two = build_request(Options(profile=PROFILE, duration_seconds="1h", token_code="123456"), env)
    assert two.cache_key_parts(env) == one


def test_cache_key_follows_the_base_access_key(aws_home):
    env = aws_home()
    before = build_request(Options(profile=PROFILE), env).cache_key_parts(env)
    rotated = aws_home(
        credentials="[default]\naws_access_key_id = TESTKEYIDROTATED0001\n"
        "aws_secret_access_key = s\n"
    )
    after = build_request(Options(profile=PROFILE), rotated).cache_key_parts(rotated)
    assert after["caller"] == "profile:default:TESTKEYIDROTATED0001"
    assert after != before


def test_same_base_credentials_share_the_key_however_named(aws_home):
    env = aws_home()
    via_role_profile = build_request(Options(profile=PROFILE), env).cache_key_parts(env)
    via_flags = build_request(Options(profile="default", role_arn=ROLE), env).cache_key_parts(env)
    assert via_flags == via_role_profile


@pytest.mark.parametrize(
    ("options", "config", "env_extra", "message"),
    [
        (Options(profile=PROFILE, region="us east"), None, {}, "region 'us east' (from --region)"),
        (Options(profile=PROFILE, region="../x"), None, {}, "region '../x' (from --region)"),
        (Options(profile=PROFILE, region=""), None, {}, "region '' (from --region)"),
        (
            Options(profile="r"),
            f"[profile r]\nrole_arn = {ROLE}\nsource_profile = default\nregion = us east\n",
            {},
            "region 'us east' (region of profile 'r')",
        ),
        (
            Options(profile=PROFILE),
            None,
            {"AWS_DEFAULT_REGION": "a/b"},
            "(from AWS_DEFAULT_REGION)",
        ),
        (
            Options(profile=PROFILE),
            f"[profile {PROFILE}]\nrole_arn = {ROLE}\nsource_profile = default\n"
            "[default]\nregion = EU_WEST\n",
            {},
            "region 'EU_WEST' (region of the source profile)",
        ),
    ],
    ids=["space", "path", "empty", "profile", "aws-default-region", "source-profile"],
)
def test_malformed_region_is_refused_before_any_call(aws_home, options, config, env_extra, message):
    env = aws_home(**env_extra) if config is None else aws_home(config=config, **env_extra)
    with pytest.raises(InputError) as caught:
        build_request(options, env)
    assert message in caught.value.message


def test_only_the_region_boto3_would_use_is_checked(aws_home):
    env = aws_home(AWS_DEFAULT_REGION="not used")  # --region wins, as in make_clients
    assert build_request(Options(profile=PROFILE, region="eu-west-1"), env).region == "eu-west-1"
    assert build_request(Options(profile=PROFILE), aws_home(AWS_REGION="x y")).region is None


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS"])
@pytest.mark.parametrize("url", ["not a url", "ftp://x", "http://"])
def test_endpoint_that_is_not_a_url_is_refused_naming_the_variable(aws_home, variable, url):
    with pytest.raises(InputError) as caught:
        build_request(Options(profile=PROFILE), aws_home(**{variable: url}))
    assert caught.value.message.startswith(f"{variable} {url!r} is not an endpoint URL")


def test_empty_duration_flag_is_refused_not_the_default(aws_home):
    with pytest.raises(InputError, match="duration '' is empty"):
        build_request(Options(profile=PROFILE, duration_seconds=""), aws_home())


def test_source_profile_loop_is_refused_from_the_role_profile_on(aws_home):
    config = f"[profile r]\nrole_arn = {ROLE}\nsource_profile = a\n"
    config += f"[profile a]\nrole_arn = {ROLE}\nsource_profile = r\n"
    with pytest.raises(InputError, match=r"source_profile loop: r -> a -> r;"):
        build_request(Options(profile="r"), aws_home(config=config))


def test_source_profile_that_runs_the_helper_is_refused(aws_home):
    config = f"[profile r]\nrole_arn = {ROLE}\nsource_profile = h\n"
    config += "[profile h]\ncredential_process = mfa-assume --profile x --format json\n"
    with pytest.raises(InputError, match=r"profile 'h' gets its credentials from this helper"):
        build_request(Options(profile="r"), aws_home(config=config))


# Profile selection and the cache key, against real boto3 sessions (no network): two base
# profiles with different keys, role profiles on each, and every way of choosing one.
KEY_ONE, KEY_TWO, KEY_DEFAULT, KEY_ENV = (
    "TESTKEYIDPROFILEONE1",
    "TESTKEYIDPROFILETWO2",
    "TESTKEYIDDEFAULT0003",
    "TESTKEYIDENVIRONMENT",
)
TWO_BASES_CONFIG = (
    f"[profile role-one]\nrole_arn = {ROLE}\nsource_profile = one\n"
    f"[profile role-two]\nrole_arn = {ROLE}\nsource_profile = two\n"
)
TWO_BASES_CREDENTIALS = "".join(
    f"[{name}]\naws_access_key_id = {key}\naws_secret_access_key = secret-{name}\n"
    for name, key in (("one", KEY_ONE), ("two", KEY_TWO), ("default", KEY_DEFAULT))
)


@pytest.mark.parametrize("env_key", [False, True], ids=["no-env-key", "env-key"])
@pytest.mark.parametrize("default_profile", [None, "one", "role-two"], ids=lambda v: f"adp={v}")
@pytest.mark.parametrize("aws_profile", [None, "role-two", "two"], ids=lambda v: f"ap={v}")
@pytest.mark.parametrize("flag", [None, "role-one", "one"], ids=lambda v: f"flag={v}")
def test_cache_key_names_the_key_boto3_signs_with(
    aws_home, monkeypatch, flag, aws_profile, default_profile, env_key
):
    import boto3

    extra = {"AWS_PROFILE": aws_profile, "AWS_DEFAULT_PROFILE": default_profile}
    if env_key:
        extra |= {"AWS_ACCESS_KEY_ID": KEY_ENV, "AWS_SECRET_ACCESS_KEY": "secret-env"}
    env = aws_home(config=TWO_BASES_CONFIG, credentials=TWO_BASES_CREDENTIALS)
    home = env["HOME"]
    env |= {k: v for k, v in extra.items() if v is not None}
    env |= {
        "AWS_CONFIG_FILE": f"{home}/.aws/config",
        "AWS_SHARED_CREDENTIALS_FILE": f"{home}/.aws/credentials",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    request = build_request(Options(profile=flag, role_arn=ROLE), env)
    # exactly the session aws.make_clients creates
    credentials = boto3.Session(profile_name=request.base_profile).get_credentials()
    assert credentials is not None
    signing_key = credentials.access_key
    caller = request.cache_key_parts(env)["caller"]
    assert caller.endswith(f":{signing_key}")
    others = {KEY_ONE, KEY_TWO, KEY_DEFAULT, KEY_ENV} - {signing_key}
    assert not any(other in caller for other in others)
    if flag is None:  # the profile is chosen from the environment as botocore chooses it
        assert boto3.Session().profile_name == (request.profile or "default")


def test_aws_default_profile_is_read_before_aws_profile_as_botocore_does(aws_home):
    env = aws_home(
        config=TWO_BASES_CONFIG,
        credentials=TWO_BASES_CREDENTIALS,
        AWS_PROFILE="role-two",
        AWS_DEFAULT_PROFILE="role-one",
    )
    assert build_request(Options(), env).profile == "role-one"
    assert build_request(Options(profile="role-two"), env).profile == "role-two"
