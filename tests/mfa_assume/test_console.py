"""Console sign-in URLs (mfa_assume.console): partitions, regions, destinations, escaping."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from mfa_assume import console
from mfa_assume.console import PARTITIONS, SessionKeys
from mfa_assume.errors import InputError

KEYS = SessionKeys("TESTKEYIDSESSION0001", "sec/ret+key=&x", "tok+en/with=&chars?")


def query(url: str) -> dict[str, str]:
    parts = urllib.parse.urlsplit(url)
    pairs = urllib.parse.parse_qsl(parts.query, keep_blank_values=True, strict_parsing=True)
    return dict(pairs)


PARTITION_CASES = [
    pytest.param(
        "arn:aws:iam::123456789012:role/R",
        "us-east-1",
        "https://signin.aws.amazon.com/federation",
        "https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1",
        id="aws-us-east-1",
    ),
    pytest.param(
        "arn:aws:iam::222222222222:role/team/R",
        "eu-west-2",
        "https://signin.aws.amazon.com/federation",
        "https://eu-west-2.console.aws.amazon.com/console/home?region=eu-west-2",
        id="aws-second-region",
    ),
    pytest.param(
        "arn:aws-cn:iam::123456789012:role/R",
        "cn-northwest-1",
        "https://signin.amazonaws.cn/federation",
        "https://console.amazonaws.cn/console/home?region=cn-northwest-1",
        id="aws-cn",
    ),
    pytest.param(
        "arn:aws-us-gov:iam::123456789012:role/R",
        "us-gov-east-1",
        "https://signin.amazonaws-us-gov.com/federation",
        "https://console.amazonaws-us-gov.com/console/home?region=us-gov-east-1",
        id="aws-us-gov",
    ),
]


@pytest.mark.parametrize(("role_arn", "region", "endpoint", "home"), PARTITION_CASES)
def test_each_partition_signs_in_on_its_own_hosts(role_arn, region, endpoint, home):
    partition = console.partition_of_arn(role_arn)
    assert console.federation_endpoint(partition, {}) == endpoint
    destination = console.destination_url(None, region, partition)
    assert destination == home
    url = console.login_url(endpoint, "TOKEN", destination, console.issuer_for(partition))
    assert url.startswith(endpoint + "?")
    assert query(url) == {
        "Action": "login",
        "Issuer": f"https://{partition.console_host}/",
        "Destination": home,
        "SigninToken": "TOKEN",
    }


@pytest.mark.parametrize(
    ("name", "region"),
    [("aws", "us-east-1"), ("aws-cn", "cn-north-1"), ("aws-us-gov", "us-gov-west-1")],
)
def test_each_partition_defaults_to_its_first_region(name, region):
    assert PARTITIONS[name].default_region == region


@pytest.mark.parametrize(
    "arn",
    [
        pytest.param("arn:aws-iso:iam::123456789012:role/R", id="iso"),
        pytest.param("arn:aws-iso-b:iam::123456789012:role/R", id="iso-b"),
        pytest.param("arn:aws-eusc:iam::123456789012:role/R", id="eusc"),
    ],
)
def test_partitions_without_a_known_sign_in_host_are_refused(arn):
    with pytest.raises(InputError, match="has no console sign-in here; supported: aws, aws-cn"):
        console.partition_of_arn(arn)


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        pytest.param("cn-north-1", "aws", id="china-region-aws-role"),
        pytest.param("us-gov-west-1", "aws", id="govcloud-region-aws-role"),
        pytest.param("eu-west-1", "aws-cn", id="aws-region-china-role"),
        pytest.param("us-east-1", "aws-us-gov", id="aws-region-govcloud-role"),
        pytest.param("us-iso-east-1", "aws", id="iso-region"),
    ],
)
def test_a_region_of_another_partition_is_refused(region, partition):
    with pytest.raises(InputError, match=f"is not in partition {partition} of the role"):
        console.check_console_region(region, PARTITIONS[partition], "from --region")


AWS = PARTITIONS["aws"]


@pytest.mark.parametrize(
    ("destination", "expected"),
    [
        pytest.param(
            "s3", "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1", id="service"
        ),
        pytest.param(
            "cloudformation",
            "https://eu-west-1.console.aws.amazon.com/cloudformation/home?region=eu-west-1",
            id="long-service",
        ),
        pytest.param(
            "/s3/buckets/my-bucket?region=eu-west-1&tab=objects",
            "https://eu-west-1.console.aws.amazon.com/s3/buckets/my-bucket?region=eu-west-1&tab=objects",
            id="path",
        ),
        pytest.param(
            "https://console.aws.amazon.com/iam/home#/roles",
            "https://console.aws.amazon.com/iam/home#/roles",
            id="global-console-url",
        ),
        pytest.param(
            "https://us-west-2.console.aws.amazon.com/ec2/home?region=us-west-2#Instances:",
            "https://us-west-2.console.aws.amazon.com/ec2/home?region=us-west-2#Instances:",
            id="regional-console-url",
        ),
    ],
)
def test_destinations_land_on_the_console_page_asked_for(destination, expected):
    assert console.destination_url(destination, "eu-west-1", AWS) == expected


@pytest.mark.parametrize(
    "destination",
    [
        pytest.param("https://evil.example.com/", id="other-host"),
        pytest.param("https://console.aws.amazon.com.evil.example/", id="lookalike-suffix"),
        pytest.param("https://evilconsole.aws.amazon.com/", id="lookalike-prefix"),
        pytest.param("http://console.aws.amazon.com/", id="plain-http"),
        pytest.param("https://user@console.aws.amazon.com/", id="userinfo"),
        pytest.param("https://console.aws.amazon.com:8443/", id="port"),
        pytest.param("https://console.amazonaws.cn/", id="other-partition"),
        pytest.param("https://cn-north-1.console.aws.amazon.com/", id="other-partition-region"),
        pytest.param("//console.aws.amazon.com/", id="scheme-relative"),
        pytest.param("/s3/my bucket", id="space-in-path"),
        pytest.param("S3!", id="not-a-service"),
        pytest.param("", id="empty"),
        pytest.param("javascript:alert(1)", id="javascript"),
    ],
)
def test_destinations_off_the_partitions_console_are_refused(destination):
    with pytest.raises(InputError, match="--destination") as caught:
        console.destination_url(destination, "us-east-1", AWS)
    assert "\n" not in caught.value.message


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("900", 900), ("15m", 900), ("1h", 3600), ("4h", 14_400), ("43200", 43_200), ("12h", 43_200)],
)
def test_session_duration_accepts_awss_range(text, seconds):
    assert console.parse_session_duration(text) == seconds


@pytest.mark.parametrize(
    "text", ["899", "14m", "43201", "13h", "0", "-5m", "1d", "abc", "", "1.5h"]
)
def test_session_duration_outside_awss_range_is_refused(text):
    with pytest.raises(InputError, match=r"^--session-duration: duration .*(900|understood|empty)"):
        console.parse_session_duration(text)


def test_the_token_request_carries_the_session_json_and_no_duration_unless_asked():
    url = console.token_request_url("https://signin.aws.amazon.com/federation", KEYS, None)
    params = query(url)
    assert params.keys() == {"Action", "Session"}
    assert params["Action"] == "getSigninToken"
    assert json.loads(params["Session"]) == {
        "sessionId": KEYS.access_key_id,
        "sessionKey": KEYS.secret_access_key,
        "sessionToken": KEYS.session_token,
    }


def test_the_token_request_carries_session_duration_when_asked():
    url = console.token_request_url("https://signin.aws.amazon.com/federation", KEYS, 7200)
    assert query(url)["SessionDuration"] == "7200"


def test_every_value_of_the_login_url_survives_escaping():
    destination = "https://console.aws.amazon.com/s3/buckets/b?region=eu-west-1&prefix=a%2Fb#x"
    token = "tok+en/==&Action=evil"
    url = console.login_url("http://localhost:1/federation", token, destination, "https://i/?a=b")
    params = query(url)
    assert params["SigninToken"] == token
    assert params["Destination"] == destination
    assert params["Issuer"] == "https://i/?a=b"
    assert params["Action"] == "login"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param({}, "https://signin.aws.amazon.com/federation", id="aws"),
        pytest.param(
            {"AWS_ENDPOINT_URL": "http://localhost:4566"},
            "http://localhost:4566/federation",
            id="endpoint-url",
        ),
        pytest.param(
            {"AWS_ENDPOINT_URL": "http://a:1", "AWS_ENDPOINT_URL_SIGNIN": "http://b:2/"},
            "http://b:2/federation",
            id="signin-variable-first",
        ),
    ],
)
def test_the_federation_endpoint_follows_the_endpoint_variables(env, expected):
    assert console.federation_endpoint(AWS, env) == expected


def test_a_malformed_endpoint_variable_is_refused():
    with pytest.raises(
        InputError, match="AWS_ENDPOINT_URL_SIGNIN 'localhost:1' is not an endpoint"
    ):
        console.federation_endpoint(AWS, {"AWS_ENDPOINT_URL_SIGNIN": "localhost:1"})


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"<html>Bad Request</html>", id="html"),
        pytest.param(b"[]", id="list"),
        pytest.param(b'{"SigninToken": ""}', id="empty-token"),
        pytest.param(b'{"SigninToken": 5}', id="number"),
        pytest.param(b'{"Token": "x"}', id="other-key"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
    ],
)
def test_an_answer_without_a_token_is_not_taken_for_one(body):
    assert console.parse_token_answer(body) is None


def test_session_keys_never_show_the_secret_or_token():
    assert KEYS.secret_access_key not in repr(KEYS)
    assert KEYS.session_token not in repr(KEYS)


@pytest.mark.parametrize(
    ("arn", "refused"),
    [
        pytest.param(
            "arn:aws:sts::123456789012:assumed-role/PowerUser-alice/alice", None, id="role"
        ),
        pytest.param("arn:aws-cn:sts::123456789012:federated-user/alice", None, id="federated"),
        pytest.param(
            "arn:aws:iam::123456789012:user/developers/alice", "an MFA session", id="user"
        ),
        pytest.param("arn:aws:iam::123456789012:root", "an MFA session", id="root"),
        pytest.param("arn:aws:sts::123456789012:something/x", "cannot sign in", id="unknown"),
    ],
)
def test_only_role_sessions_and_federation_tokens_may_sign_in(arn, refused):
    from mfa_assume.console_creds import refusal_for_caller

    said = refusal_for_caller(arn, "the environment")
    if refused is None:
        assert said is None
    else:
        assert said is not None
        assert refused in said
        assert "mfa-assume console --profile ROLE_PROFILE" in said
