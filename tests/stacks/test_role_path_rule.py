"""One rule for IAM role paths and names: what the configuration accepts, the helper accepts.

The helper (``mfa_assume.checks``, installed alone with boto3) and the construct library
(``developer_role.validation``, installed alone with the CDK) each state IAM's rule, so that
neither depends on the other; the configuration loader uses the library's. This table holds
the three to one answer and one message.
"""

from __future__ import annotations

import pytest

from developer_role import validation
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
    "/~!$%&*()[]{}<>?|^`'\"\\:;/",
    "///",
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
