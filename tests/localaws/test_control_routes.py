"""The server's routing: mounted endpoints, the control API, then moto (no server needed)."""

from __future__ import annotations

import io
from typing import Any

import pytest

from localaws.control import TOKEN_HEADER, ControlMiddleware

TOKEN = "4f1c-instance-token"


def answering(name: str) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [name.encode()]

    return app


def call(app: ControlMiddleware, path: str, token: str | None = TOKEN) -> bytes:
    return answer(app, path, token)[1]


def answer(app: ControlMiddleware, path: str, token: str | None) -> tuple[str, bytes]:
    statuses: list[str] = []
    environ: dict[str, Any] = {
        "PATH_INFO": path,
        "REQUEST_METHOD": "GET",
        "wsgi.input": io.BytesIO(),
    }
    if token is not None:
        environ["HTTP_" + TOKEN_HEADER.upper().replace("-", "_")] = token
    body = b"".join(app(environ, lambda status, headers: statuses.append(status)))
    return statuses[0], body


@pytest.mark.parametrize(
    ("path", "served_by"),
    [
        pytest.param("/federation", b"federation", id="mounted-path"),
        pytest.param("/federation/x", b"federation", id="below-a-mounted-path"),
        pytest.param("/federationx", b"moto", id="a-longer-name-is-not-the-mount"),
        pytest.param("/", b"moto", id="aws-apis"),
    ],
)
def test_requests_go_to_the_mounted_endpoint_or_to_moto(path, served_by):
    app = ControlMiddleware(
        answering("moto"),
        create_admin=lambda account: None,
        token=TOKEN,
        mounts={"/federation": answering("federation")},
    )
    assert call(app, path) == served_by


def test_control_api_answers_itself():
    app = ControlMiddleware(answering("moto"), create_admin=lambda account: None, token=TOKEN)
    assert b'"ok": true' in call(app, "/_localaws/health")


@pytest.mark.parametrize(
    "path",
    [
        "/_localaws/health",
        "/_localaws/admin",
        "/_localaws/no-such-route",
        "/moto-api/data.json",
        "/moto-api/reset",
        "/moto-api/reset-auth",
        "/moto-api",
    ],
)
@pytest.mark.parametrize(
    "token",
    [None, "", "4f1c-instance-toke", TOKEN + "x", TOKEN.upper()],
    ids=["no-token", "empty", "prefix", "longer", "other-case"],
)
def test_control_and_moto_api_refuse_a_request_without_the_instance_token(path, token):
    app = ControlMiddleware(answering("moto"), create_admin=lambda account: None, token=TOKEN)
    status, body = answer(app, path, token)
    assert status == "403 Forbidden"
    assert body != b"moto"
    assert TOKEN.encode() not in body


@pytest.mark.parametrize(
    ("path", "served_by"),
    [
        pytest.param("/moto-api/data.json", b"moto", id="moto-api"),
        pytest.param("/", b"moto", id="aws-apis-need-no-token"),
        pytest.param("/federation", b"federation", id="aws-endpoints-need-no-token"),
    ],
)
def test_with_the_token_or_on_aws_apis_requests_are_served(path, served_by):
    app = ControlMiddleware(
        answering("moto"),
        create_admin=lambda account: None,
        token=TOKEN,
        mounts={"/federation": answering("federation")},
    )
    token = TOKEN if path.startswith("/moto-api") else None
    assert answer(app, path, token) == ("200 OK", served_by)
