"""The moto version every fix was checked against; importing a fix with another one fails."""

from __future__ import annotations

import moto

PINNED_MOTO_VERSION = "5.2.5"
if moto.__version__ != PINNED_MOTO_VERSION:  # pragma: no cover - guards an upgrade
    raise ImportError(
        f"localaws.compat patches moto {PINNED_MOTO_VERSION} internals; found moto "
        f"{moto.__version__}. Re-check every fix against the new version before changing the pin."
    )
