from __future__ import annotations

import pytest

from mfa_assume import checks
from mfa_assume.errors import ExitCode, InputError


@pytest.mark.parametrize("code", ["123456", " 000000\n"], ids=["digits", "padded"])
def test_six_digit_token_is_accepted(code):
    assert checks.check_token_code(code) == code.strip()


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("12345", "has 5 digits"),
        ("1234567", "has 7 digits"),
        ("12a456", "characters other than digits"),
        ("", "is empty"),
    ],
    ids=["five", "seven", "letter", "empty"],
)
def test_bad_token_says_why_without_repeating_it(code, problem):
    with pytest.raises(InputError) as caught:
        checks.check_token_code(code)
    assert problem in caught.value.message
    assert "six digits" in caught.value.message
    assert caught.value.code == ExitCode.INVALID_INPUT
    if code:
        assert code not in caught.value.message


@pytest.mark.parametrize(
    "serial",
    [
        "arn:aws:iam::123456789012:mfa/alice",
        "arn:aws:iam::123456789012:mfa/developers/alice",
        "arn:aws-cn:iam::123456789012:mfa/alice",
        "arn:aws-us-gov:iam::123456789012:mfa/alice",
        "GAHT12345678",
    ],
    ids=["virtual", "with-path", "china", "govcloud", "hardware"],
)
def test_mfa_device_serial_is_accepted(serial):
    assert checks.check_serial_number(serial) == serial


def test_user_arn_as_serial_is_rejected_with_the_likely_device_arn():
    with pytest.raises(InputError) as caught:
        checks.check_serial_number("arn:aws:iam::123456789012:user/developers/alice")
    message = caught.value.message
    assert "IAM user ARN, not an MFA device" in message
    assert "arn:aws:iam::123456789012:mfa/alice" in message
    assert "GAHT12345678" in message


@pytest.mark.parametrize(
    "serial",
    ["GAHT123", "arn:aws:iam::123456789012:role/x", "arn:aws:iam::12:mfa/alice", "has space 123"],
    ids=["too-short", "role-arn", "short-account", "space"],
)
def test_other_bad_serials_are_rejected_with_accepted_forms(serial):
    with pytest.raises(InputError, match=r"expected a device ARN .*hardware serial"):
        checks.check_serial_number(serial)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("900", 900), ("15m", 900), ("1h", 3600), ("3600s", 3600), ("12h", 43200), ("43200", 43200)],
)
def test_duration_forms_within_range(text, seconds):
    assert checks.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["899", "14m", "13h", "43201", "0"])
def test_duration_out_of_range_names_the_range(text):
    with pytest.raises(
        InputError, match=r"out of range; expected 900 to 43200 seconds \(15m to 12h\)"
    ):
        checks.parse_duration(text)


@pytest.mark.parametrize("text", ["1d", "abc", "-900", "-5m", "1.5h"])
def test_duration_not_understood_names_the_forms(text):
    with pytest.raises(InputError, match=r"not understood; expected seconds \(3600\)"):
        checks.parse_duration(text)


@pytest.mark.parametrize("text", ["", "  "], ids=["empty", "blank"])
def test_empty_duration_is_refused_not_taken_as_the_default(text):
    with pytest.raises(InputError, match=r"is empty; expected seconds \(3600\)"):
        checks.parse_duration(text)


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::123456789012:role/PowerUser-alice",
        "arn:aws:iam::123456789012:role/developers/PowerUser-alice",
        "arn:aws-cn:iam::123456789012:role/a+b=c,d.e@f-g_h",
    ],
    ids=["plain", "path", "china-and-all-characters"],
)
def test_role_arn_is_accepted(arn):
    assert checks.check_role_arn(arn) == arn


