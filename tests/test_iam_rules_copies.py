"""IAM's rules have two copies: ``developer_role.iam_rules`` (the app side: the construct
library, the configuration, the account checks and the local AWS use it) and the helper's
``mfa_assume.checks`` (installed alone with boto3, without the CDK). These tables hold the two
to one answer, and one message where both word it, for every rule they share: role paths and
names, role ARNs and partitions, MFA serials, session limits.
"""

from __future__ import annotations

import pytest

from developer_role import iam_rules, validation
from developer_role.validation import path_error, role_name_error
from developer_roles.config import ConfigError, validate
from mfa_assume import checks
from mfa_assume.errors import InputError
from stacks.profiles import role_arn

ALICE = "arn:aws:iam::123456789012:user/alice"
PATHS = [
    "/",
    "/developers/",
    "/a/b/c/",
    "/team#1/",
    "/~!$%&()[]{}<>|^`'\"\\:;/",
    "///",
    "/a//",
    "/" + "a" * 510 + "/",
    "/" + "a" * 511 + "/",
    "//",
    "developers/",
    "/developers",
    "/has space/",
    "/caf\u00e9/",
    "",
]


def configuration_accepts(path: str) -> bool:
    try:
        validate({"account": "123456789012", "path": path, "principals": [ALICE]})
    except ConfigError:
        return False
    return True


def helper_accepts(arn: str) -> bool:
    try:
        checks.check_role_arn(arn)
    except InputError:
        return False
    return True


@pytest.mark.parametrize("path", PATHS, ids=repr)
def test_configuration_construct_and_helper_agree_on_the_role_path(path: str) -> None:
    by_helper = checks.role_path_problem(path) is None
    assert configuration_accepts(path) is by_helper
    assert (path_error("path", path) is None) is by_helper


@pytest.mark.parametrize("path", [p for p in PATHS if configuration_accepts(p)], ids=repr)
def test_every_role_the_configuration_accepts_is_a_role_arn_the_helper_accepts(path: str) -> None:
    config = validate({"account": "123456789012", "path": path, "principals": [ALICE]})
    for spec in config.roles:
        assert helper_accepts(role_arn(spec, "123456789012"))


@pytest.mark.parametrize(
    "name", ["PowerUser-alice", "r" * 64, "r" * 65, "", "caf\u00e9", "a b"], ids=repr
)
def test_construct_and_helper_agree_on_the_role_name(name: str) -> None:
    assert (role_name_error("role_name", name) is None) is (checks.role_name_problem(name) is None)
    assert validation.role_name_problem(name) == checks.role_name_problem(name)


@pytest.mark.parametrize("path", PATHS, ids=repr)
def test_construct_and_helper_give_the_same_message_for_a_path(path: str) -> None:
    assert validation.role_path_problem(path) == checks.role_path_problem(path)


# --- Every rule the helper's copy shares with developer_role.iam_rules --------------------

SERIALS = [
    "arn:aws:iam::123456789012:mfa/alice",
    "arn:aws:iam::123456789012:mfa/team/alice",
    "arn:aws-cn:iam::123456789012:mfa/alice",
    "arn:aws-us-gov:iam::123456789012:mfa/a+b=c,d.e@f_g-h",
    "arn:aws:iam::123456789012:mfa/\u00e5sa",  # IAM's \w is ASCII
    "arn:aws:iam::123456789012:mfa/",
    "arn:aws:iam::123456789012:mfa//alice",
    "arn:aws:iam::123456789012:mfa/alice/",
    "arn:aws:iam::12345678901:mfa/alice",
    "arn:aws-nope:iam::123456789012:mfa/alice",
    "arn:aws:iam::123456789012:user/alice",
    "arn:aws:iam::123456789012:mfa/has space",
    "GAHT12345678",
    "GAHT1234",  # 8 characters: too short
    "G" * 256,
    "G" * 257,
    "serial/with:colons",
    "caf\u00e9-serial-1",
]


def helper_serial_ok(serial: str) -> bool:
    try:
        checks.check_serial_number(serial)
    except InputError:
        return False
    return True


@pytest.mark.parametrize("serial", SERIALS, ids=repr)
def test_helper_and_app_agree_on_mfa_serials(serial: str) -> None:
    assert helper_serial_ok(serial) is (iam_rules.mfa_serial_problem(serial) is None)


