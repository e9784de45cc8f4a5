"""The test-only control API of the local AWS, under ``/_localaws/`` on the server's own port.

Every control route and every route of moto's own API (``/moto-api/...``: its state dump
``data.json`` holds every secret key and session, ``reset``, ``reset-auth`` switches IAM
authorization off) answers ``403`` unless the request carries the server's instance token in the
``X-Localaws-Token`` header (``TOKEN_HEADER``). The token is random per start and written only
to the 0600 ``state.json`` in the 0700 state folder, so another local user, who can reach the
loopback port, cannot use these routes. The AWS APIs and mounted AWS endpoints (``/federation``)
need no token: they authenticate as AWS does.

* ``GET /_localaws/health``: ``{"ok": true, "pid": ..., "instance": "..."}``: the process id
  and the instance token, so that ``localaws stop`` signals a process only after it has proved
  to be the server the state file describes (it must also accept the recorded token)
* ``GET /_localaws/clock``: ``{"now": seconds, "offset": seconds}``
* ``POST /_localaws/clock`` ``{"advance": seconds}``: moves the clock forward, answers as GET
* ``GET /_localaws/fixes``: ``{"fixes": {name: enabled}}``
* ``POST /_localaws/fixes`` ``{name: bool, ...}``: switches fixes, answers as GET
* ``GET /_localaws/quotas``: ``{"quotas": {name: value}}`` (IAM quotas the fixes enforce)
* ``POST /_localaws/quotas`` ``{name: value, ...}``: adjusts quotas, as a quota increase in AWS
* ``POST /_localaws/admin`` ``{"account_id": "..."}``: creates (or returns) the admin user of
  that account: ``account_id``, ``user_arn``, ``access_key_id``, ``secret_access_key``

The clock offset moves only the compatibility layer's clock (TOTP time steps and MFA age), see
``localaws.clock``. Switching a fix off restores moto's own behaviour, which is how each fix's
test shows that it is needed. Everything else goes to moto unchanged.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from typing import Any, Protocol

from localaws import clock, compat
from localaws.server import TOKEN_HEADER

PREFIX = "/_localaws/"
MOTO_API_PREFIX = "/moto-api"
__all__ = ["PREFIX", "TOKEN_HEADER", "ControlMiddleware", "needs_token"]
_TOKEN_ENVIRON = "HTTP_" + TOKEN_HEADER.upper().replace("-", "_")


def needs_token(path: str) -> bool:
    """Whether ``path`` is a control route or moto's own API (not an AWS API).

    moto hands every path that starts with ``/moto-api`` to its own API (its
    ``DomainDispatcherApplication.get_application``), so the same test guards it here.
    """
    return path.startswith(PREFIX) or path.startswith(MOTO_API_PREFIX)


class _StartResponse(Protocol):
    def __call__(self, status: str, headers: list[tuple[str, str]], /) -> Any: ...


WsgiApp = Callable[[dict[str, Any], _StartResponse], Iterable[bytes]]


class ControlMiddleware:
    """Answer ``/_localaws/*`` itself, hand a mounted path to its app, every other request to moto.

    ``mounts`` maps a path (``/federation``) to a WSGI app serving an AWS endpoint that is not
    one of moto's APIs (see ``localaws.server.mounted_endpoints``).
    """

    def __init__(
        self,
        app: WsgiApp,
        *,
        create_admin: Callable[[str], Any],
        token: str,
        identity: Mapping[str, Any] | None = None,
        mounts: Mapping[str, WsgiApp] | None = None,
    ) -> None:
        if not token:
            raise ValueError("the control API needs a non-empty instance token")
        self._token = token.encode()
        self._app = app
        self._create_admin = create_admin
        self._identity = dict(identity or {})
        self._mounts = dict(mounts or {})

    def __call__(self, environ: dict[str, Any], start_response: _StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        for prefix, mounted in self._mounts.items():
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return mounted(environ, start_response)
        if needs_token(path) and not self._authorized(environ):
            return _answer(
                start_response,
                "403 Forbidden",
                {"error": f"{path} needs the instance token of state.json in {TOKEN_HEADER}"},
            )
        if not path.startswith(PREFIX):
            return self._app(environ, start_response)
        method = str(environ.get("REQUEST_METHOD", "GET"))
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length) if length else b""
            body: dict[str, Any] = json.loads(raw) if raw else {}
            status, answer = self._handle(method, path[len(PREFIX) :], body)
        except (ValueError, KeyError, TypeError) as error:
            status, answer = "400 Bad Request", {"error": str(error)}
        return _answer(start_response, status, answer)

    def _authorized(self, environ: Mapping[str, Any]) -> bool:
        sent = str(environ.get(_TOKEN_ENVIRON, "")).encode()
        return hmac.compare_digest(sent, self._token)

    def _handle(self, method: str, route: str, body: dict[str, Any]) -> tuple[str, Any]:
        ok = "200 OK"
        if route == "health":
            return ok, {"ok": True, **self._identity}
        if route == "clock":
            if method == "POST":
                clock.advance(float(body["advance"]))
            return ok, {"now": clock.now(), "offset": clock.offset()}
        if route == "fixes":
            if method == "POST":
                for name, enabled in body.items():
                    compat.set_enabled(str(name), bool(enabled))
            return ok, {"fixes": compat.fixes_state()}
        if route == "quotas":
            if method == "POST":
                for name, value in body.items():
                    compat.quotas.set_quota(str(name), int(value))
            return ok, {"quotas": compat.quotas.state()}
        if route == "admin" and method == "POST":
            return ok, asdict(self._create_admin(str(body["account_id"])))
        return "404 Not Found", {"error": f"no control route {method} /_localaws/{route}"}


def _answer(start_response: _StartResponse, status: str, answer: Any) -> list[bytes]:
    payload = json.dumps(answer).encode()
    start_response(
        status,
        [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
    )
    return [payload]
