"""The server's routing: mounted endpoints, the control API, then moto (no server needed)."""

from __future__ import annotations

import io
from typing import Any

import pytest

from localaws.control import ControlMiddleware


def answering(name: str) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [name.encode()]

    return app


def call(app: ControlMiddleware, path: str) -> bytes:
    statuses: list[str] = []
    environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET", "wsgi.input": io.BytesIO()}
    body = b"".join(app(environ, lambda status, headers: statuses.append(status)))
    return body


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
        mounts={"/federation": answering("federation")},
    )
    assert call(app, path) == served_by


def test_control_api_answers_itself():
    app = ControlMiddleware(answering("moto"), create_admin=lambda account: None)
    assert b'"ok": true' in call(app, "/_localaws/health")
