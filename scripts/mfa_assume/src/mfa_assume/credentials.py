"""The temporary credentials value passed between cache, AWS and output."""

from __future__ import annotations

import datetime as dt

from mfa_assume.records import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from typing import Any


class Credentials(NamedTuple):
    """Temporary AWS credentials. ``repr`` shows only the access key id and expiry.

    (A NamedTuple rather than a dataclass: ``dataclasses`` costs milliseconds to import,
    and this is on the cache-hit path.)
    """

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: dt.datetime  # timezone-aware, UTC

    def __repr__(self) -> str:
        return f"Credentials(access_key_id={self.access_key_id!r}, expires={self.expiration_iso()})"

    def seconds_left(self, now: dt.datetime) -> float:
        return (self.expiration - now).total_seconds()

    def expiration_iso(self) -> str:
        """ISO 8601 in UTC with a ``Z``, as ``credential_process`` and botocore expect."""
        return self.expiration.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def to_dict(self) -> dict[str, Any]:
        return {
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
            "SessionToken": self.session_token,
            "Expiration": self.expiration_iso(),
        }

    @classmethod
    def from_dict(cls, data: Any) -> Credentials:
        """From an STS ``Credentials`` structure or :meth:`to_dict` output.

        Raises ``ValueError`` (or ``KeyError``/``TypeError``) when a field is missing or wrong.
        """
        expiration = data["Expiration"]
        if isinstance(expiration, str):
            expiration = dt.datetime.fromisoformat(expiration.replace("Z", "+00:00"))
        if not isinstance(expiration, dt.datetime) or expiration.tzinfo is None:
            raise ValueError("Expiration must be a timezone-aware timestamp")
        fields = [data[k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")]
        if not all(isinstance(f, str) and f for f in fields):
            raise ValueError("credential fields must be non-empty strings")
        return cls(fields[0], fields[1], fields[2], expiration.astimezone(dt.UTC))