ROLE_ARNS = [
    "arn:aws:iam::123456789012:role/PowerUser-alice",
    "arn:aws:iam::123456789012:role/developers/PowerUser-alice",
    "arn:aws-cn:iam::123456789012:role/r",
    "arn:aws-us-gov:iam::123456789012:role/team#1/r",
    "arn:aws-iso-b:iam::123456789012:role/r",
    "arn:aws-nope:iam::123456789012:role/r",
    "arn:aws:iam::123456789012:role//r",  # the path would be "//": nothing between
    "arn:aws:iam::123456789012:role///r",  # path "///": IAM's pattern has "/" in \x21-\x7e
    "arn:aws:iam::123456789012:role/a//r",
    "arn:aws:iam::123456789012:role/r" + "x" * 63,
    "arn:aws:iam::123456789012:role/caf\u00e9",
    "arn:aws:iam::1234:role/r",
    "arn:aws:iam::123456789012:user/r",
    "arn:aws:iam::123456789012:role/*",
]


def helper_role_arn_ok(arn: str) -> bool:
    try:
        checks.check_role_arn(arn)
    except InputError:
        return False
    return True


def app_role_arn_ok(arn: str) -> bool:
    match = iam_rules.PRINCIPAL_ARN.fullmatch(arn)
    return (
        iam_rules.principal_arn_problem(arn) is None
        and match is not None
        and match["kind"] == "role"
    )


@pytest.mark.parametrize("arn", ROLE_ARNS, ids=repr)
def test_helper_and_app_agree_on_role_arns_and_partitions(arn: str) -> None:
    assert helper_role_arn_ok(arn) is app_role_arn_ok(arn)


def test_helper_and_app_hold_the_same_partitions_and_limits() -> None:
    assert set(checks.PARTITIONS) == set(iam_rules.PARTITIONS)
    assert checks.MAX_ROLE_PATH_LENGTH == iam_rules.MAX_ROLE_PATH_LENGTH
    assert checks.MAX_ROLE_NAME_LENGTH == iam_rules.MAX_ROLE_NAME_LENGTH
    assert checks.MAX_DURATION == iam_rules.MAX_SESSION_SECONDS
    assert checks.MAX_MFA_AGE == iam_rules.MAX_SESSION_SECONDS


# Tags: IAM's (roles: developer_role.iam_rules) and STS's (session tags: the helper) share
# lengths and characters (API_Tag in both references); only IAM reserves the "aws:" prefix.
TAG_KEYS = [
    "team",
    "k" * 128,
    "k" * 129,
    "",
    "cost center",
    "a:b/c=d+e-f@g_h.i",
    "caf\u00e9",
    "comma,",
    "semi;",
    "tab\t",
    "\u00e9quipe",
    "\u0661\u0662",
]
TAG_VALUES = ["platform", "", "v" * 256, "v" * 257, "alice, bob", "caf\u00e9", "x=y", "new\nline"]


def helper_tag_ok(key: str, value: str) -> bool:
    try:
        checks.check_tag(f"{key}={value}", "from --tag")
    except InputError:
        return False
    return True


@pytest.mark.parametrize("key", [k for k in TAG_KEYS if "=" not in k], ids=repr)
def test_helper_and_app_agree_on_tag_keys(key: str) -> None:
    assert helper_tag_ok(key, "v") is (iam_rules.tag_key_problem(key) is None)


@pytest.mark.parametrize("value", TAG_VALUES, ids=repr)
def test_helper_and_app_agree_on_tag_values(value: str) -> None:
    assert helper_tag_ok("team", value) is (iam_rules.tag_value_problem(value) is None)


# IAM (and so the helper, which names existing roles) accepts "*", "?" and "${" in a path; the
# app refuses them in the paths it creates roles under, where policies would read them as a
# wildcard or a policy variable (iam_rules.POLICY_SPECIAL).
POLICY_SPECIAL_PATHS = ["/~!$%&*()[]{}<>?|^`'\"\\:;/", "/dev*/", "/dev?/", "/${aws:username}/"]


@pytest.mark.parametrize("path", POLICY_SPECIAL_PATHS, ids=repr)
def test_the_app_refuses_wildcards_in_a_path_that_iam_and_the_helper_accept(path: str) -> None:
    assert checks.role_path_problem(path) is None
    assert not configuration_accepts(path)
    error = path_error("path", path)
    assert error is not None
    assert "which a policy's Resource reads as a wildcard or policy variable" in error
