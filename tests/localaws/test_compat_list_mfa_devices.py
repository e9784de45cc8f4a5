"""Fix ``iam_list_mfa_devices_caller``: ListMFADevices without UserName lists the caller's own.

The helper discovers a developer's MFA device this way when a profile has no ``mfa_serial``.
"""

from __future__ import annotations

from tests.localaws.test_compat_sts_sessions import role_session
from tests.localaws.test_moto_compat import error_of


def test_list_mfa_devices_without_user_name_lists_the_callers_devices(aws, unique):
    dev = aws.create_developer(unique)
    devices = aws.client("iam", dev.credentials)
    aws.client("iam").put_user_policy(
        UserName=dev.user_name,
        PolicyName="own-devices",
        PolicyDocument=(
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
            f'"Action": "iam:ListMFADevices", "Resource": "{dev.arn}"}}]}}'
        ),
    )
    listed = devices.list_mfa_devices()["MFADevices"]
    assert [(d["UserName"], d["SerialNumber"]) for d in listed] == [(dev.user_name, dev.mfa_serial)]


def test_list_mfa_devices_with_a_role_session_needs_a_user_name(aws, unique):
    code, message = error_of(aws.client("iam", role_session(aws, unique)).list_mfa_devices)
    assert (code, message) == (
        "ValidationError",
        "Must specify userName when calling with non-User credentials",
    )


def test_list_mfa_devices_without_user_name_without_fix(aws, unique):
    dev = aws.create_developer(unique)
    aws.client("iam").attach_user_policy(
        UserName=dev.user_name, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess"
    )
    with aws.fix_disabled("iam_list_mfa_devices_caller"):
        code, message = error_of(aws.client("iam", dev.credentials).list_mfa_devices)
    assert (code, message) == ("NoSuchEntity", "The user with name None cannot be found.")
