"""The server's request log: paths, never query strings.

A query string can carry a secret: a console sign-in request
(``/federation?Action=getSigninToken&Session=...``) holds a role session's secret key and
token, ``Action=login`` its sign-in token; a presigned URL its signature. The log records the
method, the path and the status only, and any line the HTTP server writes (an error quoting a
malformed request line, for example) has its query strings cut before it is written.
"""

from __future__ import annotations

import re
from typing import Any

_QUERY = re.compile(r"\?[^\s\"']*")
REDACTED = "?<query not logged>"


def without_query(text: str) -> str:
    """``text`` with every query string (from ``?`` to the next blank or quote) replaced."""
    return _QUERY.sub(REDACTED, text)


def request_handler() -> Any:
    """moto's request handler, logging paths without query strings (server only: imports moto)."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class PathOnlyRequestHandler(MotoRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            path = str(getattr(self, "path", "")).split("?", 1)[0]
            command = str(getattr(self, "command", ""))
            self.log("info", '"%s %s" %s %s', command, path, code, size)

        def log(self, type: str, message: str, *args: Any) -> None:
            super().log(type, "%s", without_query(message % args if args else message))

    return PathOnlyRequestHandler