@pytest.mark.parametrize(
    "arn",
    [
        "PowerUser-alice",
        "arn:aws:iam::123456789012:user/alice",
        "arn:aws:iam::1234:role/x",
        "arn:aws:sts::123456789012:role/x",
        "arn:aws:iam::123456789012:role/",
        "arn:aws:iam::123456789012:role/has space",
    ],
    ids=["name-only", "user", "short-account", "sts-service", "no-name", "space"],
)
def test_malformed_role_arn_is_rejected_with_an_example(arn):
    with pytest.raises(
        InputError, match=r"malformed; expected arn:PARTITION:iam::ACCOUNT_ID:role/"
    ):
        checks.check_role_arn(arn)


@pytest.mark.parametrize("name", ["ab", "alice@example.com", "a" * 64, "x_y+z=1,2.3-4"])
def test_valid_session_name_and_source_identity(name):
    assert checks.check_session_name(name) == name
    assert checks.check_source_identity(name) == name


@pytest.mark.parametrize("name", ["a", "a" * 65, "alice smith", "élodie"])
def test_invalid_session_name_lists_allowed_characters(name):
    with pytest.raises(
        InputError, match=r"expected 2-64 characters from A-Z a-z 0-9 and _\+=,\.@-"
    ):
        checks.check_session_name(name)


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("alice", "alice"),
        ("Alice Smith", "Alice-Smith"),
        ("élodie", "lodie"),
        ("a", "a-mfa-assume"),
        ("", "mfa-assume"),
        ("x" * 80, "x" * 64),
    ],
    ids=["plain", "space", "non-ascii", "too-short", "empty", "too-long"],
)
def test_clean_sts_name_gives_what_sts_accepts(raw, cleaned):
    assert checks.clean_sts_name(raw) == cleaned
    checks.check_session_name(cleaned)


@pytest.mark.parametrize(
    ("arn", "name"),
    [
        ("arn:aws:iam::123456789012:user/developers/alice", "alice"),
        ("arn:aws:iam::123456789012:user/bob.smith@example.com", "bob.smith@example.com"),
        ("arn:aws:sts::123456789012:assumed-role/Admin/carol", "carol"),
        ("arn:aws:iam::123456789012:root", "root"),
    ],
    ids=["user-with-path", "email-user", "assumed-role", "root"],
)
def test_default_name_comes_from_the_caller_arn(arn, name):
    assert checks.name_from_caller_arn(arn) == name


# IAM's path rule, (\u002F)|(\u002F[\u0021-\u007E]+\u002F) of 1 to 512 characters: which
# paths a role may have. The CDK configuration uses the same function (tests/stacks/).
IAM_PATHS = [
    pytest.param("/", True, id="root"),
    pytest.param("/developers/", True, id="one-level"),
    pytest.param("/a/b/c/", True, id="nested"),
    pytest.param("/team#1/", True, id="hash"),
    pytest.param("/~!$%&*()[]{}<>?|^`'\"\\:;/", True, id="all-punctuation"),
    pytest.param("///", True, id="slash-inside"),
    pytest.param("/" + "a" * 510 + "/", True, id="512-chars"),
    pytest.param("/" + "a" * 511 + "/", False, id="513-chars"),
    pytest.param("//", False, id="empty-inside"),
    pytest.param("developers/", False, id="no-leading-slash"),
    pytest.param("/developers", False, id="no-trailing-slash"),
    pytest.param("/has space/", False, id="space"),
    pytest.param("/caf\u00e9/", False, id="non-ascii"),
    pytest.param("/tab\t/", False, id="control-char"),
    pytest.param("", False, id="empty"),
]


@pytest.mark.parametrize(("path", "valid"), IAM_PATHS)
def test_role_path_follows_iams_rule(path, valid):
    assert (checks.role_path_problem(path) is None) is valid


