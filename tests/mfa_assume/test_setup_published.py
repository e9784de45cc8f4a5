"""``mfa-assume setup`` without ``--from``: a failed read of the published profiles is one
``mfa-assume setup:`` line with the AWS error's code and message (never a raw XML or HTML
body; bounded) and the way around it, ``--from FILE``.

botocore surfaces an XML answer to SSM (a JSON-protocol service; a local AWS or a proxy may
answer XML) as a ClientError whose code is the HTTP status and whose message is the body.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from botocore.stub import Stubber

from mfa_assume import flow, setup_cli
from mfa_assume.aws import AwsClients
from mfa_assume.aws_errors import MAX_MESSAGE_CHARS, error_of
from tests.mfa_assume.conftest import BASE_KEY_ID, BASE_SECRET
from tests.mfa_assume.test_setup import ERIN, Home

DENIED = f"User: {ERIN} is not authorized to perform: ssm:GetParametersByPath"
XML_BODY = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="https://iam.amazonaws.com/'
    'doc/2010-05-08/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>'
    f"{DENIED}</Message></Error><RequestId>4d5c</RequestId></ErrorResponse>"
)
EXIT_ACCESS_DENIED, EXIT_AWS = 8, 1


def ssm_setup(home: Home, error_code: str, message: str, status: int) -> tuple[int, str]:
    import botocore.session

    (home.root / ".aws" / "credentials").write_text(
        f"[default]\naws_access_key_id = {BASE_KEY_ID}\naws_secret_access_key = {BASE_SECRET}\n",
        encoding="utf-8",
    )
    ssm = botocore.session.Session().create_client(
        "ssm",
        region_name="eu-north-1",
        aws_access_key_id=BASE_KEY_ID,
        aws_secret_access_key=BASE_SECRET,
    )
    stub = Stubber(ssm)
    stub.add_client_error(
        "get_parameters_by_path",
        service_error_code=error_code,
        service_message=message,
        http_status_code=status,
    )

    def clients(*_: Any) -> AwsClients:
        return AwsClients(sts=None, iam=None, session_client=lambda _service: ssm)

    err = io.StringIO()
    deps = flow.Deps(env=home.env, stderr=err, make_clients=clients)
    with stub:
        code = setup_cli.main(["--principal", ERIN], deps, io.StringIO().write)
    stub.assert_no_pending_responses()
    return code, err.getvalue()


@pytest.mark.parametrize(
    ("error_code", "message", "status", "said", "exit_code"),
    [
        pytest.param(
            "403",
            XML_BODY,
            403,
            f"GetParametersByPath was denied (AccessDenied: {DENIED})",
            EXIT_ACCESS_DENIED,
            id="xml-body-to-a-json-service",
        ),
        pytest.param(
            "403",
            "<html><head><title>403 Forbidden</title></head><body>" + "x" * 5000 + "</body>",
            403,
            "GetParametersByPath failed (HTTP 403: 403 Forbidden)",
            EXIT_AWS,
            id="html-body",
        ),
        pytest.param(
            "AccessDeniedException",
            DENIED,
            400,
            f"GetParametersByPath failed (AccessDeniedException: {DENIED})",
            EXIT_AWS,
            id="client-error",
        ),
    ],
)
def test_a_denied_read_is_one_setup_line_with_the_code_message_and_from_hint(
    tmp_path, error_code, message, status, said, exit_code
):
    code, err = ssm_setup(Home(tmp_path), error_code, message, status)
    assert code == exit_code
    (line,) = err.splitlines()
    assert line == (
        "mfa-assume setup: cannot read the profiles published in SSM /developer-roles/profiles: "
        f"{said}; use --from FILE (the profiles file synthesis writes: "
        "cdk.out/aws-config-profiles.ini), or --region with the identity account's region"
    )
    assert "<" not in line


def test_a_body_without_code_or_message_is_not_quoted_and_long_messages_are_cut():
    assert error_of({"Error": {"Code": "500", "Message": "<x>" + "y" * 900 + "</x>"}}) == (
        "HTTP 500",
        "an XML or HTML answer of 907 characters, not shown",
    )
    code, message = error_of({"Error": {"Code": "Throttling", "Message": "z" * 2000}})
    assert (code, len(message)) == ("Throttling", MAX_MESSAGE_CHARS)
    assert message.endswith("...")
