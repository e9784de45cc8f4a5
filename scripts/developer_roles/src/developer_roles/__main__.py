"""``python -m developer_roles``: the same as the ``developer-roles`` command."""

from __future__ import annotations

import sys

from developer_roles.cli import main

sys.exit(main())