# In an ARN the name follows the path, so only paths ending in "/" can be told apart there.
@pytest.mark.parametrize(("path", "valid"), [p for p in IAM_PATHS if str(p.values[0])[-1:] == "/"])
def test_role_arn_accepts_exactly_the_paths_iam_accepts(path, valid):
    arn = f"arn:aws:iam::123456789012:role{path}PowerUser-alice"
    if valid:
        assert checks.check_role_arn(arn) == arn
    else:
        with pytest.raises(InputError, match="malformed"):
            checks.check_role_arn(arn)


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("PowerUser-alice", True),
        ("a+b=c,d.e@f-g_h", True),
        ("r" * 64, True),
        ("r" * 65, False),
        ("", False),
        ("caf\u00e9", False),
        ("has space", False),
    ],
    ids=["plain", "all-characters", "64", "65", "empty", "non-ascii", "space"],
)
def test_role_name_follows_iams_rule(name, valid):
    assert (checks.role_name_problem(name) is None) is valid


@pytest.mark.parametrize(
    "region", ["us-east-1", "cn-north-1", "us-gov-west-1", "eu-isoe-west-1", "local"]
)
def test_region_name_is_accepted(region):
    assert checks.check_region(region, "from --region") == region


@pytest.mark.parametrize(
    "region",
    ["us east", "../x", "US-EAST-1", "-us-east-1", "us-east-1-", "", "1234", "a" * 64],
    ids=[
        "space",
        "dots-slash",
        "uppercase",
        "leading-hyphen",
        "trailing-hyphen",
        "empty",
        "digits-only",
        "too-long",
    ],
)
def test_malformed_region_is_refused_saying_where_it_came_from(region):
    with pytest.raises(InputError) as caught:
        checks.check_region(region, "from AWS_DEFAULT_REGION")
    assert caught.value.message.startswith(
        f"region {region!r} (from AWS_DEFAULT_REGION) is not a region name;"
    )
    assert "us-east-1" in caught.value.message


@pytest.mark.parametrize(
    "url",
    [
        "https://sts.eu-west-1.amazonaws.com",
        "http://127.0.0.1:9",
        "http://localhost:4566/",
        "https://vpce-1a2b.sts.us-east-1.vpce.amazonaws.com/path?x=1",
        "http://[::1]:5000",
        "HTTPS://STS.AMAZONAWS.COM",
    ],
    ids=["aws", "ip-port", "localhost", "path-query", "ipv6", "uppercase"],
)
def test_endpoint_url_is_accepted(url):
    assert checks.check_endpoint_url(url, "AWS_ENDPOINT_URL") == url


@pytest.mark.parametrize(
    "url",
    ["not a url", "ftp://x", "http://", "https://", "localhost:4566", "http://a b", "http://-x"],
    ids=["words", "ftp", "no-host", "no-host-tls", "no-scheme", "space", "bad-host"],
)
def test_endpoint_that_is_not_a_url_is_refused_naming_the_variable(url):
    with pytest.raises(InputError) as caught:
        checks.check_endpoint_url(url, "AWS_ENDPOINT_URL_STS")
    assert caught.value.message.startswith(
        f"AWS_ENDPOINT_URL_STS {url!r} is not an endpoint URL; expected http:// or https://"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("team=blue", ("team", "blue"), id="plain"),
        pytest.param("cost-centre=", ("cost-centre", ""), id="empty-value"),
        pytest.param("url=a=b", ("url", "a=b"), id="equals-in-value"),
        pytest.param("Équipe=Données 2", ("Équipe", "Données 2"), id="letters-and-space"),
        pytest.param("k" * 128 + "=" + "v" * 256, ("k" * 128, "v" * 256), id="longest"),
        pytest.param("aws:x=_.:/=+-@", ("aws:x", "_.:/=+-@"), id="punctuation"),
    ],
)
def test_session_tag_within_stss_rules_is_accepted(text, expected):
    assert checks.check_tag(text, "from --tag") == expected


def test_profile_session_tags_are_comma_separated():
    assert checks.parse_session_tags("a=1, b=2", "in profile 'p'") == [("a", "1"), ("b", "2")]


def test_fifty_session_tags_are_accepted():
    assert len(checks.check_tags([(f"k{i}", "v") for i in range(50)], "x")) == 50
