"""The server's clock: real time plus an offset that tests move forward instead of sleeping.

Only what the compatibility layer decides by time reads this clock: the time step of a TOTP
code and the age of an MFA authentication (``aws:MultiFactorAuthAge``). The control endpoint
(``/_localaws/clock``) sets the offset, so a test can make an MFA session older than a trust
policy's maximum age in a millisecond.
"""

from __future__ import annotations

import threading
import time

_lock = threading.Lock()
_offset_seconds = 0.0


def now() -> float:
    """Seconds since the epoch on the server's (possibly shifted) clock."""
    with _lock:
        return time.time() + _offset_seconds


def offset() -> float:
    with _lock:
        return _offset_seconds


def advance(seconds: float) -> float:
    """Move the clock forward (never backward: codes already used stay used); return the offset."""
    if seconds < 0:
        raise ValueError(f"the clock only moves forward, got {seconds} seconds")
    global _offset_seconds
    with _lock:
        _offset_seconds += seconds
        return _offset_seconds
